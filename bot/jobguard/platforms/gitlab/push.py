"""The fix commit: one commits-API call onto the MR's source branch (in the fork when it allows collaboration).

Refused when the fork does not allow commits from members, or when the branch moved past this job's commit; a POST
whose answer was lost is looked for (the branch's new tip) before it is sent again.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from urllib.parse import quote

from jobguard.errors import PlatformError
from jobguard.platforms.gitlab.api import Client, JsonDict
from jobguard.platforms.http import ApiFailure


def push_fix(client: Client, files: Mapping[str, bytes], message: str) -> str:
    """Commit `files` to the source branch; returns the commit's URL."""
    s = client.settings
    if not s.token:
        raise PlatformError("JOBGUARD_GITLAB_TOKEN is not set; CI_JOB_TOKEN cannot push commits")
    try:
        mr = client.mr(fresh=True)
    except ApiFailure as exc:
        raise PlatformError(f"cannot read merge request !{s.mr_iid}: {exc}") from None
    source, branch = str(mr.get("source_project_id")), str(mr.get("source_branch"))
    fork = source != str(mr.get("target_project_id", s.project_id))
    if fork and not mr.get("allow_collaboration"):
        raise PlatformError(
            f"merge request !{s.mr_iid} comes from a fork whose author did not allow commits from members "
            "who can merge (allow_collaboration), so jobguard cannot push there; apply the suggestions by hand"
        )
    if mr.get("sha") != s.head_sha:
        raise PlatformError(
            f"the source branch moved on to {str(mr.get('sha'))[:12]} after this job's commit "
            f"{s.head_sha[:12]}; run the fix job of the newest pipeline"
        )
    data = {"branch": branch, "commit_message": message, "actions": [_action(p, b) for p, b in files.items()]}
    try:
        commit = client.create(f"/projects/{quote(source, safe='')}/repository/commits", data, lambda: _landed(client))
    except ApiFailure as exc:
        if exc.status in (401, 403):
            where = "the fork's branch" if fork else "the source branch"
            raise PlatformError(
                f"the token may not push to {where} {branch} ({exc}); it needs the Developer role and the api scope"
            ) from None
        raise PlatformError(f"GitLab refused the fix commit: {exc}") from None
    return str(commit.get("web_url") or commit.get("id"))


def _landed(client: Client) -> JsonDict | None:
    mr = client.mr(fresh=True)
    sha = mr.get("sha")
    if not sha or sha == client.settings.head_sha:
        return None
    source = quote(str(mr.get("source_project_id")), safe="")
    return client.json(f"/projects/{source}/repository/commits/{sha}")


def _action(path: str, data: bytes) -> JsonDict:
    """An `update` action of the commits API; text as is, anything else base64."""
    try:
        return {"action": "update", "file_path": path, "content": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"action": "update", "file_path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}
