"""A faithful fake of the GitHub REST API (and a sliver of GraphQL), served over real HTTP on 127.0.0.1.

Why: jobguard's GitHub adapter must be exercised with the real PyGithub client, offline, against something
that refuses what github.com refuses. Built as described in shared/spec/testing.md sections 2-3 and
review-apis.md part B.

- Every request to one of the 28 operations of ``github-rest-subset.json`` is validated with openapi-core
  (422 on failure), then checked against GitHub's semantic rules (review anchors B3, all-or-nothing reviews
  B2, body limits B6, read-only fork tokens B11, one pending review per user B2). Every response the fake
  produces for those operations is validated against the contract in the same run; violations are collected
  in ``FakeGitHub.contract_violations`` and the ``fake_github`` fixture fails the test if any appear.
- Endpoints outside the subset are modelled on GitHub's REST docs and NOT validated by the contract: git data
  (refs, blobs, trees, commits), ``GET /users/{login}``, edit/delete of a review, raw file download, and the
  ``application/vnd.github.v3.diff`` media type of "get a pull request".
- GraphQL (``POST /graphql``) is deliberately minimal: a tiny parser (fields, aliases, arguments, variables,
  inline fragments ``... on Type``; no named fragments or directives) over ``repository.pullRequest.reviewThreads``,
  ``repository.object(expression:)`` (a ``GitObject``: only a ``... on Blob`` fragment reaches ``text``, as on
  GitHub), and the ``resolveReviewThread`` / ``unresolveReviewThread`` mutations. Each query costs one point of
  its own bucket (``graphql_rate_limit``), as GitHub counts queries without connections.

Known simplifications: hunk headers carry no function-context text; diffs use difflib (git's Myers diff can
place a hunk differently for ambiguous edits); only text files; base branch moves are not modelled
(``base.sha`` is fixed when the PR is added); tree SHAs are real git SHAs, commit SHAs are real git commit
hashes of a synthetic author line (or any SHA the test pins).
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

__all__ = [
    "ANCHOR_ERRORS",
    "RATE_LIMIT_REPLAY_HEADERS",
    "ApiFault",
    "FakeGitHub",
    "FakePull",
    "FakeRepo",
    "FileDiff",
    "RequestRecord",
    "api_data_path",
    "contract_path",
    "diff_files",
    "fake_github",
    "github_contract",
    "load_contract",
]

# --------------------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------------------

CONTRACT_ENV = "JOBGUARD_GITHUB_CONTRACT"
_REPO_ROOT = Path(__file__).resolve().parents[2]
_API_DATA_ROOTS = (_REPO_ROOT / "fixtures" / "api", _REPO_ROOT.parent / "shared" / "api")
API_ORIGIN = "https://api.github.com"  # the contract's server; requests are validated as if sent there

# Patches applied to the contract at load time. Each one makes the contract agree with behaviour GitHub is
# observed to have; without them the fake could not be both faithful and contract-valid.
CONTRACT_PATCHES: tuple[str, ...] = (
    "checks/create: drop the inline oneOf discriminator (testing.md 2.2 quirk 1: openapi-core resolves it to "
    "missing #/components/schemas/<status> and rejects every body)",
    "repos/get-content: drop the 200 body's discriminator on `type` (testing.md 2.2 quirk 2: it maps 'array' to "
    "content-directory, but a directory listing is a JSON array with no `type` key, so no listing can validate)",
    "every `nullable: true` property with an `enum` also accepts null (GitHub sends start_side: null and "
    "check-run conclusion: null; testing.md 2.2 quirks 2 and 3 - openapi-core reads OAS 3.0 enums strictly)",
    "pull-request-review-comment/review-comment: line, original_line, position, original_position may be null "
    "(review-apis.md B8: outdated comments report line/position null; file-level comments have no line)",
)


def api_data_path(relative: str) -> Path:
    """A contract-data file: the repo's fixtures/api/ copy if present, else the shared/api/ original."""
    for root in _API_DATA_ROOTS:
        if (root / relative).is_file():
            return root / relative
    raise FileNotFoundError(f"{relative} not found under {', '.join(map(str, _API_DATA_ROOTS))}")


def contract_path() -> Path:
    """Where the GitHub REST subset lives: $JOBGUARD_GITHUB_CONTRACT, then fixtures/api/, then shared/api/."""
    env = os.environ.get(CONTRACT_ENV)
    return Path(env) if env else api_data_path("github-rest-subset.json")


def _patch_contract(spec: dict[str, Any]) -> None:
    """Apply CONTRACT_PATCHES in place (see their text for the evidence)."""
    create = spec["paths"]["/repos/{owner}/{repo}/check-runs"]["post"]["requestBody"]
    removed = _drop_key(create, "discriminator")
    if removed == 0:
        raise ValueError("checks/create discriminator not found: the contract changed, re-check quirk 1")
    listing = spec["paths"]["/repos/{owner}/{repo}/contents/{path}"]["get"]["responses"]["200"]["content"]
    del listing["application/json"]["schema"]["discriminator"]
    _allow_null_enums(spec)
    schemas = spec["components"]["schemas"]
    for name in ("pull-request-review-comment", "review-comment"):
        props = schemas[name]["properties"]
        for key in ("line", "original_line", "position", "original_position"):
            props[key]["nullable"] = True


