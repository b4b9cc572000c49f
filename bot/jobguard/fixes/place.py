"""Where a verified edit can be a one-click suggestion on each platform.

The platform limits live here for now; they belong behind the platforms (a later step moves them there).
"""

from __future__ import annotations

from jobguard.diff import FileChange
from jobguard.findings import Placement, TextEdit

GITLAB_MAX_OFFSET = 100
"""review-apis.md C5: `suggestion:-N+M` reaches at most 100 lines above and 100 below the anchor."""


def place(edit: TextEdit, change: FileChange | None, line_count: int) -> Placement:
    """Where the edit can be a one-click suggestion: GitHub needs the whole range in one hunk (B3/B5), GitLab an
    anchor on a diff line inside the range with at most 100 lines above and below it (C5). A suggestion replaces
    lines, so an insertion (which `line_edit` never makes) has none."""
    start, end = edit.start_line, edit.end_line
    if change is None or not 1 <= start <= end <= line_count:
        return Placement()
    github = (start, end) if change.hunk_containing(start, end) is not None else None
    added = sorted(n for n in change.added_lines if start <= n <= end)
    context = sorted(n for h in change.hunks for n in h.context if start <= n <= end)
    anchors = [a for a in [*added, *context] if a - start <= GITLAB_MAX_OFFSET and end - a <= GITLAB_MAX_OFFSET]
    gitlab = (anchors[0], anchors[0] - start, end - anchors[0]) if anchors else None
    return Placement(github=github, gitlab=gitlab)
