"""Property: for a Job written in any common YAML style with an immutable edit, every proposed fix is verified,
applies, parses, removes the finding and keeps every comment (jobguard.fixes)."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobguard import check as engine
from jobguard import config
from jobguard import diff as diffs
from jobguard.fixes.attach import attach
from jobguard.fixes.lines import BOM, apply
from tests.test_fixes import comment_lines

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ANNOTATIONS = (
    ("owner", "team-a"),
    ("argocd.argoproj.io/sync-wave", "-1"),  # needs quotes
    ("argocd.argoproj.io/sync-options", "Prune=false"),  # csv-append target
    ("example.com/note", "a, b"),  # a comma: quotes inside flow mappings
    ("kustomize.toolkit.fluxcd.io/ssa", "IfNotPresent"),
)


@dataclass(frozen=True)
class Style:
    indent: int
    flush: bool
    newline: str
    flow_metadata: bool
    annotations: str  # none | block | flow | null | empty-flow
    items: tuple[tuple[str, str], ...]
    labels: bool
    namespace: bool
    annotations_first: bool
    quote: str  # "" (plain where possible), "'" or '"'
    comments: bool
    final_newline: bool
    bom: bool
    preceding_document: bool
    name: str
    tool: str


def scalar(value: str, quote: str, flow: bool) -> str:
    """The value in the drawn quote style, or plain when YAML reads it back as the same string."""
    if quote == "'":
        return "'" + value.replace("'", "''") + "'"
    try:
        plain = yaml.safe_load(f"{{k: {value}}}" if flow else f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        plain = False
    return value if plain and quote == "" else '"' + value + '"'


def render(s: Style, tag: str) -> str:
    """A Job in the drawn style; `tag` is the image tag (the immutable edit)."""
    i = " " * s.indent
    c = s.comments
    lines = ["# generated Job"] if c else []
    if s.preceding_document:
        lines += ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"{i}name: cfg", "data:", f"{i}k: v", "---"]
    lines += ["apiVersion: batch/v1", "kind: Job"]
    name = scalar(s.name, s.quote, s.flow_metadata)
    if s.flow_metadata:
        parts = [f"name: {name}"]
        if s.namespace:
            parts.append("namespace: apps")
        ann = ", ".join(f"{k}: {scalar(v, s.quote, True)}" for k, v in s.items)
        block = {"none": [], "block": [f"annotations: {{{ann}}}"], "flow": [f"annotations: {{{ann}}}"]}
        block |= {"null": ["annotations: null"], "empty-flow": ["annotations: {}"]}
        labels = ["labels: {app: x}"] if s.labels else []
        parts += [*block[s.annotations], *labels] if s.annotations_first else [*labels, *block[s.annotations]]
        lines.append("metadata: {" + ", ".join(parts) + "}")
    else:
        lines.append("metadata:" + ("  # object identity" if c else ""))
        lines.append(f"{i}name: {name}" + ("   # keep me" if c else ""))
        if s.namespace:
            lines.append(f"{i}namespace: apps")
        if c:
            lines.append(f"{i}# between keys")
        ann_lines = {
            "none": [],
            "block": [f"{i}annotations:"] + [f"{i}{i}{k}: {scalar(v, s.quote, False)}" for k, v in s.items],
            "flow": [f"{i}annotations: {{" + ", ".join(f"{k}: {scalar(v, s.quote, True)}" for k, v in s.items) + "}"],
            "null": [f"{i}annotations:" + (" # none yet" if c else "")],
            "empty-flow": [f"{i}annotations: {{}}"],
        }[s.annotations]
        if s.annotations == "block" and not s.items:
            ann_lines = [f"{i}annotations: {{}}"]
        label_lines = [f"{i}labels:", f"{i}{i}app: x" + ("  # team" if c else "")] if s.labels else []
        lines += ann_lines + label_lines if s.annotations_first else label_lines + ann_lines
    if c:
        lines.append("# after metadata")
    seq = i * 3 if s.flush else i * 4
    lines += ["spec:", f"{i}backoffLimit: 1", f"{i}template:", f"{i}{i}spec:", f"{i}{i}{i}restartPolicy: Never"]
    lines += [
        f"{i}{i}{i}containers:",
        f"{seq}- name: main",
        f"{seq}  image: busybox:{tag}" + ("  # pinned" if c else ""),
    ]
    text = s.newline.join(lines) + (s.newline if s.final_newline else "")
    return BOM + text if s.bom else text


@st.composite
def styles(draw: st.DrawFn) -> Style:
    return Style(
        indent=draw(st.sampled_from([2, 4])),
        flush=draw(st.booleans()),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        flow_metadata=draw(st.booleans()),
        annotations=draw(st.sampled_from(["none", "block", "flow", "null", "empty-flow"])),
        items=tuple(draw(st.lists(st.sampled_from(ANNOTATIONS), unique=True, max_size=3))),
        labels=draw(st.booleans()),
        namespace=draw(st.booleans()),
        annotations_first=draw(st.booleans()),
        quote=draw(st.sampled_from(["", "'", '"'])),
        comments=draw(st.booleans()),
        final_newline=draw(st.booleans()),
        bom=draw(st.booleans()),
        preceding_document=draw(st.booleans()),
        name=draw(st.sampled_from(["db-migrate", "report", "x1", "seed-data"])),
        tool=draw(st.sampled_from(["argocd", "flux"])),
    )


def reader(files: dict[tuple[str, str], str]) -> engine.Reader:
    def read(path: str, side: engine.Side) -> bytes | None:
        text = files.get((side, path))
        return None if text is None else text.encode("utf-8")

    return read


@settings(
    max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(styles())
def test_every_fix_of_an_immutable_edit_works_in_any_style(style: Style) -> None:
    path = "apps/job.yaml"
    base, head = render(style, "1.35"), render(style, "1.36")
    assert len(list(yaml.load_all(head.removeprefix(BOM), Loader=Loader))) == 1 + style.preceding_document
    options = engine.CheckOptions(config.parse(f"gitops: {style.tool}\n", "property"))
    changes = diffs.parse(diffs.unified(path, path, base, head))
    read = reader({("base", path): base, ("head", path): head})
    result = engine.run(changes, read, options)
    (finding,) = [f for f in result.findings if f.rule == "job-immutable-field"]
    (got,) = attach([finding], result.files, options)
    assert [f.strategy for f in got.fixes] == [i.strategy for i in finding.intents]
    for fix in got.fixes:
        new = apply(head, fix.edit)
        assert new.startswith(BOM) == style.bom
        assert new.endswith(style.newline) == style.final_newline
        if style.newline == "\r\n":
            assert new.count("\n") == new.count("\r\n"), "a line with the wrong line ending"
        docs = list(yaml.load_all(new.removeprefix(BOM), Loader=Loader))
        assert docs[-1]["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.36"
        assert comment_lines(new) == comment_lines(head)
        after = engine.run(changes, reader({("base", path): base, ("head", path): new}), options)
        assert not any(f.rule == finding.rule and f.object == finding.object for f in after.findings)