def _allow_null_enums(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("nullable") is True and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for value in node.values():
            _allow_null_enums(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null_enums(value)


def _drop_key(node: Any, key: str) -> int:
    count = 0
    if isinstance(node, dict):
        if key in node:
            del node[key]
            count += 1
        for value in node.values():
            count += _drop_key(value, key)
    elif isinstance(node, list):
        for value in node:
            count += _drop_key(value, key)
    return count


@lru_cache(maxsize=4)
def load_contract(path: str | None = None, *, patched: bool = True) -> OpenAPI:
    """Load the subset once per process (0.2 s); ``patched=False`` only strips the discriminator."""
    spec = json.loads(Path(path or contract_path()).read_text(encoding="utf-8"))
    if patched:
        _patch_contract(spec)
    else:
        _drop_key(spec["paths"]["/repos/{owner}/{repo}/check-runs"]["post"]["requestBody"], "discriminator")
    return OpenAPI.from_dict(spec)


# --------------------------------------------------------------------------------------------------------
# Canned GitHub texts (each cites where it was observed)
# --------------------------------------------------------------------------------------------------------

# review-apis.md B3, exact strings from GitHub's 422 answers.
ANCHOR_ERRORS = {
    "line": "Pull request review thread line must be part of the diff",
    "same_hunk": "Pull request review thread start line must be part of the same hunk as the line.",
    "blank_hunk": "Pull request review thread diff hunk can't be blank",
    "path": "Pull request review thread path is invalid",
    "precede": "Pull request review thread start line must precede the end line.",
}
_SIMPLE_422_OPERATIONS = frozenset({"pulls/create-review", "pulls/submit-review"})  # validation_failed_simple
_THREAD = "pull_request_review_thread"
_THREAD_ERROR_OBJECTS: dict[str, dict[str, str]] = {
    "line": {"resource": "PullRequestReviewComment", "code": "custom", "field": f"{_THREAD}.line",
             "message": f"{_THREAD}.line must be part of the diff"},
    "blank_hunk": {"resource": "PullRequestReviewComment", "code": "missing_field", "field": f"{_THREAD}.diff_hunk"},
    "same_hunk": {"resource": "PullRequestReviewComment", "code": "custom", "field": f"{_THREAD}.start_line",
                  "message": f"{_THREAD}.start_line must be part of the same hunk as the line."},
    "precede": {"resource": "PullRequestReviewComment", "code": "custom", "field": f"{_THREAD}.start_line",
                "message": f"{_THREAD}.start_line must precede the end line."},
    "path": {"resource": "PullRequestReviewComment", "code": "invalid", "field": f"{_THREAD}.path"},
}  # fmt: skip
PENDING_REVIEW_ERROR = "User can only have one pending review per pull request"  # B2 [obs]
FORBIDDEN_MESSAGE = "Resource not accessible by integration"  # B11 [obs]
BODY_TOO_LONG = "Body is too long (maximum is 65536 characters)"  # B6 [obs]
MAX_BODY = 65536  # B6
MAX_PR_FILES = 3000  # B1 [doc]: "Responses include a maximum of 3000 files"
MAX_DIFF_FILES = 300  # B1 [obs]: diff media type answers 406 beyond 300 files
MAX_DIFF_LINES = 20000  # [obs] "Sorry, the diff exceeded the maximum number of lines (20000)"
MAX_PR_COMMITS = 250  # GitHub docs of pulls/list-commits: "a maximum of 250 commits"
SECONDARY_RATE_MESSAGE = (
    "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. "
    "Please retry your request again later."
)  # B12 [obs]
# pygithub-replay/SpecificExceptions.testRateLimitExceeded.txt, the 403 answer (headers GitHub sent in 2013;
# x-ratelimit-reset/used/resource are added by the fake because today's API sends them and GithubRetry reads
# X-RateLimit-Reset to decide how long to sleep).
RATE_LIMIT_REPLAY_HEADERS = {
    "x-ratelimit-remaining": "0",
    "x-github-media-type": "github.beta; format=json",
    "x-content-type-options": "nosniff",
    "access-control-expose-headers": (
        "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-OAuth-Scopes, X-Accepted-OAuth-Scopes"
    ),
    "x-ratelimit-limit": "60",
    "access-control-allow-credentials": "true",
    "access-control-allow-origin": "*",
    "content-type": "application/json; charset=utf-8",
}
RATE_LIMIT_REPLAY_BODY = {"message": "API Rate Limit Exceeded for 92.104.200.119"}

_DOCS = "https://docs.github.com/rest"
_DOC_URLS = {
    "pulls/create-review": f"{_DOCS}/pulls/reviews#create-a-review-for-a-pull-request",
    "pulls/create-review-comment": f"{_DOCS}/pulls/comments#create-a-review-comment-for-a-pull-request",
    "pulls/list-files": f"{_DOCS}/pulls/pulls#list-pull-requests-files",
}

# GitHub Actions' GITHUB_TOKEN acts as this app/bot (installation token).
ACTIONS_BOT = "github-actions[bot]"
ACTIONS_BOT_ID = 41898282
ACTIONS_APP_ID = 15368
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)

# --------------------------------------------------------------------------------------------------------
# Git objects
# --------------------------------------------------------------------------------------------------------


def git_blob_sha(data: bytes) -> str:
    """The SHA git (and GitHub) gives this blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _git_tree_sha(flat: Mapping[str, str], store: dict[str, dict[str, str]]) -> str:
    """Real git tree SHA for a flat {path: blob sha}; stores every sub-tree (flat, relative) in ``store``."""
    files: dict[str, str] = {}
    dirs: dict[str, dict[str, str]] = {}
    for path, sha in flat.items():
        head, _, rest = path.partition("/")
        if rest:
            dirs.setdefault(head, {})[rest] = sha
        else:
            files[head] = sha
    entries: list[tuple[str, bytes, str]] = []  # (sort key, raw entry, name)
    for name, sha in files.items():
        entries.append((name, b"100644 " + name.encode() + b"\0" + bytes.fromhex(sha), name))
    for name, sub in dirs.items():
        sub_sha = _git_tree_sha(sub, store)
        entries.append((name + "/", b"40000 " + name.encode() + b"\0" + bytes.fromhex(sub_sha), name))
    raw = b"".join(entry for _, entry, _ in sorted(entries))
    sha = hashlib.sha1(b"tree %d\0" % len(raw) + raw).hexdigest()
    store[sha] = dict(flat)
    return sha


# --------------------------------------------------------------------------------------------------------
# Diffs (review-apis.md B1/B3: patch text like GitHub's `patch`, 3 context lines, anchors per side)
# --------------------------------------------------------------------------------------------------------

NO_NEWLINE = "\\ No newline at end of file"


@dataclass(frozen=True)
class DiffLine:
    """One line of a patch: kind ' ', '+' or '-', its numbers, its `position` (B4) and hunk index."""

    kind: str
    old: int | None
    new: int | None
    position: int
    hunk: int


@dataclass(frozen=True)
class FileDiff:
    """One entry of the PR file list, with the lines a review comment may sit on."""

    filename: str
    status: str  # added | removed | modified | renamed
    previous_filename: str | None
    patch: str | None
    additions: int
    deletions: int
    lines: tuple[DiffLine, ...]
    blob_sha: str

    def anchor(self, side: str, line: int) -> DiffLine | None:
        """The diff line carrying ``line`` on ``side`` (RIGHT: '+' or context, LEFT: '-' or context)."""
        for diff_line in self.lines:
            if side == "RIGHT" and diff_line.kind != "-" and diff_line.new == line:
                return diff_line
            if side == "LEFT" and diff_line.kind != "+" and diff_line.old == line:
                return diff_line
        return None

    def at_position(self, position: int) -> DiffLine | None:
        return next((dl for dl in self.lines if dl.position == position), None)

    def hunk_text(self, upto: DiffLine) -> str:
        """GitHub's `diff_hunk`: the hunk header and its lines down to the commented line."""
        assert self.patch is not None
        patch_lines = self.patch.split("\n")
        start = max(i for i, text in enumerate(patch_lines[: upto.position + 1]) if text.startswith("@@"))
        return "\n".join(patch_lines[start : upto.position + 1])


def _split_lines(text: str) -> list[str]:
    """Split on '\\n' only (like git), keeping terminators so a missing final newline is a change."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _hunk_range(start: int, length: int) -> str:
    # Same convention as git and difflib: "-5" for one line, "-0,0" / "+4,0" for empty sides.
    first = start + 1
    if length == 1:
        return str(first)
    if length == 0:
        first -= 1
    return f"{first},{length}"


def unified_patch(old_text: str, new_text: str, context: int = 3) -> tuple[str | None, tuple[DiffLine, ...]]:
    """GitHub-style `patch` (no ---/+++ header, no trailing newline) and its anchorable lines."""
    old, new = _split_lines(old_text), _split_lines(new_text)
    if old == new:
        return None, ()
    out: list[str] = []
    lines: list[DiffLine] = []

    def emit(kind: str, text: str, old_no: int | None, new_no: int | None, hunk: int) -> None:
        out.append(kind + text.removesuffix("\n"))
        lines.append(DiffLine(kind, old_no, new_no, len(out) - 1, hunk))
        if not text.endswith("\n"):
            out.append(NO_NEWLINE)

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for hunk, group in enumerate(matcher.get_grouped_opcodes(context)):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_hunk_range(i1, i2 - i1)} +{_hunk_range(j1, j2 - j1)} @@")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                for k in range(a2 - a1):
                    emit(" ", old[a1 + k], a1 + k + 1, b1 + k + 1, hunk)
                continue
            for k in range(a1, a2):
                emit("-", old[k], k + 1, None, hunk)
            for k in range(b1, b2):
                emit("+", new[k], None, k + 1, hunk)
    return "\n".join(out), tuple(lines)


def _similar(old_text: str, new_text: str) -> bool:
    """git's default rename threshold (-M50%)."""
    if old_text == new_text:
        return True
    ratio = difflib.SequenceMatcher(None, _split_lines(old_text), _split_lines(new_text), autojunk=False)
    return ratio.ratio() >= 0.5


def diff_files(base: Mapping[str, str], head: Mapping[str, str]) -> list[FileDiff]:
    """The PR file list between two snapshots, sorted by path like GitHub's, with rename detection."""
    removed = sorted(base.keys() - head.keys())
    added = sorted(head.keys() - base.keys())
    renames: dict[str, str] = {}
    pairs_budget = len(removed) * len(added) <= 10_000  # keep the similarity search cheap on huge PRs
    for new_path in added:
        candidates = [old for old in removed if old not in renames.values()]
        exact = next((old for old in candidates if base[old] == head[new_path]), None)
        if exact is None and pairs_budget:
            exact = next((old for old in candidates if _similar(base[old], head[new_path])), None)
        if exact is not None:
            renames[new_path] = exact
    result: list[FileDiff] = []
    for path in sorted(base.keys() | head.keys()):
        if path in renames.values():
            continue
        old_path = renames.get(path, path if path in base else None)
        old_text = base[old_path] if old_path is not None else ""
        new_text = head.get(path, "")
        if path in head and old_path is not None and old_text == new_text and old_path == path:
            continue
        if path in renames:
            status = "renamed"
        elif old_path is None:
            status = "added"
        elif path not in head:
            status = "removed"
        else:
            status = "modified"
        patch, lines = unified_patch(old_text, new_text)
        blob_text = new_text if path in head else old_text
        result.append(
            FileDiff(
                filename=path,
                status=status,
                previous_filename=renames.get(path),
                patch=patch,
                additions=sum(1 for dl in lines if dl.kind == "+"),
                deletions=sum(1 for dl in lines if dl.kind == "-"),
                lines=lines,
                blob_sha=git_blob_sha(blob_text.encode()),
            )
        )
    return result


def _map_line(old_text: str, new_text: str, line: int) -> int | None:
    """Follow an unchanged line from one file version to the next (None when it was edited or deleted)."""
    matcher = difflib.SequenceMatcher(None, _split_lines(old_text), _split_lines(new_text), autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        if a < line <= a + size:
            return b + (line - a)
    return None


# --------------------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    login: str
    id: int
    type: str = "User"


@dataclass
class FakeCommit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author_name: str
    author_email: str
    date: str
    author_login: str | None


@dataclass
class FakeRepo:
    """A repository: refs point into the fake's shared object store (forks share it, as on GitHub)."""

    full_name: str
    id: int
    default_branch: str
    fork_of: str | None = None
    private: bool = False
    refs: dict[str, str] = field(default_factory=dict)  # "heads/main" -> sha
    permissions: dict[str, bool] = field(
        default_factory=lambda: {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}
    )

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


@dataclass
class FakePull:
    """A pull request. ``base_sha`` is the diff base (GitHub diffs against the merge base, B1)."""

    number: int
    id: int
    title: str
    body: str | None
    author: str
    base_repo: str
    base_ref: str
    base_sha: str
    head_repo: str
    head_ref: str
    head_sha: str
    maintainer_can_modify: bool
    draft: bool
    created_at: str
    updated_at: str
    state: str = "open"


@dataclass
class FakeReview:
    id: int
    pull: int
    repo: str
    user: str
    body: str
    state: str  # PENDING | COMMENTED | APPROVED | CHANGES_REQUESTED | DISMISSED
    commit_id: str
    submitted_at: str | None


_SUGGESTION_RE = re.compile(r"^(`{3,})suggestion[ \t]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
"""A ```suggestion block of a review comment body (the fence may be longer than three backticks, B5)."""


@dataclass
class FakeReviewComment:
    """A review comment; ``line``/``start_line``/``position`` become None when outdated (B8)."""

    id: int
    review_id: int
    pull: int
    repo: str
    user: str
    body: str
    path: str
    subject_type: str
    side: str
    line: int | None
    start_side: str | None
    start_line: int | None
    original_line: int | None
    original_start_line: int | None
    position: int | None
    original_position: int | None
    commit_id: str
    original_commit_id: str
    diff_hunk: str
    in_reply_to_id: int | None
    created_at: str
    updated_at: str

    @property
    def outdated(self) -> bool:
        return self.subject_type == "line" and self.line is None


@dataclass
class FakeThread:
    root_id: int
    resolved: bool = False
    resolved_by: str | None = None

    @property
    def node_id(self) -> str:
        return f"PRRT_kwDOfake{self.root_id}"


@dataclass(frozen=True)
class FakeGitBlob:
    """A blob as GraphQL's `object(expression:)` returns it (its concrete type is `Blob`)."""

    oid: str
    data: bytes
    gql_type = "Blob"


@dataclass(frozen=True)
class FakeGitTree:
    """A directory as `object(expression:)` returns it: a `... on Blob` fragment selects nothing of it."""

    oid: str
    gql_type = "Tree"


@dataclass
class FakeIssueComment:
    id: int
    issue: int
    repo: str
    user: str
    body: str
    created_at: str
    updated_at: str


@dataclass
class FakeCheckRun:
    id: int
    repo: str
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: str
    completed_at: str | None
    external_id: str
    details_url: str | None
    output: dict[str, Any]
    annotations: list[dict[str, Any]]


@dataclass(frozen=True)
class RequestRecord:
    """One request the server answered (faulted ones included)."""

    method: str
    path: str  # API prefix stripped, /repositories/{id} rewritten to /repos/{owner}/{repo}
    status: int
    query: str
    operation: str | None  # the contract's operationId, or a name like "git/create-blob" outside it
    body: Any
    response: Any
    headers: Mapping[str, str]
    at: float

    @property
    def is_write(self) -> bool:
        if self.operation == "graphql/query":
            return False
        return self.method not in ("GET", "HEAD")


@dataclass
class ApiFault:
    """A scripted failure: the next ``times`` requests matching method + path regex get this answer."""

    method: str
    path_regex: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Any
    times: int


class ApiError(Exception):
    """An error answer; raised inside handlers."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # non-JSON body (diff media type, raw files)
    content_type: str = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Ctx:
    """What a handler gets: the request, its path params, parsed JSON body and the authenticated user."""

    request: Request
    params: Mapping[str, Any]
    json: Any
    user: str

    @property
    def args(self) -> MultiDict[str, str]:
        return self.request.args


@dataclass(frozen=True)
class _Match:
    """A routed request: contract operation, its path template (None outside the subset), path params."""

    operation: str
    template: str | None
    params: Mapping[str, Any]
    handler: str

    @property
    def validation_path(self) -> str:
        # openapi-core's path finder does not let {path}/{ref}/{basehead} span '/', GitHub does: encode them.
        assert self.template is not None
        return self.template.format(**{k: urllib.parse.quote(str(v), safe="") for k, v in self.params.items()})


def _gql_match(operation: str) -> _Match:
    return _Match(operation, None, {}, "")


def _declared_statuses(contract: OpenAPI, template: str, method: str) -> set[str]:
    with (contract.spec / "paths" / template / method / "responses").open() as responses:
        return {str(code) for code in responses}


def _not_found(doc: str = f"{_DOCS}") -> ApiError:
    return ApiError(404, {"message": "Not Found", "documentation_url": doc, "status": "404"})


def _unprocessable(errors: Sequence[Any], doc: str, message: str = "Unprocessable Entity") -> ApiError:
    return ApiError(422, {"message": message, "errors": list(errors), "documentation_url": doc, "status": "422"})


def _anchor_error(operation: str, keys: Sequence[str], invalid: str | None = None) -> ApiError:
    """The anchor 422 in the shape each endpoint uses.

    create-review (B3 [obs], contract: validation_failed_simple): one string, the messages joined by
    to_sentence. create-review-comment (gitgitgadget/git#1444 [obs], contract: validation_failed): one
    object per failed rule; only the `line` and `diff_hunk` objects were observed, the others are
    [assumption] by analogy.
    """
    if operation == "pulls/create-review":
        if invalid is not None:
            return _unprocessable([], _DOC_URLS[operation], message=invalid)
        return _unprocessable([to_sentence([ANCHOR_ERRORS[k] for k in keys])], _DOC_URLS[operation])
    if invalid is not None:
        return _unprocessable(
            [{"resource": "PullRequestReviewComment", "code": "invalid", "field": "side"}],
            _DOC_URLS[operation],
            message=invalid,
        )
    objects = [_THREAD_ERROR_OBJECTS[k] for k in keys]
    return _unprocessable(objects, _DOC_URLS[operation], message="Validation Failed")


def to_sentence(parts: Sequence[str]) -> str:
    """Rails' Array#to_sentence, which GitHub uses to join review errors (B3 combined form)."""
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return ", ".join(parts[:-1]) + ", and " + parts[-1]


# --------------------------------------------------------------------------------------------------------
# Minimal GraphQL (fields, aliases, arguments, variables, inline fragments; no named fragments)
# --------------------------------------------------------------------------------------------------------

_GQL_TOKEN = re.compile(
    r'(?P<skip>[\s,]+|#[^\n]*)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)'
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)|(?P<punct>\.\.\.|[{}()\[\]:!$=@])"
)


@dataclass(frozen=True)
class GqlField:
    alias: str | None
    name: str
    args: Mapping[str, Any]
    selections: tuple[GqlField, ...]


@dataclass(frozen=True)
class _GqlVar:
    name: str


class GqlError(Exception):
    """A GraphQL error; ``error_type`` (NOT_FOUND, FORBIDDEN...) marks execution errors."""

    def __init__(self, message: str, error_type: str | None = None, path: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.path = list(path)


class _GqlParser:
    def __init__(self, text: str) -> None:
        self.tokens: list[str] = []
        pos = 0
        while pos < len(text):
            match = _GQL_TOKEN.match(text, pos)
            if match is None:
                raise GqlError(f"Parse error on {text[pos : pos + 10]!r}")
            pos = match.end()
            if match.lastgroup != "skip":
                self.tokens.append(match.group())
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise GqlError(f"Parse error on {token!r} (expected {expected!r})")
        self.i += 1
        return token

    def document(self) -> tuple[str, tuple[GqlField, ...]]:
        kind = "query"
        if self.peek() in ("query", "mutation", "subscription"):
            kind = self.take()
            if self.peek() not in ("{", "("):
                self.take()  # operation name
            if self.peek() == "(":
                self._skip_balanced("(", ")")
        selections = self.selection_set()
        if self.peek() is not None:
            raise GqlError("The fake supports one operation per document")
        return kind, selections

    def _skip_balanced(self, opening: str, closing: str) -> None:
        depth = 0
        while True:
            token = self.take()
            depth += token == opening
            depth -= token == closing
            if depth == 0:
                return

    def selection_set(self) -> tuple[GqlField, ...]:
        self.take("{")
        fields: list[GqlField] = []
        while self.peek() != "}":
            if self.peek() == "...":
                fields.append(self.inline_fragment())
                continue
            fields.append(self.field())
        self.take("}")
        return tuple(fields)

    def inline_fragment(self) -> GqlField:
        """`... on Type { ... }`, kept as a field named `...` whose `on` argument is the type condition."""
        self.take("...")
        if self.peek() != "on":
            raise GqlError("Named fragments are not supported by the fake")
        self.take("on")
        type_name = self.take()
        return GqlField(None, "...", {"on": type_name}, self.selection_set())

    def field(self) -> GqlField:
        name = self.take()
        alias = None
        if self.peek() == ":":
            self.take(":")
            alias, name = name, self.take()
        args: dict[str, Any] = {}
        if self.peek() == "(":
            self.take("(")
            while self.peek() != ")":
                key = self.take()
                self.take(":")
                args[key] = self.value()
            self.take(")")
        selections = self.selection_set() if self.peek() == "{" else ()
        return GqlField(alias, name, args, selections)

    def value(self) -> Any:
        token = self.take()
        if token == "$":
            return _GqlVar(self.take())
        if token == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if token == "{":
            obj = {}
            while self.peek() != "}":
                key = self.take()
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        if token.startswith('"'):
            return json.loads(token)
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        if re.fullmatch(r"-?\d+\.\d+", token):
            return float(token)
        return {"true": True, "false": False, "null": None}.get(token, token)  # enums stay strings


def _gql_bind(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, _GqlVar):
        return variables.get(value.name)
    if isinstance(value, list):
        return [_gql_bind(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _gql_bind(v, variables) for k, v in value.items()}
    return value


# A GraphQL field: (object type of the result or None for scalars, resolver(parent, args)).
GqlResolver = Callable[[Any, Mapping[str, Any]], Any]
GqlSchema = dict[str, dict[str, tuple[str | None, GqlResolver]]]


# --------------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------------

# One route per line: method, path (werkzeug converters; ~ = /repos/<owner>/<repo>), operation id (the handler
# is the method named after it, "pulls/get" -> _pulls_get), and whether the operation is in the contract subset
# ("contract": requests and responses validated) or only modelled on GitHub's REST docs ("docs").
_ROUTE_TABLE = """
GET    /user                                                       users/get-authenticated               contract
GET    /rate_limit                                                 rate-limit/get                        contract
GET    /users/<login>                                              users/get-by-username                 docs
GET    ~                                                           repos/get                             contract
GET    ~/pulls/<int:pull_number>                                   pulls/get                             contract
GET    ~/pulls/<int:pull_number>/files                             pulls/list-files                      contract
GET    ~/pulls/<int:pull_number>/commits                           pulls/list-commits                    contract
GET    ~/pulls/<int:pull_number>/reviews                           pulls/list-reviews                    contract
POST   ~/pulls/<int:pull_number>/reviews                           pulls/create-review                   contract
GET    ~/pulls/<int:pull_number>/reviews/<int:review_id>           pulls/get-review                      contract
PUT    ~/pulls/<int:pull_number>/reviews/<int:review_id>           pulls/update-review                   docs
DELETE ~/pulls/<int:pull_number>/reviews/<int:review_id>           pulls/delete-pending-review           docs
GET    ~/pulls/<int:pull_number>/reviews/<int:review_id>/comments  pulls/list-comments-for-review        contract
POST   ~/pulls/<int:pull_number>/reviews/<int:review_id>/events    pulls/submit-review                   contract
GET    ~/pulls/<int:pull_number>/comments                          pulls/list-review-comments            contract
POST   ~/pulls/<int:pull_number>/comments                          pulls/create-review-comment           contract
POST   ~/pulls/<int:pull_number>/comments/<int:comment_id>/replies pulls/create-reply-for-review-comment contract
GET    ~/pulls/comments/<int:comment_id>                           pulls/get-review-comment              contract
PATCH  ~/pulls/comments/<int:comment_id>                           pulls/update-review-comment           contract
DELETE ~/pulls/comments/<int:comment_id>                           pulls/delete-review-comment           contract
GET    ~/issues/<int:issue_number>/comments                        issues/list-comments                  contract
POST   ~/issues/<int:issue_number>/comments                        issues/create-comment                 contract
GET    ~/issues/comments/<int:comment_id>                          issues/get-comment                    contract
PATCH  ~/issues/comments/<int:comment_id>                          issues/update-comment                 contract
DELETE ~/issues/comments/<int:comment_id>                          issues/delete-comment                 contract
GET    ~/commits/<path:ref>                                        repos/get-commit                      contract
GET    ~/compare/<path:basehead>                                   repos/compare-commits                 contract
GET    ~/contents/<path:path>                                      repos/get-content                     contract
POST   ~/check-runs                                                checks/create                         contract
GET    ~/check-runs/<int:check_run_id>                             checks/get                            contract
PATCH  ~/check-runs/<int:check_run_id>                             checks/update                         contract
GET    ~/git/ref/<path:ref>                                        git/get-ref                           docs
GET    ~/git/refs/<path:ref>                                       git/get-ref                           docs
POST   ~/git/refs                                                  git/create-ref                        docs
PATCH  ~/git/refs/<path:ref>                                       git/update-ref                        docs
POST   ~/git/blobs                                                 git/create-blob                       docs
GET    ~/git/blobs/<sha>                                           git/get-blob                          docs
POST   ~/git/trees                                                 git/create-tree                       docs
GET    ~/git/trees/<sha>                                           git/get-tree                          docs
POST   ~/git/commits                                               git/create-commit                     docs
GET    ~/git/commits/<sha>                                         git/get-commit                        docs
"""


def _parse_routes(table: str) -> tuple[tuple[str, str, str | None, str, str], ...]:
    """(method, werkzeug rule, contract path template or None, operation id, handler name) per route."""
    routes = []
    for row in table.strip().splitlines():
        method, path, operation, source = row.split()
        handler = "_" + re.sub(r"[/-]", "_", operation)
        rule = path.replace("~", "/repos/<owner>/<repo>")
        template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule) if source == "contract" else None
        routes.append((method, rule, template, operation, handler))
    return tuple(routes)


_ROUTES = _parse_routes(_ROUTE_TABLE)

# Which fine-grained permission a write needs (shown in x-accepted-github-permissions, B11).
_WRITE_PERMISSION = {
    "issues/": "issues=write; pull_requests=write",
    "pulls/": "pull_requests=write",
    "checks/": "checks=write",
    "git/": "contents=write",
}


_RAW_PATH = re.compile(r"/([^/]+/[^/]+)/raw/([0-9a-f]{40})/(.+)$")  # raw_url / download_url targets


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Keep pytest output clean."""


# --------------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------------


class FakeGitHub:
    """In-memory GitHub with a real HTTP front end. Use as a context manager or through ``fake_github``.

    ``token_kind="installation"`` behaves like Actions' GITHUB_TOKEN (acts as github-actions[bot];
    ``GET /user`` answers 403 as it does for installation tokens); ``"user"`` behaves like a PAT of
    ``token_user``. ``api_prefix="/api/v3"`` serves GitHub Enterprise style URLs.
    """

    def __init__(
        self,
        contract: OpenAPI | None = None,
        *,
        owner: str = "octo",
        repo: str = "demo",
        default_branch: str = "main",
        token: str | None = None,
        token_kind: str = "installation",
        token_user: str = "jobguard-dev",
        api_prefix: str = "",
        rate_limit: int = 5000,
        graphql_rate_limit: int = 5000,
    ) -> None:
        if token_kind not in ("installation", "user"):
            raise ValueError(f"token_kind must be 'installation' or 'user', not {token_kind!r}")
        self.contract = contract
        self.token = token
        self.token_kind = token_kind
        self.viewer = ACTIONS_BOT if token_kind == "installation" else token_user
        self.user_tokens: dict[str, str] = {}  # token -> login of another user (a PAT), see `add_user_token`
        self.api_prefix = api_prefix.rstrip("/")
        self.read_only = False
        self.requests: list[RequestRecord] = []
        self.contract_violations: list[str] = []
        self.faults: list[ApiFault] = []
        self.users: dict[str, FakeUser] = {}
        self.repos: dict[str, FakeRepo] = {}
        self.commits: dict[str, FakeCommit] = {}
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, dict[str, str]] = {}
        self.pulls: dict[tuple[str, int], FakePull] = {}
        self.reviews: dict[int, FakeReview] = {}
        self.review_comments: dict[int, FakeReviewComment] = {}
        self.threads: dict[int, FakeThread] = {}
        self.issue_comments: dict[int, FakeIssueComment] = {}
        self.check_runs: dict[int, FakeCheckRun] = {}
        self.rate_limit = rate_limit
        self._rate_used = 0
        self.graphql_rate_limit = graphql_rate_limit
        self.graphql_rate_used = 0  # points: one per query (no connection in it costs more here)
        self.tree_entry_limit = 100_000  # [doc] a recursive tree lists at most 100,000 entries, then `truncated`
        self.graphql_blob_text_limit = 512 * 1024  # [unverified] where GitHub truncates Blob.text
        self._rate_reset = int(time.time()) + 3600
        self._ids = 1000
        self._clock = 0
        self._lock = threading.RLock()
        self._diff_cache: dict[tuple[str, str], list[FileDiff]] = {}
        self._gql: GqlSchema | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._map = Map(
            [Rule(rule, methods=[method], endpoint=i) for i, (method, rule, *_rest) in enumerate(_ROUTES)],
            strict_slashes=False,
        )
        self._user(ACTIONS_BOT, "Bot", ACTIONS_BOT_ID)
        self.default_repo = self.add_repo(f"{owner}/{repo}", default_branch=default_branch).full_name

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeGitHub:
        """Serve on a free port of 127.0.0.1 in a daemon thread."""
        server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self._server = server
        self._port = server.server_port
        # A short poll interval keeps shutdown() (and so every test teardown) at a few milliseconds.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-github", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        """Origin of the server (also stands in for https://github.com in html_url fields)."""
        if not self._port:
            raise RuntimeError("FakeGitHub is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def url(self) -> str:
        """The base_url to give PyGithub."""
        return self.root + self.api_prefix

    @property
    def graphql_url(self) -> str:
        return self.root + self._graphql_path

    @property
    def _graphql_path(self) -> str:
        # PyGithub's Requester.get_graphql_prefix: drop a trailing /v3, append /graphql.
        return self.api_prefix.removesuffix("/v3") + "/graphql"

    # ---------------------------------------------------------------- test helpers: model

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        fork_of: str | None = None,
        private: bool = False,
        permissions: Mapping[str, bool] | None = None,
    ) -> FakeRepo:
        with self._lock:
            if full_name in self.repos:
                return self.repos[full_name]
            repo = FakeRepo(full_name, self._next_id(), default_branch, fork_of, private)
            if permissions is not None:
                repo.permissions = dict(permissions)
            self.repos[full_name] = repo
            self._user(repo.owner)
            return repo

    def commit(
        self,
        files: Mapping[str, str],
        *,
        parents: Sequence[str] = (),
        message: str = "commit",
        sha: str | None = None,
        author: str | None = None,
        repo: str | None = None,
        branch: str | None = None,
    ) -> str:
        """Store a commit whose tree is exactly ``files``; optionally move ``repo``'s ``branch`` to it."""
        with self._lock:
            blob_map = {}
            for path, text in files.items():
                data = text.encode()
                blob_sha = git_blob_sha(data)
                self.blobs[blob_sha] = data
                blob_map[path] = blob_sha
            tree = _git_tree_sha(blob_map, self.trees)
            new_sha = self._store_commit(tree, tuple(parents), message, author, sha)
            if branch is not None:
                self.repos[repo or self.default_repo].refs[f"heads/{branch}"] = new_sha
            return new_sha

    def add_pull(
        self,
        *,
        base_files: Mapping[str, str],
        head_files: Mapping[str, str],
        number: int | None = None,
        title: str = "Change Jobs",
        body: str | None = "",
        author: str = "octocat",
        base_ref: str | None = None,
        head_ref: str = "feature",
        head_repo: str | None = None,
        maintainer_can_modify: bool = False,
        draft: bool = False,
        base_sha: str | None = None,
        head_sha: str | None = None,
    ) -> FakePull:
        """Open a PR on the default repo: a base commit with ``base_files``, a head commit on top of it.

        ``head_repo="someone/demo"`` makes a fork PR (the fork repo is created). ``base_sha``/``head_sha``
        pin commit SHAs, e.g. to the ones of a webhook payload. Each open PR needs its own ``head_ref``.
        """
        with self._lock:
            head_full = head_repo or self.default_repo
            if any(p.head_repo == head_full and p.head_ref == head_ref for p in self.pulls.values()):
                raise ValueError(f"{head_full}:{head_ref} already heads a PR; pass another head_ref")
            repo = self.repos[self.default_repo]
            ref = base_ref or repo.default_branch
            parent = repo.refs.get(f"heads/{ref}")
            base = self.commit(
                base_files,
                parents=(parent,) if parent else (),
                message="base",
                sha=base_sha,
                author=repo.owner,
                branch=ref,
            )
            head_owner = self.add_repo(head_full, fork_of=None if head_full == repo.full_name else repo.full_name)
            head = self.commit(
                head_files,
                parents=(base,),
                message=title,
                sha=head_sha,
                author=author,
                repo=head_owner.full_name,
                branch=head_ref,
            )
            self._user(author)
            number = number or self._next_number(repo.full_name)
            now = self._now()
            pull = FakePull(
                number=number,
                id=self._next_id(),
                title=title,
                body=body,
                author=author,
                base_repo=repo.full_name,
                base_ref=ref,
                base_sha=base,
                head_repo=head_owner.full_name,
                head_ref=head_ref,
                head_sha=head,
                maintainer_can_modify=maintainer_can_modify,
                draft=draft,
                created_at=now,
                updated_at=now,
            )
            self.pulls[(repo.full_name, number)] = pull
            return pull

    def add_pull_from_event(
        self, event: Mapping[str, Any], *, base_files: Mapping[str, str], head_files: Mapping[str, str]
    ) -> FakePull:
        """Open the PR a ``pull_request`` webhook payload describes (number, title, refs, SHAs, author, fork).

        The payload's base repository becomes ``default_repo``.
        """
        pr = event["pull_request"]
        base_repo = pr["base"]["repo"]["full_name"]
        if base_repo != self.default_repo:
            self.add_repo(base_repo, default_branch=pr["base"]["repo"].get("default_branch", "main"))
            self.default_repo = base_repo
        head_repo = pr["head"]["repo"]["full_name"] if pr["head"].get("repo") else base_repo
        return self.add_pull(
            base_files=base_files,
            head_files=head_files,
            number=pr["number"],
            title=pr["title"],
            body=pr.get("body"),
            author=pr["user"]["login"],
            base_ref=pr["base"]["ref"],
            head_ref=pr["head"]["ref"],
            head_repo=head_repo,
            maintainer_can_modify=bool(pr.get("maintainer_can_modify")),
            draft=bool(pr.get("draft")),
            base_sha=pr["base"]["sha"],
            head_sha=pr["head"]["sha"],
        )

    def pull(self, number: int, repo: str | None = None) -> FakePull:
        return self.pulls[(repo or self.default_repo, number)]

    def push(
        self,
        pr: FakePull | int,
        new_head_files: Mapping[str, str],
        *,
        message: str = "update",
        sha: str | None = None,
    ) -> str:
        """Add a commit on top of the PR head (``new_head_files`` is the full new tree); comments whose
        lines changed become outdated (B8). Returns the new head SHA."""
        with self._lock:
            pull = pr if isinstance(pr, FakePull) else self.pull(pr)
            new_sha = self.commit(
                new_head_files,
                parents=(pull.head_sha,),
                message=message,
                sha=sha,
                author=pull.author,
                repo=pull.head_repo,
                branch=pull.head_ref,
            )
            self._head_moved(pull, new_sha)
            return new_sha

    def files(self, pr: FakePull | int) -> list[FileDiff]:
        """The PR's complete file list (uncapped), as the server computes it."""
        pull = pr if isinstance(pr, FakePull) else self.pull(pr)
        return self._pull_files(pull, pull.head_sha)

    def file_text(self, sha: str, path: str) -> str | None:
        return self._files_at(sha).get(path)

    def add_user_token(self, token: str, login: str) -> str:
        """Accept `token` as a PAT of `login`, so a test can post through the real API as another user (an
        attacker's comment carrying jobguard's markers). Returns the token."""
        with self._lock:
            self._user(login)
            self.user_tokens[token] = login
        return token

    def comments_of(self, pr: FakePull | int) -> list[FakeReviewComment]:
        number = pr.number if isinstance(pr, FakePull) else pr
        return [c for c in self.review_comments.values() if c.pull == number]

    def apply_suggestion(self, comment_id: int) -> str:
        """The head file after the maintainer clicks "Commit suggestion" on this review comment (B5).

        GitHub replaces exactly the comment's lines (`start_line`..`line`, on the head side) by the block. Raises
        ValueError where GitHub refuses: no suggestion block, an outdated comment, a comment on deleted lines.
        """
        comment = self.review_comments[comment_id]
        match = _SUGGESTION_RE.search(comment.body)
        if match is None:
            raise ValueError("no suggestion block in the comment")
        if comment.outdated or comment.line is None:
            raise ValueError("Outdated suggestions cannot be applied.")
        if comment.side != "RIGHT":
            raise ValueError("Applying suggestions on deleted lines is not supported.")
        text = self.file_text(comment.commit_id, comment.path)
        if text is None:
            raise ValueError("file missing at the comment's commit")
        rows = text.splitlines(keepends=True)
        first = comment.start_line or comment.line
        rows[first - 1 : comment.line] = [row + "\n" for row in match.group(2).split("\n")[:-1]]
        return "".join(rows)

    # ---------------------------------------------------------------- test helpers: faults and counters

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> ApiFault:
        """Answer the next ``times`` matching requests with ``status`` (regex searched in the API path,
        e.g. ``r"/pulls/\\d+/reviews$"``; method ``"*"`` matches all)."""
        if body is None:
            body = {"message": HTTPStatus(status).phrase, "documentation_url": _DOCS, "status": str(status)}
        fault = ApiFault(method.upper(), re.compile(path_regex), status, dict(headers or {}), body, times)
        with self._lock:
            self.faults.append(fault)
        return fault

    def fail_next_rate_limit(self, method: str, path_regex: str, *, reset_in: int = 0, times: int = 1) -> ApiFault:
        """Primary rate limit: the replayed 403 (testRateLimitExceeded) with ``x-ratelimit-reset`` = now +
        ``reset_in`` seconds (B12/B13)."""
        reset = int(time.time()) + reset_in
        headers = {**RATE_LIMIT_REPLAY_HEADERS, "x-ratelimit-reset": str(reset), "x-ratelimit-used": "60"}
        headers["x-ratelimit-resource"] = "core"
        return self.fail_next(method, path_regex, 403, headers=headers, body=dict(RATE_LIMIT_REPLAY_BODY), times=times)

    def fail_next_secondary_rate_limit(
        self, method: str, path_regex: str, *, retry_after: int | None = 1, times: int = 1
    ) -> ApiFault:
        """Secondary rate limit (content creation): 403 with the B12 message and ``Retry-After``."""
        headers = {"x-ratelimit-remaining": "4000", "x-ratelimit-limit": "5000"}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        body = {
            "message": SECONDARY_RATE_MESSAGE,
            "documentation_url": f"{_DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        }
        return self.fail_next(method, path_regex, 403, headers=headers, body=body, times=times)

    @property
    def rate_used(self) -> int:
        """Requests counted against the primary limit so far (GET /rate_limit is free)."""
        return self._rate_used

    @property
    def reads(self) -> int:
        return sum(1 for r in self.requests if not r.is_write)

    @property
    def writes(self) -> int:
        return sum(1 for r in self.requests if r.is_write)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def calls(self, method: str | None = None, path_regex: str | None = None) -> list[RequestRecord]:
        """Logged requests filtered by method and a regex searched in the path."""
        pattern = re.compile(path_regex) if path_regex else None
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper()) and (pattern is None or pattern.search(r.path))
        ]

    # ---------------------------------------------------------------- internals: ids, time, users, commits

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _next_number(self, repo: str) -> int:
        return max((n for (r, n) in self.pulls if r == repo), default=0) + 1

    def _now(self) -> str:
        """A deterministic clock: one second per event, so ordering and `since` filters are stable."""
        self._clock += 1
        return (EPOCH + timedelta(seconds=self._clock)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _user(self, login: str, kind: str = "User", user_id: int | None = None) -> FakeUser:
        if login not in self.users:
            self.users[login] = FakeUser(login, user_id or self._next_id(), kind)
        return self.users[login]

    def _store_commit(
        self, tree: str, parents: tuple[str, ...], message: str, author: str | None, sha: str | None
    ) -> str:
        for parent in parents:
            if parent not in self.commits:
                raise KeyError(f"unknown parent commit {parent}")
        date = self._now()
        name = author or "Monalisa Octocat"
        email = f"{name}@users.noreply.github.com"
        if sha is None:
            stamp = int(datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())
            ident = f"{name} <{email}> {stamp} +0000"
            text = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
            text += f"author {ident}\ncommitter {ident}\n\n{message}\n"
            raw = text.encode()
            sha = hashlib.sha1(b"commit %d\0" % len(raw) + raw).hexdigest()
        if author:
            self._user(author)
        self.commits[sha] = FakeCommit(sha, tree, parents, message, name, email, date, author)
        return sha

    def _files_at(self, sha: str) -> dict[str, str]:
        commit = self.commits[sha]
        return {path: self.blobs[blob].decode() for path, blob in self.trees[commit.tree].items()}

    def _ancestors(self, sha: str) -> set[str]:
        seen: set[str] = set()
        stack = [sha]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.commits:
                continue
            seen.add(current)
            stack.extend(self.commits[current].parents)
        return seen

    def _merge_base(self, base: str, head: str) -> str | None:
        base_side = self._ancestors(base)
        # Walk from head breadth-first so the nearest common ancestor wins.
        frontier = [head]
        seen: set[str] = set()
        while frontier:
            nxt: list[str] = []
            for sha in frontier:
                if sha in base_side:
                    return sha
                if sha in seen:
                    continue
                seen.add(sha)
                nxt.extend(self.commits[sha].parents)
            frontier = nxt
        return None

    def _commits_between(self, base: str, head: str) -> list[str]:
        """Commits reachable from head but not from base, oldest first (first-parent order)."""
        excluded = self._ancestors(base)
        chain: list[str] = []
        current: str | None = head
        while current is not None and current not in excluded:
            chain.append(current)
            parents = self.commits[current].parents
            current = parents[0] if parents else None
        return list(reversed(chain))

    def _pull_commits(self, pull: FakePull) -> list[str]:
        return self._commits_between(pull.base_sha, pull.head_sha)

    def _pull_files(self, pull: FakePull, head_sha: str) -> list[FileDiff]:
        base = self._merge_base(pull.base_sha, head_sha) or pull.base_sha
        key = (base, head_sha)
        if key not in self._diff_cache:
            self._diff_cache[key] = diff_files(self._files_at(base), self._files_at(head_sha))
        return self._diff_cache[key]

    def _resolve_ref(self, repo: FakeRepo, ref: str) -> str | None:
        """A branch, tag, full ref or (abbreviated) SHA -> commit SHA."""
        ref = ref.removeprefix("refs/")
        for candidate in (ref, f"heads/{ref}", f"tags/{ref}"):
            if candidate in repo.refs:
                return repo.refs[candidate]
        if re.fullmatch(r"[0-9a-f]{4,40}", ref):
            matches = [sha for sha in self.commits if sha.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
        return None

    # ---------------------------------------------------------------- internals: B8 outdating

    def _head_moved(self, pull: FakePull, new_sha: str) -> None:
        pull.head_sha = new_sha
        pull.updated_at = self._now()
        files = {fd.filename: fd for fd in self._pull_files(pull, new_sha)}
        for comment in self.comments_of(pull):
            if comment.repo != pull.base_repo or comment.in_reply_to_id is not None:
                continue
            self._carry_forward(comment, files, new_sha)
        for reply in self.comments_of(pull):
            root = self.review_comments.get(reply.in_reply_to_id or -1)
            if root is not None and root.repo == reply.repo:
                reply.line, reply.start_line, reply.position = root.line, root.start_line, root.position
                reply.commit_id = root.commit_id

    def _carry_forward(self, comment: FakeReviewComment, files: Mapping[str, FileDiff], new_sha: str) -> None:
        """Keep a comment on its line if that line is untouched and still in the diff, else outdate it."""
        if comment.outdated or comment.subject_type != "line" or comment.line is None:
            return
        fd = files.get(comment.path)
        new_line = new_start = None
        if fd is not None:
            if comment.side == "RIGHT":
                old_text = self.file_text(comment.commit_id, comment.path) or ""
                new_text = self.file_text(new_sha, comment.path) or ""
                new_line = _map_line(old_text, new_text, comment.line)
                if comment.start_line is not None:
                    new_start = _map_line(old_text, new_text, comment.start_line)
            else:
                new_line, new_start = comment.line, comment.start_line
        end = fd.anchor(comment.side, new_line) if fd is not None and new_line is not None else None
        start_ok = True
        if comment.start_line is not None:
            start = (
                fd.anchor(comment.start_side or comment.side, new_start)
                if fd is not None and new_start is not None
                else None
            )
            start_ok = start is not None and end is not None and start.hunk == end.hunk
        if end is None or not start_ok:
            comment.line = comment.start_line = comment.position = None
            return
        comment.line, comment.start_line, comment.position = new_line, new_start, end.position
        comment.commit_id = new_sha

    # ---------------------------------------------------------------- HTTP front end

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        with self._lock:
            response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        raw_path = request.path
        method = request.method.upper()
        body_bytes = request.get_data(cache=True)
        try:
            payload = json.loads(body_bytes) if body_bytes else None
        except ValueError:
            payload = body_bytes.decode(errors="replace")
        if raw_path == self._graphql_path and method == "POST":
            return self._handle_graphql(request, payload)
        if _RAW_PATH.match(raw_path) or not raw_path.startswith(self.api_prefix + "/"):
            return self._handle_web(raw_path)
        path = self._normalise(raw_path[len(self.api_prefix) :])
        match = self._match(method, path)
        try:
            fault = self._take_fault(method, path)
            if fault is not None:
                reply = Reply(fault.status, fault.body, fault.headers)
            elif match is None:
                reply = Reply(404, {"message": "Not Found", "documentation_url": _DOCS, "status": "404"})
            else:
                reply = self._run(request, method, match, payload)
        except ApiError as error:
            reply = Reply(error.status, error.body, error.headers)
        return self._respond(request, path, match, payload=payload, reply=reply)

    def _match(self, method: str, path: str) -> _Match | None:
        adapter = self._map.bind("127.0.0.1", url_scheme="http")
        try:
            index, params = adapter.match(path, method=method)
        except (NotFound, MethodNotAllowed):
            return None
        _method, _rule, template, operation, handler = _ROUTES[index]
        return _Match(operation, template, params, handler)

    def _normalise(self, path: str) -> str:
        """GitHub's Link headers use /repositories/{id}/...; map them back to /repos/{owner}/{repo}/..."""
        match = re.match(r"/repositories/(\d+)(/.*)?$", path)
        if match:
            for repo in self.repos.values():
                if repo.id == int(match.group(1)):
                    return f"/repos/{repo.full_name}{match.group(2) or ''}"
        return path

    def _take_fault(self, method: str, path: str) -> ApiFault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method in (method, "*") and fault.path_regex.search(path):
                fault.times -= 1
                return fault
        return None

    def _run(self, request: Request, method: str, match: _Match, payload: Any) -> Reply:
        self._check_auth(request, match.operation)
        self._check_rate_limit(match.operation)
        if isinstance(payload, str):
            raise ApiError(400, {"message": "Problems parsing JSON", "documentation_url": _DOCS, "status": "400"})
        if match.template is not None:
            self._validate_request(request, method, match)
        if method != "GET" and self.read_only:
            prefix = next((p for p in _WRITE_PERMISSION if match.operation.startswith(p)), "pulls/")
            raise ApiError(
                403,
                {"message": FORBIDDEN_MESSAGE, "documentation_url": _DOCS, "status": "403"},
                {"x-accepted-github-permissions": _WRITE_PERMISSION[prefix]},
            )
        handler: Callable[[Ctx], Reply] = getattr(self, match.handler)
        return handler(Ctx(request, match.params, payload, self._caller(request)))

    def _caller(self, request: Request) -> str:
        """The login a request acts as: another user's PAT (`add_user_token`), else the fake's own token."""
        token = request.headers.get("Authorization", "").partition(" ")[2]
        return self.user_tokens.get(token, self.viewer)

    def _check_auth(self, request: Request, operation: str) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not token or scheme.lower() not in ("token", "bearer"):
            raise ApiError(401, {"message": "Requires authentication", "documentation_url": _DOCS, "status": "401"})
        if token in self.user_tokens:
            return  # another user's PAT: it may read /user and write wherever the fake lets anyone
        if self.token is not None and token != self.token:
            raise ApiError(401, {"message": "Bad credentials", "documentation_url": _DOCS, "status": "401"})
        if operation == "users/get-authenticated" and self.token_kind == "installation":
            # Installation tokens (GITHUB_TOKEN) cannot read /user.
            raise ApiError(403, {"message": FORBIDDEN_MESSAGE, "documentation_url": _DOCS, "status": "403"})

    def _check_rate_limit(self, operation: str) -> None:
        """Primary limit, counted per request like GitHub's core bucket; GET /rate_limit is free."""
        if operation == "rate-limit/get":
            return
        if time.time() >= self._rate_reset:
            self._rate_used = 0
            self._rate_reset = int(time.time()) + 3600
        if self._rate_used >= self.rate_limit:
            raise ApiError(
                403,
                {
                    "message": "API rate limit exceeded for installation. If you reach out to GitHub Support "
                    "for help, please include the request ID.",
                    "documentation_url": f"{_DOCS}/overview/rate-limits-for-the-rest-api",
                },
            )
        self._rate_used += 1

    def _validate_request(self, request: Request, method: str, match: _Match) -> None:
        if self.contract is None:
            return
        operation = match.operation
        mock = MockRequest(
            API_ORIGIN,
            method.lower(),
            match.validation_path,
            args=request.args,
            headers=dict(request.headers),
            data=request.get_data(cache=True) or None,
            content_type=request.content_type or "application/json",
        )
        result = self.contract.unmarshal_request(mock)
        if not result.errors:
            return
        messages: list[str] = []
        errors: list[dict[str, Any]] = []
        for error in result.errors:
            details = getattr(error.__cause__, "schema_errors", None) or []
            if not details:
                messages.append(str(error))
                errors.append({"resource": _resource(operation), "code": "invalid", "message": str(error)})
            for detail in details:
                where = ".".join(str(p) for p in detail.path) or "body"
                messages.append(f"For '{where}', {detail.message}.")
                errors.append(
                    {"resource": _resource(operation), "field": where, "code": "invalid", "message": detail.message}
                )
        # GitHub words schema failures "Invalid request.\n\n..."; the error list takes the shape the operation's
        # 422 declares (objects as in Exceptions.testInvalidInput, or strings for validation_failed_simple).
        listed: list[Any] = messages if operation in _SIMPLE_422_OPERATIONS else errors
        raise _unprocessable(listed, _DOCS, message="Invalid request.\n\n" + "\n".join(messages))

    def _respond(self, request: Request, path: str, match: _Match | None, *, payload: Any, reply: Reply) -> Response:
        method = request.method.upper()
        operation = match.operation if match else None
        headers = self._rate_headers(operation)
        headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        headers["X-GitHub-Api-Version-Selected"] = "2022-11-28"
        headers.update(reply.headers)
        if reply.raw is not None:
            body = reply.raw
        elif reply.body is None:
            body = b""
        else:
            body = json.dumps(reply.body).encode()
        status = reply.status
        if method == "GET" and status == 200:
            etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                status, body = 304, b""
        if match is not None and reply.raw is None:
            self._check_response(method, path, match, status=status, body=reply.body, headers=headers)
        record = RequestRecord(
            method=method,
            path=path,
            status=status,
            query=request.query_string.decode(),
            operation=operation,
            body=payload,
            response=reply.body,
            headers=dict(headers),
            at=time.time(),
        )
        self.requests.append(record)
        has_type = any(k.lower() == "content-type" for k in headers)
        content_type = None if has_type or not body else reply.content_type
        return Response(body, status=status, headers=headers, content_type=content_type)

    def _rate_headers(self, operation: str | None) -> dict[str, str]:
        graphql = bool(operation and operation.startswith("graphql"))
        limit, used = (
            (self.graphql_rate_limit, self.graphql_rate_used) if graphql else (self.rate_limit, self._rate_used)
        )
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(limit - used, 0)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(self._rate_reset),
            "x-ratelimit-resource": "graphql" if graphql else "core",
        }

    def _check_response(
        self, method: str, path: str, match: _Match, *, status: int, body: Any, headers: Mapping[str, str]
    ) -> None:
        """Validate what the fake produced against the contract (for statuses the operation declares)."""
        if self.contract is None or match.template is None:
            return
        if str(status) not in _declared_statuses(self.contract, match.template, method.lower()):
            return
        mock_request = MockRequest(API_ORIGIN, method.lower(), match.validation_path)
        data = b"" if body is None else json.dumps(body).encode()
        mock_response = MockResponse(data, status_code=status, headers=dict(headers))
        try:
            self.contract.validate_response(mock_request, mock_response)
        except Exception as error:  # every validation failure is recorded, not raised
            details = getattr(error.__cause__, "schema_errors", None) or []
            text = "; ".join(f"{list(d.path)}: {d.message}" for d in details) or repr(error)
            self.contract_violations.append(f"{method} {path} -> {status} ({match.operation}): {text}")

    def _handle_web(self, path: str) -> Response:
        """Raw file downloads (raw_url/download_url point here); everything else 404s."""
        match = _RAW_PATH.match(path)
        text = self.file_text(match.group(2), urllib.parse.unquote(match.group(3))) if match else None
        if match is None or text is None or match.group(2) not in self.commits:
            return Response(b"404: Not Found", status=404, content_type="text/plain")
        return Response(text.encode(), status=200, content_type="text/plain; charset=utf-8")

    # ---------------------------------------------------------------- shared lookups

    def _repo(self, ctx: Ctx) -> FakeRepo:
        full = f"{ctx.params['owner']}/{ctx.params['repo']}"
        repo = self.repos.get(full)
        if repo is None:
            raise _not_found(f"{_DOCS}/repos/repos#get-a-repository")
        return repo

    def _pull_of(self, ctx: Ctx) -> tuple[FakeRepo, FakePull]:
        repo = self._repo(ctx)
        pull = self.pulls.get((repo.full_name, int(ctx.params["pull_number"])))
        if pull is None:
            raise _not_found(f"{_DOCS}/pulls/pulls#get-a-pull-request")
        return repo, pull

    def _check_body_length(self, text: str | None, resource: str) -> None:
        if text is not None and len(text) > MAX_BODY:
            raise _unprocessable(
                [{"resource": resource, "code": "unprocessable", "field": "data", "message": BODY_TOO_LONG}],
                _DOCS,
                message="Validation Failed",
            )

    def _page(self, ctx: Ctx, items: Sequence[Any], repo: FakeRepo | None, cap: int | None = None) -> Reply:
        """Slice one page and build GitHub's Link header (per_page max 100, default 30)."""
        if cap is not None:
            items = items[:cap]
        per_page = min(max(_int_arg(ctx.args, "per_page", 30), 1), 100)
        page = max(_int_arg(ctx.args, "page", 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = list(items[(page - 1) * per_page : page * per_page])
        links = []
        path = ctx.request.path[len(self.api_prefix) :]
        if repo is not None:
            path = re.sub(r"^/repos/[^/]+/[^/]+", f"/repositories/{repo.id}", self._normalise(path))

        def link(target: int, rel: str) -> str:
            query = [(k, v) for k, v in ctx.args.items(multi=True) if k != "page"] + [("page", str(target))]
            return f'<{self.url}{path}?{urllib.parse.urlencode(query)}>; rel="{rel}"'

        if page > 1:
            links.append(link(page - 1, "prev"))
        if page < last:
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        if page > 1:
            links.append(link(1, "first"))
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply(200, chunk, headers)

    # ---------------------------------------------------------------- handlers: users, rate limit, repo

    def _users_get_authenticated(self, ctx: Ctx) -> Reply:
        user = self._user_json(ctx.user)
        user.update(
            {
                "name": ctx.user,
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": 1,
                "public_gists": 0,
                "followers": 0,
                "following": 0,
                "created_at": EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updated_at": EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "private_gists": 0,
                "total_private_repos": 0,
                "owned_private_repos": 0,
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": True,
                "user_view_type": "private",  # the discriminator of the contract's oneOf (private-user)
            }
        )
        return Reply(200, user)

    def _users_get_by_username(self, ctx: Ctx) -> Reply:
        login = ctx.params["login"]
        if login not in self.users:
            raise _not_found()
        user = self._user_json(login)
        user.update({"name": login, "public_repos": 1, "followers": 0, "following": 0})
        return Reply(200, user)

    def _rate_limit_get(self, ctx: Ctx) -> Reply:
        core = {
            "limit": self.rate_limit,
            "used": self._rate_used,
            "remaining": max(self.rate_limit - self._rate_used, 0),
            "reset": self._rate_reset,
        }
        graphql = {"limit": 5000, "used": 0, "remaining": 5000, "reset": self._rate_reset}
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": self._rate_reset}
        return Reply(200, {"resources": {"core": core, "graphql": graphql, "search": search}, "rate": core})

    def _repos_get(self, ctx: Ctx) -> Reply:
        return Reply(200, self._repo_json(self._repo(ctx), full=True))

    # ---------------------------------------------------------------- handlers: pulls

    def _pulls_get(self, ctx: Ctx) -> Reply:
        _repo, pull = self._pull_of(ctx)
        accept = ctx.request.headers.get("Accept", "")
        if "diff" in accept or "patch" in accept:
            return self._pull_diff(pull)
        return Reply(200, self._pull_json(pull))

    def _pull_diff(self, pull: FakePull) -> Reply:
        """The diff media type, with its 300-file / 20,000-line limits (B1 [obs], 406 body copied)."""
        files = self._pull_files(pull, pull.head_sha)
        if len(files) > MAX_DIFF_FILES:
            raise ApiError(
                406,
                {
                    "message": "Sorry, the diff exceeded the maximum number of files (300). Consider using "
                    "'List pull requests files' API or locally cloning the repository instead.",
                    "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                    "documentation_url": _DOC_URLS["pulls/list-files"],
                    "status": "406",
                },
            )
        chunks = []
        total_lines = 0
        base = self._merge_base(pull.base_sha, pull.head_sha) or pull.base_sha
        base_files = self._files_at(base)
        for fd in files:
            old = fd.previous_filename or fd.filename
            header = [f"diff --git a/{old} b/{fd.filename}"]
            old_blob = git_blob_sha(base_files.get(old, "").encode())[:7]
            if fd.status == "added":
                header += ["new file mode 100644", f"index 0000000..{fd.blob_sha[:7]}", "--- /dev/null"]
                header.append(f"+++ b/{fd.filename}")
            elif fd.status == "removed":
                header += ["deleted file mode 100644", f"index {fd.blob_sha[:7]}..0000000"]
                header += [f"--- a/{old}", "+++ /dev/null"]
            else:
                if fd.status == "renamed":
                    header += [f"rename from {old}", f"rename to {fd.filename}"]
                if fd.patch is not None:
                    header += [f"index {old_blob}..{fd.blob_sha[:7]} 100644", f"--- a/{old}", f"+++ b/{fd.filename}"]
            text = "\n".join(header) + ("\n" + fd.patch if fd.patch else "") + "\n"
            total_lines += text.count("\n")
            chunks.append(text)
        if total_lines > MAX_DIFF_LINES:
            raise ApiError(
                406,
                {
                    "message": "Sorry, the diff exceeded the maximum number of lines (20000)",
                    "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                    "documentation_url": _DOC_URLS["pulls/list-files"],
                    "status": "406",
                },
            )
        return Reply(200, None, raw="".join(chunks).encode(), content_type="text/plain; charset=utf-8")

    def _pulls_list_files(self, ctx: Ctx) -> Reply:
        repo, pull = self._pull_of(ctx)
        files = self._pull_files(pull, pull.head_sha)
        reply = self._page(ctx, files, repo, cap=MAX_PR_FILES)
        return replace(reply, body=[self._diff_entry_json(repo, pull.head_sha, fd) for fd in reply.body])

    def _pulls_list_commits(self, ctx: Ctx) -> Reply:
        repo, pull = self._pull_of(ctx)
        reply = self._page(ctx, self._pull_commits(pull), repo, cap=MAX_PR_COMMITS)
        return replace(reply, body=[self._commit_json(repo, sha, with_files=False) for sha in reply.body])

    # ---------------------------------------------------------------- handlers: reviews

    def _pulls_list_reviews(self, ctx: Ctx) -> Reply:
        repo, pull = self._pull_of(ctx)
        reviews = [r for r in self.reviews.values() if r.repo == repo.full_name and r.pull == pull.number]
        reply = self._page(ctx, reviews, repo)
        return replace(reply, body=[self._review_json(r) for r in reply.body])

    def _review_of(self, ctx: Ctx) -> tuple[FakeRepo, FakePull, FakeReview]:
        repo, pull = self._pull_of(ctx)
        review = self.reviews.get(int(ctx.params["review_id"]))
        if review is None or review.repo != repo.full_name or review.pull != pull.number:
            raise _not_found(f"{_DOCS}/pulls/reviews#get-a-review-for-a-pull-request")
        return repo, pull, review

    def _pulls_get_review(self, ctx: Ctx) -> Reply:
        return Reply(200, self._review_json(self._review_of(ctx)[2]))

    def _pulls_update_review(self, ctx: Ctx) -> Reply:
        _repo, _pull, review = self._review_of(ctx)
        body = (ctx.json or {}).get("body")
        if not isinstance(body, str):
            raise _unprocessable([{"resource": "PullRequestReview", "field": "body", "code": "missing_field"}], _DOCS)
        self._check_body_length(body, "PullRequestReview")
        review.body = body
        return Reply(200, self._review_json(review))

    def _pulls_delete_pending_review(self, ctx: Ctx) -> Reply:
        _repo, _pull, review = self._review_of(ctx)
        if review.state != "PENDING":
            # [assumption] wording; GitHub refuses to delete submitted reviews (B7).
            raise _unprocessable(["Can not delete a non-pending pull request review"], _DOCS)
        del self.reviews[review.id]
        for comment_id in [c.id for c in self.review_comments.values() if c.review_id == review.id]:
            self._drop_comment(comment_id)
        return Reply(200, self._review_json(review))

    def _pulls_submit_review(self, ctx: Ctx) -> Reply:
        _repo, _pull, review = self._review_of(ctx)
        payload = ctx.json or {}
        if review.state != "PENDING":
            raise _unprocessable(["Can not submit a non-pending review"], _DOCS)  # [assumption] wording
        event = str(payload.get("event") or "")
        if payload.get("body") is not None:
            self._check_body_length(payload["body"], "PullRequestReview")
            review.body = payload["body"]
        review.state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}.get(event, "COMMENTED")
        review.submitted_at = self._now()
        return Reply(200, self._review_json(review))

    def _pulls_create_review(self, ctx: Ctx) -> Reply:
        repo, pull = self._pull_of(ctx)
        doc = _DOC_URLS["pulls/create-review"]
        payload = ctx.json or {}
        commit_id = payload.get("commit_id") or pull.head_sha
        if commit_id not in self._pull_commits(pull):
            raise _unprocessable(["Commit is not part of the pull request"], doc)  # [assumption] wording
        if any(
            r.state == "PENDING" and r.user == ctx.user and r.pull == pull.number and r.repo == repo.full_name
            for r in self.reviews.values()
        ):
            raise _unprocessable([PENDING_REVIEW_ERROR], doc)  # B2
        event = payload.get("event")
        body = payload.get("body") or ""
        comments = payload.get("comments") or []
        if event in ("COMMENT", "REQUEST_CHANGES") and not body and not comments:
            # B2: body required for these events; hubtty#128 observed the 422 only with no comments either.
            raise _unprocessable(["Body can't be blank"], doc)  # [assumption] wording
        self._check_body_length(body, "PullRequestReview")
        files = {fd.filename: fd for fd in self._pull_files(pull, commit_id)}
        anchors = []
        for item in comments:  # all-or-nothing (B2): validate everything before storing anything
            self._check_body_length(item.get("body"), "PullRequestReviewComment")
            anchors.append(self._anchor(files, item, "pulls/create-review"))
        state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
        review = FakeReview(
            id=self._next_id(),
            pull=pull.number,
            repo=repo.full_name,
            user=ctx.user,
            body=body,
            state=state.get(event or "", "PENDING"),
            commit_id=commit_id,
            submitted_at=None if event is None else self._now(),
        )
        self.reviews[review.id] = review
        for item, anchor in zip(comments, anchors, strict=True):
            self._store_comment(
                repo, pull, review, body=item["body"], commit_id=commit_id, anchor=anchor, user=ctx.user
            )
        return Reply(200, self._review_json(review))

    def _anchor(self, files: Mapping[str, FileDiff], item: Mapping[str, Any], operation: str) -> dict[str, Any]:
        """Resolve one comment's anchor or raise GitHub's 422 (B3 rules and strings)."""
        path = item.get("path")
        side = item.get("side") or "RIGHT"
        start_side = item.get("start_side")
        for value in (side, start_side):
            if value is not None and value not in ("LEFT", "RIGHT"):
                # The subset gives create-review's side no enum; GitHub rejects it (testing.md 2.2).
                raise _anchor_error(
                    operation, [], f"Invalid request.\n\n{value!r} is not a valid side (LEFT or RIGHT)."
                )
        fd = files.get(path or "")
        if fd is None:
            raise _anchor_error(operation, ["path", "blank_hunk"])
        if item.get("subject_type") == "file":
            first = fd.lines[0] if fd.lines else None
            return {"path": fd.filename, "subject_type": "file", "diff_hunk": fd.hunk_text(first) if first else ""}
        line = item.get("line")
        if line is None and item.get("position") is not None:
            at = fd.at_position(int(item["position"]))
            if at is not None:
                side = "LEFT" if at.kind == "-" else "RIGHT"
                line = at.old if at.kind == "-" else at.new
        end = fd.anchor(side, line) if isinstance(line, int) else None
        errors = [] if end is not None else ["line"]
        start_line = item.get("start_line")
        start = None
        if start_line is not None:
            start_side = start_side or side
            if start_side == side and isinstance(line, int) and start_line >= line:
                raise _anchor_error(operation, ["precede"])
            start = fd.anchor(start_side, start_line)
            # [assumption, testing.md 2.2] a range stays on one side and inside one hunk.
            if start is None or end is None or start.hunk != end.hunk or start_side != side:
                errors.append("same_hunk")
        if end is None:
            errors.append("blank_hunk")
        if errors:
            raise _anchor_error(operation, errors)
        assert end is not None
        return {
            "path": fd.filename,
            "subject_type": "line",
            "side": side,
            "line": line,
            "start_side": start_side if start is not None else None,
            "start_line": start_line if start is not None else None,
            "position": end.position,
            "diff_hunk": fd.hunk_text(end),
        }

    def _store_comment(
        self,
        repo: FakeRepo,
        pull: FakePull,
        review: FakeReview,
        *,
        body: str,
        commit_id: str,
        anchor: Mapping[str, Any],
        user: str,
        in_reply_to: FakeReviewComment | None = None,
    ) -> FakeReviewComment:
        now = self._now()
        file_level = anchor["subject_type"] == "file"
        comment = FakeReviewComment(
            id=self._next_id(),
            review_id=review.id,
            pull=pull.number,
            repo=repo.full_name,
            user=user,
            body=body,
            path=anchor["path"],
            subject_type=anchor["subject_type"],
            side=anchor.get("side") or "RIGHT",
            line=anchor.get("line"),
            start_side=anchor.get("start_side"),
            start_line=anchor.get("start_line"),
            original_line=anchor.get("line"),
            original_start_line=anchor.get("start_line"),
            position=None if file_level else anchor.get("position"),
            original_position=None if file_level else anchor.get("position"),
            commit_id=commit_id,
            original_commit_id=commit_id,
            diff_hunk=anchor["diff_hunk"],
            in_reply_to_id=in_reply_to.id if in_reply_to else None,
            created_at=now,
            updated_at=now,
        )
        self.review_comments[comment.id] = comment
        if in_reply_to is None:
            self.threads[comment.id] = FakeThread(comment.id)
            if commit_id != pull.head_sha:
                current = {fd.filename: fd for fd in self._pull_files(pull, pull.head_sha)}
                self._carry_forward(comment, current, pull.head_sha)
        return comment

    def _pulls_create_review_comment(self, ctx: Ctx) -> Reply:
        repo, pull = self._pull_of(ctx)
        doc = _DOC_URLS["pulls/create-review-comment"]
        payload = ctx.json or {}
        self._check_body_length(payload.get("body"), "PullRequestReviewComment")
        if payload.get("in_reply_to") is not None:
            root = self._comment_in(repo, int(payload["in_reply_to"]))
            return self._reply_to(repo, pull, root, payload["body"], ctx.user)
        commit_id = payload["commit_id"]
        if commit_id not in self._pull_commits(pull):
            raise _unprocessable(["Commit is not part of the pull request"], doc)  # [assumption] wording
        files = {fd.filename: fd for fd in self._pull_files(pull, commit_id)}
        anchor = self._anchor(files, payload, "pulls/create-review-comment")
        review = self._implicit_review(repo, pull, ctx.user, commit_id)
        comment = self._store_comment(
            repo, pull, review, body=payload["body"], commit_id=commit_id, anchor=anchor, user=ctx.user
        )
        return Reply(201, self._review_comment_json(comment), {"Location": self._comment_url(comment)})

    def _implicit_review(self, repo: FakeRepo, pull: FakePull, user: str, commit_id: str) -> FakeReview:
        """A standalone comment gets its own submitted COMMENTED review, as on GitHub."""
        review = FakeReview(self._next_id(), pull.number, repo.full_name, user, "", "COMMENTED", commit_id, None)
        review.submitted_at = self._now()
        self.reviews[review.id] = review
        return review

    def _comment_in(self, repo: FakeRepo, comment_id: int) -> FakeReviewComment:
        comment = self.review_comments.get(comment_id)
        if comment is None or comment.repo != repo.full_name:
            raise _not_found(f"{_DOCS}/pulls/comments#get-a-review-comment-for-a-pull-request")
        return comment

    def _reply_to(self, repo: FakeRepo, pull: FakePull, target: FakeReviewComment, body: str, user: str) -> Reply:
        root = self.review_comments.get(target.in_reply_to_id or -1, target)  # replies point at the root
        review = self._implicit_review(repo, pull, user, root.commit_id)
        anchor = {
            "path": root.path,
            "subject_type": root.subject_type,
            "side": root.side,
            "line": root.original_line,
            "start_side": root.start_side,
            "start_line": root.original_start_line,
            "position": root.original_position,
            "diff_hunk": root.diff_hunk,
        }
        reply = self._store_comment(
            repo, pull, review, body=body, commit_id=root.original_commit_id, anchor=anchor, user=user, in_reply_to=root
        )
        reply.line, reply.start_line, reply.position, reply.commit_id = (
            root.line,
            root.start_line,
            root.position,
            root.commit_id,
        )
        return Reply(201, self._review_comment_json(reply), {"Location": self._comment_url(reply)})

    def _pulls_create_reply_for_review_comment(self, ctx: Ctx) -> Reply:
        repo, pull = self._pull_of(ctx)
        payload = ctx.json or {}
        self._check_body_length(payload.get("body"), "PullRequestReviewComment")
        target = self._comment_in(repo, int(ctx.params["comment_id"]))
        if target.pull != pull.number:
            raise _not_found()
        return self._reply_to(repo, pull, target, payload["body"], ctx.user)

    def _pulls_list_review_comments(self, ctx: Ctx) -> Reply:
        repo, pull = self._pull_of(ctx)
        comments = [c for c in self.comments_of(pull) if c.repo == repo.full_name]
        comments = _sorted_comments(comments, ctx.args)
        reply = self._page(ctx, comments, repo)
        return replace(reply, body=[self._review_comment_json(c) for c in reply.body])

    def _pulls_list_comments_for_review(self, ctx: Ctx) -> Reply:
        repo, _pull, review = self._review_of(ctx)
        comments = [c for c in self.review_comments.values() if c.review_id == review.id]
        reply = self._page(ctx, comments, repo)
        return replace(reply, body=[self._review_comment_json(c, legacy=True) for c in reply.body])

    def _pulls_get_review_comment(self, ctx: Ctx) -> Reply:
        comment = self._comment_in(self._repo(ctx), int(ctx.params["comment_id"]))
        return Reply(200, self._review_comment_json(comment))

    def _pulls_update_review_comment(self, ctx: Ctx) -> Reply:
        comment = self._comment_in(self._repo(ctx), int(ctx.params["comment_id"]))
        body = str((ctx.json or {})["body"])  # required by the contract
        self._check_body_length(body, "PullRequestReviewComment")
        comment.body = body  # B7: only the body can change
        comment.updated_at = self._now()
        return Reply(200, self._review_comment_json(comment))

    def _pulls_delete_review_comment(self, ctx: Ctx) -> Reply:
        comment = self._comment_in(self._repo(ctx), int(ctx.params["comment_id"]))
        self._drop_comment(comment.id)
        return Reply(204, None)

    def _drop_comment(self, comment_id: int) -> None:
        self.review_comments.pop(comment_id, None)
        thread = self.threads.pop(comment_id, None)
        if thread is not None:
            replies = sorted(c.id for c in self.review_comments.values() if c.in_reply_to_id == comment_id)
            if replies:  # the oldest reply carries the thread on
                self.threads[replies[0]] = replace(thread, root_id=replies[0])
                for reply_id in replies:
                    self.review_comments[reply_id].in_reply_to_id = None if reply_id == replies[0] else replies[0]

    # ---------------------------------------------------------------- handlers: issue comments

    def _issue_pull(self, ctx: Ctx) -> tuple[FakeRepo, FakePull]:
        repo = self._repo(ctx)
        pull = self.pulls.get((repo.full_name, int(ctx.params["issue_number"])))
        if pull is None:
            raise _not_found(f"{_DOCS}/issues/comments#list-issue-comments")
        return repo, pull

    def _issues_list_comments(self, ctx: Ctx) -> Reply:
        repo, pull = self._issue_pull(ctx)
        comments = [c for c in self.issue_comments.values() if c.repo == repo.full_name and c.issue == pull.number]
        since = ctx.args.get("since")
        if since:
            comments = [c for c in comments if c.updated_at >= since]
        reply = self._page(ctx, comments, repo)
        return replace(reply, body=[self._issue_comment_json(c) for c in reply.body])

    def _issues_create_comment(self, ctx: Ctx) -> Reply:
        repo, pull = self._issue_pull(ctx)
        body = (ctx.json or {})["body"]
        self._check_body_length(body, "IssueComment")
        now = self._now()
        comment = FakeIssueComment(self._next_id(), pull.number, repo.full_name, ctx.user, body, now, now)
        self.issue_comments[comment.id] = comment
        data = self._issue_comment_json(comment)
        return Reply(201, data, {"Location": data["url"]})

    def _issue_comment(self, ctx: Ctx) -> FakeIssueComment:
        repo = self._repo(ctx)
        comment = self.issue_comments.get(int(ctx.params["comment_id"]))
        if comment is None or comment.repo != repo.full_name:
            raise _not_found(f"{_DOCS}/issues/comments#get-an-issue-comment")
        return comment

    def _issues_get_comment(self, ctx: Ctx) -> Reply:
        return Reply(200, self._issue_comment_json(self._issue_comment(ctx)))

    def _issues_update_comment(self, ctx: Ctx) -> Reply:
        comment = self._issue_comment(ctx)
        body = (ctx.json or {})["body"]
        self._check_body_length(body, "IssueComment")
        comment.body = body
        comment.updated_at = self._now()
        return Reply(200, self._issue_comment_json(comment))

    def _issues_delete_comment(self, ctx: Ctx) -> Reply:
        comment = self._issue_comment(ctx)
        del self.issue_comments[comment.id]
        return Reply(204, None)

    # ---------------------------------------------------------------- handlers: commits, compare, contents

    def _repos_get_commit(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        sha = self._resolve_ref(repo, ctx.params["ref"])
        if sha is None:
            raise ApiError(
                422,
                {
                    "message": f"No commit found for SHA: {ctx.params['ref']}",
                    "documentation_url": f"{_DOCS}/commits/commits#get-a-commit",
                    "status": "422",
                },
            )
        return Reply(200, self._commit_json(repo, sha, with_files=True))

    def _repos_compare_commits(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        base_ref, sep, head_ref = ctx.params["basehead"].partition("...")
        if not sep:
            raise _not_found(f"{_DOCS}/commits/commits#compare-two-commits")
        base = self._resolve_cross(repo, base_ref)
        head = self._resolve_cross(repo, head_ref)
        if base is None or head is None:
            raise _not_found(f"{_DOCS}/commits/commits#compare-two-commits")
        merge_base = self._merge_base(base, head)
        if merge_base is None:
            raise _not_found(f"{_DOCS}/commits/commits#compare-two-commits")
        ahead = self._commits_between(merge_base, head)
        behind = self._commits_between(merge_base, base)
        status = "identical" if base == head else "ahead" if not behind else "behind" if not ahead else "diverged"
        files = diff_files(self._files_at(merge_base), self._files_at(head))
        html = f"{self.root}/{repo.full_name}/compare/{base_ref}...{head_ref}"
        body = {
            "url": f"{self._repo_api(repo)}/compare/{base_ref}...{head_ref}",
            "html_url": html,
            "permalink_url": f"{self.root}/{repo.full_name}/compare/{repo.owner}:{base[:7]}...{repo.owner}:{head[:7]}",
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "base_commit": self._commit_json(repo, base, with_files=False),
            "merge_base_commit": self._commit_json(repo, merge_base, with_files=False),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [self._commit_json(repo, sha, with_files=False) for sha in ahead],
            "files": [self._diff_entry_json(repo, head, fd) for fd in files],
        }
        return Reply(200, body)

    def _resolve_cross(self, repo: FakeRepo, ref: str) -> str | None:
        """``owner:branch`` refers to a fork's branch (compare across forks)."""
        if ":" in ref:
            owner, _, branch = ref.partition(":")
            other = next((r for r in self.repos.values() if r.owner == owner and r.name == repo.name), None)
            return self._resolve_ref(other, branch) if other else None
        return self._resolve_ref(repo, ref)

    def _repos_get_content(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        ref = ctx.args.get("ref") or repo.default_branch
        sha = self._resolve_ref(repo, ref)
        doc = f"{_DOCS}/repos/contents#get-repository-content"
        if sha is None:
            raise ApiError(
                404, {"message": f"No commit found for the ref {ref}", "documentation_url": doc, "status": "404"}
            )
        path = ctx.params["path"].strip("/")
        files = self._files_at(sha)
        if path in files:
            return Reply(200, self._content_json(repo, ref, path, files[path], with_content=True))
        prefix = path + "/"
        children = sorted({p[len(prefix) :].split("/", 1)[0] for p in files if p.startswith(prefix)})
        if not children:
            raise _not_found(doc)
        entries = []
        for child in children:
            child_path = prefix + child
            if child_path in files:
                entries.append(self._content_json(repo, ref, child_path, files[child_path], with_content=False))
            else:
                entries.append(self._dir_entry_json(repo, ref, child_path, sha))
        return Reply(200, entries)

    # ---------------------------------------------------------------- handlers: check runs

    def _checks_create(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        payload = ctx.json or {}
        head_sha = payload["head_sha"]
        if head_sha not in self.commits:
            raise ApiError(
                422,
                {
                    "message": f"No commit found for SHA: {head_sha}",
                    "documentation_url": f"{_DOCS}/checks/runs#create-a-check-run",
                    "status": "422",
                },
            )
        now = self._now()
        conclusion = payload.get("conclusion")
        status = "completed" if conclusion else payload.get("status", "queued")
        output = dict(payload.get("output") or {})
        annotations = list(output.pop("annotations", []))
        run = FakeCheckRun(
            id=self._next_id(),
            repo=repo.full_name,
            name=payload["name"],
            head_sha=head_sha,
            status=status,
            conclusion=conclusion,
            started_at=payload.get("started_at") or now,
            completed_at=payload.get("completed_at") or (now if status == "completed" else None),
            external_id=payload.get("external_id", ""),
            details_url=payload.get("details_url"),
            output=output,
            annotations=annotations,
        )
        self.check_runs[run.id] = run
        return Reply(201, self._check_run_json(run))

    def _check_run(self, ctx: Ctx) -> FakeCheckRun:
        repo = self._repo(ctx)
        run = self.check_runs.get(int(ctx.params["check_run_id"]))
        if run is None or run.repo != repo.full_name:
            raise _not_found(f"{_DOCS}/checks/runs#get-a-check-run")
        return run

    def _checks_get(self, ctx: Ctx) -> Reply:
        return Reply(200, self._check_run_json(self._check_run(ctx)))

    def _checks_update(self, ctx: Ctx) -> Reply:
        run = self._check_run(ctx)
        payload = ctx.json or {}
        for key in ("name", "details_url", "external_id", "started_at"):
            if key in payload:
                setattr(run, key, payload[key])
        if "status" in payload:
            run.status = payload["status"]
        if payload.get("conclusion"):
            run.conclusion = payload["conclusion"]
            run.status = "completed"
        if run.status == "completed" and run.completed_at is None:
            run.completed_at = payload.get("completed_at") or self._now()
        if "output" in payload:
            output = dict(payload["output"])
            run.annotations.extend(output.pop("annotations", []))  # B10: annotations append
            run.output.update(output)
        return Reply(200, self._check_run_json(run))

    # ---------------------------------------------------------------- handlers: git data (not in the subset)

    def _ref_json(self, repo: FakeRepo, ref: str) -> dict[str, Any]:
        sha = repo.refs[ref]
        api = self._repo_api(repo)
        return {
            "ref": f"refs/{ref}",
            "node_id": f"REF_fake{abs(hash((repo.full_name, ref))) % 10**8}",
            "url": f"{api}/git/refs/{ref}",
            "object": {"sha": sha, "type": "commit", "url": f"{api}/git/commits/{sha}"},
        }

    def _git_get_ref(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        ref = ctx.params["ref"].removeprefix("refs/")
        if ref not in repo.refs:
            raise _not_found(f"{_DOCS}/git/refs#get-a-reference")
        return Reply(200, self._ref_json(repo, ref))

    def _git_create_ref(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        payload = ctx.json or {}
        ref, sha = str(payload.get("ref", "")), str(payload.get("sha", ""))
        doc = f"{_DOCS}/git/refs#create-a-reference"
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise ApiError(
                422,
                {
                    "message": "Reference name must start with 'refs/' and have at least two slashes.",
                    "documentation_url": doc,
                    "status": "422",
                },
            )
        if sha not in self.commits:
            raise ApiError(422, {"message": "Object does not exist", "documentation_url": doc, "status": "422"})
        if ref.removeprefix("refs/") in repo.refs:
            raise ApiError(422, {"message": "Reference already exists", "documentation_url": doc, "status": "422"})
        repo.refs[ref.removeprefix("refs/")] = sha
        return Reply(201, self._ref_json(repo, ref.removeprefix("refs/")))

    def _git_update_ref(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        payload = ctx.json or {}
        ref = ctx.params["ref"].removeprefix("refs/")
        sha = str(payload.get("sha", ""))
        doc = f"{_DOCS}/git/refs#update-a-reference"
        if ref not in repo.refs:
            raise ApiError(422, {"message": "Reference does not exist", "documentation_url": doc, "status": "422"})
        if sha not in self.commits:
            raise ApiError(422, {"message": "Object does not exist", "documentation_url": doc, "status": "422"})
        if not payload.get("force") and repo.refs[ref] not in self._ancestors(sha):
            raise ApiError(422, {"message": "Update is not a fast forward", "documentation_url": doc, "status": "422"})
        self._check_push_allowed(repo)
        repo.refs[ref] = sha
        for pull in self.pulls.values():
            if pull.head_repo == repo.full_name and f"heads/{pull.head_ref}" == ref and pull.state == "open":
                self._head_moved(pull, sha)
        return Reply(200, self._ref_json(repo, ref))

    def _check_push_allowed(self, repo: FakeRepo) -> None:
        """A fork's branch may only be pushed to when its PR allows maintainer edits (B5/D6)."""
        if repo.fork_of is None or repo.full_name == self.default_repo:
            return
        allowed = any(p.head_repo == repo.full_name and p.maintainer_can_modify for p in self.pulls.values())
        if not allowed:
            raise ApiError(403, {"message": FORBIDDEN_MESSAGE, "documentation_url": _DOCS, "status": "403"})

    def _git_create_blob(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        payload = ctx.json or {}
        content = payload.get("content")
        if not isinstance(content, str):
            raise ApiError(
                422,
                {
                    "message": 'Invalid request.\n\n"content" wasn\'t supplied.',
                    "documentation_url": f"{_DOCS}/git/blobs#create-a-blob",
                    "status": "422",
                },
            )
        data = base64.b64decode(content) if payload.get("encoding") == "base64" else content.encode()
        sha = git_blob_sha(data)
        self.blobs[sha] = data
        return Reply(
            201,
            {"url": f"{self._repo_api(repo)}/git/blobs/{sha}", "sha": sha},
            {"Location": f"{self._repo_api(repo)}/git/blobs/{sha}"},
        )

    def _git_get_blob(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        sha = ctx.params["sha"]
        if sha not in self.blobs:
            raise _not_found(f"{_DOCS}/git/blobs#get-a-blob")
        data = self.blobs[sha]
        return Reply(
            200,
            {
                "content": _b64_lines(data),
                "encoding": "base64",
                "url": f"{self._repo_api(repo)}/git/blobs/{sha}",
                "sha": sha,
                "size": len(data),
                "node_id": f"B_fake{sha[:12]}",
            },
        )

    def _git_create_tree(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        payload = ctx.json or {}
        doc = f"{_DOCS}/git/trees#create-a-tree"
        base_tree = payload.get("base_tree")
        if base_tree is not None and base_tree not in self.trees:
            raise ApiError(
                422, {"message": "base_tree is not a valid tree oid", "documentation_url": doc, "status": "422"}
            )
        flat = dict(self.trees[base_tree]) if base_tree else {}
        for entry in payload.get("tree") or []:
            path = entry.get("path", "")
            if entry.get("type", "blob") != "blob" or entry.get("mode", "100644") not in ("100644", "100755"):
                raise ApiError(
                    422,
                    {"message": "The fake only models regular file blobs", "documentation_url": doc, "status": "422"},
                )
            if "content" in entry:
                data = str(entry["content"]).encode()
                blob = git_blob_sha(data)
                self.blobs[blob] = data
                flat[path] = blob
            elif entry.get("sha") is None:
                flat.pop(path, None)  # sha: null deletes the file
            elif entry["sha"] in self.blobs:
                flat[path] = entry["sha"]
            else:
                raise ApiError(
                    422,
                    {
                        "message": f"tree.sha {entry['sha']} is not a valid blob",
                        "documentation_url": doc,
                        "status": "422",
                    },
                )
        sha = _git_tree_sha(flat, self.trees)
        return Reply(201, self._tree_json(repo, sha, recursive=True))

    def _tree_json(self, repo: FakeRepo, sha: str, *, recursive: bool) -> dict[str, Any]:
        flat = self.trees[sha]
        api = self._repo_api(repo)
        entries: dict[str, dict[str, Any]] = {}
        for path, blob in flat.items():
            parts = path.split("/")
            for depth in range(1, len(parts)):
                sub = "/".join(parts[:depth])
                if (recursive or depth == 1) and sub not in entries:
                    prefix = sub + "/"
                    sub_flat = {p[len(prefix) :]: b for p, b in flat.items() if p.startswith(prefix)}
                    sub_sha = _git_tree_sha(sub_flat, self.trees)
                    entries[sub] = {
                        "path": sub,
                        "mode": "040000",
                        "type": "tree",
                        "sha": sub_sha,
                        "url": f"{api}/git/trees/{sub_sha}",
                    }
            if recursive or len(parts) == 1:
                entries[path] = {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob,
                    "size": len(self.blobs[blob]),
                    "url": f"{api}/git/blobs/{blob}",
                }
        listing = [entries[k] for k in sorted(entries)]
        return {
            "sha": sha,
            "url": f"{api}/git/trees/{sha}",
            "tree": listing[: self.tree_entry_limit],
            "truncated": len(listing) > self.tree_entry_limit,
        }

    def _git_get_tree(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        sha = ctx.params["sha"]
        if sha not in self.trees:
            resolved = self._resolve_ref(repo, sha)
            if resolved is None:
                raise _not_found(f"{_DOCS}/git/trees#get-a-tree")
            sha = self.commits[resolved].tree
        recursive = ctx.args.get("recursive") not in (None, "", "0", "false")
        return Reply(200, self._tree_json(repo, sha, recursive=recursive))

    def _git_create_commit(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        payload = ctx.json or {}
        doc = f"{_DOCS}/git/commits#create-a-commit"
        tree = payload.get("tree")
        if tree not in self.trees:
            raise ApiError(422, {"message": "Tree SHA does not exist", "documentation_url": doc, "status": "422"})
        parents = tuple(payload.get("parents") or ())
        if any(p not in self.commits for p in parents):
            raise ApiError(
                422,
                {
                    "message": "Parent SHA does not exist or is not a commit object",
                    "documentation_url": doc,
                    "status": "422",
                },
            )
        author = (payload.get("author") or {}).get("name") or self.viewer
        sha = self._store_commit(tree, parents, str(payload.get("message", "")), author, None)
        return Reply(201, self._git_commit_json(repo, sha))

    def _git_get_commit(self, ctx: Ctx) -> Reply:
        repo = self._repo(ctx)
        if ctx.params["sha"] not in self.commits:
            raise _not_found(f"{_DOCS}/git/commits#get-a-commit-object")
        return Reply(200, self._git_commit_json(repo, ctx.params["sha"]))

    # ---------------------------------------------------------------- GraphQL (minimal, see module docstring)

    def _handle_graphql(self, request: Request, payload: Any) -> Response:
        operation = "graphql/query"
        try:
            self._check_auth(request, "graphql")
        except ApiError as error:
            return self._respond(
                request, "/graphql", _gql_match(operation), payload=payload, reply=Reply(error.status, error.body)
            )
        fault = self._take_fault("POST", "/graphql")
        if fault is not None:
            reply = Reply(fault.status, fault.body, fault.headers)
            return self._respond(request, "/graphql", _gql_match(operation), payload=payload, reply=reply)
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            reply = Reply(200, {"errors": [{"message": "A query attribute must be specified and must be a string."}]})
            return self._respond(request, "/graphql", _gql_match(operation), payload=payload, reply=reply)
        try:
            kind, selections = _GqlParser(payload["query"]).document()
        except GqlError as error:
            reply = Reply(200, {"errors": [{"message": error.message}]})
            return self._respond(request, "/graphql", _gql_match(operation), payload=payload, reply=reply)
        if kind == "mutation":
            operation = "graphql/mutation"
        if self.graphql_rate_used >= self.graphql_rate_limit:
            message = "API rate limit already exceeded for installation ID 1."
            reply = Reply(200, {"errors": [{"type": "RATE_LIMITED", "code": "graphql_rate_limit", "message": message}]})
            return self._respond(request, "/graphql", _gql_match(operation), payload=payload, reply=reply)
        self.graphql_rate_used += 1
        variables = payload.get("variables") or {}
        errors: list[dict[str, Any]] = []
        root = "Mutation" if kind == "mutation" else "Query"
        try:
            data = self._gql_object(root, None, selections, variables=variables, path=[], errors=errors)
        except GqlError as error:  # validation errors: no data at all, like GitHub
            body: dict[str, Any] = {"errors": [{"path": error.path, "message": error.message}]}
        else:
            body = {"data": data}
            if errors:
                body["errors"] = errors
        return self._respond(request, "/graphql", _gql_match(operation), payload=payload, reply=Reply(200, body))

    def _gql_object(
        self,
        type_name: str,
        obj: Any,
        selections: Sequence[GqlField],
        *,
        variables: Mapping[str, Any],
        path: list[str],
        errors: list[dict[str, Any]],
    ) -> dict[str, Any]:
        if self._gql is None:
            self._gql = self._gql_schema()
        schema = self._gql
        out: dict[str, Any] = {}
        for selected in selections:
            key = selected.alias or selected.name
            if selected.name == "__typename":
                out[key] = getattr(obj, "gql_type", type_name)
                continue
            if selected.name == "...":  # an inline fragment applies when the object's concrete type is its own
                condition = str(selected.args["on"])
                if condition not in schema:
                    raise GqlError(f"No such type {condition}, so it can't be a fragment condition", path=path)
                if getattr(obj, "gql_type", type_name) == condition:
                    out.update(
                        self._gql_object(
                            condition, obj, selected.selections, variables=variables, path=path, errors=errors
                        )
                    )
                continue
            spec = schema[type_name].get(selected.name)
            if spec is None:
                raise GqlError(f"Field '{selected.name}' doesn't exist on type '{type_name}'", path=[*path, key])
            result_type, resolver = spec
            if result_type is not None and not selected.selections:
                raise GqlError(
                    f"Field must have selections (field '{selected.name}' returns {result_type} "
                    "but has no selections.)",
                    path=[*path, key],
                )
            try:
                value = resolver(obj, _gql_bind(dict(selected.args), variables))
            except GqlError as error:
                errors.append({"type": error.error_type, "path": [*path, key], "message": error.message})
                out[key] = None
                continue
            if result_type is not None and value is None:
                self._gql_validate(result_type, selected.selections, [*path, key])  # GitHub checks before running
            if result_type is None or value is None:
                out[key] = value
            elif isinstance(value, list):
                out[key] = [
                    self._gql_object(
                        result_type,
                        item,
                        selected.selections,
                        variables=variables,
                        path=[*path, key, str(i)],
                        errors=errors,
                    )
                    for i, item in enumerate(value)
                ]
            else:
                out[key] = self._gql_object(
                    result_type, value, selected.selections, variables=variables, path=[*path, key], errors=errors
                )
        return out

    def _gql_validate(self, type_name: str, selections: Sequence[GqlField], path: list[str]) -> None:
        """The static check of a selection whose object is null: unknown fields fail as if it had run."""
        schema = self._gql or self._gql_schema()
        for selected in selections:
            key = selected.alias or selected.name
            if selected.name == "__typename":
                continue
            if selected.name == "...":
                condition = str(selected.args["on"])
                if condition not in schema:
                    raise GqlError(f"No such type {condition}, so it can't be a fragment condition", path=path)
                self._gql_validate(condition, selected.selections, path)
                continue
            spec = schema[type_name].get(selected.name)
            if spec is None:
                raise GqlError(f"Field '{selected.name}' doesn't exist on type '{type_name}'", path=[*path, key])
            if spec[0] is not None:
                self._gql_validate(spec[0], selected.selections, [*path, key])

    def _gql_schema(self) -> GqlSchema:
        def connection(name: str) -> Callable[[list[Any], Mapping[str, Any]], dict[str, Any]]:
            def resolve(items: list[Any], args: Mapping[str, Any]) -> dict[str, Any]:
                first = args.get("first")
                if first is None:
                    raise GqlError(
                        f"You must provide a `first` or `last` value to properly paginate the `{name}` connection.",
                        "MISSING_PAGINATION_BOUNDARIES",
                    )
                if first > 100:
                    raise GqlError(
                        f"Requesting {first} records on the `{name}` connection exceeds the `first` limit of 100 "
                        "records.",
                        "EXCESSIVE_PAGINATION",
                    )
                offset = int(base64.b64decode(args["after"]).decode().split(":")[1]) if args.get("after") else 0
                page = items[offset : offset + first]
                end = offset + len(page)
                cursor = base64.b64encode(f"cursor:{end}".encode()).decode() if page else None
                return {"nodes": page, "totalCount": len(items), "hasNextPage": end < len(items), "endCursor": cursor}

            return resolve

        def thread_comments(thread: FakeThread) -> list[FakeReviewComment]:
            return sorted(
                (c for c in self.review_comments.values() if thread.root_id in (c.id, c.in_reply_to_id)),
                key=lambda c: c.id,
            )

        def root_of(thread: FakeThread) -> FakeReviewComment:
            return self.review_comments[thread.root_id]

        def repository(_obj: Any, args: Mapping[str, Any]) -> FakeRepo:
            full = f"{args.get('owner')}/{args.get('name')}"
            if full not in self.repos:
                raise GqlError(f"Could not resolve to a Repository with the name '{full}'.", "NOT_FOUND")
            return self.repos[full]

        def pull_request(repo: FakeRepo, args: Mapping[str, Any]) -> FakePull:
            pull = self.pulls.get((repo.full_name, int(args.get("number", 0))))
            if pull is None:
                raise GqlError(
                    f"Could not resolve to a PullRequest with the number of {args.get('number')}.", "NOT_FOUND"
                )
            return pull

        def threads_of(pull: FakePull, args: Mapping[str, Any]) -> dict[str, Any]:
            threads = [
                t
                for t in sorted(self.threads.values(), key=lambda t: t.root_id)
                if root_of(t).pull == pull.number and root_of(t).repo == pull.base_repo
            ]
            return connection("reviewThreads")(threads, args)

        def git_object(repo: FakeRepo, args: Mapping[str, Any]) -> FakeGitBlob | FakeGitTree | None:
            """`rev:path` -> the blob (or tree) there; null when the revision or the path does not exist."""
            rev, colon, path = str(args.get("expression") or "").partition(":")
            sha = self._resolve_ref(repo, rev) if colon else None
            if sha is None or sha not in self.commits:
                return None
            tree = self.trees[self.commits[sha].tree]
            if path in tree:
                return FakeGitBlob(tree[path], self.blobs[tree[path]])
            if path == "" or any(name.startswith(path.rstrip("/") + "/") for name in tree):
                return FakeGitTree(hashlib.sha1(f"{sha}:{path}".encode()).hexdigest())
            return None

        def blob_text(blob: FakeGitBlob) -> str | None:
            if b"\0" in blob.data:
                return None
            try:
                text = blob.data.decode("utf-8")
            except UnicodeDecodeError:
                return None
            return text[: self.graphql_blob_text_limit]

        def set_resolved(resolved: bool) -> GqlResolver:
            def mutate(_obj: Any, args: Mapping[str, Any]) -> dict[str, Any]:
                payload = args.get("input") or {}
                thread_id = payload.get("threadId")
                thread = next((t for t in self.threads.values() if t.node_id == thread_id), None)
                if thread is None:
                    raise GqlError(f"Could not resolve to a node with the global id of '{thread_id}'", "NOT_FOUND")
                if self.read_only:
                    raise GqlError(FORBIDDEN_MESSAGE, "FORBIDDEN")
                thread.resolved = resolved
                thread.resolved_by = self.viewer if resolved else None
                return {"clientMutationId": payload.get("clientMutationId"), "thread": thread}

            return mutate

        def scalar(fn: Callable[[Any], Any]) -> tuple[None, GqlResolver]:
            return None, lambda obj, _args: fn(obj)

        def obj(type_name: str, fn: Callable[[Any], Any]) -> tuple[str, GqlResolver]:
            return type_name, lambda o, _args: fn(o)

        def conn_fields(node_type: str) -> dict[str, tuple[str | None, GqlResolver]]:
            return {
                "nodes": obj(node_type, lambda c: c["nodes"]),
                "totalCount": scalar(lambda c: c["totalCount"]),
                "pageInfo": obj("PageInfo", lambda c: c),
            }

        return {
            "Query": {"repository": ("Repository", repository)},
            "GitObject": {"oid": scalar(lambda o: o.oid), "abbreviatedOid": scalar(lambda o: o.oid[:7])},
            "Tree": {"oid": scalar(lambda o: o.oid), "abbreviatedOid": scalar(lambda o: o.oid[:7])},
            "Blob": {
                "oid": scalar(lambda b: b.oid),
                "abbreviatedOid": scalar(lambda b: b.oid[:7]),
                "byteSize": scalar(lambda b: len(b.data)),
                "isBinary": scalar(lambda b: blob_text(b) is None),
                "isTruncated": scalar(lambda b: len(b.data) > self.graphql_blob_text_limit),
                "text": scalar(blob_text),
            },
            "Mutation": {
                "resolveReviewThread": ("ResolveReviewThreadPayload", set_resolved(True)),
                "unresolveReviewThread": ("ResolveReviewThreadPayload", set_resolved(False)),
            },
            "ResolveReviewThreadPayload": {
                "clientMutationId": scalar(lambda p: p["clientMutationId"]),
                "thread": obj("PullRequestReviewThread", lambda p: p["thread"]),
            },
            "Repository": {
                "id": scalar(lambda r: f"R_fake{r.id}"),
                "name": scalar(lambda r: r.name),
                "nameWithOwner": scalar(lambda r: r.full_name),
                "pullRequest": ("PullRequest", pull_request),
                "object": ("GitObject", git_object),
            },
            "PullRequest": {
                "id": scalar(lambda p: f"PR_fake{p.id}"),
                "number": scalar(lambda p: p.number),
                "title": scalar(lambda p: p.title),
                "headRefOid": scalar(lambda p: p.head_sha),
                "baseRefOid": scalar(lambda p: p.base_sha),
                "reviewThreads": ("PullRequestReviewThreadConnection", threads_of),
            },
            "PullRequestReviewThreadConnection": conn_fields("PullRequestReviewThread"),
            "PullRequestReviewCommentConnection": conn_fields("PullRequestReviewComment"),
            "PageInfo": {
                "hasNextPage": scalar(lambda c: c["hasNextPage"]),
                "endCursor": scalar(lambda c: c["endCursor"]),
            },
            "PullRequestReviewThread": {
                "id": scalar(lambda t: t.node_id),
                "isResolved": scalar(lambda t: t.resolved),
                "isOutdated": scalar(lambda t: root_of(t).outdated),
                "path": scalar(lambda t: root_of(t).path),
                "line": scalar(lambda t: root_of(t).line),
                "originalLine": scalar(lambda t: root_of(t).original_line),
                "startLine": scalar(lambda t: root_of(t).start_line),
                "originalStartLine": scalar(lambda t: root_of(t).original_start_line),
                "diffSide": scalar(lambda t: root_of(t).side),
                "startDiffSide": scalar(lambda t: root_of(t).start_side),
                "viewerCanResolve": scalar(lambda t: not self.read_only and not t.resolved),
                "viewerCanUnresolve": scalar(lambda t: not self.read_only and t.resolved),
                "resolvedBy": obj("Actor", lambda t: t.resolved_by),
                "comments": (
                    "PullRequestReviewCommentConnection",
                    lambda t, args: connection("comments")(thread_comments(t), args),
                ),
            },
            "PullRequestReviewComment": {
                "id": scalar(lambda c: f"PRRC_kwDOfake{c.id}"),
                "databaseId": scalar(lambda c: c.id),
                "body": scalar(lambda c: c.body),
                "path": scalar(lambda c: c.path),
                "url": scalar(lambda c: f"{self.root}/{c.repo}/pull/{c.pull}#discussion_r{c.id}"),
                "createdAt": scalar(lambda c: c.created_at),
                "outdated": scalar(lambda c: c.outdated),
                "author": obj("Actor", lambda c: c.user),
            },
            "Actor": {"login": scalar(lambda login: login)},
        }

    # ---------------------------------------------------------------- JSON builders

    def _repo_api(self, repo: FakeRepo) -> str:
        return f"{self.url}/repos/{repo.full_name}"

    def _user_json(self, login: str) -> dict[str, Any]:
        user = self._user(login)
        api = f"{self.url}/users/{urllib.parse.quote(login)}"
        html = f"{self.root}/apps/{login.removesuffix('[bot]')}" if user.type == "Bot" else f"{self.root}/{login}"
        return {
            "login": login,
            "id": user.id,
            "node_id": f"U_fake{user.id}",
            "avatar_url": f"{self.root}/avatars/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": html,
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def _repo_json(self, repo: FakeRepo, *, full: bool) -> dict[str, Any]:
        api = self._repo_api(repo)
        html = f"{self.root}/{repo.full_name}"
        templated = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "hooks_url": "/hooks",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "stargazers_url": "/stargazers",
            "statuses_url": "/statuses/{sha}",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
            "trees_url": "/git/trees{/sha}",
        }
        stamp = EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ")
        data: dict[str, Any] = {
            "id": repo.id,
            "node_id": f"R_fake{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": self._user_json(repo.owner),
            "html_url": html,
            "description": None,
            "fork": repo.fork_of is not None,
            "url": api,
            **{key: api + suffix for key, suffix in templated.items()},
            "git_url": f"git://127.0.0.1:{self._port}/{repo.full_name}.git",
            "ssh_url": f"git@127.0.0.1:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": "YAML",
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 1,
            "default_branch": repo.default_branch,
            "open_issues_count": sum(
                1 for (r, _n), p in self.pulls.items() if r == repo.full_name and p.state == "open"
            ),
            "open_issues": sum(1 for (r, _n), p in self.pulls.items() if r == repo.full_name and p.state == "open"),
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private" if repo.private else "public",
            "pushed_at": stamp,
            "created_at": stamp,
            "updated_at": stamp,
            "permissions": dict(repo.permissions),
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "license": None,
        }
        if full:
            data.update({"network_count": 0, "subscribers_count": 0, "temp_clone_token": ""})
            if repo.fork_of is not None and repo.fork_of in self.repos:
                parent = self._repo_json(self.repos[repo.fork_of], full=False)
                data.update({"parent": parent, "source": parent})
        return data

    def _pull_json(self, pull: FakePull) -> dict[str, Any]:
        repo = self.repos[pull.base_repo]
        api = self._repo_api(repo)
        number = pull.number
        html = f"{self.root}/{repo.full_name}/pull/{number}"
        files = self._pull_files(pull, pull.head_sha)
        head_repo = self.repos[pull.head_repo]

        def side(r: FakeRepo, ref: str, sha: str) -> dict[str, Any]:
            return {
                "label": f"{r.owner}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": self._user_json(r.owner),
                "repo": self._repo_json(r, full=False),
            }

        links = {
            "self": f"{api}/pulls/{number}",
            "html": html,
            "issue": f"{api}/issues/{number}",
            "comments": f"{api}/issues/{number}/comments",
            "review_comments": f"{api}/pulls/{number}/comments",
            "review_comment": f"{api}/pulls/comments{{/number}}",
            "commits": f"{api}/pulls/{number}/commits",
            "statuses": f"{api}/statuses/{pull.head_sha}",
        }
        return {
            "url": f"{api}/pulls/{number}",
            "id": pull.id,
            "node_id": f"PR_fake{pull.id}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{api}/issues/{number}",
            "commits_url": f"{api}/pulls/{number}/commits",
            "review_comments_url": f"{api}/pulls/{number}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{number}/comments",
            "statuses_url": f"{api}/statuses/{pull.head_sha}",
            "number": number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": self._user_json(pull.author),
            "body": pull.body,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pull.created_at,
            "updated_at": pull.updated_at,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": side(head_repo, pull.head_ref, pull.head_sha),
            "base": side(repo, pull.base_ref, pull.base_sha),
            "_links": {key: {"href": value} for key, value in links.items()},
            "author_association": self._association(repo, pull.author),
            "auto_merge": None,
            "draft": pull.draft,
            "merged": False,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": sum(1 for c in self.issue_comments.values() if c.repo == repo.full_name and c.issue == number),
            "review_comments": sum(1 for c in self.comments_of(pull) if c.repo == repo.full_name),
            "maintainer_can_modify": pull.maintainer_can_modify,
            "commits": len(self._pull_commits(pull)),
            "additions": sum(fd.additions for fd in files),
            "deletions": sum(fd.deletions for fd in files),
            "changed_files": len(files),  # the true count, above the 3000 the file list returns (B1)
        }

    def _association(self, repo: FakeRepo, login: str) -> str:
        if login == repo.owner:
            return "OWNER"
        if self.users.get(login, FakeUser(login, 0)).type == "Bot":
            return "NONE"
        return "CONTRIBUTOR"

    def _diff_entry_json(self, repo: FakeRepo, head_sha: str, fd: FileDiff) -> dict[str, Any]:
        quoted = urllib.parse.quote(fd.filename)
        ref_sha = head_sha
        data: dict[str, Any] = {
            "sha": fd.blob_sha,
            "filename": fd.filename,
            "status": fd.status,
            "additions": fd.additions,
            "deletions": fd.deletions,
            "changes": fd.additions + fd.deletions,
            "blob_url": f"{self.root}/{repo.full_name}/blob/{ref_sha}/{quoted}",
            "raw_url": f"{self.root}/{repo.full_name}/raw/{ref_sha}/{quoted}",
            "contents_url": f"{self._repo_api(repo)}/contents/{quoted}?ref={ref_sha}",
        }
        if fd.patch is not None:
            data["patch"] = fd.patch
        if fd.previous_filename is not None:
            data["previous_filename"] = fd.previous_filename
        return data

    def _commit_json(self, repo: FakeRepo, sha: str, *, with_files: bool) -> dict[str, Any]:
        commit = self.commits[sha]
        api = self._repo_api(repo)
        person = {"name": commit.author_name, "email": commit.author_email, "date": commit.date}
        user = self._user_json(commit.author_login) if commit.author_login else None
        data: dict[str, Any] = {
            "url": f"{api}/commits/{sha}",
            "sha": sha,
            "node_id": f"C_fake{sha[:16]}",
            "html_url": f"{self.root}/{repo.full_name}/commit/{sha}",
            "comments_url": f"{api}/commits/{sha}/comments",
            "commit": {
                "url": f"{api}/git/commits/{sha}",
                "author": person,
                "committer": person,
                "message": commit.message,
                "tree": {"url": f"{api}/git/trees/{commit.tree}", "sha": commit.tree},
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "author": user,
            "committer": user,
            "parents": [
                {"url": f"{api}/commits/{p}", "html_url": f"{self.root}/{repo.full_name}/commit/{p}", "sha": p}
                for p in commit.parents
            ],
        }
        if with_files:
            parent_files = self._files_at(commit.parents[0]) if commit.parents else {}
            files = diff_files(parent_files, self._files_at(sha))
            additions = sum(fd.additions for fd in files)
            deletions = sum(fd.deletions for fd in files)
            data["stats"] = {"additions": additions, "deletions": deletions, "total": additions + deletions}
            data["files"] = [self._diff_entry_json(repo, sha, fd) for fd in files]
        return data

    def _git_commit_json(self, repo: FakeRepo, sha: str) -> dict[str, Any]:
        commit = self.commits[sha]
        api = self._repo_api(repo)
        person = {"name": commit.author_name, "email": commit.author_email, "date": commit.date}
        return {
            "sha": sha,
            "node_id": f"C_fake{sha[:16]}",
            "url": f"{api}/git/commits/{sha}",
            "html_url": f"{self.root}/{repo.full_name}/commit/{sha}",
            "author": person,
            "committer": person,
            "message": commit.message,
            "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
            "parents": [
                {"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{self.root}/{repo.full_name}/commit/{p}"}
                for p in commit.parents
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    def _content_json(self, repo: FakeRepo, ref: str, path: str, text: str, *, with_content: bool) -> dict[str, Any]:
        data_bytes = text.encode()
        sha = git_blob_sha(data_bytes)
        api = self._repo_api(repo)
        quoted = urllib.parse.quote(path)
        self_url = f"{api}/contents/{quoted}?ref={urllib.parse.quote(ref, safe='')}"
        git_url = f"{api}/git/blobs/{sha}"
        html_url = f"{self.root}/{repo.full_name}/blob/{ref}/{quoted}"
        data: dict[str, Any] = {
            "type": "file",
            "size": len(data_bytes),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": self_url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": f"{self.root}/{repo.full_name}/raw/{self._resolve_ref(repo, ref)}/{quoted}",
            "_links": {"self": self_url, "git": git_url, "html": html_url},
        }
        if with_content:
            data.update({"content": _b64_lines(data_bytes), "encoding": "base64"})
        return data

    def _dir_entry_json(self, repo: FakeRepo, ref: str, path: str, commit_sha: str) -> dict[str, Any]:
        files = self._files_at(commit_sha)
        prefix = path + "/"
        sub = {p[len(prefix) :]: git_blob_sha(t.encode()) for p, t in files.items() if p.startswith(prefix)}
        sha = _git_tree_sha(sub, self.trees)
        api = self._repo_api(repo)
        self_url = f"{api}/contents/{urllib.parse.quote(path)}?ref={urllib.parse.quote(ref, safe='')}"
        html_url = f"{self.root}/{repo.full_name}/tree/{ref}/{urllib.parse.quote(path)}"
        git_url = f"{api}/git/trees/{sha}"
        return {
            "type": "dir",
            "size": 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": self_url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": None,
            "_links": {"self": self_url, "git": git_url, "html": html_url},
        }

    def _review_json(self, review: FakeReview) -> dict[str, Any]:
        repo = self.repos[review.repo]
        pr_url = f"{self._repo_api(repo)}/pulls/{review.pull}"
        html = f"{self.root}/{repo.full_name}/pull/{review.pull}#pullrequestreview-{review.id}"
        data: dict[str, Any] = {
            "id": review.id,
            "node_id": f"PRR_kwDOfake{review.id}",
            "user": self._user_json(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": pr_url,
            "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
            "commit_id": review.commit_id,
            "author_association": self._association(repo, review.user),
        }
        if review.submitted_at is not None:
            data["submitted_at"] = review.submitted_at
        return data

    def _comment_url(self, comment: FakeReviewComment) -> str:
        return f"{self._repo_api(self.repos[comment.repo])}/pulls/comments/{comment.id}"

    def _review_comment_json(self, comment: FakeReviewComment, *, legacy: bool = False) -> dict[str, Any]:
        repo = self.repos[comment.repo]
        pr_url = f"{self._repo_api(repo)}/pulls/{comment.pull}"
        html = f"{self.root}/{repo.full_name}/pull/{comment.pull}#discussion_r{comment.id}"
        url = self._comment_url(comment)
        data: dict[str, Any] = {
            "url": url,
            "pull_request_review_id": comment.review_id,
            "id": comment.id,
            "node_id": f"PRRC_kwDOfake{comment.id}",
            "diff_hunk": comment.diff_hunk,
            "path": comment.path,
            "position": comment.position,
            "original_position": comment.original_position,
            "commit_id": comment.commit_id,
            "original_commit_id": comment.original_commit_id,
            "user": self._user_json(comment.user),
            "body": comment.body,
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "html_url": html,
            "pull_request_url": pr_url,
            "author_association": self._association(repo, comment.user),
            "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pr_url}},
            "reactions": {
                "url": f"{url}/reactions",
                "total_count": 0,
                **{k: 0 for k in ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")},
            },
            "start_line": comment.start_line,
            "original_start_line": comment.original_start_line,
            "start_side": comment.start_side,
            "line": comment.line,
            "original_line": comment.original_line,
            "side": comment.side,
            "subject_type": comment.subject_type,
        }
        if comment.in_reply_to_id is not None:
            data["in_reply_to_id"] = comment.in_reply_to_id
        if legacy:  # list-comments-for-review answers the older review-comment shape
            data.pop("subject_type")
        return data

    def _issue_comment_json(self, comment: FakeIssueComment) -> dict[str, Any]:
        repo = self.repos[comment.repo]
        api = self._repo_api(repo)
        return {
            "id": comment.id,
            "node_id": f"IC_kwDOfake{comment.id}",
            "url": f"{api}/issues/comments/{comment.id}",
            "html_url": f"{self.root}/{repo.full_name}/pull/{comment.issue}#issuecomment-{comment.id}",
            "body": comment.body,
            "user": self._user_json(comment.user),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "issue_url": f"{api}/issues/{comment.issue}",
            "author_association": self._association(repo, comment.user),
            "pin": None,
            "minimized": None,
        }

    def _check_run_json(self, run: FakeCheckRun) -> dict[str, Any]:
        repo = self.repos[run.repo]
        api = self._repo_api(repo)
        url = f"{api}/check-runs/{run.id}"
        output = {
            "title": run.output.get("title"),
            "summary": run.output.get("summary"),
            "text": run.output.get("text"),
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        }
        pulls = [
            p
            for p in self.pulls.values()
            if p.base_repo == repo.full_name and p.head_repo == repo.full_name and p.head_sha == run.head_sha
        ]  # GitHub lists only same-repo PRs here; fork PRs are missing (known gotcha)

        def minimal(p: FakePull) -> dict[str, Any]:
            ref = {"id": repo.id, "url": api, "name": repo.name}
            return {
                "url": f"{api}/pulls/{p.number}",
                "id": p.id,
                "number": p.number,
                "head": {"ref": p.head_ref, "sha": p.head_sha, "repo": ref},
                "base": {"ref": p.base_ref, "sha": p.base_sha, "repo": ref},
            }

        app_owner = self._user_json("github")
        app_owner["type"] = "Organization"
        return {
            "id": run.id,
            "head_sha": run.head_sha,
            "node_id": f"CR_kwDOfake{run.id}",
            "external_id": run.external_id,
            "url": url,
            "html_url": f"{self.root}/{repo.full_name}/runs/{run.id}",
            "details_url": run.details_url or f"{self.root}/{repo.full_name}/runs/{run.id}",
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "output": output,
            "name": run.name,
            "check_suite": {"id": run.id + 7},
            "app": {
                "id": ACTIONS_APP_ID,
                "slug": "github-actions",
                "node_id": "MDM6QXBwMTUzNjg=",
                "owner": app_owner,
                "name": "GitHub Actions",
                "description": "Automate your workflow from idea to production",
                "external_url": f"{self.root}/features/actions",
                "html_url": f"{self.root}/apps/github-actions",
                "created_at": "2018-07-30T09:30:17Z",
                "updated_at": "2019-12-10T19:04:12Z",
                "permissions": {"checks": "write", "contents": "write", "pull_requests": "write", "metadata": "read"},
                "events": ["check_run", "pull_request", "push"],
            },
            "pull_requests": [minimal(p) for p in pulls],
        }


# --------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------


def _b64_lines(data: bytes) -> str:
    """Base64 wrapped at 60 characters with a trailing newline, like GitHub's contents/blobs API."""
    encoded = base64.b64encode(data).decode()
    return "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))


def _int_arg(args: Mapping[str, str], key: str, default: int) -> int:
    try:
        return int(args.get(key, default))
    except (TypeError, ValueError):
        return default


def _resource(operation: str) -> str:
    return {
        "pulls/create-review": "PullRequestReview",
        "pulls/create-review-comment": "PullRequestReviewComment",
        "issues/create-comment": "IssueComment",
        "checks/create": "CheckRun",
        "checks/update": "CheckRun",
    }.get(operation, "Request")


def _sorted_comments(comments: list[FakeReviewComment], args: Mapping[str, str]) -> list[FakeReviewComment]:
    """`sort` created|updated, `direction` asc|desc (asc by default), `since` on updated_at (B7)."""
    since = args.get("since")
    if since:
        comments = [c for c in comments if c.updated_at >= since]
    key = "updated_at" if args.get("sort") == "updated" else "created_at"
    reverse = args.get("direction") == "desc"
    return sorted(comments, key=lambda c: (getattr(c, key), c.id), reverse=reverse)


# --------------------------------------------------------------------------------------------------------
# pytest fixtures (register with `pytest_plugins = ["fakes.github"]` or import into a conftest)
# --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def github_contract() -> OpenAPI:
    """The GitHub REST subset, loaded once per session with CONTRACT_PATCHES applied."""
    return load_contract()


@pytest.fixture
def fake_github(github_contract: OpenAPI) -> Iterator[FakeGitHub]:
    """A started FakeGitHub (repo octo/demo); fails the test if any response broke the contract."""
    with FakeGitHub(github_contract) as fake:
        yield fake
    assert not fake.contract_violations, "\n".join(fake.contract_violations)
