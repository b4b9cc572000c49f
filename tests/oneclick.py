"""One click per finding, measured the way a maintainer meets it: a change is opened on the fake GitHub or the fake
GitLab, `jobguard review` runs through the real CLI, and each suggestion it posted is applied the way the platform
applies it. A finding is one click away when a suggestion in its own comment, or in the comment its comment points
to, turns the head file into exactly what one of its verified fixes (the `--format json` diffs) makes of it.

Shared by tests/test_oneclick.py and benchmarks/bench_oneclick.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unidiff import PatchSet

from jobguard.cli import main
from jobguard.comments import fingerprint_of
from tests.fakes.github import FakeGitHub, load_contract
from tests.fakes.gitlab import parse_suggestions
from tests.test_github_platform import NUMBER, REPO, TOKEN, open_pr
from tests.test_gitlab_platform import GitBackedGitLab, ci_env

_CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "INPUT_", "JOBGUARD_", "RUNNER_")
POINTER_RE = re.compile(r"<!-- jobguard:fixed-by=([0-9a-f]{16}) -->")
"""The hidden marker of a comment whose finding another comment's suggestion fixes (no diff block of its own)."""


@dataclass(frozen=True)
class Outcome:
    """One review of one change: its findings (`--format json`) and, per fingerprint, the head file as each posted
    suggestion of its comment leaves it once applied (None: the platform refused to apply it)."""

    findings: tuple[dict[str, Any], ...]
    head: str
    applied: Mapping[str, tuple[str | None, ...]]
    pointers: Mapping[str, str]  # fingerprint -> fingerprint of the comment whose suggestion fixes it
    reach: tuple[int, ...] = ()  # GitLab: how far each suggestion reaches from its anchor, max(N, M) of -N+M
    spans: tuple[tuple[int, int], ...] = ()  # the head lines each posted suggestion replaces

    def overlapping(self) -> int:
        """Suggestions whose lines overlap another's: applying one would leave the other outdated."""
        return sum(any(a[0] <= b[1] and b[0] <= a[1] for b in self.spans if b is not a) for a in self.spans)

    def verified(self, finding: Mapping[str, Any]) -> set[str]:
        """The head file after each of the finding's verified fixes."""
        return {apply_diff(self.head, fix["diff"]) for fix in finding["fixes"]}

    def one_click(self, finding: Mapping[str, Any]) -> bool:
        fingerprint = str(finding["fingerprint"])
        source = self.pointers.get(fingerprint, fingerprint)
        return bool(self.verified(finding) & {t for t in self.applied.get(source, ()) if t is not None})

    def suggestions(self, fingerprint: str) -> int:
        return len(self.applied.get(fingerprint, ()))


def apply_diff(text: str, diff: str) -> str:
    """A fix's unified diff (one file, as `--format json` gives it) applied to the head text."""
    lines = text.splitlines(keepends=True)
    (patched,) = PatchSet(diff)
    for hunk in reversed(list(patched)):
        start = hunk.source_start - 1 if hunk.source_length else hunk.source_start
        new = [line.value for line in hunk if not line.is_removed]
        lines[start : start + hunk.source_length] = new
    return "".join(lines)


@contextmanager
def ci_environ(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ as a CI job sees it for one run: no variable of another CI leaks in; restored after."""
    saved = dict(os.environ)
    for key in [k for k in os.environ if k.startswith(_CI_PREFIXES) or k == "CI"]:
        del os.environ[key]
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _review(env: Mapping[str, str], report: Path) -> tuple[dict[str, Any], ...]:
    with ci_environ(env), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        code = main(["review", "--format", "json", "--output", str(report)])
    assert code in (0, 1), f"jobguard review exited {code}"
    return tuple(json.loads(report.read_text(encoding="utf-8"))["findings"])


def on_github(path: str, base: str, head: str, tmp: Path, contract: Any = None) -> Outcome:
    """Open the change as a pull request on the fake GitHub, review it, apply each posted suggestion."""
    with FakeGitHub(contract or load_contract()) as fake:
        fake.token = TOKEN
        fake.default_repo = fake.add_repo(REPO, default_branch="master").full_name
        pr = open_pr(fake, tmp, {path: base}, {path: head}, local=True)
        findings = _review(pr.env, tmp / "report.json")
        applied: dict[str, list[str | None]] = {}
        pointers: dict[str, str] = {}
        spans: list[tuple[int, int]] = []
        for comment in fake.comments_of(NUMBER):
            fingerprint = fingerprint_of(comment.body)
            if fingerprint is None or comment.in_reply_to_id is not None:
                continue
            _pointer(comment.body, fingerprint, pointers)
            if "```suggestion" in comment.body and comment.line is not None:
                applied.setdefault(fingerprint, []).append(_or_none(fake.apply_suggestion, comment.id))
                spans.append((comment.start_line or comment.line, comment.line))
        return Outcome(findings, head, {k: tuple(v) for k, v in applied.items()}, pointers, spans=tuple(spans))


def on_gitlab(path: str, base: str, head: str, tmp: Path) -> Outcome:
    """Open the change as a merge request on the fake GitLab, review it, apply each posted suggestion."""
    with GitBackedGitLab(tmp / "repo") as fake:
        mr = fake.add_merge_request({path: base}, {path: head})
        findings = _review(ci_env(fake, mr, fake.repo), tmp / "report.json")
        applied: dict[str, list[str | None]] = {}
        pointers: dict[str, str] = {}
        reach: list[int] = []
        spans: list[tuple[int, int]] = []
        for discussion in mr.discussions:
            note = discussion.notes[0]
            fingerprint = fingerprint_of(note.body)
            if fingerprint is None or note.type != "DiffNote":
                continue
            _pointer(note.body, fingerprint, pointers)
            if "```suggestion" in note.body:
                applied.setdefault(fingerprint, []).append(_or_none(fake.apply_suggestions, note.id))
                blocks = parse_suggestions(note.body)
                reach.extend(max(s.above, s.below) for s in blocks)
                line = int((note.position or {})["new_line"])
                spans.extend((line - s.above, line + s.below) for s in blocks)
        applied_ = {k: tuple(v) for k, v in applied.items()}
        return Outcome(findings, head, applied_, pointers, tuple(reach), tuple(spans))


def _pointer(body: str, fingerprint: str, pointers: dict[str, str]) -> None:
    match = POINTER_RE.search(body)
    if match:
        pointers[fingerprint] = match.group(1)


def _or_none(apply: Any, ident: int) -> str | None:
    try:
        return str(apply(ident))
    except ValueError:
        return None


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="jobguard-oneclick-")
