"""jobguard.fixes: golden style variants (fixtures/fixes/), edits and placement, verification, the real corpus.

Run `python -m tests.test_fixes` for the corpus table (verified fixes per strategy, GitHub/GitLab placement).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobguard import check as engine
from jobguard import config
from jobguard import diff as diffs
from jobguard.findings import AnnotationEdit, Finding, FixIntent, TextEdit
from jobguard.fixes import strategies
from jobguard.fixes.apply import apply_all
from jobguard.fixes.attach import attach
from jobguard.fixes.lines import BOM, apply, line_edit, newline_of
from jobguard.fixes.source import NoFix, Window
from jobguard.fixes.values import annotation_value
from jobguard.fixes.yamledit import edited
from jobguard.manifests import load
from jobguard.platforms.github import suggestions as github
from jobguard.platforms.gitlab import suggestions as gitlab
from tests.corpus import CORPUS, needs_corpus
from tests.rule_cases import load_cases, options_for
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "fixtures" / "fixes"

MAKE: Mapping[str, Callable[..., FixIntent]] = {
    strategies.ARGOCD_HOOK: strategies.argocd_hook,
    strategies.ARGOCD_HOOK_GENERATE_NAME: strategies.argocd_hook_generate_name,
    strategies.ARGOCD_FORCE: strategies.argocd_force,
    strategies.ARGOCD_FORCE_REPLACE: strategies.argocd_force_replace,
    strategies.FLUX_FORCE_STRATEGY: strategies.flux_force,
    strategies.ADD_BEFORE_HOOK_CREATION: strategies.add_before_hook_creation,
    strategies.CORRECT_HOOK_PHASE: strategies.correct_hook_phase,
    strategies.HOOK_FOR_GENERATE_NAME: strategies.hook_for_generate_name,
}


# --------------------------------------------------------------------------------------------------------
# Helpers: a two-sided change from texts, and the real `patch`


@dataclass(frozen=True)
class Pair:
    """A change of one or more files: texts per (side, path), the parsed diff and a reader over them."""

    files: Mapping[tuple[str, str], str | None]
    changes: tuple[diffs.FileChange, ...]

    @classmethod
    def of(cls, texts: Mapping[str, tuple[str | None, str | None]]) -> Pair:
        diff = "".join(
            diffs.unified(
                path if base is not None else None, path if head is not None else None, base or "", head or ""
            )
            for path, (base, head) in texts.items()
        )
        files = {("base", p): b for p, (b, _) in texts.items()} | {("head", p): h for p, (_, h) in texts.items()}
        return cls(files, tuple(diffs.parse(diff)))

    def read(self, path: str, side: engine.Side) -> bytes | None:
        text = self.files.get((side, path))
        return None if text is None else text.encode("utf-8")

    def parsed(self, options: engine.CheckOptions) -> tuple[engine.LoadedFile, ...]:
        """The files as the engine parses them (what production hands to `attach`)."""
        return engine.run(self.changes, self.read, options).files

    def check(self, options: engine.CheckOptions) -> tuple[Finding, ...]:
        result = engine.run(self.changes, self.read, options)
        return attach(result.findings, result.files, options)


def fixed_text(intent: FixIntent, text: str, index: str) -> str:
    """The production edit (`yamledit.edited`) of the object at `index`, found as the engine's parse finds it."""
    head = load("job.yaml", text.encode("utf-8"))
    manifest = next((m for m in head.manifests if str(m.index) == index), None)
    if manifest is None:
        raise NoFix(f"the engine parses no Job at {index}: {'; '.join(p.message for p in head.problems)}")
    return (BOM if head.bom else "") + edited(intent, head.text, Window.of(manifest))


def edit_between(before: str, after: str) -> TextEdit | None:
    return line_edit(diffs.split_lines(before), diffs.split_lines(after))


def options(raw: Mapping[str, Any] | None = None) -> engine.CheckOptions:
    """Check options from configuration keys (`.jobguard.yaml` syntax, e.g. `{fix: {hook-phase: PostSync}}`)."""
    return (
        engine.CheckOptions(config.parse(yaml.safe_dump(dict(raw)), "test options")) if raw else engine.CheckOptions()
    )


