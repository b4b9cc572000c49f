"""Many files of a pull request read in a few GraphQL queries, so reading a change costs the same at any size.

Without a checkout every changed manifest is needed on both sides. The contents API costs one REST request per
file and side, and the Actions token has 1,000 an hour. GraphQL's `object(expression: "rev:path")` gives a blob's
text; one query carries `BATCH` of them under aliases for one point of GraphQL's own bucket. The expressions are
variables, never spliced into the query text. A blob GraphQL gives no text for (binary, truncated) is read through
REST by its oid. Before each request the budget is checked, so the run stops reading while it can still post.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jobguard.errors import PlatformError
from jobguard.platforms.github.pull import Session
from jobguard.platforms.http import ApiFailure

BATCH = 100  # blobs per query; 3,000 changed manifests (both sides) take 60 queries
GRAPHQL_RESERVE = 10  # points kept for the review threads and their resolves
CORE_RESERVE = 100  # REST requests kept for posting the review, the summary and their listings

Key = tuple[str, str]  # (revision, path)


@dataclass(frozen=True)
class BulkRead:
    """What was read (None: no such file), and what the budget left unread (in the order asked)."""

    blobs: dict[Key, bytes | None] = field(default_factory=dict)
    unread: tuple[Key, ...] = ()
    stopped: str = ""  # why reading stopped early, for the note


def query_text(count: int) -> str:
    """The query for `count` expressions $e0..: a Blob fragment, since `object` is a GitObject (no `text`)."""
    params = "".join(f", $e{i}: String!" for i in range(count))
    fields = " ".join(
        f"f{i}: object(expression: $e{i}) {{ ... on Blob {{ oid isBinary isTruncated text }} }}" for i in range(count)
    )
    return f"query($owner: String!, $name: String!{params}) {{ repository(owner: $owner, name: $name) {{ {fields} }} }}"


def read_bulk(session: Session, keys: Sequence[Key], one: Callable[[str, str], bytes | None]) -> BulkRead:
    """Every `(rev, path)` of `keys`, `BATCH` a query, until the GraphQL or REST budget runs low; if GraphQL
    fails, the rest one by one through `one` (the contents API), as long as the REST budget allows."""
    pending = list(dict.fromkeys(keys))
    blobs: dict[Key, bytes | None] = {}
    while pending:
        stopped = _budget_low(session, "graphql", GRAPHQL_RESERVE)
        if stopped:
            return BulkRead(blobs, tuple(pending), stopped)
        batch = pending[:BATCH]
        try:
            found = _query(session, batch)
        except ApiFailure as failure:
            session.notes.append(f"GraphQL could not read the files ({failure.message}); reading them one by one")
            return _one_by_one(session, pending, blobs, one)
        for key in batch:
            data = found[key]
            if isinstance(data, str):  # an oid: GraphQL gave no text
                stopped = _budget_low(session, "core", CORE_RESERVE)
                if stopped:
                    return BulkRead(blobs, tuple(pending), stopped)
                data = rest_blob(session, data)
            blobs[key] = data
            pending.remove(key)
    return BulkRead(blobs)


def _one_by_one(
    session: Session, pending: list[Key], blobs: dict[Key, bytes | None], one: Callable[[str, str], bytes | None]
) -> BulkRead:
    for index, (rev, path) in enumerate(pending):
        stopped = _budget_low(session, "core", CORE_RESERVE)
        if stopped:
            return BulkRead(blobs, tuple(pending[index:]), stopped)
        blobs[(rev, path)] = one(rev, path)
    return BulkRead(blobs)


def _budget_low(session: Session, bucket: str, reserve: int) -> str:
    left = session.api.remaining.get(bucket)
    if left is None or left > reserve:
        return ""
    name = "GraphQL" if bucket == "graphql" else "REST"
    return f"GitHub's {name} rate limit is nearly used up ({left} requests left, {reserve} kept for posting)"


def _query(session: Session, batch: Sequence[Key]) -> dict[Key, bytes | str | None]:
    """One query: key -> bytes, None (no file there, or a directory), or the oid of a blob without text."""
    owner, name = session.repository.split("/", 1)
    variables: dict[str, Any] = {"owner": owner, "name": name}
    variables.update({f"e{i}": f"{rev}:{path}" for i, (rev, path) in enumerate(batch)})
    data = session.api.graphql("graphql/blobs", query_text(len(batch)), variables)
    repository = (data.get("data") or {}).get("repository") or {}
    out: dict[Key, bytes | str | None] = {}
    for i, key in enumerate(batch):
        blob = repository.get(f"f{i}") or {}
        if "oid" not in blob:
            out[key] = None  # absent, a directory or a submodule
        elif blob.get("isBinary") or blob.get("isTruncated") or blob.get("text") is None:
            out[key] = str(blob["oid"])
        else:
            out[key] = str(blob["text"]).encode("utf-8")
    return out


def rest_blob(session: Session, sha: str) -> bytes:
    """One blob by its oid through the git data API (any size up to 100 MB, base64)."""
    try:
        _headers, data = session.api.request("git/get-blob", "GET", f"{session.repo_url}/git/blobs/{sha}")
    except ApiFailure as failure:
        raise PlatformError(f"reading blob {sha[:12]}: {failure.message}") from None
    return base64.b64decode(str(data.get("content") or ""))
