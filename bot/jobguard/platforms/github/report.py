"""The token-free channels of a GitHub run (B10): step outputs, the job summary, workflow commands on stdout.

Always written, so findings reach the run even when the token is read-only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from jobguard.errors import PlatformError

STEP_SUMMARY_LIMIT = 1024 * 1024  # B6: 1 MiB per step
OUTPUT_LIMIT = 1024 * 1024  # a step output holds at most 1 MiB (GitHub Actions limits)
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def write_outputs(output: Path, outputs: Mapping[str, str], notes: list[str]) -> None:
    """Append to GITHUB_OUTPUT; an output over 1 MiB is left out and named in `notes`."""
    kept = {name: value for name, value in outputs.items() if len(value.encode()) <= OUTPUT_LIMIT}
    if len(kept) < len(outputs):
        notes.append(f"outputs over 1 MiB were not set: {', '.join(sorted(outputs.keys() - kept))}")
    with output.open("a", encoding="utf-8") as out:
        out.write("".join(_output_line(name, value) for name, value in kept.items()))


def write_annotations(stdout: TextIO, annotations: str) -> None:
    stdout.write(annotations if annotations.endswith("\n") else annotations + "\n")
    stdout.flush()


def _output_line(name: str, value: str) -> str:
    """`name=value`, or the heredoc form for multi-line values (GitHub's GITHUB_OUTPUT syntax)."""
    if not _OUTPUT_NAME.match(name):
        raise PlatformError(f"invalid output name {name!r}")
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    while delimiter in value:  # pragma: no cover - a uuid inside the value
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def append_step_summary(path: Path, markdown: str) -> None:
    """Append, staying under the 1 MiB a step may write (B6): over it GitHub drops the whole summary."""
    used = path.stat().st_size if path.exists() else 0
    room = STEP_SUMMARY_LIMIT - used - 1024
    data = markdown if markdown.endswith("\n") else markdown + "\n"
    encoded = data.encode("utf-8")
    if room <= 0:
        return
    if len(encoded) > room:
        note = "\n\n…(truncated: a job summary holds at most 1 MiB; the full report is in the log)\n"
        cut = encoded[: room - len(note.encode())].decode("utf-8", "ignore")
        data = cut.rsplit("\n", 1)[0] + note
    with path.open("a", encoding="utf-8") as out:
        out.write(data)