PATCH = shutil.which("patch")
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def patched(path: str, text: str, diff: str) -> str:
    """`text` stored at `path` in a temporary tree, with `diff` applied by GNU patch -p1."""
    assert PATCH is not None
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        subprocess.run(
            [PATCH, "-p1", "--batch", "--silent", "--no-backup-if-mismatch", "-d", tmp],
            input=diff.encode("utf-8"),
            check=True,
            capture_output=True,
        )
        return target.read_bytes().decode("utf-8")


def comment_lines(text: str) -> list[str]:
    """Each line holding a `#`, reduced to its comment when it has text before it (so a renamed key's line
    still matches): a check independent of the scanner `jobguard.fixes` checks comments with, for texts where no
    value holds a `#`."""
    lines = [line.rstrip("\r\n") for line in diffs.split_lines(text) if "#" in line]
    return [line if line.lstrip().startswith("#") else line[line.index("#") :] for line in lines]


def about(f: Finding, g: Finding) -> bool:
    return (g.rule, g.object, g.location.path) == (f.rule, f.object, f.location.path)


# --------------------------------------------------------------------------------------------------------
# Golden style variants


@dataclass(frozen=True)
class Golden:
    name: str
    before: str
    after: str
    intent: FixIntent
    index: str
    spec: Mapping[str, Any]

    @property
    def base(self) -> str:
        old, new = self.spec["base_edit"]
        assert old in self.before
        return self.before.replace(old, new, 1)


def golden_cases() -> list[Golden]:
    cases = []
    for folder in sorted(p for p in GOLDEN.iterdir() if p.is_dir()):
        spec = yaml.safe_load((folder / "intent.yaml").read_text(encoding="utf-8"))
        cases.append(
            Golden(
                name=folder.name,
                before=(folder / "before.yaml").read_bytes().decode("utf-8"),  # bytes: keep CRLF and BOM
                after=(folder / "after.yaml").read_bytes().decode("utf-8"),
                intent=MAKE[spec["strategy"]](*spec.get("args", [])),
                index=str(spec.get("index", "0")),
                spec=spec,
            )
        )
    return cases


GOLDEN_CASES = golden_cases()
GOLDEN_IDS = [c.name for c in GOLDEN_CASES]


def test_golden_set_covers_the_style_variants() -> None:
    names = set(GOLDEN_IDS)
    assert len(names) >= 20
    crlf = next(c for c in GOLDEN_CASES if c.name == "crlf")
    assert "\r\n" in crlf.before and crlf.before.count("\r\n") == crlf.before.count("\n"), "CRLF fixture normalised"
    assert next(c for c in GOLDEN_CASES if c.name == "bom").before.startswith(BOM)
    assert not next(c for c in GOLDEN_CASES if c.name == "no-final-newline").before.endswith("\n")


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=GOLDEN_IDS)
def test_golden_text(case: Golden) -> None:
    assert fixed_text(case.intent, case.before, case.index) == case.after
    edit = edit_between(case.before, case.after)
    assert edit is not None
    assert apply(case.before, edit) == case.after
    replaced = diffs.split_lines(case.before)[edit.start_line - 1 : edit.end_line]
    new = diffs.split_lines(edit.new_text)
    widened = len(replaced) == 1 and replaced[0] in (new[0], new[-1])  # an insertion repeats one line
    assert widened or (replaced[0] != new[0] and replaced[-1] != new[-1]), "edit wider than needed"
    assert comment_lines(case.after) == comment_lines(case.before)


@pytest.mark.parametrize("case", [c for c in GOLDEN_CASES if "rule" in c.spec], ids=lambda c: c.name)
def test_golden_through_the_engine(case: Golden) -> None:
    """The same edit comes out of `attach` for the finding the engine really reports, and `patch` applies it."""
    found = Pair.of({"job.yaml": (case.base, case.before)}).check(options(case.spec.get("options")))
    finding = next(f for f in found if f.rule == case.spec["rule"])
    fix = next(x for x in finding.fixes if x.strategy == case.intent.strategy)
    assert fix.title == case.intent.title
    assert apply(case.before, fix.edit) == case.after
    assert fix.diff == diffs.unified("job.yaml", "job.yaml", case.before, case.after, git_header=False)
    if PATCH:
        assert patched("job.yaml", case.before, fix.diff) == case.after


