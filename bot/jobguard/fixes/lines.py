"""Lines and line edits: what a suggestion, a diff and `jobguard fix` replace.

Lines end at LF, as git and the platforms count them (jobguard.diff.split_lines), so a CRLF file keeps its CRs
inside its lines and a BOM stays part of line 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobguard import diff as diffs
from jobguard.diff import split_lines
from jobguard.findings import TextEdit

BOM = "\ufeff"
CONTEXT_LINES = 3
"""Lines of context around a fix's edit in its diff (git's default)."""


def newline_of(text: str) -> str:
    """The file's line ending, from its first line break (CRLF files stay CRLF)."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def apply(text: str, edit: TextEdit) -> str:
    """Replace (or, with `end_line == start_line - 1`, insert before) the edit's lines."""
    lines = split_lines(text)
    if not 1 <= edit.start_line <= len(lines) + 1 or not edit.start_line - 1 <= edit.end_line <= len(lines):
        raise ValueError(f"edit lines {edit.start_line}..{edit.end_line} outside a {len(lines)}-line text")
    return "".join(lines[: edit.start_line - 1]) + edit.new_text + "".join(lines[edit.end_line :])


def line_edit(a: Sequence[str], b: Sequence[str]) -> TextEdit | None:
    """The smallest line range whose replacement turns lines `a` into lines `b` (None if equal).

    A pure insertion is widened to the line before it (or after, at the top of the file): a suggestion can only
    replace lines, so it repeats that line (review-apis.md B5), and every edit then maps 1:1 onto a suggestion.
    """
    if a == b:
        return None
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    start, end = prefix + 1, len(a) - suffix
    new_text = "".join(b[prefix : len(b) - suffix])
    if end < start and a:
        if prefix > 0:
            return TextEdit(prefix, prefix, a[prefix - 1] + new_text)
        return TextEdit(1, 1, new_text + a[0])
    return TextEdit(start, end, new_text)


def unified(path: str, lines: Sequence[str], edit: TextEdit) -> str:
    """The edit as a `--- a/PATH` / `+++ b/PATH` unified diff that `patch -p1` applies: only the edited lines
    and their context go through difflib, never the whole file."""
    first = max(edit.start_line - CONTEXT_LINES, 1)
    above = "".join(lines[first - 1 : edit.start_line - 1])
    below = "".join(lines[edit.end_line : edit.end_line + CONTEXT_LINES])
    old = above + "".join(lines[edit.start_line - 1 : edit.end_line]) + below
    return diffs.excerpt(path, old, above + edit.new_text + below, first)
