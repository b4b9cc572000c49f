"""The pull request a run works on: what the event payload says of it, and what the run learns while it goes.

Head and base come from the payload, never GITHUB_SHA (testing.md 7); an issue_comment payload lacks them, so one
GET fetches them there. Whether the token may write is decided up front (B11) and revised by the first 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jobguard.platforms import FixRequest
from jobguard.platforms.github.api import Api
from jobguard.platforms.http import ApiFailure

SUPPORTED_EVENTS = ("pull_request", "pull_request_target", "issue_comment")
AUTHORISED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
FIX_COMMAND = "/jobguard fix"
ACTIONS_BOT = "github-actions[bot]"  # who Actions' GITHUB_TOKEN (an installation token) writes as


@dataclass(frozen=True)
class PullInfo:
    """What the run needs of the pull request; head/base from the payload, never GITHUB_SHA (testing.md 7)."""

    number: int
    base_repo: str
    base_sha: str
    head_sha: str
    head_repo: str | None  # None when the fork was deleted
    head_ref: str
    maintainer_can_modify: bool = False
    changed_files: int | None = None

    @property
    def from_fork(self) -> bool:
        return self.head_repo != self.base_repo

    @staticmethod
    def from_json(pr: Mapping[str, Any]) -> PullInfo:
        head, base = pr["head"], pr["base"]
        head_repo = head.get("repo") or None
        return PullInfo(
            number=int(pr["number"]),
            base_repo=str(base["repo"]["full_name"]),
            base_sha=str(base["sha"]),
            head_sha=str(head["sha"]),
            head_repo=str(head_repo["full_name"]) if head_repo else None,
            head_ref=str(head["ref"]),
            maintainer_can_modify=bool(pr.get("maintainer_can_modify")),
            changed_files=int(pr["changed_files"]) if pr.get("changed_files") is not None else None,
        )


@dataclass
class Session:
    """One run on one pull request: the client, the pull request, the notes for the log, the write state."""

    api: Api
    repository: str
    number: int
    known: PullInfo | None = None  # from the payload; fetched on first use otherwise
    read_only: str = ""  # why the token cannot write, once known
    notes: list[str] = field(default_factory=list)
    _login: str | None = None

    @property
    def repo_url(self) -> str:
        return f"/repos/{self.repository}"

    @property
    def pull(self) -> PullInfo:
        """From the payload; issue_comment payloads lack the SHAs, so one GET there."""
        if self.known is None:
            _headers, data = self.api.request("pulls/get", "GET", f"{self.repo_url}/pulls/{self.number}")
            self.known = PullInfo.from_json(data)
        return self.known

    def own(self, item: Mapping[str, Any]) -> bool:
        """Whether a comment (REST `user.login`) is this token's, so that its markers are jobguard's (issue 14)."""
        return str((item.get("user") or {}).get("login") or "") == self.login()

    def login(self) -> str:
        """The token's user, asked once: `GET /user` for a personal token; an installation token (Actions'
        GITHUB_TOKEN) is refused there (users/get-authenticated is not enabled for GitHub Apps) and writes as
        github-actions[bot]."""
        if self._login is None:
            try:
                _headers, data = self.api.request("users/get-authenticated", "GET", "/user")
                self._login = str(data["login"])
            except ApiFailure as failure:
                if not failure.forbidden:
                    raise
                self._login = ACTIONS_BOT
        return self._login

    def became_read_only(self, failure: ApiFailure) -> str:
        """B11: a 403 on a write means the token cannot write here; stop trying for the rest of the run."""
        self.read_only = (
            f"the token cannot write to this pull request ({failure.message}); grant `pull-requests: write`"
        )
        return self.read_only


def fix_request(event_name: str, event: Mapping[str, Any]) -> FixRequest | None:
    """The `/jobguard fix` request an issue_comment run answers, or None (any other event or comment).

    Authorised = the commenter's author_association is OWNER, MEMBER or COLLABORATOR.
    """
    if event_name != "issue_comment":
        return None
    comment = event.get("comment") or {}
    body = str(comment.get("body") or "").strip()
    first = body.splitlines()[0].strip() if body else ""
    if first != FIX_COMMAND and not first.startswith(FIX_COMMAND + " "):
        return None
    association = str(comment.get("author_association") or "NONE")
    author = str((comment.get("user") or {}).get("login") or "")
    strategy = first[len(FIX_COMMAND) :].split()[:1]
    return FixRequest(author, association in AUTHORISED_ASSOCIATIONS, association, strategy[0] if strategy else None)


def read_only_reason(event_name: str, pull: PullInfo | None, actor: str) -> str:
    """B11: on `pull_request` from a fork (or by Dependabot) every token scope is read-only."""
    if event_name != "pull_request" or pull is None:
        return ""
    if pull.from_fork:
        return (
            "fork pull request under `pull_request`: the token is read-only, so findings go to annotations "
            "and the job summary"
        )
    if actor == "dependabot[bot]":
        return "Dependabot pull request: the token is read-only, so findings go to annotations and the job summary"
    return ""
