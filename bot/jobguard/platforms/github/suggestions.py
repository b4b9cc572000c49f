"""Where a fix can be a one-click suggestion on a pull request (review-apis.md B3, B5), and the fix hint.

GitHub replaces exactly the comment's range with the block, and the range must lie inside one hunk of the diff.
"""

from __future__ import annotations

from jobguard.diff import FileChange
from jobguard.findings import TextEdit
from jobguard.platforms import Suggestion, replaced_range

FIX_HINT = (
    "Comment `/jobguard fix` on this pull request (write access needed) and jobguard commits the verified fixes to "
    "its branch."
)


def suggestion(edit: TextEdit, change: FileChange) -> Suggestion | None:
    """A comment over the edit's own lines (a range when it has several), if one hunk holds them all (B3)."""
    lines = replaced_range(edit)
    if lines is None or change.hunk_containing(*lines) is None:
        return None
    first, last = lines
    return Suggestion(first, last, line=last, info="suggestion", start_line=first if first != last else None)
