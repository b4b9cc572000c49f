"""What a one-click suggestion must replace: the smallest edit of the head file that applies a verified fix.

A verified fix's edit repeats a neighbouring line when it only inserts (`fixes.lines.line_edit`: a suggestion can
only replace lines). Which neighbour, and how far a suggestion may widen around the edit, is each platform's call
(`ReviewChannel.suggestion`), so the adapters get the edit without that repeated line: an insertion (`end_line ==
start_line - 1`) they may cover from above or from below. The block they then carry is `publish.suggestion_text`:
the edit's new text with the unchanged head lines of the widened range around it, verbatim.
"""

from __future__ import annotations

from jobguard.diff import split_lines
from jobguard.findings import TextEdit


def smallest(edit: TextEdit, head: str) -> TextEdit:
    """`edit` without the head lines its new text repeats unchanged at either end (same result once applied)."""
    lines = split_lines(head)
    if not 1 <= edit.start_line <= edit.end_line <= len(lines):
        return edit
    old = lines[edit.start_line - 1 : edit.end_line]
    new = split_lines(edit.new_text)
    lead = 0
    while lead < min(len(old), len(new)) and old[lead] == new[lead]:
        lead += 1
    trail = 0
    while trail < min(len(old), len(new)) - lead and old[-1 - trail] == new[-1 - trail]:
        trail += 1
    kept = "".join(new[lead : len(new) - trail])
    return TextEdit(edit.start_line + lead, edit.end_line - trail, kept)


def covers(edit: TextEdit) -> tuple[tuple[int, int], ...]:
    """The smallest head line ranges a suggestion block can replace to apply `edit`, best first.

    A replacement with new text covers its own lines. An insertion replaces no line, and that an empty block (a pure
    deletion) applies is not documented (review-apis.md B5, Q3), so both repeat a neighbour: the line above, or the
    line below."""
    first, last = edit.start_line, edit.end_line
    if last >= first and edit.new_text:
        return ((first, last),)
    grown = ((first - 1, max(last, first - 1)), (first, last + 1))
    return tuple((top, bottom) for top, bottom in grown if 1 <= top <= bottom)
