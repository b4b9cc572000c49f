"""`jobguard demo`: the bundled example change, reviewed as a pull request would be and told to a person.

The text report, the other formats and the `--preview` of the review come from one review run, so they show the
same findings.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from jobguard import local, render, review
from jobguard.findings import Finding
from jobguard.platforms.local import LocalPlatform, Printer
from jobguard.trees import Tree


@dataclass(frozen=True)
class Demo:
    """One review of the example change: what it found, and how the review would show it."""

    heading: str
    findings: tuple[Finding, ...]
    files_checked: int
    preview: str  # the comments and summary a review would post, then the review's log line


def run(cwd: Path, fix_hint: str) -> Demo:
    root = local.demo_root()
    printed = io.StringIO()
    platform = LocalPlatform(Tree(root=root / "base"), Tree(root=root / "head"), Printer(printed))
    try:
        outcome = review.run_review(platform, fix_hint=fix_hint)
    finally:
        platform.close()
    preview = printed.getvalue() + outcome.report.line(len(outcome.findings)) + "\n"
    heading = f"jobguard demo: reviewing the example change in {_shown(root, cwd)} (base -> head)"
    return Demo(heading, outcome.findings, outcome.files_checked, preview)


def text(demo: Demo, *, colour: bool) -> str:
    """The `check` text report of the example."""
    return render.as_text(demo.findings, colour=colour, files_checked=demo.files_checked)


def _shown(root: Path, cwd: Path) -> str:
    """The example's directory as a person can type it: relative inside the current directory (a checkout)."""
    try:
        return root.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(root)
