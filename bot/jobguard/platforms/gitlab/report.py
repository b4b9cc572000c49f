"""The token-free channel of a GitLab run: the Code Quality report (C7) and the summary in the job log.

Always written: the MR widget shows the report without any token, so it is the fork-safe channel (fork pipelines
get no CI/CD variables at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from jobguard.comments import SUMMARY_MARKER


def write_report(target: Path, outputs: Mapping[str, str], summary_markdown: str, stdout: TextIO) -> None:
    """The report replaced in one rename (never half written); the summary shown without its hidden marker."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(outputs.get("codequality", "[]\n"), encoding="utf-8")
    partial.replace(target)
    shown = "\n".join(line for line in summary_markdown.splitlines() if line != SUMMARY_MARKER).strip()
    if shown:
        stdout.write(shown + "\n")
        stdout.flush()
