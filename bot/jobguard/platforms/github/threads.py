"""jobguard's earlier notes on a pull request, and resolving those whose finding went away (B8, B9).

Review comments are found by their fingerprint marker (thread roots the token's own user wrote, B7); whether their
thread is resolved comes from one paginated GraphQL reviewThreads query, sent only when there are any. Resolving
prefers the thread; failing that, the comment is edited to say it is fixed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from jobguard.comments import fingerprint_of, is_summary
from jobguard.errors import PlatformError
from jobguard.platforms import Posted
from jobguard.platforms.github.comments import cap_body, fixed_body, is_fixed, issue_comment
from jobguard.platforms.github.pull import Session
from jobguard.platforms.http import ApiFailure

_SUGGESTION_FENCE = re.compile(r"^(`{3,})suggestion\b.*$", re.MULTILINE)
THREADS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId } } }
      }
    }
  }
}"""
# PyGithub's graphql_named_mutation sends this same text; a plain query keeps one GraphQL path (`Api.graphql`).
RESOLVE_MUTATION = """
mutation Mutation($input: ResolveReviewThreadInput!) {
  resolveReviewThread(input: $input) { thread { isResolved } }
}"""


def existing(session: Session) -> Sequence[Posted]:
    """Review comments with a fingerprint marker (thread roots only) and the summary issue comment."""
    try:
        found: list[Posted] = []
        url = f"{session.repo_url}/pulls/{session.number}/comments"
        for item in session.api.pages("pulls/list-review-comments", url):
            body = str(item.get("body") or "")
            fingerprint = fingerprint_of(body)
            if fingerprint is None or item.get("in_reply_to_id") or not session.own(item):
                continue
            outdated = item.get("line") is None and item.get("subject_type", "line") == "line"  # B8
            resolved = is_fixed(body)
            found.append(Posted(str(item["id"]), "inline", fingerprint, body, resolved, outdated=outdated))
        threads = _threads(session) if found else {}
        found = [
            replace(p, resolved=p.resolved or threads[p.id][1], thread_id=threads[p.id][0]) if p.id in threads else p
            for p in found
        ]
        summary = issue_comment(session, is_summary)
    except ApiFailure as failure:
        raise PlatformError(f"cannot list jobguard's notes on pull request #{session.number}: {failure}") from None
    return [*found, summary] if summary is not None else found


def _threads(session: Session) -> dict[str, tuple[str, bool]]:
    """review comment id -> (thread node id, resolved), B9."""
    owner, name = session.repository.split("/", 1)
    result: dict[str, tuple[str, bool]] = {}
    after: str | None = None
    while True:
        variables = {"owner": owner, "name": name, "number": session.number, "after": after}
        try:
            data = session.api.graphql("graphql/review-threads", THREADS_QUERY, variables)
        except ApiFailure as failure:
            session.notes.append(f"could not read review threads ({failure.message}); resolving by editing")
            return result
        threads = data["data"]["repository"]["pullRequest"]["reviewThreads"]
        for node in threads.get("nodes") or []:
            comments = (node.get("comments") or {}).get("nodes") or []
            if comments:
                result[str(comments[0]["databaseId"])] = (str(node["id"]), bool(node.get("isResolved")))
        page = threads.get("pageInfo") or {}
        if not page.get("hasNextPage") or not page.get("endCursor"):
            return result
        after = str(page["endCursor"])


def resolve(session: Session, posted: Posted, note: str) -> bool:
    """B9: resolve the review thread; failing that, edit the comment to say it is fixed."""
    if session.read_only or posted.kind != "inline":
        return False
    if posted.thread_id and _resolve_thread(session, posted.thread_id):
        return True
    body = fixed_body(note, _SUGGESTION_FENCE.sub(lambda m: m.group(1) + "yaml", posted.body))
    try:
        url = f"{session.repo_url}/pulls/comments/{posted.id}"
        session.api.request("pulls/update-review-comment", "PATCH", url, body={"body": cap_body(body)})
    except ApiFailure as failure:
        if failure.forbidden:
            session.became_read_only(failure)
        return False
    return True


def _resolve_thread(session: Session, thread_id: str) -> bool:
    try:
        variables = {"input": {"threadId": thread_id}}
        data = session.api.graphql("graphql/resolve-review-thread", RESOLVE_MUTATION, variables)
    except ApiFailure:
        return False
    return bool((((data.get("data") or {}).get("resolveReviewThread") or {}).get("thread") or {}).get("isResolved"))