def test_fixed_files_keep_a_byte_order_mark() -> None:
    case = next(c for c in GOLDEN_CASES if c.name == "bom")
    finding = next(f for f in Pair.of({"job.yaml": (case.base, case.before)}).check(options()) if f.fixes)
    assert next(f for f in finding.fixes if f.strategy == case.intent.strategy).edit.start_line > 1
    files = apply_all([finding], lambda path: case.before.encode("utf-8"), case.intent.strategy).texts
    assert files == {"job.yaml": case.after}


def test_attach_fixes_the_findings_own_object() -> None:
    """The fix lands in the finding's own object (the second document); a finding about an object the head file
    does not hold gets none."""
    case = next(c for c in GOLDEN_CASES if c.name == "multi-document")
    pair = Pair.of({"job.yaml": (case.base, case.before)})
    result = engine.run(pair.changes, pair.read, options())
    finding = next(f for f in result.findings if f.intents)
    (got,) = attach([finding], result.files, options())
    fix = next(x for x in got.fixes if x.strategy == case.intent.strategy)
    assert apply(case.before, fix.edit) == case.after
    assert finding.object is not None
    elsewhere = replace(finding, object=replace(finding.object, name="not-there"))
    assert attach([elsewhere], result.files, options())[0].fixes == ()


# --------------------------------------------------------------------------------------------------------
# Lines, edits and diffs


@pytest.mark.parametrize(
    ("before", "after", "edit"),
    [
        ("a\nb\nc\n", "a\nB\nc\n", TextEdit(2, 2, "B\n")),
        ("a\nb\nc\n", "a\nb\nx\ny\nc\n", TextEdit(2, 2, "b\nx\ny\n")),  # insertion: repeats the line before
        ("a\nb\n", "x\na\nb\n", TextEdit(1, 1, "x\na\n")),  # at the top: repeats the line after
        ("a\nb", "a\nb\nc", TextEdit(2, 2, "b\nc")),  # no final line break, kept so
        ("a\r\nb\r\n", "a\r\nb\r\nc\r\n", TextEdit(2, 2, "b\r\nc\r\n")),
        ("a\nb\nc\nd\n", "a\nB\nc\nD\n", TextEdit(2, 4, "B\nc\nD\n")),  # two places: one range
    ],
)
def test_edit_between_is_minimal_and_applies(before: str, after: str, edit: TextEdit) -> None:
    assert edit_between(before, after) == edit
    assert apply(before, edit) == after


def test_apply_inserts_and_rejects_out_of_range() -> None:
    assert apply("a\nb\n", TextEdit(2, 1, "x\n")) == "a\nx\nb\n"
    assert apply("a\nb\n", TextEdit(3, 2, "c\n")) == "a\nb\nc\n"
    assert edit_between("same\n", "same\n") is None
    with pytest.raises(ValueError, match="outside"):
        apply("a\n", TextEdit(3, 3, "x\n"))


def test_lines_split_on_line_feed_only() -> None:
    assert diffs.split_lines("a\u2028b\r\nc\rd\n") == ["a\u2028b\r\n", "c\rd\n"]
    assert diffs.split_lines("") == []


def test_unified_diff_headers_and_missing_final_newline() -> None:
    text = diffs.unified("apps/job.yaml", "apps/job.yaml", "a: 1\nb: 2", "a: 1\nb: 3", git_header=False)
    assert text.startswith("--- a/apps/job.yaml\n+++ b/apps/job.yaml\n@@ ")
    assert text.endswith("+b: 3\n\\ No newline at end of file\n")
    assert diffs.unified("x.yaml", "x.yaml", "same\n", "same\n", git_header=False) == ""


BASE_LINES = "".join(f"line {i}\n" for i in range(1, 301))
HEAD_LINES = BASE_LINES.replace("line 10\n", "line 10 changed\n").replace("line 250\n", "line 250 changed\n")


