"""Where a fix can be a one-click suggestion on a merge request (review-apis.md C5, E Q1), and the fix hint.

GitLab anchors the comment on one diff line and reaches the replaced lines by `suggestion:-N+M` offsets, at most
100 above and 100 below; only the anchor has to be a diff line: GitLab reads the other lines from the file, not
from the hunk. So every fix of a Job the change touches can be one click: the comment sits on a diff line of that
Job and the range widens to cover the fix, the unchanged lines in between repeated verbatim.
"""

from __future__ import annotations

from jobguard.diff import FileChange
from jobguard.findings import TextEdit
from jobguard.oneclick import covers
from jobguard.platforms import Suggestion

FIX_HINT = (
    "Run the manual `jobguard-fix` job of this pipeline and jobguard commits the verified fixes to the source branch."
)
MAX_OFFSET = 100
"""C5: `suggestion:-N+M` reaches at most 100 lines above and 100 below the anchor (GitLab refuses more)."""


def suggestion(edit: TextEdit, change: FileChange, near: tuple[int, int] | None = None) -> Suggestion | None:
    """Anchored on a diff line within `near` (the Job's lines; else the edit's own), an added line first, the nearest
    to the edit first, with the range widened to cover both the anchor and the edit."""
    ranges = covers(edit)
    if not ranges:
        return None
    low, high = near or (min(r[0] for r in ranges), max(r[1] for r in ranges))
    added = change.added_lines
    shown = {n for h in change.hunks for n in range(h.new_start, h.new_end + 1) if low <= n <= high}
    for anchor in sorted(shown, key=lambda n: (n not in added, _distance(n, ranges), n)):
        spans = [(min(anchor, first), max(anchor, last)) for first, last in ranges]
        fits = [(top, bottom) for top, bottom in spans if max(anchor - top, bottom - anchor) <= MAX_OFFSET]
        if fits:
            top, bottom = min(fits, key=lambda span: span[1] - span[0])
            return Suggestion(top, bottom, line=anchor, info=f"suggestion:-{anchor - top}+{bottom - anchor}")
    return None


def _distance(line: int, ranges: tuple[tuple[int, int], ...]) -> int:
    return min(max(first - line, line - last, 0) for first, last in ranges)
