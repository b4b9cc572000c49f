"""jobguard's notes on a merge request: diff discussions (C2, C3), resolving them, the summary note, replies.

Positions carry the three SHAs of the MR's latest diff version (C1) and the line fields C3 demands: `new_line` for
an added line, both numbers for a context line (`jobguard.publish` gives the base one). Comments are single-line
here: GitLab's suggestions reach other lines with `-N+M` offsets instead of a `line_range`. Every function expects
the caller to have checked that there is a token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from jobguard import diff as diffs
from jobguard.comments import capped, fingerprint_of, is_summary
from jobguard.platforms import InlineComment, Posted, PostResult
from jobguard.platforms.gitlab.api import Client, JsonDict
from jobguard.platforms.http import ApiFailure

log = logging.getLogger("jobguard.gitlab")
MAX_NOTE = 1_000_000  # characters of a note body (notes.md, gitlab-mr-examples.json)


def existing(client: Client) -> list[Posted]:
    return posted_in(client.listing(f"{client.mr_path}/discussions"), client.own)


def post_inline(
    client: Client, comments: Sequence[InlineComment], changes: Callable[[], Sequence[diffs.FileChange]]
) -> PostResult:
    """One diff discussion per comment (C2); a refused anchor is returned as rejected, the others still go.

    After a failure of the whole channel the comments not yet sent are returned as rejected too, so that they are
    shown in the summary.
    """
    try:
        refs = _diff_refs(client)
    except ApiFailure as exc:
        return PostResult(
            rejected=tuple(c.fingerprint for c in comments), error=f"cannot read the merge request: {exc}"
        )
    by_path = {c.new_path: c for c in changes() if c.new_path is not None}
    posted: list[str] = []
    rejected: list[str] = []
    for index, comment in enumerate(comments):
        position = _position(comment, refs, by_path.get(comment.path))
        if position is None:
            log.info("%s:%d is not a line of the diff", comment.path, comment.line)
            rejected.append(comment.fingerprint)
            continue
        try:
            _post_discussion(client, comment, position)
        except ApiFailure as exc:
            if exc.status in (400, 422):  # the anchor does not resolve to a diff line (C3)
                log.info("GitLab refused the anchor %s:%d: %s", comment.path, comment.line, exc)
                rejected.append(comment.fingerprint)
                continue
            rest = [c.fingerprint for c in comments[index:]]
            return PostResult(tuple(posted), (*rejected, *rest), f"GitLab refused the diff discussions: {exc}")
        posted.append(comment.fingerprint)
    return PostResult(tuple(posted), tuple(rejected))


def _post_discussion(client: Client, comment: InlineComment, position: JsonDict) -> None:
    client.create(
        f"{client.mr_path}/discussions",
        {"body": capped(comment.body, MAX_NOTE), "position": position},
        lambda: _landed(client, lambda p: p.fingerprint == comment.fingerprint),
    )


def resolve(client: Client, posted: Posted, note: str) -> bool:
    """Resolve the thread and say why in the note itself (one write each; no reply that could pile up)."""
    done = posted.resolved
    if not done and posted.thread_id:
        try:
            client.request("put", f"{client.mr_path}/discussions/{posted.thread_id}", data={"resolved": True})
            done = True
        except ApiFailure as exc:  # 403: the token's role is below Developer (C6)
            log.info("cannot resolve discussion %s: %s", posted.thread_id, exc)
    if note and not posted.body.startswith(f"**{note}**"):
        try:
            body = f"**{note}**\n\n{posted.body}"
            client.request("put", f"{client.mr_path}/notes/{posted.id}", data={"body": body})
            done = True
        except ApiFailure as exc:
            log.info("cannot edit note %s: %s", posted.id, exc)
    return done


def upsert_summary(client: Client, body: str, existing: Posted | None) -> bool:
    notes, body = f"{client.mr_path}/notes", capped(body, MAX_NOTE)
    try:
        if existing is not None:
            try:
                client.request("put", f"{notes}/{existing.id}", data={"body": body})
                return True
            except ApiFailure as exc:
                if exc.status != 404:  # deleted by someone: write a new one
                    raise
        client.create(notes, {"body": body}, lambda: _landed(client, lambda p: p.kind == "summary"))
        return True
    except ApiFailure as exc:
        log.warning("cannot write the summary note: %s", exc)
        return False


def reply(client: Client, body: str) -> None:
    """A plain MR note. Failures are logged, not raised: the caller prints the same text to the job log."""
    body = capped(body, MAX_NOTE)
    try:
        client.create(f"{client.mr_path}/notes", {"body": body}, lambda: _landed_note(client, body))
    except ApiFailure as exc:
        log.warning("cannot post the reply: %s", exc)


def _diff_refs(client: Client) -> Mapping[str, str]:
    refs = client.mr().get("diff_refs") or {}
    if not all(refs.get(k) for k in ("base_sha", "start_sha", "head_sha")):
        raise ApiFailure(None, "the merge request has no diff_refs yet")
    return {k: str(refs[k]) for k in ("base_sha", "start_sha", "head_sha")}


def _landed(client: Client, match: Callable[[Posted], bool]) -> JsonDict | None:
    """The discussion whose jobguard note `match`es (an inline comment by fingerprint, or the summary)."""
    for discussion in client.listing(f"{client.mr_path}/discussions"):
        if any(match(p) for p in posted_in([discussion], client.own)):
            return discussion
    return None


def _landed_note(client: Client, body: str) -> JsonDict | None:
    notes = client.listing(f"{client.mr_path}/notes")
    return next((n for n in notes if n.get("body") == body and not n.get("system") and client.own(n)), None)


def _position(comment: InlineComment, refs: Mapping[str, str], change: diffs.FileChange | None) -> JsonDict | None:
    """The `position` of a diff discussion (C3), or None when the line is not on the diff (no call is made).

    `jobguard.publish` chose the line and gives `old_line` for a context line; an added line has `new_line` only.
    """
    if change is None:
        return None
    added = comment.line in change.added_lines
    if not added and comment.old_line is None:
        return None  # neither added nor a context line publish found in the hunks
    position: JsonDict = {
        "base_sha": refs["base_sha"],
        "start_sha": refs["start_sha"],
        "head_sha": refs["head_sha"],
        "position_type": "text",
        "old_path": change.old_path or comment.path,  # both paths always, even for a new file (C3)
        "new_path": comment.path,
        "new_line": comment.line,
    }
    if not added:
        position["old_line"] = comment.old_line
    return position


def posted_in(discussions: Sequence[JsonDict], own: Callable[[JsonDict], bool]) -> list[Posted]:
    """jobguard's notes, by marker: the first note of a thread (replies are people's), written by the token's own
    user (`own`, asked only of a note that carries a marker), never another user's note quoting a marker."""
    found: list[Posted] = []
    for discussion in discussions:
        notes = [n for n in discussion.get("notes") or [] if isinstance(n, dict)]
        if not notes or notes[0].get("system"):
            continue
        first = notes[0]
        body = str(first.get("body") or "")
        fingerprint = fingerprint_of(body)
        thread = str(discussion.get("id"))
        if (fingerprint is not None or is_summary(body)) and not own(first):
            continue
        if fingerprint is not None:
            found.append(Posted(str(first.get("id")), "inline", fingerprint, body, bool(first.get("resolved")), thread))
        elif is_summary(body):
            found.append(Posted(str(first.get("id")), "summary", None, body, False, thread))
    return found
