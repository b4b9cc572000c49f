"""The fix command's commit: the head branch moved forward through the git data API (tree, commit, ref; D6).

Refused up front when there is no branch to push to, when a fork does not allow edits by maintainers, or when the
token is read-only; refused too when the branch moved since the run read it (never a force push).
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Mapping
from typing import Any

from jobguard.errors import PlatformError
from jobguard.platforms.github.pull import PullInfo, Session
from jobguard.platforms.http import ApiFailure


def push_fix(session: Session, files: Mapping[str, bytes], message: str) -> str:
    """Commit `files` onto the head branch; returns the commit's URL."""
    pull = session.pull
    _check_pushable(session, pull, files)
    repo_url = f"/repos/{pull.head_repo}"
    ref = "heads/" + urllib.parse.quote(pull.head_ref, safe="/")
    api = session.api
    try:
        _headers, current = api.request("git/get-ref", "GET", f"{repo_url}/git/ref/{ref}")
        tip = str(current["object"]["sha"])
        if tip != pull.head_sha:
            raise PlatformError(
                f"{pull.head_ref} moved to {tip[:7]} since jobguard read {pull.head_sha[:7]}; run the command again"
            )
        _headers, parent = api.request("git/get-commit", "GET", f"{repo_url}/git/commits/{tip}")
        entries = [_tree_entry(session, repo_url, path, data) for path, data in sorted(files.items())]
        tree = _idempotent_post(
            session, "git/create-tree", f"{repo_url}/git/trees", {"base_tree": parent["tree"]["sha"], "tree": entries}
        )
        commit = _idempotent_post(
            session,
            "git/create-commit",
            f"{repo_url}/git/commits",
            {"message": message, "tree": tree["sha"], "parents": [tip]},
        )
        api.request(
            "git/update-ref", "PATCH", f"{repo_url}/git/refs/{ref}", body={"sha": commit["sha"], "force": False}
        )
    except ApiFailure as failure:
        raise PlatformError(_push_failure(pull, failure)) from None
    return str(commit.get("html_url") or commit["sha"])


def _check_pushable(session: Session, pull: PullInfo, files: Mapping[str, bytes]) -> None:
    if pull.head_repo is None:
        raise PlatformError("the pull request's head repository was deleted; there is no branch to push to")
    if pull.from_fork and not pull.maintainer_can_modify:
        raise PlatformError(
            f"the branch lives in the fork {pull.head_repo}, which does not allow edits by maintainers; "
            "apply the suggestions by hand"
        )
    if session.read_only:
        raise PlatformError(f"cannot push the fix: {session.read_only}")
    if not files:
        raise PlatformError("there is nothing to commit")


def _tree_entry(session: Session, repo_url: str, path: str, data: bytes) -> dict[str, Any]:
    try:
        return {"path": path, "mode": "100644", "type": "blob", "content": data.decode("utf-8")}
    except UnicodeDecodeError:
        blob = _idempotent_post(
            session,
            "git/create-blob",
            f"{repo_url}/git/blobs",
            {"content": base64.b64encode(data).decode(), "encoding": "base64"},
        )
        return {"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]}


def _idempotent_post(session: Session, kind: str, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Git objects are content-addressed: posting one twice is harmless, so 5xx is simply re-sent."""
    api = session.api
    return api.send(lambda: dict(api.request(kind, "POST", url, body=dict(body))[1]))


def _push_failure(pull: PullInfo, failure: ApiFailure) -> str:
    where = f"{pull.head_repo}:{pull.head_ref}"
    if failure.status in (403, 404) and "rate limit" not in failure.message.lower():
        return (
            f"the token cannot push to {where} ({failure.message}); the fix workflow needs "
            "`permissions: contents: write`"
        )
    if failure.status == 422 and "fast forward" in failure.message:
        return f"{where} moved while the fix was being committed; run the command again"
    return f"pushing the fix to {where} failed: {failure.message}"