def test_unified_diff_of_an_excerpt_counts_from_its_first_line() -> None:
    whole = diffs.unified("f", "f", BASE_LINES, HEAD_LINES, git_header=False)
    base, head = ("".join(diffs.split_lines(text)[246:253]) for text in (BASE_LINES, HEAD_LINES))
    excerpt = diffs.excerpt("f", base, head, 247)
    assert excerpt == "--- a/f\n+++ b/f\n" + whole[whole.index("@@ -247,7 +247,7 @@") :]


@pytest.mark.skipif(PATCH is None, reason="GNU patch not installed")
@pytest.mark.parametrize("before", ["a\nb\nc\n", "a\r\nb\r\nc\r\n", "a\nb\nc", BOM + "a\nb\nc\n"])
def test_unified_diff_applies_with_patch(before: str) -> None:
    nl = newline_of(before)
    after = before.replace(f"b{nl}", f"b{nl}inserted{nl}").replace("c", "C")
    diff = diffs.unified("deep/dir/f.yaml", "deep/dir/f.yaml", before, after, git_header=False)
    assert patched("deep/dir/f.yaml", before, diff) == after


# --------------------------------------------------------------------------------------------------------
# Values and quoting

VALUE_CASES = [
    # (old value, edit, new value); None: absent / nothing to change
    (None, AnnotationEdit("k", "Force=true", "csv-append"), "Force=true"),
    ("", AnnotationEdit("k", "Force=true", "csv-append"), "Force=true"),
    (
        "Prune=false",
        AnnotationEdit("k", "Force=true,Replace=true", "csv-append"),
        "Prune=false,Force=true,Replace=true",
    ),
    ("Replace=true", AnnotationEdit("k", "Force=true,Replace=true", "csv-append"), "Replace=true,Force=true"),
    (
        "Replace=true, Prune=false",
        AnnotationEdit("k", "Force=true", "csv-append"),
        "Replace=true, Prune=false, Force=true",
    ),
    ("HookSucceeded,", AnnotationEdit("k", "BeforeHookCreation", "csv-append"), "HookSucceeded,BeforeHookCreation"),
    ("Force=true", AnnotationEdit("k", "Force=true", "csv-append"), None),
    ("presync", AnnotationEdit("k", "PreSync", "csv-replace-item", "presync"), "PreSync"),
    ("PostSync, presync", AnnotationEdit("k", "PreSync", "csv-replace-item", "presync"), "PostSync, PreSync"),
    ("presync,PreSync", AnnotationEdit("k", "PreSync", "csv-replace-item", "presync"), "PreSync"),
    (" , ", AnnotationEdit("k", "Sync", "csv-replace-item", ""), "Sync"),
    ("Sync", AnnotationEdit("k", "PreSync", "set"), "PreSync"),
    ("PreSync", AnnotationEdit("k", "PreSync", "set"), None),
]


@pytest.mark.parametrize(("old", "edit", "new"), VALUE_CASES)
def test_annotation_value(old: str | None, edit: AnnotationEdit, new: str | None) -> None:
    assert annotation_value(old, edit) == new


def test_annotation_value_refuses_an_item_that_is_not_there() -> None:
    with pytest.raises(NoFix):
        annotation_value("PostSync", AnnotationEdit("k", "PreSync", "csv-replace-item", "presync"))


JOB = """apiVersion: batch/v1
kind: Job
metadata:
  name: j
  annotations:
    a: b
spec:
  template: {}
"""


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("Force=true", "    k: Force=true\n"),
        ("-1", '    k: "-1"\n'),
        ("yes", '    k: "yes"\n'),
        ("10", '    k: "10"\n'),
        ("a: b", '    k: "a: b"\n'),
        ("x #y", '    k: "x #y"\n'),
        ("it's", '    k: "it\'s"\n'),
        ("2024-01-01", '    k: "2024-01-01"\n'),
    ],
)
def test_values_are_quoted_when_yaml_needs_it(value: str, line: str) -> None:
    new = fixed_text(FixIntent("s", "t", "r", annotations=(AnnotationEdit("k", value),)), JOB, "0")
    assert new == JOB.replace("    a: b\n", "    a: b\n" + line)


