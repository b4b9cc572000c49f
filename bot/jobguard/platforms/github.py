"""GitHub pull requests as a review channel (review-apis.md part B), through PyGithub's requester.

Only imported on GitHub Actions (`from_env`); PyGithub itself is imported lazily by `_Api`. Every call goes through
`_Api.request`, which counts it (`calls`), applies the write policy (B12/B13: GithubRetry for 5xx and rate limits,
but a POST whose answer was lost is never re-sent blindly: `jobguard.platforms.send` re-lists first) and turns failures
into one-line `ApiFailure`s that carry no headers and never the token.

The diff comes from the local checkout when it holds both commits (zero API calls; testing.md section 7 for the
`safe.directory` flag), else from the API (B1: file list with patches, contents reads for files without one, git
trees past the 3,000-file cap). Nothing from the pull request is ever executed: git only reads objects, with
external diff drivers and textconv filters switched off.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import sys
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from jobguard import __version__
from jobguard import diff as diffs
from jobguard.check import UnreadableFile
from jobguard.errors import PlatformError
from jobguard.gitrepo import Repo
from jobguard.platforms import (
    ApiFailure,
    Calls,
    Capabilities,
    FixRequest,
    InlineComment,
    Posted,
    PostResult,
    Side,
    first_config,
    send,
    status_line,
)
from jobguard.render import fingerprint_of, is_summary

if TYPE_CHECKING:
    from github.Requester import Requester

SUPPORTED_EVENTS = ("pull_request", "pull_request_target", "issue_comment")
AUTHORISED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
FIX_COMMAND = "/jobguard fix"
FIXED_MARKER = "<!-- jobguard:fixed -->"
MAX_LISTED_FILES = 3000  # B1: the file list stops here
MAX_BODY = 65_536  # B6
STEP_SUMMARY_LIMIT = 1024 * 1024  # B6: 1 MiB per step
OUTPUT_LIMIT = 1024 * 1024  # a step output holds at most 1 MiB (GitHub Actions limits)
DEFAULT_API_URL = "https://api.github.com"
_SUGGESTION_FENCE = re.compile(r"^(`{3,})suggestion\b.*$", re.MULTILINE)
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_T = TypeVar("_T")

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
# PyGithub's graphql_named_mutation sends this same text; a plain query keeps one GraphQL path (`_Api.graphql`).
RESOLVE_MUTATION = """
mutation Mutation($input: ResolveReviewThreadInput!) {
  resolveReviewThread(input: $input) { thread { isResolved } }
}"""


# ---------------------------------------------------------------------------------------------------------------
# Settings, event data
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientSettings:
    """HTTP behaviour; the defaults follow B12/B13 (tests shrink the waits)."""

    timeout: int = 30  # seconds, on every call
    retries: int = 5  # GithubRetry total (5xx on reads/edits, 403/429 rate limits)
    backoff_factor: float = 1.0  # urllib3 exponential backoff between 5xx retries
    secondary_rate_wait: float = 60.0  # B12: no Retry-After -> wait at least 60 s
    max_rate_limit_wait: float = 300.0  # past this, fail with a clear line instead of sleeping
    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0  # B12: >= 1 s between writes
    post_attempts: int = 3  # POSTs whose outcome was unknown (5xx, timeout): re-list, then re-post


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


# ---------------------------------------------------------------------------------------------------------------
# The API client
# ---------------------------------------------------------------------------------------------------------------


def _retry_type() -> type[Any]:
    """GithubRetry, except that a POST answered 5xx (or not at all) is handed back instead of re-sent (B13)."""
    from github import GithubRetry

    class JobguardRetry(GithubRetry):
        on_retry: Callable[[], None] | None = None

        def new(self, **kw: Any) -> JobguardRetry:
            fresh: JobguardRetry = super().new(**kw)
            fresh.on_retry = self.on_retry
            return fresh

        def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
            if method.upper() == "POST" and status_code >= 500:
                return False  # GitHub may have created it: the adapter re-lists before posting again
            if status_code == 429:  # secondary limits also answer 429 (B12)
                return self._is_method_retryable(method) and bool(self.total)
            return bool(super().is_retry(method, status_code, has_retry_after))

        def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> Any:
            response = kwargs.get("response", args[0] if args else None)
            error = kwargs.get("error", args[1] if len(args) > 1 else None)
            if error is not None and (method or "").upper() == "POST" and self._is_read_error(error):
                raise error  # sent, answer lost: never re-sent blindly
            new = super().increment(method, url, *args, **kwargs)
            if response is not None and response.status == 429 and "Retry-After" not in response.headers:
                wait = float(self.secondary_rate_wait)
                if self.max_rate_limit_wait is not None:
                    wait = min(wait, float(self.max_rate_limit_wait))
                new.get_backoff_time = lambda: wait  # type: ignore[method-assign]
            if self.on_retry is not None:
                self.on_retry()
            return new

    return JobguardRetry


class _Api:
    """PyGithub's Requester with counting, one-line failures and link pagination."""

    def __init__(self, token: str, api_url: str, settings: ClientSettings, calls: Calls) -> None:
        import github
        from github import Auth

        self.token = token
        self.settings = settings
        self.calls = calls
        self._kind = "request"
        self._write = False
        retry = _retry_type()(
            total=settings.retries,
            backoff_factor=settings.backoff_factor,
            secondary_rate_wait=settings.secondary_rate_wait,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            raise_on_status=False,
            allowed_methods=frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "POST"}),
        )
        retry.on_retry = self._retried
        self.client = github.Github(
            base_url=api_url.rstrip("/"),
            auth=Auth.Token(token),
            timeout=settings.timeout,
            retry=retry,
            per_page=100,
            user_agent=f"jobguard/{__version__}",
            seconds_between_requests=settings.seconds_between_requests,
            seconds_between_writes=settings.seconds_between_writes,
        )
        self.requester: Requester = self.client.requester

    def _retried(self) -> None:
        self.calls.count(self._kind, self._write)

    def request(
        self,
        kind: str,
        verb: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        write: bool | None = None,
    ) -> tuple[dict[str, Any], Any]:
        """One REST call; `kind` names it in `calls.by_kind` (the contract's operation id)."""
        self._kind, self._write = kind, (verb != "GET") if write is None else write
        self.calls.count(self._kind, self._write)
        return self._guard(
            lambda: self.requester.requestJsonAndCheck(
                verb, url, parameters=dict(params) if params else None, input=body
            )
        )

    def pages(self, kind: str, url: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paginated list (per_page 100, following `Link: rel="next"`)."""
        next_url: str | None = url
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        while next_url:
            headers, data = self.request(kind, "GET", next_url, params=query)
            yield from data if isinstance(data, list) else []
            next_url, query = _next_link(headers.get("link", "")), None

    def graphql(self, kind: str, query: str, variables: dict[str, Any], *, write: bool = False) -> dict[str, Any]:
        """A GraphQL query or mutation, re-sent on 5xx by hand (GithubRetry never re-sends a POST): a query has no
        side effect, and resolving a thread twice is harmless."""

        def once() -> dict[str, Any]:
            self._kind, self._write = kind, write
            self.calls.count(kind, write)
            _headers, data = self._guard(lambda: self.requester.graphql_query(query, variables))
            return dict(data)

        return self.send(once)

    def send(self, call: Callable[[], _T], landed: Callable[[], _T | None] | None = None) -> _T:
        """`jobguard.platforms.send` with this client's attempts and backoff (B13)."""
        return send(call, attempts=self.settings.post_attempts, backoff=self.settings.backoff_factor, landed=landed)

    def _guard(self, call: Callable[[], tuple[dict[str, Any], Any]]) -> tuple[dict[str, Any], Any]:
        import requests
        from github import GithubException

        try:
            return call()
        except GithubException as exc:
            raise ApiFailure(exc.status, status_line(exc.status, _error_text(exc.data)), (self.token,)) from None
        except requests.RequestException as exc:
            raise ApiFailure(None, f"no answer from GitHub ({type(exc).__name__})") from None


def _error_text(data: Any) -> str:
    """`message: error; error` from GitHub's JSON error body (B3 error strings kept)."""
    if not isinstance(data, Mapping):
        return str(data or "")
    details = []
    for error in data.get("errors") or []:
        if isinstance(error, Mapping):
            text = error.get("message") or " ".join(
                str(error[k]) for k in ("resource", "field", "code") if error.get(k)
            )
            details.append(str(text))
        else:
            details.append(str(error))
    return str(data.get("message") or "") + (": " + "; ".join(details) if details else "")


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


# ---------------------------------------------------------------------------------------------------------------
# The platform
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Posting:
    """One `post_inline` call: what landed, what GitHub refused, and how many more POSTs it may send."""

    budget: int
    posted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


@dataclass
class _State:
    changes: list[diffs.FileChange] | None = None
    merge_base: str | None = None  # as the API's compare reports it (the checkout's is in `_local`)
    blobs: dict[tuple[str, str], bytes | None] = field(default_factory=dict)  # (rev, path) -> bytes
    tree_shas: dict[tuple[str, str], str] = field(default_factory=dict)  # (rev, path) -> blob sha
    tree_revs: set[str] = field(default_factory=set)  # revisions whose whole tree was listed


class GitHubPlatform:
    """One pull request on github.com or GitHub Enterprise Server, as the `Platform` protocol sees it."""

    name = "github"

    def __init__(
        self,
        *,
        token: str,
        repository: str,
        event_name: str,
        event: Mapping[str, Any],
        api_url: str = DEFAULT_API_URL,
        workspace: Path | None = None,
        step_summary: Path | None = None,
        output: Path | None = None,
        actor: str = "",
        settings: ClientSettings | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        if event_name not in SUPPORTED_EVENTS:
            raise PlatformError(
                f"jobguard review runs on {', '.join(SUPPORTED_EVENTS)} events, not {event_name or 'none'}"
            )
        if "/" not in repository:
            raise PlatformError(f"GITHUB_REPOSITORY must be owner/name, not {repository!r}")
        self.calls = Calls()
        self.notes: list[str] = []  # what the adapter decided (diff source, fallbacks), for the log
        self.repository = repository
        self.event_name = event_name
        self.event = event
        self.workspace = workspace
        self.step_summary = step_summary
        self.output = output
        self.stdout = stdout if stdout is not None else sys.stdout
        self.api = _Api(token, api_url, settings or ClientSettings(), self.calls)
        self.diff_source = ""
        self._state = _State()
        self._pull: PullInfo | None = None
        if event_name == "issue_comment":
            issue = event.get("issue") or {}
            if not issue.get("pull_request"):
                raise PlatformError("the comment is on an issue, not a pull request: nothing to review")
            self.number = int(issue["number"])
        else:
            self._pull = PullInfo.from_json(event["pull_request"])
            self.number = self._pull.number
        self._read_only = self._read_only_reason(actor)

    # ---- event ------------------------------------------------------------------------------------------------

    @property
    def pull(self) -> PullInfo:
        """From the payload; issue_comment payloads lack the SHAs, so one GET there."""
        if self._pull is None:
            _headers, data = self.api.request("pulls/get", "GET", f"{self._repo_url}/pulls/{self.number}")
            self._pull = PullInfo.from_json(data)
        return self._pull

    def fix_command(self) -> FixRequest | None:
        """The `/jobguard fix` request this issue_comment run answers, or None (any other event or comment).

        Authorised = the commenter's author_association is OWNER, MEMBER or COLLABORATOR.
        """
        if self.event_name != "issue_comment":
            return None
        comment = self.event.get("comment") or {}
        body = str(comment.get("body") or "").strip()
        first = body.splitlines()[0].strip() if body else ""
        if first != FIX_COMMAND and not first.startswith(FIX_COMMAND + " "):
            return None
        association = str(comment.get("author_association") or "NONE")
        author = str((comment.get("user") or {}).get("login") or "")
        return FixRequest(author, association in AUTHORISED_ASSOCIATIONS, association)

    def _read_only_reason(self, actor: str) -> str:
        """B11: on `pull_request` from a fork (or by Dependabot) every token scope is read-only."""
        if self.event_name != "pull_request" or self._pull is None:
            return ""
        if self._pull.from_fork:
            return (
                "fork pull request under `pull_request`: the token is read-only, so findings go to annotations "
                "and the job summary"
            )
        if actor == "dependabot[bot]":
            return "Dependabot pull request: the token is read-only, so findings go to annotations and the job summary"
        return ""

    @property
    def _repo_url(self) -> str:
        return f"/repos/{self.repository}"

    # ---- reading the change ------------------------------------------------------------------------------------

    def changes(self) -> Sequence[diffs.FileChange]:
        if self._state.changes is None:
            local = self._local_changes()
            try:
                self._state.changes = local if local is not None else self._api_changes()
            except ApiFailure as failure:
                raise PlatformError(f"cannot read the change of pull request #{self.number}: {failure}") from None
        return self._state.changes

    def checkout(self) -> tuple[Repo, str] | None:
        local = self._local
        return (local[0], self.pull.head_sha) if local is not None else None

    @functools.cached_property
    def _local(self) -> tuple[Repo, str] | None:
        """The checkout and the merge base of the two commits (B1: GitHub diffs against it), when it holds all
        three (fetch-depth: 0); None: the change comes through the API. Decided once, at no API cost."""
        if self.workspace is None or not (self.workspace / ".git").exists():
            self.notes.append(
                "no checkout in GITHUB_WORKSPACE; reading the change through the API "
                "(actions/checkout with fetch-depth: 0 makes it free)"
            )
            return None
        git = Repo(self.workspace, root=True)
        pull = self.pull
        if not (git.has_commit(pull.base_sha) and git.has_commit(pull.head_sha)):
            self.notes.append(
                "the checkout lacks the base or head commit (use actions/checkout with fetch-depth: 0); "
                "reading the change through the API"
            )
            return None
        merge_base = git.merge_base(pull.base_sha, pull.head_sha)
        if merge_base is None:
            self.notes.append("the checkout lacks the merge base (shallow clone); reading the change through the API")
            return None
        return git, merge_base

    def _local_changes(self) -> list[diffs.FileChange] | None:
        if self._local is None:
            return None
        git, merge_base = self._local
        text = git.diff(merge_base, self.pull.head_sha)
        if text is None:
            self.notes.append("git diff failed in the checkout; reading the change through the API")
            return None
        self.diff_source = "git"
        return diffs.parse(text)

    def _merge_base(self) -> str:
        """B1: GitHub diffs against the merge base; the API tells it through compare (one read)."""
        if self._state.merge_base is None:
            pull = self.pull
            url = f"{self._repo_url}/compare/{pull.base_sha}...{pull.head_sha}"
            _headers, data = self.api.request("repos/compare-commits", "GET", url, params={"per_page": 1})
            self._state.merge_base = str(data["merge_base_commit"]["sha"])
        return self._state.merge_base

    def _api_changes(self) -> list[diffs.FileChange]:
        pull = self.pull
        if pull.changed_files is not None and pull.changed_files > MAX_LISTED_FILES:
            changes = self._tree_changes()
            if changes is not None:
                return changes
        url = f"{self._repo_url}/pulls/{self.number}/files"
        listed = list(self.api.pages("pulls/list-files", url))
        self.diff_source = "api"
        if len(listed) >= MAX_LISTED_FILES and pull.changed_files is None:
            changes = self._tree_changes()
            if changes is not None:
                return changes
        if len(listed) >= MAX_LISTED_FILES:
            self.notes.append(
                f"only the first {MAX_LISTED_FILES} files of this pull request could be listed (B1); check out the "
                "repository with fetch-depth: 0 to review every file"
            )
        changes = []
        without_patch = 0
        for item in listed:
            change = self._listed_change(item)
            if change is None:
                continue
            pure_rename = change.status is diffs.Status.RENAMED and not item.get("changes")
            if change.new_path is not None and not change.hunks and item.get("patch") is None and not pure_rename:
                change = self._computed_change(change)
                without_patch += 1
            changes.append(change)
        if without_patch:
            self.notes.append(
                f"{without_patch} file(s) came without a patch (too large for the file list); their diff was "
                "computed from the contents API"
            )
        return changes

    def _listed_change(self, item: Mapping[str, Any]) -> diffs.FileChange | None:
        """One `pulls/list-files` entry -> FileChange (manifests only), hunks parsed from its `patch`."""
        path = str(item["filename"])
        status = str(item.get("status") or "modified")
        previous = item.get("previous_filename")
        old: str | None = str(previous) if previous and status == "renamed" else path
        new: str | None = path
        kind = diffs.Status.MODIFIED
        if status in ("added", "copied"):
            old, kind = None, diffs.Status.ADDED
        elif status == "removed":
            new, kind = None, diffs.Status.REMOVED
        elif status == "renamed":
            kind = diffs.Status.RENAMED
        elif status == "unchanged":
            return None
        if not (diffs.is_manifest(new) or diffs.is_manifest(old)):
            return None
        patch = item.get("patch")
        parsed = diffs.parse_patch(old, new, str(patch)) if patch else None
        return diffs.FileChange(old, new, kind, parsed.hunks if parsed else ())

    def _computed_change(self, change: diffs.FileChange) -> diffs.FileChange:
        """A file the list gave without a patch: diff the two contents here (git-style, 3 context lines)."""
        old = self.read(change.old_path, "base") if change.old_path else None
        new = self.read(change.new_path, "head") if change.new_path else None
        computed = diffs.between(change.old_path, change.new_path, old, new)
        return diffs.FileChange(change.old_path, change.new_path, change.status, computed.hunks if computed else ())

    def _tree_changes(self) -> list[diffs.FileChange] | None:
        """Past 3,000 files (B1): compare the two recursive git trees, then diff changed manifests here."""
        base, head = self._merge_base(), self.pull.head_sha
        sides = {}
        for rev in (base, head):
            _headers, data = self.api.request(
                "git/get-tree", "GET", f"{self._repo_url}/git/trees/{rev}", params={"recursive": 1}
            )
            if data.get("truncated"):
                self.notes.append("the git tree is too large for the API (truncated); falling back to the file list")
                return None
            sides[rev] = {
                str(e["path"]): str(e["sha"])
                for e in data.get("tree") or []
                if e.get("type") == "blob" and diffs.is_manifest(str(e["path"]))
            }
        for rev, entries in sides.items():
            self._state.tree_revs.add(rev)
            for path, sha in entries.items():
                self._state.tree_shas[(rev, path)] = sha
        changes = []
        for path in sorted(sides[base].keys() | sides[head].keys()):
            old_sha, new_sha = sides[base].get(path), sides[head].get(path)
            if old_sha == new_sha:
                continue
            status = diffs.Status.ADDED if old_sha is None else diffs.Status.REMOVED if new_sha is None else None
            change = diffs.FileChange(
                path if old_sha else None, path if new_sha else None, status or diffs.Status.MODIFIED
            )
            changes.append(self._computed_change(change) if new_sha else change)
        self.diff_source = "api-trees"
        self.notes.append(
            f"this pull request changes more than {MAX_LISTED_FILES} files; the changed manifests were found by "
            "comparing git trees (renames show as remove + add)"
        )
        return changes

    def read(self, path: str, side: Side) -> bytes | None:
        """Base side = the merge base (what GitHub's diff shows), head side = the head commit."""
        if self._local is not None:
            git, merge_base = self._local
            return git.blob(merge_base if side == "base" else self.pull.head_sha, path)
        return self._read_api(self._merge_base() if side == "base" else self.pull.head_sha, path)

    def _read_api(self, rev: str, path: str) -> bytes | None:
        key = (rev, path)
        if key not in self._state.blobs:
            sha = self._state.tree_shas.get(key)
            if sha is not None:
                self._state.blobs[key] = self._blob(sha)
            elif rev in self._state.tree_revs and diffs.is_manifest(path):
                self._state.blobs[key] = None  # the tree was listed and the manifest is not in it
            else:
                self._state.blobs[key] = self._contents(rev, path)
        return self._state.blobs[key]

    def _contents(self, rev: str, path: str) -> bytes | None:
        url = f"{self._repo_url}/contents/{urllib.parse.quote(path)}"
        try:
            _headers, data = self.api.request("repos/get-content", "GET", url, params={"ref": rev})
        except ApiFailure as failure:
            if failure.status == 404:
                return None
            raise PlatformError(f"reading {path} at {rev[:12]}: {failure.message}") from None
        if not isinstance(data, Mapping):
            return None  # a directory
        if data.get("type") == "symlink":
            raise UnreadableFile(f"{path} is a symlink; not followed")
        if data.get("type") != "file":
            return None  # submodule
        if data.get("encoding") == "base64" and (data.get("content") or not data.get("size")):
            return base64.b64decode(str(data.get("content") or ""))
        return self._blob(str(data["sha"]))  # over 1 MB the contents API leaves `content` empty

    def _blob(self, sha: str) -> bytes:
        try:
            _headers, data = self.api.request("git/get-blob", "GET", f"{self._repo_url}/git/blobs/{sha}")
        except ApiFailure as failure:
            raise PlatformError(f"reading blob {sha[:12]}: {failure.message}") from None
        return base64.b64decode(str(data.get("content") or ""))

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        """The config as of the base (or head) commit itself, not the merge base (see `Platform.config_text`)."""
        rev = self.pull.base_sha if side == "base" else self.pull.head_sha
        reader = functools.partial(self._local[0].blob if self._local is not None else self._read_api, rev)
        return first_config(names, reader)

    # ---- what this run may do ------------------------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        if self._read_only:
            return Capabilities(can_comment=False, reason=self._read_only)
        return Capabilities(can_comment=True)

    def _became_read_only(self, failure: ApiFailure) -> str:
        """B11: a 403 on a write means the token cannot write here; stop trying for the rest of the run."""
        self._read_only = (
            f"the token cannot write to this pull request ({failure.message}); grant `pull-requests: write`"
        )
        return self._read_only

    # ---- existing notes ----------------------------------------------------------------------------------------

    def existing(self) -> Sequence[Posted]:
        """Review comments with a fingerprint marker (thread roots only) and the summary issue comment;
        resolution state from one paginated GraphQL reviewThreads query, sent only when there are any."""
        try:
            found: list[Posted] = []
            url = f"{self._repo_url}/pulls/{self.number}/comments"
            for item in self.api.pages("pulls/list-review-comments", url):
                body = str(item.get("body") or "")
                fingerprint = fingerprint_of(body)
                if fingerprint is None or item.get("in_reply_to_id"):
                    continue
                outdated = item.get("line") is None and item.get("subject_type", "line") == "line"  # B8
                resolved = FIXED_MARKER in body
                found.append(Posted(str(item["id"]), "inline", fingerprint, body, resolved, outdated=outdated))
            threads = self._threads() if found else {}
            found = [
                replace(p, resolved=p.resolved or threads[p.id][1], thread_id=threads[p.id][0])
                if p.id in threads
                else p
                for p in found
            ]
            summary = self._issue_comment(is_summary)
        except ApiFailure as failure:
            raise PlatformError(f"cannot list jobguard's notes on pull request #{self.number}: {failure}") from None
        return [*found, summary] if summary is not None else found

    def _issue_comment(self, match: Callable[[str], bool]) -> Posted | None:
        """The first issue comment whose body `match`es (the summary, or a reply whose answer was lost)."""
        for item in self.api.pages("issues/list-comments", f"{self._repo_url}/issues/{self.number}/comments"):
            body = str(item.get("body") or "")
            if match(body):
                return Posted(str(item["id"]), "summary", None, body)
        return None

    def _threads(self) -> dict[str, tuple[str, bool]]:
        """review comment id -> (thread node id, resolved), B9."""
        owner, name = self.repository.split("/", 1)
        result: dict[str, tuple[str, bool]] = {}
        after: str | None = None
        while True:
            variables = {"owner": owner, "name": name, "number": self.number, "after": after}
            try:
                data = self.api.graphql("graphql/review-threads", THREADS_QUERY, variables)
            except ApiFailure as failure:
                self.notes.append(f"could not read review threads ({failure.message}); resolving by editing")
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

    # ---- inline comments ---------------------------------------------------------------------------------------

    def post_inline(self, comments: Sequence[InlineComment]) -> PostResult:
        """One review (event COMMENT, pinned to the head SHA) carrying every comment whose anchor is valid."""
        if self._read_only:
            return PostResult(rejected=(), error=self._read_only)
        by_path = {c.path: c for c in self.changes()}
        valid = [c for c in comments if _anchor_problem(c, by_path.get(c.path)) is None]
        # bisecting n comments never needs more POSTs than 2n + 2
        run = _Posting(budget=2 * len(valid) + 2, rejected=[c.fingerprint for c in comments if c not in valid])
        error = self._post_reviews(valid, run)
        return PostResult(posted=tuple(run.posted), rejected=tuple(run.rejected), error=error)

    def _post_reviews(self, batch: list[InlineComment], run: _Posting) -> str | None:
        """Post `batch` as one review; on 422 split it (B3: the answer does not say which anchor failed)."""
        pending_cleared = False
        while batch:
            if run.budget <= 0:
                run.rejected.extend(c.fingerprint for c in batch)
                return None
            run.budget -= 1
            try:
                self._send_review(batch, run)
                return None
            except ApiFailure as failure:
                if failure.forbidden:
                    return self._became_read_only(failure)
                if failure.status == 422 and "pending review" in failure.message and not pending_cleared:
                    pending_cleared = True
                    self._delete_pending_reviews()
                    continue
                if failure.status != 422:
                    return f"posting the review failed: {failure.message}"
                if len(batch) == 1:
                    run.rejected.append(batch[0].fingerprint)
                    return None
                half = len(batch) // 2
                return self._post_reviews(batch[:half], run) or self._post_reviews(batch[half:], run)
        return None

    def _send_review(self, left: list[InlineComment], run: _Posting) -> None:
        """POST one review carrying `left`. After a lost answer (B13) what landed moves to `run.posted` and out of
        `left`, so a re-post carries only the rest; on failure `left` holds what did not land."""

        def landed() -> dict[str, Any] | None:
            got = self._landed_fingerprints()
            run.posted.extend(c.fingerprint for c in left if c.fingerprint in got)
            left[:] = [c for c in left if c.fingerprint not in got]
            return None if left else {}

        self.api.send(lambda: self._create_review(left), landed)
        run.posted.extend(c.fingerprint for c in left)
        left.clear()

    def _create_review(self, batch: Sequence[InlineComment]) -> dict[str, Any]:
        items = []
        for c in batch:
            item: dict[str, Any] = {"path": c.path, "line": c.line, "side": "RIGHT", "body": _cap_body(c.body)}
            if c.start_line is not None:
                item.update(start_line=c.start_line, start_side="RIGHT")
            items.append(item)
        count = len(batch)
        body = f"**jobguard** found {count} problem{'s' if count != 1 else ''} with Jobs in this change.\n"
        payload = {"commit_id": self.pull.head_sha, "body": body, "event": "COMMENT", "comments": items}
        url = f"{self._repo_url}/pulls/{self.number}/reviews"
        _headers, data = self.api.request("pulls/create-review", "POST", url, body=payload)
        return dict(data)

    def _landed_fingerprints(self) -> set[str]:
        url = f"{self._repo_url}/pulls/{self.number}/comments"
        try:
            items = list(self.api.pages("pulls/list-review-comments", url))
        except ApiFailure:
            return set()
        return {fp for item in items if (fp := fingerprint_of(str(item.get("body") or ""))) is not None}

    def _delete_pending_reviews(self) -> None:
        """B2: a pending review left by a crashed run blocks every new one; only our own are visible."""
        url = f"{self._repo_url}/pulls/{self.number}/reviews"
        for review in list(self.api.pages("pulls/list-reviews", url)):
            if review.get("state") == "PENDING":
                try:
                    self.api.request("pulls/delete-pending-review", "DELETE", f"{url}/{review['id']}")
                except ApiFailure:
                    continue

    # ---- resolving and the summary ---------------------------------------------------------------------------

    def resolve(self, posted: Posted, note: str) -> bool:
        """B9: resolve the review thread; failing that, edit the comment to say it is fixed."""
        if self._read_only or posted.kind != "inline":
            return False
        if posted.thread_id:
            try:
                variables = {"input": {"threadId": posted.thread_id}}
                data = self.api.graphql("graphql/resolve-review-thread", RESOLVE_MUTATION, variables, write=True)
                if (((data.get("data") or {}).get("resolveReviewThread") or {}).get("thread") or {}).get("isResolved"):
                    return True
            except ApiFailure:
                pass
        body = (
            f"✅ **{note}** jobguard no longer finds this problem.\n\n{FIXED_MARKER}\n\n"
            f"<details><summary>Original comment</summary>\n\n"
            f"{_SUGGESTION_FENCE.sub(lambda m: m.group(1) + 'yaml', posted.body)}\n</details>\n"
        )
        try:
            self.api.request(
                "pulls/update-review-comment",
                "PATCH",
                f"{self._repo_url}/pulls/comments/{posted.id}",
                body={"body": _cap_body(body)},
            )
        except ApiFailure as failure:
            if failure.forbidden:
                self._became_read_only(failure)
            return False
        return True

    def upsert_summary(self, body: str, existing: Posted | None) -> bool:
        """The one sticky summary issue comment, found by its marker and edited in place."""
        if self._read_only:
            return False
        body = _cap_body(body)
        if existing is not None:
            try:
                self._edit_issue_comment(existing.id, body)
                return True
            except ApiFailure as failure:
                if failure.forbidden:
                    self._became_read_only(failure)
                    return False
                if failure.status != 404:
                    self.notes.append(f"editing the summary failed: {failure.message}")
                    return False
        try:
            self._create_issue_comment(body, functools.partial(self._issue_comment, is_summary))
        except ApiFailure as failure:
            if failure.forbidden:
                self._became_read_only(failure)
            else:
                self.notes.append(f"posting the summary failed: {failure.message}")
            return False
        return True

    def _edit_issue_comment(self, comment_id: str, body: str) -> None:
        url = f"{self._repo_url}/issues/comments/{comment_id}"
        self.api.request("issues/update-comment", "PATCH", url, body={"body": body})

    def _create_issue_comment(self, body: str, find: Callable[[], Posted | None]) -> None:
        """POST an issue comment; after a lost answer, look for it (`find`) before posting again (B13)."""
        url = f"{self._repo_url}/issues/{self.number}/comments"

        def landed() -> dict[str, Any] | None:
            found = find()
            if found is not None and found.body.strip() != body.strip():
                self._edit_issue_comment(found.id, body)
            return None if found is None else {"id": found.id}

        def post() -> dict[str, Any]:
            _headers, data = self.api.request("issues/create-comment", "POST", url, body={"body": body})
            return dict(data)

        self.api.send(post, landed)

    def reply(self, body: str) -> None:
        """A plain comment on the pull request (the answer to `/jobguard fix`)."""
        body = _cap_body(body)
        try:
            self._create_issue_comment(body, lambda: self._issue_comment(lambda text: text.strip() == body.strip()))
        except ApiFailure as failure:
            raise PlatformError(f"answering on the pull request failed: {failure.message}") from None

    # ---- token-free channels -----------------------------------------------------------------------------------

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        """GITHUB_OUTPUT, the step summary (appended, under 1 MiB) and workflow commands on stdout (B10)."""
        if self.output is not None and outputs:
            kept = {name: value for name, value in outputs.items() if len(value.encode()) <= OUTPUT_LIMIT}
            if len(kept) < len(outputs):
                self.notes.append(f"outputs over 1 MiB were not set: {', '.join(sorted(outputs.keys() - kept))}")
            with self.output.open("a", encoding="utf-8") as out:
                out.write("".join(_output_line(name, value) for name, value in kept.items()))
        if self.step_summary is not None and summary_markdown:
            _append_step_summary(self.step_summary, summary_markdown)
        if annotations:
            self.stdout.write(annotations if annotations.endswith("\n") else annotations + "\n")
            self.stdout.flush()

    # ---- the fix command -----------------------------------------------------------------------------------

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        """Commit `files` onto the head branch through the git data API (tree, commit, ref; D6)."""
        pull = self.pull
        if pull.head_repo is None:
            raise PlatformError("the pull request's head repository was deleted; there is no branch to push to")
        if pull.from_fork and not pull.maintainer_can_modify:
            raise PlatformError(
                f"the branch lives in the fork {pull.head_repo}, which does not allow edits by maintainers; "
                "apply the suggestions by hand"
            )
        if self._read_only:
            raise PlatformError(f"cannot push the fix: {self._read_only}")
        if not files:
            raise PlatformError("there is nothing to commit")
        repo_url = f"/repos/{pull.head_repo}"
        ref = "heads/" + urllib.parse.quote(pull.head_ref, safe="/")
        try:
            _headers, current = self.api.request("git/get-ref", "GET", f"{repo_url}/git/ref/{ref}")
            tip = str(current["object"]["sha"])
            if tip != pull.head_sha:
                raise PlatformError(
                    f"{pull.head_ref} moved to {tip[:7]} since jobguard read {pull.head_sha[:7]}; run the command again"
                )
            _headers, parent = self.api.request("git/get-commit", "GET", f"{repo_url}/git/commits/{tip}")
            entries = [self._tree_entry(repo_url, path, data) for path, data in sorted(files.items())]
            tree = self._idempotent_post(
                "git/create-tree", f"{repo_url}/git/trees", {"base_tree": parent["tree"]["sha"], "tree": entries}
            )
            commit = self._idempotent_post(
                "git/create-commit",
                f"{repo_url}/git/commits",
                {"message": message, "tree": tree["sha"], "parents": [tip]},
            )
            self.api.request(
                "git/update-ref", "PATCH", f"{repo_url}/git/refs/{ref}", body={"sha": commit["sha"], "force": False}
            )
        except ApiFailure as failure:
            raise PlatformError(self._push_failure(failure)) from None
        return str(commit.get("html_url") or commit["sha"])

    def _tree_entry(self, repo_url: str, path: str, data: bytes) -> dict[str, Any]:
        try:
            return {"path": path, "mode": "100644", "type": "blob", "content": data.decode("utf-8")}
        except UnicodeDecodeError:
            blob = self._idempotent_post(
                "git/create-blob",
                f"{repo_url}/git/blobs",
                {"content": base64.b64encode(data).decode(), "encoding": "base64"},
            )
            return {"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]}

    def _idempotent_post(self, kind: str, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Git objects are content-addressed: posting one twice is harmless, so 5xx is simply re-sent."""
        return self.api.send(lambda: dict(self.api.request(kind, "POST", url, body=dict(body))[1]))

    def _push_failure(self, failure: ApiFailure) -> str:
        pull = self.pull
        where = f"{pull.head_repo}:{pull.head_ref}"
        if failure.status in (403, 404) and "rate limit" not in failure.message.lower():
            return (
                f"the token cannot push to {where} ({failure.message}); the fix workflow needs "
                "`permissions: contents: write`"
            )
        if failure.status == 422 and "fast forward" in failure.message:
            return f"{where} moved while the fix was being committed; run the command again"
        return f"pushing the fix to {where} failed: {failure.message}"

    def close(self) -> None:
        local = self.__dict__.get("_local")  # only when `_local` was worked out (functools.cached_property)
        if local is not None:
            local[0].close()


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _anchor_problem(comment: InlineComment, change: diffs.FileChange | None) -> str | None:
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


def _cap_body(body: str) -> str:
    """B6: 65,536 characters per body. The summary comes capped from `render.summary_body`; this is the safety net
    for the others: cut on a line, keeping the hidden marker lines (as `jobguard.render` reads them) at the end."""
    if len(body) <= MAX_BODY:
        return body
    markers = "\n".join(
        line.strip()
        for line in body.splitlines()
        if len(line) < 200 and (fingerprint_of(line) or is_summary(line) or FIXED_MARKER in line)
    )
    room = MAX_BODY - len(markers) - 100
    return body[:room].rsplit("\n", 1)[0] + "\n\n…(truncated)\n\n" + markers + "\n"


def _output_line(name: str, value: str) -> str:
    """`name=value`, or the heredoc form for multi-line values (GitHub's GITHUB_OUTPUT syntax)."""
    if not _OUTPUT_NAME.match(name):
        raise PlatformError(f"invalid output name {name!r}")
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    while delimiter in value:  # pragma: no cover - a uuid inside the value
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _append_step_summary(path: Path, markdown: str) -> None:
    """Append, staying under the 1 MiB a step may write (B6): over it GitHub drops the whole summary."""
    used = path.stat().st_size if path.exists() else 0
    room = STEP_SUMMARY_LIMIT - used - 1024
    data = markdown if markdown.endswith("\n") else markdown + "\n"
    encoded = data.encode("utf-8")
    if room <= 0:
        return
    if len(encoded) > room:
        note = "\n\n…(truncated: a job summary holds at most 1 MiB; the full report is in the log)\n"
        cut = encoded[: room - len(note.encode())].decode("utf-8", "ignore")
        data = cut.rsplit("\n", 1)[0] + note
    with path.open("a", encoding="utf-8") as out:
        out.write(data)


def from_env(
    environ: Mapping[str, str], *, settings: ClientSettings | None = None, stdout: TextIO | None = None
) -> GitHubPlatform:
    """The platform for this Actions run, from the runner's environment (testing.md 7)."""
    event_name = environ.get("GITHUB_EVENT_NAME", "")
    event_path = environ.get("GITHUB_EVENT_PATH", "")
    if not event_path:
        raise PlatformError("GITHUB_EVENT_PATH is not set: not running inside GitHub Actions")
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlatformError(f"cannot read the event payload {event_path}: {type(exc).__name__}") from None
    if not isinstance(event, dict):
        raise PlatformError(f"the event payload {event_path} is not a JSON object")
    repository = environ.get("GITHUB_REPOSITORY") or str((event.get("repository") or {}).get("full_name") or "")
    # The runner keeps the hyphen of the input id: INPUT_GITHUB-TOKEN (actions/toolkit#629).
    token = environ.get("INPUT_GITHUB-TOKEN") or environ.get("GITHUB_TOKEN") or ""
    if not token.strip():
        raise PlatformError("no GitHub token: pass the action's `github-token` input or set GITHUB_TOKEN")
    if event_name in ("pull_request", "pull_request_target") and not isinstance(event.get("pull_request"), dict):
        raise PlatformError(f"the {event_name} payload has no pull_request object")

    def path_of(name: str) -> Path | None:
        value = environ.get(name, "")
        return Path(value) if value else None

    return GitHubPlatform(
        token=token.strip(),
        repository=repository,
        event_name=event_name,
        event=event,
        api_url=environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
        workspace=path_of("GITHUB_WORKSPACE"),
        step_summary=path_of("GITHUB_STEP_SUMMARY"),
        output=path_of("GITHUB_OUTPUT"),
        actor=environ.get("GITHUB_ACTOR", ""),
        settings=settings,
        stdout=stdout,
    )
