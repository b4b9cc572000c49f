"""Property (issue 14): real corpus Jobs with a planted immutable edit, dressed in what a pull request can do to a
file (CRLF, BOM, lone CRs, names git quotes, `.gitattributes`, a broken or hostile sibling file), reviewed through
git revisions (`check --base A --head B` on a throwaway repository) and as two directories.

Whatever the dressing: no crash (exit 3), no hang (a per-example alarm), the planted edit is found, and every fix
offered for it makes it go away once applied. Bounded and derandomized so CI runs the same examples every time.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jobguard import check as engine
from jobguard import diff as diffs
from jobguard import local, pipeline
from jobguard.cli import main
from jobguard.findings import Finding
from jobguard.fixes.lines import apply
from jobguard.manifests import load
from tests.conftest import git
from tests.corpus import files, needs_corpus
from tests.rule_cases import run_texts
from tests.test_fuzz import mutate, mutation

SECONDS_PER_EXAMPLE = 60  # a hang fails the example; a normal one takes well under a second
_IMAGE = re.compile(r"(image:\s*[\"']?)([^\"'\s#]+)")


@dataclass(frozen=True)
class Planted:
    """A corpus file whose first plain Job got a new image: `job-immutable-field` must report that Job."""

    name: str
    base: str
    head: str
    job: str


def _plant(path: Path) -> Planted | None:
    base = path.read_text(encoding="utf-8")
    for manifest in load(path.name, base.encode()).manifests:
        line = manifest.span_of(("spec", "template", "spec", "containers", 0, "image"))[0]
        lines = base.split("\n")
        if not _IMAGE.search(lines[line - 1]):
            continue
        lines[line - 1] = _IMAGE.sub(lambda m: f"{m.group(1)}{m.group(2)}-fuzz", lines[line - 1], count=1)
        head = "\n".join(lines)
        job = str(manifest.value["metadata"].get("name"))
        found = run_texts(base, head, engine.CheckOptions(), path.name).findings
        if any(f.rule == "job-immutable-field" and f.object and f.object.name == job for f in found):
            return Planted(path.name, base, head, job)
    return None


PLANTED = [p for p in map(_plant, files()[:40]) if p is not None]
SIBLINGS = [p.read_text(encoding="utf-8") for p in files()[40:60]]
NAMES = ["jobs/job.yaml", 'jobs/a "b"\tc.yaml', "jobs/ünï\\code.yml", "jobs/back\rslash.yaml", "JOBS/UPPER.YAML"]
DEEP = b"[" * 990 + b"]" * 990  # libyaml composes up to 1000 levels; Python recursed per level
DRESSINGS = ["crlf", "bom", "lone-cr", "gitattributes", "list-neighbour", "deep-sibling", "binary-sibling"]


def dress(text: str, dressings: frozenset[str]) -> str:
    """The same Job in other clothes: what it means to Kubernetes does not change."""
    if "lone-cr" in dressings:
        text = "# reviewed\r# by nobody\n" + text
    if "list-neighbour" in dressings:  # a neighbour document whose aliases expand, but within the limits
        text += "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata: &d {a: '1'}\nbinaryData: *d\n"
    if "crlf" in dressings:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if "bom" in dressings:
        text = "\ufeff" + text
    return text


def siblings(dressings: frozenset[str], garbage: str) -> dict[str, bytes]:
    """Other changed files of the same pull request: broken on purpose, they must cost only their own findings."""
    found = {"other/garbage.yaml": garbage.encode("utf-8", "surrogatepass")}
    if "deep-sibling" in dressings:
        found["other/deep.yaml"] = b"apiVersion: batch/v1\nkind: Job\nmetadata: {name: d}\nspec: " + DEEP
    if "binary-sibling" in dressings:
        found["other/binary.yaml"] = b"apiVersion: v1\nkind: Job\n\x00\x01\x02"
    if "gitattributes" in dressings:
        found[".gitattributes"] = b"*.yaml -diff\n*.yml binary\n*.YAML diff=hide\n"
    return found


def judge(name: str, base: str, head: str) -> tuple[Finding, ...]:
    """The engine on one changed file (no diff text: `tests.rule_cases.run_texts` writes names unquoted)."""
    texts = {"base": base.encode(), "head": head.encode()}
    change = diffs.FileChange(name, name, diffs.Status.MODIFIED)
    return engine.run([change], lambda path, side: texts[side] if path == name else None).findings


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"an example took more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write(root: Path, tree: dict[str, bytes]) -> None:
    for name, data in tree.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def commit(repo: Path, tree: dict[str, bytes], message: str) -> str:
    for old in repo.rglob("*"):
        if old.is_file() and ".git" not in old.relative_to(repo).parts:
            old.unlink()
    write(repo, tree)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def through_git(root: Path, base: dict[str, bytes], head: dict[str, bytes]) -> local.LocalRun:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    a, b = commit(repo, base, "base"), commit(repo, head, "change")
    return local.check(pipeline.RunOptions(), repo, base=a, head=b)


def through_directories(root: Path, base: dict[str, bytes], head: dict[str, bytes]) -> tuple[int, list[dict]]:
    write(root / "base", base)
    write(root / "head", head)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)  # contextlib.chdir is Python 3.11+
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "--base", "base", "--head", "head", "--format", "json"])
    finally:
        os.chdir(cwd)
    assert code in (0, 1), err.getvalue()
    return code, json.loads(out.getvalue())["findings"]


@needs_corpus
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking: a failure prints its example at once
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    planted=st.sampled_from(PLANTED or [Planted("none", "", "", "")]),
    name=st.sampled_from(NAMES),
    dressings=st.frozensets(st.sampled_from(DRESSINGS)),
    garbage_source=st.sampled_from(SIBLINGS or ["a: 1\n"]),
    steps=st.lists(mutation, min_size=1, max_size=6),
)
def test_planted_edits_survive_any_dressing_in_git_revisions_and_directories(
    planted: Planted, name: str, dressings: frozenset[str], garbage_source: str, steps: list
) -> None:
    base_text, head_text = dress(planted.base, dressings), dress(planted.head, dressings)
    base = {name: base_text.encode(), "other/garbage.yaml": garbage_source.encode()}
    head = {name: head_text.encode(), **siblings(dressings, mutate(garbage_source, steps))}
    with tempfile.TemporaryDirectory(prefix="jobguard-fuzz-git-") as tmp, deadline(SECONDS_PER_EXAMPLE):
        run = through_git(Path(tmp), base, head)
        planted_findings = [
            f
            for f in run.analysis.findings
            if f.rule == "job-immutable-field" and f.location.path == name and f.object and f.object.name == planted.job
        ]
        assert planted_findings, [(f.rule, f.location.path, f.message) for f in run.analysis.findings]
        _, listed = through_directories(Path(tmp), base, head)
        assert {f["fingerprint"] for f in listed} >= {f.fingerprint for f in planted_findings}
        for finding in planted_findings:
            for fix in finding.fixes:  # applied to the file as it is, the fix makes its finding go away
                fixed = apply(head_text, fix.edit)
                after = judge(name, base_text, fixed)
                assert finding.fingerprint not in {f.fingerprint for f in after}, fix.strategy
