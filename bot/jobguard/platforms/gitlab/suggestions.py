"""Where a fix can be a one-click suggestion on a merge request (review-apis.md C5, E Q1), and the fix hint.

GitLab anchors the comment on one diff line and reaches the replaced lines by `suggestion:-N+M` offsets, at most
100 above and 100 below; only the anchor has to be a diff line.
"""

from __future__ import annotations

from jobguard.diff import FileChange
from jobguard.findings import TextEdit
from jobguard.platforms import Suggestion, replaced_range

FIX_HINT = (
    "Run the manual `jobguard-fix` job of this pipeline and jobguard commits the verified fixes to the source branch."
)
MAX_OFFSET = 100
"""C5: `suggestion:-N+M` reaches at most 100 lines above and 100 below the anchor (GitLab refuses more)."""


def suggestion(edit: TextEdit, change: FileChange) -> Suggestion | None:
    """Anchored on the first added line inside the edit's lines (else the first context line) within 100 lines of
    both ends, with offsets covering the rest."""
    lines = replaced_range(edit)
    if lines is None:
        return None
    first, last = lines
    added = sorted(n for n in change.added_lines if first <= n <= last)
    context = sorted(n for h in change.hunks for n in h.context if first <= n <= last)
    anchors = [a for a in (*added, *context) if a - first <= MAX_OFFSET and last - a <= MAX_OFFSET]
    if not anchors:
        return None
    anchor = anchors[0]
    return Suggestion(first, last, line=anchor, info=f"suggestion:-{anchor - first}+{last - anchor}")