def test_quotes_follow_the_file_when_needed() -> None:
    text = JOB.replace("    a: b\n", "    a: 'b c'\n    d: e\n")
    new = fixed_text(FixIntent("s", "t", "r", annotations=(AnnotationEdit("k", "-1"),)), text, "0")
    assert "    k: '-1'\n" in new  # single quotes, as the file writes them


# --------------------------------------------------------------------------------------------------------
# What must not be fixed


REFUSED = {  # name: (head text, why)
    "merge key in metadata": (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  <<: {annotations: {a: b}}\n  name: j\nspec: {}\n",
        "merge key",
    ),
    "metadata is an alias": (
        "apiVersion: batch/v1\nkind: Job\nx-meta: &m {name: j}\nmetadata: *m\nspec: {}\n",
        "shared through a YAML alias",
    ),
    "already fixed": (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n"
        "    argocd.argoproj.io/sync-options: Force=true\nspec: {}\n",
        "already has what the fix adds",
    ),
    "annotations not a mapping": (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations: [a]\nspec: {}\n",
        "`annotations:` is not a mapping",
    ),
    "not YAML": ("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j\n", "invalid YAML"),  # the engine's parse
}


@pytest.mark.parametrize(("text", "why"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_edits(text: str, why: str) -> None:
    with pytest.raises(NoFix, match=re.escape(why)):
        fixed_text(strategies.argocd_force(), text, "0")


def test_alias_target_is_refused_even_in_the_same_document() -> None:
    text = "apiVersion: batch/v1\nkind: Job\nmetadata: &m\n  name: j\nspec:\n  template:\n    metadata: *m\n"
    with pytest.raises(NoFix, match="shared through a YAML alias"):  # would annotate the pod template too
        fixed_text(strategies.argocd_force(), text, "0")


def test_generate_name_needs_a_name() -> None:
    text = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: j-\nspec:\n  template: {}\n"
    with pytest.raises(NoFix, match=r"no `metadata\.name`"):
        fixed_text(strategies.argocd_hook_generate_name("Sync"), text, "0")


# --------------------------------------------------------------------------------------------------------
# attach: verification with the engine, and never raising


IMMUTABLE_BASE = SMALL_JOB
IMMUTABLE_HEAD = SMALL_JOB_NEW_IMAGE


def immutable_finding() -> tuple[Pair, Finding]:
    pair = Pair.of({"job.yaml": (IMMUTABLE_BASE, IMMUTABLE_HEAD)})
    result = engine.run(pair.changes, pair.read, options())
    return pair, next(f for f in result.findings if f.rule == "job-immutable-field")


def test_attach_keeps_order_and_fills_every_verified_fix() -> None:
    pair, finding = immutable_finding()
    (got,) = attach([finding], pair.parsed(options()), options())
    assert [f.strategy for f in got.fixes] == [i.strategy for i in finding.intents]
    change = pair.changes[0]  # metadata is far from the changed image line: no one-click suggestion anywhere
    assert github.suggestion(got.fixes[0].edit, change) is None
    assert gitlab.suggestion(got.fixes[0].edit, change) is None
    assert all(fix.diff.startswith("--- a/job.yaml\n+++ b/job.yaml\n") for fix in got.fixes)


def test_attach_drops_a_fix_that_does_not_remove_the_finding(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jobguard.fixes")
    pair, finding = immutable_finding()
    useless = FixIntent("useless", "t", "r", annotations=(AnnotationEdit("owner", "me"),))
    (got,) = attach([replace(finding, intents=(useless,))], pair.parsed(options()), options())
    assert got.fixes == ()
    assert any("still reported" in r.getMessage() for r in caplog.records)


def test_attach_drops_a_fix_that_adds_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jobguard.fixes")
    pair, finding = immutable_finding()
    noisy = replace(strategies.argocd_force(), spec_fields=(("ttlSecondsAfterFinished", 60),))
    (got,) = attach([replace(finding, intents=(noisy,))], pair.parsed(options()), options())
    assert got.fixes == ()
    assert any("job-ttl-after-finished" in r.getMessage() for r in caplog.records)


def test_attach_never_raises(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jobguard.fixes")
    pair, finding = immutable_finding()

    def unreadable(path: str, side: engine.Side) -> bytes | None:
        raise engine.UnreadableFile("symlink out of the tree")

    unread = engine.run(pair.changes, unreadable, options()).files
    assert attach([finding], unread, options())[0].fixes == ()

    def broken(*args: object) -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr("jobguard.fixes.attach.verify", broken)
    assert attach([finding], pair.parsed(options()), options())[0].fixes == ()
    assert any("RuntimeError" in r.getMessage() for r in caplog.records)


def test_attach_leaves_findings_without_intents_alone() -> None:
    pair, finding = immutable_finding()
    plain = replace(finding, intents=())
    assert attach([plain], pair.parsed(options()), options()) == (plain,)


def test_attach_verifies_a_job_moved_between_files() -> None:
    """The reduced (one document) re-run cannot see the base in another file; the whole change is used."""
    pair = Pair.of({"old/job.yaml": (IMMUTABLE_BASE, None), "new/job.yaml": (None, IMMUTABLE_HEAD)})
    found = pair.check(options())
    finding = next(f for f in found if f.rule == "job-immutable-field")
    assert finding.location.path == "new/job.yaml"
    assert [f.strategy for f in finding.fixes] == [i.strategy for i in finding.intents]
    added = next(c for c in pair.changes if c.path == "new/job.yaml")  # an added file: every line is in the diff
    assert all(github.suggestion(f.edit, added) is not None for f in finding.fixes)
    unfixed = [replace(f, fixes=()) for f in found]
    assert attach(unfixed, pair.parsed(options()), options()) == found


def test_attach_in_a_large_multi_document_file() -> None:
    other = "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata: {{k: v}}\n" for i in range(200)
    )
    pair = Pair.of({"all.yaml": (IMMUTABLE_BASE + other, other.removeprefix("---\n") + "---\n" + IMMUTABLE_HEAD)})
    finding = next(f for f in pair.check(options()) if f.rule == "job-immutable-field")
    assert len(finding.fixes) == len(finding.intents)
    assert finding.fixes[0].edit.start_line > 1200


GENERATE_NAME_WITH_TTL = """apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
spec:
  ttlSecondsAfterFinished: 600
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: m
          image: app:1
"""


def test_a_fix_proposed_for_another_finding_about_the_job_is_offered_when_it_verifies() -> None:
    """One hook fixes both the generateName finding and the TTL one: each lists the other's fix after its own, so a
    review can point one comment to the other's suggestion instead of two suggestions competing for line 3."""
    found = Pair.of({"job.yaml": (GENERATE_NAME_WITH_TTL.replace("app:1", "app:0"), GENERATE_NAME_WITH_TTL)})
    fixes = {f.rule: [x.strategy for x in f.fixes] for f in found.check(options())}
    assert fixes == {
        "job-generate-name-without-hook": ["hook-for-generate-name", "argocd-hook"],
        "job-ttl-after-finished": ["argocd-hook", "hook-for-generate-name"],
    }


RULE_CASES = [c for c in load_cases() if any(e for e in c.expect)]
RULES_WITHOUT_FIXES = {"manifest-invalid", "render-failed", "render-skipped", "ignore-unused", "ignore-without-reason"}


@pytest.mark.parametrize("case", RULE_CASES, ids=[c.id for c in RULE_CASES])
def test_every_rule_case_finding_gets_its_fixes(case: Any) -> None:
    """fixtures/rules: each proposed intent becomes a verified fix (tests/rule_cases.py's promise), first and in
    order; what follows are fixes preferred for another finding about the same Job that verify for this one too. A
    case gets fixes unless its rule has none or every finding it expects says `strategies: []`."""
    found = Pair.of({"job.yaml": (case.base, case.head)}).check(options_for(case))
    for finding in found:
        own = [i.strategy for i in finding.intents]
        assert [f.strategy for f in finding.fixes][: len(own)] == own, finding.message
        siblings = {i.strategy for f in found if f.object == finding.object for i in f.intents}
        assert {f.strategy for f in finding.fixes} <= siblings, finding.message
    expects_fixes = case.rule not in RULES_WITHOUT_FIXES and any(e.get("strategies", True) for e in case.expect)
    assert any(f.fixes for f in found if f.rule == case.rule) == expects_fixes


# --------------------------------------------------------------------------------------------------------
# The real corpus


@dataclass(frozen=True)
class CorpusPair:
    name: str
    path: str
    base: str
    head: str
    pair: Pair
    findings: tuple[Finding, ...]


def corpus_pairs() -> Iterator[tuple[str, str, str, str]]:
    for folder in sorted(p for p in (CORPUS / "edits").iterdir() if p.is_dir()):
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        base = (folder / "base.yaml").read_bytes().decode("utf-8")
        head = (folder / "head.yaml").read_bytes().decode("utf-8")
        yield folder.name, meta["path"], base, head


@cache
def corpus() -> tuple[CorpusPair, ...]:
    out = []
    for name, path, base, head in corpus_pairs():
        pair = Pair.of({path: (base, head)})
        out.append(CorpusPair(name, path, base, head, pair, pair.check(options())))
    return tuple(out)


def corpus_counts() -> dict[str, dict[str, int]]:
    """Per strategy over the corpus: findings offering it, verified fixes, GitHub- and GitLab-placeable ones."""
    table: dict[str, dict[str, int]] = {}
    for item in corpus():
        for finding in item.findings:
            for intent in finding.intents:
                table.setdefault(intent.strategy, {"offered": 0, "fixes": 0, "github": 0, "gitlab": 0})["offered"] += 1
        for finding in item.findings:
            own = {intent.strategy for intent in finding.intents}
            for fix in (f for f in finding.fixes if f.strategy in own):  # not those verified from another finding
                row = table[fix.strategy]
                row["fixes"] += 1
                change = item.pair.changes[0]
                row["github"] += github.suggestion(fix.edit, change) is not None
                row["gitlab"] += gitlab.suggestion(fix.edit, change) is not None
    return table


def corpus_report() -> str:
    rows = [f"{'strategy':28} {'offered':>7} {'verified':>8} {'github':>6} {'gitlab':>6}"]
    for strategy, row in sorted(corpus_counts().items()):
        rows.append(f"{strategy:28} {row['offered']:7} {row['fixes']:8} {row['github']:6} {row['gitlab']:6}")
    return "\n".join(rows)


@needs_corpus
def test_corpus_every_immutable_finding_has_a_fix() -> None:
    immutable = [f for item in corpus() for f in item.findings if f.rule == "job-immutable-field"]
    assert len(immutable) > 50
    assert all(f.fixes for f in immutable)
    assert all(f.fixes for item in corpus() for f in item.findings if f.intents)


@needs_corpus
@pytest.mark.skipif(PATCH is None, reason="GNU patch not installed")
def test_corpus_fixes_apply_with_patch_and_remove_the_finding() -> None:
    jobs = [(item, finding, fix) for item in corpus() for finding in item.findings for fix in finding.fixes]
    for item, finding, fix in jobs:
        result = patched(item.path, item.head, fix.diff)
        assert result == apply(item.head, fix.edit), (item.name, fix.strategy)
        list(yaml.load_all(result.removeprefix(BOM), Loader=Loader))
        assert comment_lines(result) == comment_lines(item.head), (item.name, fix.strategy)
        after = replace(item.pair, files={("base", item.path): item.base, ("head", item.path): result})
        remaining = engine.run(after.changes, after.read, options()).findings
        assert not any(about(finding, g) for g in remaining), (item.name, fix.strategy)
    assert len(jobs) > 300


@needs_corpus
def test_corpus_counts(capsys: pytest.CaptureFixture[str]) -> None:
    table = corpus_counts()
    with capsys.disabled():
        print("\n" + corpus_report())
    assert {strategies.ARGOCD_HOOK, strategies.ARGOCD_FORCE, strategies.ARGOCD_HOOK_GENERATE_NAME} <= set(table)
    assert all(row["fixes"] == row["offered"] for row in table.values()), table
    assert all(row["github"] <= row["gitlab"] <= row["fixes"] for row in table.values())
    assert table[strategies.ARGOCD_HOOK]["github"] > 0


if __name__ == "__main__":
    print(corpus_report())
