"""`jobguard demo`: the bundled example change, reviewed as a pull request would be and told to a person.

The text report and the `--preview` of the review come from one review run, so the lines the text names are
exactly the lines the preview's comments sit on.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jobguard import formats, local, manifests, review
from jobguard.comments import placement_note
from jobguard.findings import Finding
from jobguard.platforms import InlineComment
from jobguard.platforms.local import Printer, pull_request_preview
from jobguard.trees import Tree

HeadReader = Callable[[str], bytes | None]


@dataclass
class _Recorder(Printer):
    """Prints the review as the local platform does, and keeps the inline comments to say where they sit."""

    comments: list[InlineComment] = field(default_factory=list)

    def inline(self, comment: InlineComment) -> None:
        self.comments.append(comment)
        super().inline(comment)


@dataclass(frozen=True)
class Demo:
    """One review of the example change: what it found, and how the review would show it."""

    heading: str
    findings: tuple[Finding, ...]
    files_checked: int
    preview: str  # the comments and summary a review would post, then the review's log line
    notes: Mapping[str, str]  # fingerprint -> why its review comment sits away from the change


def run(cwd: Path) -> Demo:
    root = local.demo_root()
    printed = io.StringIO()
    recorder = _Recorder(printed)
    platform = pull_request_preview(Tree(root=root / "base"), Tree(root=root / "head"), recorder)
    try:
        outcome = review.run_review(platform)
        notes = placement_notes(outcome.findings, recorder.comments, lambda path: platform.read(path, "head"))
    finally:
        platform.close()
    preview = printed.getvalue() + outcome.report.line(len(outcome.findings)) + "\n"
    heading = f"jobguard demo: reviewing the example change in {_shown(root, cwd)} (base -> head)"
    return Demo(heading, outcome.findings, outcome.files_checked, preview, notes)


def text(demo: Demo, *, colour: bool) -> str:
    """The `check` text report, with a line under each finding whose review comment sits off its change."""
    return formats.as_text(demo.findings, colour=colour, files_checked=demo.files_checked, notes=demo.notes)


def placement_notes(
    findings: Sequence[Finding], comments: Sequence[InlineComment], read_head: HeadReader
) -> dict[str, str]:
    """Why each one-click suggestion sits where it does, when that is not on the changed lines."""
    by_fingerprint = {c.fingerprint: c for c in comments if c.suggestion}
    notes: dict[str, str] = {}
    for finding in findings:
        comment = by_fingerprint.get(finding.fingerprint)
        if comment is None:
            continue
        first = comment.start_line or comment.line
        section = top_level_field(read_head(finding.location.path), finding.location.path, comment.line)
        note = placement_note(finding, first, comment.line, section)
        if note is not None:
            notes[finding.fingerprint] = note
    return notes


def top_level_field(data: bytes | None, path: str, line: int) -> str | None:
    """The top-level field of the Job whose text holds `line` (`metadata`, `spec`), from the parse's spans."""
    if data is None:
        return None
    for manifest in manifests.load(path, data).manifests:
        for key, (first, last) in manifest.spans.items():
            if len(key) == 1 and first <= line <= last:
                return str(key[0])
    return None


def _shown(root: Path, cwd: Path) -> str:
    """The example's directory as a person can type it: relative inside the current directory (a checkout)."""
    try:
        return root.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(root)
