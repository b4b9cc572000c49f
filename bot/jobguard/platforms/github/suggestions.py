"""Where a fix can be a one-click suggestion on a pull request (review-apis.md B3, B5), and the fix hint.

GitHub replaces exactly the comment's range with the block, and the range must lie inside one hunk of the diff.
"""

from __future__ import annotations

from jobguard.diff import FileChange
from jobguard.findings import TextEdit
from jobguard.oneclick import covers
from jobguard.platforms import Suggestion

FIX_HINT = (
    "Comment `/jobguard fix` on this pull request (write access needed) and jobguard commits the verified fixes to "
    "its branch."
)


def suggestion(edit: TextEdit, change: FileChange, near: tuple[int, int] | None = None) -> Suggestion | None:
    """A comment over the first of the edit's covering ranges (`oneclick.covers`: its own lines; an insertion's line
    above, else the line below) that one hunk holds whole (B3). `near` is not needed: the range sets the place."""
    del near
    for first, last in covers(edit):
        if change.hunk_containing(first, last) is not None:
            return Suggestion(first, last, line=last, info="suggestion", start_line=first if first != last else None)
    return None
