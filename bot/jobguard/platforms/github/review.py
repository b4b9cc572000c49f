"""Inline comments as one pull request review (event COMMENT, pinned to the head SHA), B2/B3/B13.

Anchors are checked before sending (RIGHT-side lines of one hunk); a 422 does not say which anchor failed, so the
batch is bisected, within a budget of POSTs. A pending review left by a crashed run is deleted once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jobguard import diff as diffs
from jobguard.comments import fingerprint_of
from jobguard.platforms import InlineComment, PostResult
from jobguard.platforms.github.comments import cap_body
from jobguard.platforms.github.pull import Session
from jobguard.platforms.http import ApiFailure


@dataclass
class _Posting:
    """One `post_inline` call: what landed, what GitHub refused, and how many more POSTs it may send."""

    budget: int
    posted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def post_inline(
    session: Session, comments: Sequence[InlineComment], changes: Callable[[], Sequence[diffs.FileChange]]
) -> PostResult:
    """One review carrying every comment whose anchor is valid; the refused ones come back as rejected."""
    if session.read_only:
        return PostResult(rejected=(), error=session.read_only)
    by_path = {c.path: c for c in changes()}
    valid = [c for c in comments if anchor_problem(c, by_path.get(c.path)) is None]
    # bisecting n comments never needs more POSTs than 2n + 2
    run = _Posting(budget=2 * len(valid) + 2, rejected=[c.fingerprint for c in comments if c not in valid])
    error = _post_reviews(session, valid, run)
    return PostResult(posted=tuple(run.posted), rejected=tuple(run.rejected), error=error)


def anchor_problem(comment: InlineComment, change: diffs.FileChange | None) -> str | None:
    """B3, checked before sending: RIGHT-side lines of one hunk, start_line < line."""
    if change is None or not change.hunks or change.new_path is None:
        return "path is not in the diff"
    hunk = change.hunk_containing(comment.line, comment.line)
    if hunk is None or comment.line not in hunk.added | hunk.context:
        return "line is not in the diff"
    if comment.start_line is not None:
        if comment.start_line >= comment.line:
            return "start line must precede the line"
        if not hunk.contains(comment.start_line, comment.line) or comment.start_line not in hunk.added | hunk.context:
            return "range leaves the hunk"
    return None


def _post_reviews(session: Session, batch: list[InlineComment], run: _Posting) -> str | None:
    """Post `batch` as one review; on 422 split it (B3: the answer does not say which anchor failed)."""
    pending_cleared = False
    while batch:
        if run.budget <= 0:
            run.rejected.extend(c.fingerprint for c in batch)
            return None
        run.budget -= 1
        try:
            _send_review(session, batch, run)
            return None
        except ApiFailure as failure:
            if failure.status == 422 and "pending review" in failure.message and not pending_cleared:
                pending_cleared = True  # a review left pending by an earlier run blocks ours: once, delete it
                _delete_pending_reviews(session)
                continue
            return _refused(session, batch, run, failure)
    return None


def _refused(session: Session, batch: list[InlineComment], run: _Posting, failure: ApiFailure) -> str | None:
    """A review the API refused: read-only token, another failure, or a 422 for an anchor (split the batch)."""
    if failure.forbidden:
        return session.became_read_only(failure)
    if failure.status != 422:
        return f"posting the review failed: {failure.message}"
    if len(batch) == 1:
        run.rejected.append(batch[0].fingerprint)
        return None
    half = len(batch) // 2
    return _post_reviews(session, batch[:half], run) or _post_reviews(session, batch[half:], run)


def _send_review(session: Session, left: list[InlineComment], run: _Posting) -> None:
    """POST one review carrying `left`. After a lost answer (B13) what landed moves to `run.posted` and out of
    `left`, so a re-post carries only the rest; on failure `left` holds what did not land."""

    def landed() -> dict[str, Any] | None:
        got = _landed_fingerprints(session)
        run.posted.extend(c.fingerprint for c in left if c.fingerprint in got)
        left[:] = [c for c in left if c.fingerprint not in got]
        return None if left else {}

    session.api.send(lambda: _create_review(session, left), landed)
    run.posted.extend(c.fingerprint for c in left)
    left.clear()


def _create_review(session: Session, batch: Sequence[InlineComment]) -> dict[str, Any]:
    items = []
    for c in batch:
        item: dict[str, Any] = {"path": c.path, "line": c.line, "side": "RIGHT", "body": cap_body(c.body)}
        if c.start_line is not None:
            item.update(start_line=c.start_line, start_side="RIGHT")
        items.append(item)
    count = len(batch)
    body = f"**jobguard** found {count} problem{'s' if count != 1 else ''} with Jobs in this change.\n"
    payload = {"commit_id": session.pull.head_sha, "body": body, "event": "COMMENT", "comments": items}
    url = f"{session.repo_url}/pulls/{session.number}/reviews"
    _headers, data = session.api.request("pulls/create-review", "POST", url, body=payload)
    return dict(data)


def _landed_fingerprints(session: Session) -> set[str]:
    url = f"{session.repo_url}/pulls/{session.number}/comments"
    try:
        items = list(session.api.pages("pulls/list-review-comments", url))
    except ApiFailure:
        return set()
    return {
        fp for item in items if (fp := fingerprint_of(str(item.get("body") or ""))) is not None and session.own(item)
    }


def _delete_pending_reviews(session: Session) -> None:
    """B2: a pending review left by a crashed run blocks every new one; only our own are visible."""
    url = f"{session.repo_url}/pulls/{session.number}/reviews"
    for review in list(session.api.pages("pulls/list-reviews", url)):
        if review.get("state") == "PENDING":
            try:
                session.api.request("pulls/delete-pending-review", "DELETE", f"{url}/{review['id']}")
            except ApiFailure:
                continue
