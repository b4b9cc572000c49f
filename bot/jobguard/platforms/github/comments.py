"""Issue comments on the pull request: the one sticky summary (found by its marker, edited in place) and replies.

A POST whose answer was lost is looked for before it is sent again (B13), so no comment is ever posted twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jobguard.comments import capped, fingerprint_line, is_summary
from jobguard.errors import PlatformError
from jobguard.platforms import Posted
from jobguard.platforms.github.pull import Session
from jobguard.platforms.http import ApiFailure

FIXED_MARKER = "<!-- jobguard:fixed -->"
MAX_BODY = 65_536  # B6


def cap_body(body: str) -> str:
    """B6: 65,536 characters per body. The summary comes within it from `comments.summary_body`; this is the
    safety net for the others."""
    return capped(body, MAX_BODY)


def fixed_body(note: str, original: str) -> str:
    """The edit that marks a comment fixed when its thread cannot be resolved: the note, the fixed marker on the
    third line (where `is_fixed` reads it), the original collapsed, and the fingerprint line kept last."""
    marker = fingerprint_line(original)
    tail = f"\n{marker}\n" if marker else ""
    return (
        f"✅ **{note}** jobguard no longer finds this problem.\n\n{FIXED_MARKER}\n\n"
        f"<details><summary>Original comment</summary>\n\n{original}\n</details>\n{tail}"
    )


def is_fixed(body: str) -> bool:
    """Whether jobguard marked this comment fixed (`fixed_body`): the marker on its own third line, never anywhere
    in the body, where a Job name could carry it."""
    lines = body.split("\n", 3)
    return body.startswith("✅ **") and len(lines) > 2 and lines[2] == FIXED_MARKER


def issue_comment(session: Session, match: Callable[[str], bool]) -> Posted | None:
    """The first issue comment of jobguard's own whose body `match`es (the summary, or a reply whose answer was lost);
    another user's comment is never taken for it, whatever it says (issue 14)."""
    url = f"{session.repo_url}/issues/{session.number}/comments"
    for item in session.api.pages("issues/list-comments", url):
        body = str(item.get("body") or "")
        if match(body) and session.own(item):
            return Posted(str(item["id"]), "summary", None, body)
    return None


def upsert_summary(session: Session, body: str, existing: Posted | None) -> bool:
    """The one sticky summary issue comment, found by its marker and edited in place."""
    if session.read_only:
        return False
    body = cap_body(body)
    if existing is not None:
        try:
            _edit(session, existing.id, body)
            return True
        except ApiFailure as failure:
            if failure.forbidden:
                session.became_read_only(failure)
                return False
            if failure.status != 404:
                session.notes.append(f"editing the summary failed: {failure.message}")
                return False
    try:
        _create(session, body, functools.partial(issue_comment, session, is_summary))
    except ApiFailure as failure:
        if failure.forbidden:
            session.became_read_only(failure)
        else:
            session.notes.append(f"posting the summary failed: {failure.message}")
        return False
    return True


def reply(session: Session, body: str) -> None:
    """A plain comment on the pull request (the answer to `/jobguard fix`)."""
    body = cap_body(body)
    try:
        _create(session, body, lambda: issue_comment(session, lambda text: text.strip() == body.strip()))
    except ApiFailure as failure:
        raise PlatformError(f"answering on the pull request failed: {failure.message}") from None


def _edit(session: Session, comment_id: str, body: str) -> None:
    url = f"{session.repo_url}/issues/comments/{comment_id}"
    session.api.request("issues/update-comment", "PATCH", url, body={"body": body})


def _create(session: Session, body: str, find: Callable[[], Posted | None]) -> None:
    """POST an issue comment; after a lost answer, look for it (`find`) before posting again (B13)."""
    url = f"{session.repo_url}/issues/{session.number}/comments"

    def landed() -> dict[str, Any] | None:
        found = find()
        if found is not None and found.body.strip() != body.strip():
            _edit(session, found.id, body)
        return None if found is None else {"id": found.id}

    def post() -> dict[str, Any]:
        _headers, data = session.api.request("issues/create-comment", "POST", url, body={"body": body})
        return dict(data)

    session.api.send(post, landed)
