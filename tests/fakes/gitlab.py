"""A fake of GitLab's REST API v4 merge-request endpoints, served over real HTTP on 127.0.0.1.

Why: the GitLab adapter must be tested with the real python-gitlab client and no mocking, so that wire
formats, pagination, retries and GitLab's position rules are all exercised (spec testing.md §4,
review-apis.md C1-C12).

Sources for shapes and behaviour:
- shared/api/gitlab-mr-examples.json (documented attributes and example responses);
- gitlabhq/gitlabhq lib/api/discussions.rb, lib/api/helpers/notes_helpers.rb, lib/api/entities/note.rb,
  lib/api/api.rb, lib/api/commits.rb, app/services/files/multi_service.rb and
  lib/gitlab/auth/auth_finders.rb (read in the code index; cited as [src]);
- python-gitlab 8.6 (the installed client) for URLs and body encodings.

Error texts: the docs give none (gitlab-mr-examples.json `errors_note`). Every error body here is either
copied from GitLab source or an observed response [src]/[obs], or marked ASSUMPTION.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import http
import io
import itertools
import json
import os
import re
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import gitlab
import pytest

JsonDict = dict[str, Any]

CONTEXT_LINES = 3  # GitLab shows 3 context lines around each change, like `git diff` (C1)
DEFAULT_PER_PAGE = 20  # GitLab's pagination default; the maximum is 100 (testing.md §4)
MAX_PER_PAGE = 100
MAX_NOTE_LENGTH = 1_000_000  # notes.md: "Limited to 1,000,000 characters."
SUGGESTION_MAX_OFFSET = 100  # suggestions.md: at most 100 lines above and 100 below (C5)

# [src] bad_request!("Note #{note.errors.messages}") in lib/api/discussions.rb; this exact text is what
# callers observe for a position that does not resolve to a diff line (C3: gitlab4j-api#442, gitbeaker#3433).
LINE_CODE_ERROR = '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}'
# ASSUMPTION: GitLab does not document (and may not even validate) line_range; the fake rejects ranges
# that are inconsistent with the diff so the adapter cannot send them. Text modelled on LINE_CODE_ERROR.
LINE_RANGE_ERROR = '400 Bad request - Note {:line_range=>["is invalid"]}'
# [src] app/models/note.rb validates presence and length of `note`.
BLANK_NOTE_ERROR = '400 Bad request - Note {:note=>["can\'t be blank"]}'
LONG_NOTE_ERROR = '400 Bad request - Note {:note=>["is too long (maximum is 1000000 characters)"]}'
# [src] rescue_from RateLimitedService::RateLimitedError in lib/api/api.rb; text from C10.
RATE_LIMIT_BODY: JsonDict = {"message": {"error": "This endpoint has been requested too many times. Try again later."}}
# [src-memory, unverified] APIGuard's answer when a read_api token is used for a write.
INSUFFICIENT_SCOPE_BODY: JsonDict = {
    "error": "insufficient_scope",
    "error_description": "The request requires higher privileges than provided by the access token.",
    "scope": "api",
}

_LINE_CODE_RE = re.compile(r"^([0-9a-f]{40})_(\d+)_(\d+)$")
_SUGGESTION_OPEN_RE = re.compile(r"^(`{3,})suggestion(?::-(\d+)\+(\d+))?\s*$")


# --------------------------------------------------------------------------------------------------------
# Diffs
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk. `old_line`/`new_line` follow Gitlab::Diff::Line: None on the side a line lacks.

    `old_pos`/`new_pos` are Gitlab::Diff::Parser's running counters, which line codes are built from
    (an added line carries the old counter too, e.g. `<sha>_0_1` for line 1 of a new file).
    """

    kind: str  # "+", "-" or " "
    old_line: int | None
    new_line: int | None
    old_pos: int
    new_pos: int
    hunk: int
    text: str


@dataclass(frozen=True)
class FileDiff:
    """One file of an MR version, shaped like GitLab's diff objects (`changes`, `versions/:id`, `diffs`)."""

    old_path: str
    new_path: str
    diff: str
    new_file: bool
    renamed_file: bool
    deleted_file: bool
    lines: tuple[DiffLine, ...]

    @property
    def a_mode(self) -> str:
        return "0" if self.new_file else "100644"

    @property
    def b_mode(self) -> str:
        return "0" if self.deleted_file else "100644"

    def to_json(self) -> JsonDict:
        return {
            "old_path": self.old_path,
            "new_path": self.new_path,
            "a_mode": self.a_mode,
            "b_mode": self.b_mode,
            "diff": self.diff,
            "new_file": self.new_file,
            "renamed_file": self.renamed_file,
            "deleted_file": self.deleted_file,
            "generated_file": False,
        }

    def line_at(self, old_line: int | None, new_line: int | None) -> DiffLine | None:
        """Gitlab::Diff::File#line_for_position: both numbers must match exactly (None included) (C3)."""
        return next((ln for ln in self.lines if (ln.old_line, ln.new_line) == (old_line, new_line)), None)

    def line_by_code(self, old_pos: int, new_pos: int) -> DiffLine | None:
        return next((ln for ln in self.lines if (ln.old_pos, ln.new_pos) == (old_pos, new_pos)), None)


def line_code(path: str, line: DiffLine) -> str:
    """`<sha1(path)>_<old>_<new>` (discussions.md "Line code"; Gitlab::Git.diff_line_code)."""
    return f"{hashlib.sha1(path.encode()).hexdigest()}_{line.old_pos}_{line.new_pos}"


def _hunk_range(start: int, stop: int) -> str:
    """Unified-diff range as git prints it: `-5`, `-0,0`, `-3,7`."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start},0" if length == 0 else f"{start + 1},{length}"


def _hunks(old_text: str, new_text: str, context: int = CONTEXT_LINES) -> tuple[str, tuple[DiffLine, ...]]:
    """Hunks only, no `---`/`+++` header: the real API omits it (obs: gitlab-org/gitlab#270960)."""
    a = old_text.splitlines(keepends=True)
    b = new_text.splitlines(keepends=True)
    out: list[str] = []
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        header = f"@@ -{_hunk_range(i1, i2)} +{_hunk_range(j1, j2)} @@"
        out.append(header + "\n")
        # Gitlab::Diff::Parser seeds its counters with the header numbers.
        old_pos = int(_hunk_range(i1, i2).split(",")[0])
        new_pos = int(_hunk_range(j1, j2).split(",")[0])
        for tag, a1, a2, b1, b2 in group:
            rows: list[tuple[str, str]] = []
            if tag == "equal":
                rows = [(" ", t) for t in a[a1:a2]]
            if tag in ("replace", "delete"):
                rows += [("-", t) for t in a[a1:a2]]
            if tag in ("replace", "insert"):
                rows += [("+", t) for t in b[b1:b2]]
            for kind, text in rows:
                out.append(kind + text if text.endswith("\n") else f"{kind}{text}\n\\ No newline at end of file\n")
                old_line = old_pos if kind != "+" else None
                new_line = new_pos if kind != "-" else None
                lines.append(DiffLine(kind, old_line, new_line, old_pos, new_pos, index, text.rstrip("\n")))
                old_pos += kind != "+"
                new_pos += kind != "-"
    return "".join(out), tuple(lines)


_HUNK_HEADER_RE = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
Hunks = Callable[[str, str], tuple[str, tuple[DiffLine, ...]]]


def git_hunks(old_text: str, new_text: str) -> tuple[str, tuple[DiffLine, ...]]:
    """`_hunks` as git computes them (GitLab's diffs come from git): where difflib and git's diff algorithm pair
    lines differently, a line git shows as added is added here too, as on a real merge request."""
    with tempfile.TemporaryDirectory(prefix="fake-gitlab-diff-") as tmp:
        old, new = Path(tmp, "old"), Path(tmp, "new")
        old.write_bytes(old_text.encode())
        new.write_bytes(new_text.encode())
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "GIT_CONFIG_NOSYSTEM": "1"}
        cmd = ["git", "diff", "--no-index", "--no-color", "--no-ext-diff", f"-U{CONTEXT_LINES}", "old", "new"]
        output = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, check=False).stdout.decode()
    rows = output.splitlines(keepends=True)
    start = next((i for i, row in enumerate(rows) if row.startswith("@@")), len(rows))
    lines: list[DiffLine] = []
    index, old_pos, new_pos = -1, 0, 0
    for row in rows[start:]:
        header = _HUNK_HEADER_RE.match(row)
        if header:
            index, old_pos, new_pos = index + 1, int(header.group(1)), int(header.group(2))
        elif row[:1] in ("+", "-", " "):
            kind = row[0]
            old_line = old_pos if kind != "+" else None
            new_line = new_pos if kind != "-" else None
            lines.append(DiffLine(kind, old_line, new_line, old_pos, new_pos, index, row[1:].rstrip("\n")))
            old_pos += kind != "+"
            new_pos += kind != "-"
    return "".join(re.sub(r"^(@@ [^@]* @@).*", r"\1", row) for row in rows[start:]), tuple(lines)


def _detect_renames(
    removed: list[str], added: list[str], base: Mapping[str, str], head: Mapping[str, str]
) -> dict[str, str]:
    """Pair removed and added paths whose contents are >= 50% similar, like git's default rename detection."""
    pairs: dict[str, str] = {}
    for old in removed:
        best, best_ratio = None, 0.5
        for new in added:
            if new in pairs.values() or not base[old] or not head[new]:
                continue
            ratio = difflib.SequenceMatcher(
                None, base[old].splitlines(), head[new].splitlines(), autojunk=False
            ).ratio()
            if ratio >= best_ratio:
                best, best_ratio = new, ratio
        if best is not None:
            pairs[old] = best
    return pairs


def compute_diffs(
    base: Mapping[str, str],
    head: Mapping[str, str],
    renames: Mapping[str, str] | None = None,
    hunks: Hunks = _hunks,
) -> tuple[FileDiff, ...]:
    """The MR diff base...head, per file, sorted by path as git prints it (hunks by difflib, else `hunks`)."""
    removed = sorted(set(base) - set(head))
    added = sorted(set(head) - set(base))
    pairs = dict(renames) if renames is not None else _detect_renames(removed, added, base, head)
    result: list[FileDiff] = []
    for path in sorted(set(base) & set(head)):
        if base[path] != head[path]:
            text, lines = hunks(base[path], head[path])
            result.append(FileDiff(path, path, text, False, False, False, lines))
    for old, new in pairs.items():
        text, lines = hunks(base[old], head[new])
        result.append(FileDiff(old, new, text, False, True, False, lines))
    for path in added:
        if path not in pairs.values():
            text, lines = hunks("", head[path])
            result.append(FileDiff(path, path, text, True, False, False, lines))
    for path in removed:
        if path not in pairs:
            text, lines = hunks(base[path], "")
            result.append(FileDiff(path, path, text, False, False, True, lines))
    return tuple(sorted(result, key=lambda d: d.new_path))


# --------------------------------------------------------------------------------------------------------
# Model (mutable server state, guarded by FakeGitLab._lock)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    bot: bool = False


@dataclass(frozen=True)
class Commit:
    sha: str
    parent_ids: tuple[str, ...]
    files: Mapping[str, str]
    message: str
    author_name: str
    author_email: str
    created_at: str


@dataclass
class Project:
    id: int
    path_with_namespace: str
    default_branch: str = "main"
    forked_from: int | None = None
    writable: bool = True  # whether the API token's user may push here (fork MRs: see allow_collaboration)
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)


@dataclass(frozen=True)
class Version:
    """One MR diff version (GET .../versions): the three SHAs every position must carry (C1)."""

    id: int
    head_sha: str
    base_sha: str
    start_sha: str
    created_at: str
    diffs: tuple[FileDiff, ...]
    commit_shas: tuple[str, ...]

    @property
    def diff_refs(self) -> dict[str, str]:
        return {"base_sha": self.base_sha, "head_sha": self.head_sha, "start_sha": self.start_sha}

    def file(self, old_path: str, new_path: str) -> FileDiff | None:
        return next((d for d in self.diffs if (d.old_path, d.new_path) == (old_path, new_path)), None)


@dataclass
class Note:
    id: int
    body: str
    author: User
    created_at: str
    updated_at: str
    discussion_id: str
    type: str | None  # None (plain MR note), "DiscussionNote" or "DiffNote"
    system: bool = False
    position: JsonDict | None = None
    commit_id: str | None = None
    resolved_by: User | None = None
    resolved_at: str | None = None

    @property
    def resolvable(self) -> bool:
        # [src] Note::RESOLVABLE_TYPES = DiscussionNote, DiffNote; system notes never resolve.
        return self.type in ("DiscussionNote", "DiffNote") and not self.system

    @property
    def resolved(self) -> bool:
        return self.resolved_by is not None


@dataclass
class Discussion:
    id: str
    individual_note: bool
    notes: list[Note]

    @property
    def resolvable(self) -> bool:
        return any(n.resolvable for n in self.notes)


@dataclass
class MergeRequest:
    """An MR of the fake's main project. Tests read `iid`, `diff_refs`, `head_sha` etc. from it."""

    id: int
    iid: int
    project: Project
    source_project: Project
    source_branch: str
    target_branch: str
    title: str
    description: str
    author: User
    created_at: str
    base_sha: str
    allow_collaboration: bool = False
    state: str = "opened"
    versions: list[Version] = field(default_factory=list)
    discussions: list[Discussion] = field(default_factory=list)
    renames: Mapping[str, str] | None = None

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def diff_refs(self) -> dict[str, str]:
        return self.latest.diff_refs

    @property
    def head_sha(self) -> str:
        return self.latest.head_sha

    @property
    def start_sha(self) -> str:
        return self.latest.start_sha

    def notes(self) -> list[Note]:
        return [n for d in self.discussions for n in d.notes]


# --------------------------------------------------------------------------------------------------------
# Requests, responses, errors
# --------------------------------------------------------------------------------------------------------


class RequestRecord(NamedTuple):
    """(method, raw path without query, status): compare with plain tuples in tests."""

    method: str
    path: str
    status: int


@dataclass(frozen=True)
class Exchange:
    """A fuller record of one request, for asserting encodings (JSON vs form) and auth kinds."""

    method: str
    path: str
    query: Mapping[str, str]
    body_format: str  # "json", "form", "none" or "other"
    params: Mapping[str, Any]  # query and body merged, as Grape sees them
    auth: str  # "private", "job", "bearer" or "none"
    status: int


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def json(status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
        return Response(status, json.dumps(payload).encode(), (("Content-Type", "application/json"), *headers))


class ApiError(Exception):
    """An error answer; `payload` is the JSON body (GitLab uses `message` or, for Grape, `error`)."""

    def __init__(self, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(f"{status} {payload}")
        self.status = status
        self.payload = payload
        self.headers = headers


def _message(status: int, text: str) -> ApiError:
    return ApiError(status, {"message": text})


def _not_found(what: str) -> ApiError:
    return _message(404, f"404 {what} Not Found")  # [src] not_found!(resource) helper


def _grape_error(text: str) -> ApiError:
    return ApiError(400, {"error": text})  # [src] rescue_from Grape::Exceptions::Base -> error!(message)


@dataclass(frozen=True)
class Fault:
    method: str
    path_re: re.Pattern[str]
    status: int
    headers: tuple[tuple[str, str], ...]
    body: Any


@dataclass(frozen=True)
class _Request:
    method: str
    path: str  # raw (still percent-encoded), without /api/v4 and query
    params: JsonDict
    user: User
    url: str  # full request URL without query, for pagination links
    query: Mapping[str, str]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[_Request, dict[str, str]], Response]
    job_token: bool  # C9: the job token may call only these (GET MR, GET notes)


# --------------------------------------------------------------------------------------------------------
# Body parsing
# --------------------------------------------------------------------------------------------------------


def _set_nested(target: JsonDict, key: str, value: str) -> None:
    """Rack-style `position[line_range][start][line_code]=...` and `actions[][file_path]=...` keys."""
    head, _, rest = key.partition("[")
    parts = [head] + (rest[:-1].split("][") if rest else [])
    node: Any = target
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt = None if last else parts[i + 1]
        if part == "":  # array segment
            assert isinstance(node, list)
            if last:
                node.append(value)
                return
            if not node or not isinstance(node[-1], dict) or (nxt in node[-1] and i + 2 == len(parts)):
                node.append({})
            node = node[-1]
            continue
        if last:
            node[part] = value
            return
        node = node.setdefault(part, [] if nxt == "" else {})


def _parse_body(content_type: str, raw: bytes) -> tuple[str, JsonDict]:
    if not raw:
        return "none", {}
    if content_type.startswith("application/json"):
        try:
            parsed = json.loads(raw)
        except ValueError as exc:
            raise _message(400, "400 Bad request - JSON body could not be parsed") from exc  # ASSUMPTION
        return "json", parsed if isinstance(parsed, dict) else {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        result: JsonDict = {}
        for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
            _set_nested(result, key, value)
        return "form", result
    return "other", {}


def _auth_kind(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """Which credential a request carries: "bearer", "private", "job" or "none"."""
    if headers.get("authorization", "").lower().startswith("bearer "):
        return "bearer"
    if headers.get("private-token") or query.get("private_token"):
        return "private"
    return "job" if headers.get("job-token") or query.get("job_token") else "none"


def _int_param(params: Mapping[str, Any], key: str, label: str) -> int | None:
    """Grape `type: Integer`: ints and numeric strings; blank means absent; anything else is invalid."""
    value = params.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _grape_error(f"{label} is invalid")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise _grape_error(f"{label} is invalid")


def _bool_param(params: Mapping[str, Any], key: str) -> bool | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "1", "t", "yes"):
        return True
    if text in ("false", "0", "f", "no"):
        return False
    raise _grape_error(f"{key} is invalid")


def _str_param(params: Mapping[str, Any], key: str) -> str:
    value = params.get(key)
    if value is None:
        raise _grape_error(f"{key} is missing")
    if not isinstance(value, str):
        raise _grape_error(f"{key} is invalid")
    return value


# --------------------------------------------------------------------------------------------------------
# Suggestions (test-side helper; the REST entity does not expose them)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    above: int
    below: int
    lines: tuple[str, ...]


def parse_suggestions(body: str) -> list[Suggestion]:
    """```` ```suggestion:-N+M ```` blocks of a note body (C5); plain ```` ```suggestion ```` is -0+0."""
    result: list[Suggestion] = []
    rows = body.split("\n")
    i = 0
    while i < len(rows):
        match = _SUGGESTION_OPEN_RE.match(rows[i].strip())
        if not match:
            i += 1
            continue
        fence = match.group(1)
        end = next((k for k in range(i + 1, len(rows)) if rows[k].strip() == fence), None)
        if end is None:
            break
        result.append(Suggestion(int(match.group(2) or 0), int(match.group(3) or 0), tuple(rows[i + 1 : end])))
        i = end + 1
    return result


# --------------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeGitLab


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    wbufsize = 1 << 16  # headers and body leave in one write (flushed by handle_one_request): no Nagle stall
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.fake._handle(self.command, self.path, headers, raw)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Keep pytest output clean: the fake records requests itself."""


class FakeGitLab:
    """In-memory GitLab with one main project, served on a free port of 127.0.0.1.

    Use as a context manager (`with FakeGitLab() as fake:`) or the `fake_gitlab` fixture; `fake.url` is the
    base URL to hand to `gitlab.Gitlab(url=...)`.
    """

    hunks: Hunks = staticmethod(_hunks)
    """How a version's diff is cut into hunks: difflib; `git_hunks` where git is at hand (GitLab diffs with git)."""

    def __init__(
        self,
        *,
        project_id: int = 42,
        path_with_namespace: str = "acme/deploy",
        default_branch: str = "main",
        tokens: Mapping[str, str] | None = None,
        job_token: str = "ci-job-token",
        job_token_denied_status: int = 401,
        accept_old_versions: bool = False,
        system_notes: bool = True,
        bot_username: str = "jobguard-bot",
    ) -> None:
        """`tokens` maps token -> scope ("api" or "read_api"); all belong to the bot user.

        `job_token_denied_status`: 401 is what GitLab answers when a job token calls a route that does not
        allow job tokens [src: auth_finders.rb `find_user_from_job_token` returns nil unless the route sets
        `job_token_allowed`, then `authenticate!` fails; obs: Nikita-Filonov/ai-review#12
        `{"message":"401 Unauthorized"}`]; set 403 to model a proxy or a GitLab that forbids instead.
        `accept_old_versions`: real GitLab resolves a position against the diff between the SHAs it carries,
        so positions on an older MR version are accepted (and shown outdated). The default follows
        testing.md §4 and demands the current diff_refs.
        """
        self.tokens: dict[str, str] = dict(tokens) if tokens is not None else {"test-token": "api"}
        self.user_tokens: dict[str, User] = {}  # another user's personal access tokens (`add_user_token`)
        self.job_token = job_token
        self.job_token_denied_status = job_token_denied_status
        self.accept_old_versions = accept_old_versions
        self.system_notes = system_notes
        self.requests: list[RequestRecord] = []
        self.exchanges: list[Exchange] = []
        self.rejections: list[str] = []  # why each 400 on a position was given (the wire text is terse)
        self.reads = 0
        self.writes = 0
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._clock = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
        self._ids = itertools.count(1001)
        self._sha_seq = itertools.count(1)
        self._users: dict[str, User] = {}
        self.bot = self._user(bot_username, "jobguard bot", bot=True)
        self.project = Project(project_id, path_with_namespace, default_branch)
        self.projects: dict[int, Project] = {project_id: self.project}
        self.merge_requests: dict[int, MergeRequest] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self._routes = self._build_routes()
        self._commit(self.project, default_branch, {"README.md": "# deploy\n"}, "Initial commit", None)

    # ---- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> FakeGitLab:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitLab:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v4"

    def client(self, **kwargs: Any) -> gitlab.Gitlab:
        """A real `gitlab.Gitlab` for this fake; default private token "test-token", retries on."""
        options: dict[str, Any] = {"private_token": "test-token", "retry_transient_errors": True}
        if "job_token" in kwargs or "oauth_token" in kwargs:
            options.pop("private_token")
        options.update(kwargs)
        return gitlab.Gitlab(url=self.url, **options)

    # ---- test helpers: seeding -------------------------------------------------------------------------

    def add_merge_request(
        self,
        base_files: Mapping[str, str],
        head_files: Mapping[str, str],
        *,
        iid: int | None = None,
        source_branch: str = "feature",
        target_branch: str | None = None,
        title: str = "Update jobs",
        description: str = "",
        author: str = "dev",
        fork: bool = False,
        allow_collaboration: bool = False,
        renames: Mapping[str, str] | None = None,
        target_moved_files: Mapping[str, str] | None = None,
    ) -> MergeRequest:
        """Create base and head commits and an MR with its first version.

        `fork=True` puts the source branch in a fork project the bot cannot push to unless
        `allow_collaboration`. `target_moved_files` adds a target-branch commit after the branch point, so
        `start_sha != base_sha` (C1). `renames` {old: new} overrides git-like rename detection.
        """
        with self._lock:
            target = target_branch or self.project.default_branch
            base_sha = self._commit(self.project, target, base_files, "Base for MR", self.project.branches.get(target))
            source = self._fork() if fork else self.project
            source.commits[base_sha] = self.project.commits[base_sha]
            head_sha = self._commit(source, source_branch, head_files, title, base_sha)
            if target_moved_files is not None:
                self._commit(self.project, target, target_moved_files, "Target moved on", base_sha)
            number = iid if iid is not None else max(self.merge_requests, default=0) + 1
            mr = MergeRequest(
                id=500 + number,
                iid=number,
                project=self.project,
                source_project=source,
                source_branch=source_branch,
                target_branch=target,
                title=title,
                description=description,
                author=self._user(author),
                created_at=self._now(),
                base_sha=base_sha,
                allow_collaboration=allow_collaboration,
                renames=renames,
            )
            self.merge_requests[number] = mr
            self._new_version(mr, head_sha)
            return mr

    def push(
        self,
        mr: MergeRequest,
        new_head_files: Mapping[str, str],
        *,
        message: str = "Update",
        renames: Mapping[str, str] | None = None,
    ) -> str:
        """Push a commit with these files to the MR's source branch; returns the new head SHA."""
        with self._lock:
            mr.renames = renames
            sha = self._commit(mr.source_project, mr.source_branch, new_head_files, message, mr.head_sha)
            self._on_branch_update(mr.source_project, mr.source_branch, sha)
            return sha

    def add_discussion(
        self,
        mr: MergeRequest,
        body: str,
        *,
        author: str = "reviewer",
        position: Mapping[str, Any] | None = None,
    ) -> Discussion:
        """Seed a thread written by someone else (no HTTP, not logged). Positions are validated."""
        with self._lock:
            user = self._user(author)
            pos = dict(position) if position is not None else None
            try:
                return self._create_discussion(mr, user, body, pos, None)
            except ApiError as exc:
                raise ValueError(f"invalid seed discussion: {exc.payload}") from exc

    def add_user_token(self, token: str, username: str) -> str:
        """Accept `token` as a personal access token (scope api) of `username`, so a test can write through the real
        API as another user (notes carrying jobguard's markers). Returns the token."""
        with self._lock:
            self.user_tokens[token] = self._user(username)
        return token

    def add_note(self, mr: MergeRequest, body: str, *, author: str = "reviewer", system: bool = False) -> Note:
        """Seed a plain MR note (individual discussion), optionally a system note."""
        with self._lock:
            return self._individual_note(mr, self._user(author), body, system=system)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests matching (method or "*", regex searched in the raw path incl.
        /api/v4) with `status`. Default bodies: GitLab's rate-limit body for 429, `{"message": "<status>
        <reason>"}` otherwise. Faults are checked before authentication, like a proxy or rate limiter."""
        fault = Fault(method.upper(), re.compile(path_regex), status, tuple((headers or {}).items()), body)
        with self._lock:
            self._faults.extend([fault] * times)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.exchanges.clear()
            self.rejections.clear()
            self.reads = self.writes = 0

    def file_at(self, ref: str, path: str, project: Project | None = None) -> str | None:
        """Content of `path` at a branch name or SHA (None if absent)."""
        with self._lock:
            commit = self._resolve_ref(project or self.project, ref)
            return None if commit is None else commit.files.get(path)

    def note(self, note_id: int) -> Note:
        with self._lock:
            for mr in self.merge_requests.values():
                for n in mr.notes():
                    if n.id == note_id:
                        return n
        raise KeyError(note_id)

    def apply_suggestions(self, note_id: int) -> str:
        """The head file after applying the note's suggestion blocks at its anchor, as GitLab would (C5).

        Raises ValueError where GitLab refuses (suggestion.rb `inapplicable_reason`): no text position,
        removed-line anchor (no new_line), offsets over 100, ranges outside the file, overlapping blocks, and an
        outdated suggestion (its lines changed on the source branch since). Only the anchor is a diff line: the
        other lines are read from the blob (suggestible.rb `new_blob_lines_between`, review-apis.md E Q1), so a
        range may leave the hunk.
        """
        with self._lock:
            n = self.note(note_id)
            pos = n.position or {}
            if n.type != "DiffNote" or pos.get("position_type") != "text" or pos.get("new_line") is None:
                raise ValueError("suggestions need a DiffNote on a head-side line")
            text = self.file_at(pos["head_sha"], pos["new_path"])
            if text is None:
                raise ValueError("file missing at head")
            rows = text.splitlines(keepends=True)
            anchor = int(pos["new_line"])
            spans: list[tuple[int, int, Suggestion]] = []
            for sug in parse_suggestions(n.body):
                if max(sug.above, sug.below) > SUGGESTION_MAX_OFFSET:
                    raise ValueError("Cannot apply as this suggestion spans more than 100 lines")
                start, end = anchor - sug.above, anchor + sug.below
                if start < 1 or end > len(rows):
                    raise ValueError("suggestion range outside the file")
                if self._changed_since(n, pos, start, end):
                    raise ValueError("Can't apply this suggestion: it is outdated (its lines changed)")
                spans.append((start, end, sug))
            spans.sort(key=lambda s: s[0])
            for (_, end1, _), (start2, _, _) in itertools.pairwise(spans):
                if start2 <= end1:
                    raise ValueError("overlapping suggestions")
            for start, end, sug in reversed(spans):
                rows[start - 1 : end] = [line + "\n" for line in sug.lines]
            return "".join(rows)

    def _changed_since(self, note: Note, pos: Mapping[str, Any], start: int, end: int) -> bool:
        """Whether lines start..end of the note's file differ between its head and the MR's current head."""
        mr = next(m for m in self.merge_requests.values() if any(x.id == note.id for x in m.notes()))
        then = (self.file_at(pos["head_sha"], pos["new_path"]) or "").splitlines(keepends=True)
        now = (self.file_at(mr.head_sha, pos["new_path"], mr.source_project) or "").splitlines(keepends=True)
        return then[start - 1 : end] != now[start - 1 : end]

    # ---- internals: model ------------------------------------------------------------------------------

    def _now(self) -> str:
        self._clock += timedelta(seconds=1)
        return self._clock.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _user(self, username: str, name: str | None = None, *, bot: bool = False) -> User:
        if username not in self._users:
            self._users[username] = User(len(self._users) + 1, username, name or username.title(), bot)
        return self._users[username]

    def _fork(self) -> Project:
        fork_id = self.project.id + 1000
        if fork_id not in self.projects:
            name = self.project.path_with_namespace.split("/")[-1]
            self.projects[fork_id] = Project(
                fork_id, f"contrib/{name}", self.project.default_branch, self.project.id, writable=False
            )
        return self.projects[fork_id]

    def _commit(self, project: Project, branch: str, files: Mapping[str, str], message: str, parent: str | None) -> str:
        seq = next(self._sha_seq)
        sha = hashlib.sha1(f"{project.id}:{seq}:{parent}:{message}:{sorted(files.items())}".encode()).hexdigest()
        user = self.bot
        project.commits[sha] = Commit(
            sha,
            (parent,) if parent else (),
            dict(files),
            message,
            user.name,
            f"{user.username}@example.com",
            self._now(),
        )
        project.branches[branch] = sha
        return sha

    def _resolve_ref(self, project: Project, ref: str) -> Commit | None:
        sha = project.branches.get(ref, ref)
        return project.commits.get(sha)

    def _new_version(self, mr: MergeRequest, head_sha: str) -> None:
        base = mr.project.commits[mr.base_sha]
        head = mr.source_project.commits[head_sha]
        mr.project.commits[head_sha] = head  # GitLab keeps refs/merge-requests/:iid/head in the target
        chain: list[str] = []
        sha: str | None = head_sha
        while sha and sha != mr.base_sha:
            chain.append(sha)
            parents = mr.source_project.commits[sha].parent_ids
            sha = parents[0] if parents else None
        version = Version(
            id=next(self._ids),
            head_sha=head_sha,
            base_sha=mr.base_sha,
            start_sha=mr.project.branches[mr.target_branch],
            created_at=self._now(),
            diffs=compute_diffs(base.files, head.files, mr.renames, self.hunks),
            commit_shas=tuple(chain),
        )
        previous = mr.versions[-1] if mr.versions else None
        mr.versions.append(version)
        if previous is not None and self.system_notes:
            count = len(chain) - len(previous.commit_shas)
            body = f"added {count} commit{'s' if count != 1 else ''}\n\n<ul><li>{head_sha[:8]}</li></ul>"
            self._individual_note(mr, mr.author, body, system=True)

    def _on_branch_update(self, project: Project, branch: str, sha: str) -> None:
        for mr in self.merge_requests.values():
            if mr.state == "opened" and mr.source_project is project and mr.source_branch == branch:
                self._new_version(mr, sha)

    def _new_discussion_id(self) -> str:
        return hashlib.sha1(f"discussion-{next(self._ids)}".encode()).hexdigest()

    def _individual_note(self, mr: MergeRequest, user: User, body: str, *, system: bool = False) -> Note:
        now = self._now()
        did = self._new_discussion_id()
        note = Note(next(self._ids), body, user, now, now, did, None, system=system)
        mr.discussions.append(Discussion(did, True, [note]))
        return note

    def _create_discussion(
        self, mr: MergeRequest, user: User, body: str, position: JsonDict | None, commit_id: str | None
    ) -> Discussion:
        self._check_note_body(body)
        stored = self._validate_position(mr, position) if position is not None else None
        now = self._now()
        did = self._new_discussion_id()
        kind = "DiffNote" if stored is not None else "DiscussionNote"
        note = Note(next(self._ids), body, user, now, now, did, kind, position=stored, commit_id=commit_id)
        discussion = Discussion(did, False, [note])
        mr.discussions.append(discussion)
        return discussion

    @staticmethod
    def _check_note_body(body: str) -> None:
        if not body.strip():
            raise _message(400, BLANK_NOTE_ERROR)
        if len(body) > MAX_NOTE_LENGTH:
            raise _message(400, LONG_NOTE_ERROR)

    def _reject(self, reason: str, text: str = LINE_CODE_ERROR) -> ApiError:
        self.rejections.append(reason)
        return _message(400, text)

    def _validate_position(self, mr: MergeRequest, raw: Any) -> JsonDict:
        """Grape param checks, then DiffNote's line_code resolution (C2, C3, C4; discussions.rb [src])."""
        if not isinstance(raw, dict):
            raise _grape_error("position is invalid")
        missing = [k for k in ("base_sha", "start_sha", "head_sha", "position_type") if raw.get(k) in (None, "")]
        if missing:
            raise _grape_error(", ".join(f"position[{k}] is missing" for k in missing))
        ptype = raw["position_type"]
        if ptype not in ("text", "image", "file"):  # "file" since GitLab 16.4 (C2)
            raise _grape_error("position[position_type] does not have a valid value")
        old_line = _int_param(raw, "old_line", "position[old_line]")
        new_line = _int_param(raw, "new_line", "position[new_line]")
        line_range = raw.get("line_range")
        if line_range is not None and not isinstance(line_range, dict):
            raise _grape_error("position[line_range] is invalid")
        refs = {k: raw[k] for k in ("base_sha", "start_sha", "head_sha")}
        version = next((v for v in reversed(mr.versions) if v.diff_refs == refs), None)
        if version is None or (version is not mr.latest and not self.accept_old_versions):
            raise self._reject(f"SHAs {refs} are not the MR's current diff_refs {mr.diff_refs}")
        if ptype == "image":
            raise self._reject("image positions are not modelled by the fake")
        old_path, new_path = raw.get("old_path"), raw.get("new_path")
        if not old_path or not new_path:
            raise self._reject("position_type text/file needs both old_path and new_path")
        diff = version.file(old_path, new_path)
        if diff is None:
            raise self._reject(f"no file ({old_path} -> {new_path}) in the diff")
        stored: JsonDict = {**refs, "old_path": old_path, "new_path": new_path, "position_type": ptype}
        if ptype == "file":
            return stored
        line = diff.line_at(old_line, new_line)
        if line is None:
            raise self._reject(self._line_miss_reason(diff, old_line, new_line))
        if line_range is not None:
            self._validate_line_range(diff, line, line_range)
        stored.update(old_line=old_line, new_line=new_line, line_range=line_range)
        return stored

    @staticmethod
    def _line_miss_reason(diff: FileDiff, old_line: int | None, new_line: int | None) -> str:
        by_new = next((ln for ln in diff.lines if new_line is not None and ln.new_line == new_line), None)
        by_old = next((ln for ln in diff.lines if old_line is not None and ln.old_line == old_line), None)
        hint = by_new or by_old
        if hint is None:
            return f"line old={old_line} new={new_line} is not inside a hunk of {diff.new_path}"
        want = {"+": "new_line only", "-": "old_line only", " ": "both old_line and new_line"}[hint.kind]
        return (
            f"line old={old_line} new={new_line} of {diff.new_path} is a {hint.kind!r} line "
            f"(old={hint.old_line} new={hint.new_line}): send {want}"
        )

    def _validate_line_range(self, diff: FileDiff, end_line: DiffLine, line_range: JsonDict) -> None:
        """C4: start/end line codes `<sha1(path)>_<old>_<new>`, type new for added lines, else old."""
        found: list[DiffLine] = []
        for side in ("start", "end"):
            part = line_range.get(side)
            if not isinstance(part, dict):
                raise self._reject(f"line_range.{side} missing", LINE_RANGE_ERROR)
            match = _LINE_CODE_RE.match(str(part.get("line_code", "")))
            if match is None:
                raise self._reject(f"line_range.{side}.line_code malformed", LINE_RANGE_ERROR)
            if match.group(1) != hashlib.sha1(diff.new_path.encode()).hexdigest():
                raise self._reject(f"line_range.{side}.line_code is not sha1({diff.new_path})", LINE_RANGE_ERROR)
            line = diff.line_by_code(int(match.group(2)), int(match.group(3)))
            if line is None:
                raise self._reject(f"line_range.{side} is not a line of the diff", LINE_RANGE_ERROR)
            expected = "new" if line.kind == "+" else "old"
            if part.get("type") != expected:
                raise self._reject(f"line_range.{side}.type must be {expected!r}", LINE_RANGE_ERROR)
            found.append(line)
        start, end = found
        if end != end_line:
            raise self._reject("line_range.end must be the position's own line", LINE_RANGE_ERROR)
        if diff.lines.index(start) > diff.lines.index(end):
            raise self._reject("line_range.start comes after line_range.end", LINE_RANGE_ERROR)

    # ---- internals: HTTP -------------------------------------------------------------------------------

    def _handle(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> Response:
        with self._lock:
            split = urlsplit(target)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            if method in ("GET", "HEAD"):
                self.reads += 1
            else:
                self.writes += 1
            body_format, params, auth = "none", dict(query), _auth_kind(headers, query)
            try:
                response = self._take_fault(method, split.path)
                if response is None:
                    body_format, body = _parse_body(headers.get("content-type", ""), raw)
                    params.update(body)
                    response = self._route(method, split.path, headers, params, query)
            except ApiError as exc:
                response = Response.json(exc.status, exc.payload, exc.headers)
            self.requests.append(RequestRecord(method, split.path, response.status))
            self.exchanges.append(Exchange(method, split.path, query, body_format, params, auth, response.status))
            return response

    def _take_fault(self, method: str, path: str) -> Response | None:
        for i, fault in enumerate(self._faults):
            if fault.method in ("*", method) and fault.path_re.search(path):
                del self._faults[i]
                body = fault.body
                if body is None:
                    reason = http.HTTPStatus(fault.status).phrase
                    body = RATE_LIMIT_BODY if fault.status == 429 else {"message": f"{fault.status} {reason}"}
                if isinstance(body, (bytes, str)):
                    data = body.encode() if isinstance(body, str) else body
                    return Response(fault.status, data, (("Content-Type", "text/plain"), *fault.headers))
                return Response.json(fault.status, body, fault.headers)
        return None

    def _route(
        self, method: str, path: str, headers: Mapping[str, str], params: JsonDict, query: Mapping[str, str]
    ) -> Response:
        if not path.startswith("/api/v4/"):
            raise ApiError(404, {"error": "404 Not Found"})
        sub = path[len("/api/v4") :]
        for route in self._routes:
            match = route.pattern.fullmatch(sub)
            if match and route.method == method:
                user = self._authenticate(method, headers, query, route)
                groups = {k: unquote(v) for k, v in match.groupdict().items()}
                return route.handler(_Request(method, sub, params, user, f"{self.url}{path}", query), groups)
        if any(r.pattern.fullmatch(sub) for r in self._routes):
            raise ApiError(405, {"error": "405 Not Allowed"})
        raise ApiError(404, {"error": "404 Not Found"})  # [src] route :any, '*path' in lib/api/api.rb

    def _authenticate(self, method: str, headers: Mapping[str, str], query: Mapping[str, str], route: _Route) -> User:
        """PRIVATE-TOKEN / Authorization: Bearer / JOB-TOKEN headers, or private_token= / job_token= (C9)."""
        kind = _auth_kind(headers, query)
        unauthorized = _message(401, "401 Unauthorized")  # [src] unauthorized! helper
        if kind in ("private", "bearer"):
            bearer = headers.get("authorization", "")
            token = bearer[7:].strip() if kind == "bearer" else headers.get("private-token") or query["private_token"]
            if token in self.user_tokens:
                return self.user_tokens[token]  # another user's PAT with scope api: writes as that user
            scope = self.tokens.get(token)
            if scope is None:
                raise unauthorized
            if scope != "api" and method not in ("GET", "HEAD"):
                raise ApiError(403, INSUFFICIENT_SCOPE_BODY)
            return self.bot
        if kind == "job":
            if (headers.get("job-token") or query.get("job_token")) != self.job_token:
                raise unauthorized
            if not route.job_token:
                status = self.job_token_denied_status
                raise _message(status, f"{status} {http.HTTPStatus(status).phrase}")
            return self.bot
        raise unauthorized

    def _build_routes(self) -> list[_Route]:
        p = r"/projects/(?P<pid>[^/]+)"
        mr = p + r"/merge_requests/(?P<iid>\d+)"
        disc = mr + r"/discussions/(?P<did>[^/]+)"
        table: list[tuple[str, str, Callable[[_Request, dict[str, str]], Response], bool]] = [
            ("GET", r"/user", self._get_user, False),
            ("GET", p, self._get_project, False),
            ("GET", p + r"/merge_requests", self._list_mrs, True),
            ("GET", mr, self._get_mr, True),
            ("GET", mr + r"/versions", self._list_versions, False),
            ("GET", mr + r"/versions/(?P<vid>\d+)", self._get_version, False),
            ("GET", mr + r"/changes", self._get_changes, False),
            ("GET", mr + r"/diffs", self._list_diffs, False),
            ("GET", mr + r"/discussions", self._list_discussions, False),
            ("POST", mr + r"/discussions", self._post_discussion, False),
            ("GET", disc, self._get_discussion, False),
            ("PUT", disc, self._put_discussion, False),
            ("GET", disc + r"/notes", self._list_discussion_notes, False),
            ("POST", disc + r"/notes", self._post_discussion_note, False),
            ("GET", disc + r"/notes/(?P<nid>\d+)", self._get_discussion_note, False),
            ("PUT", disc + r"/notes/(?P<nid>\d+)", self._put_discussion_note, False),
            ("DELETE", disc + r"/notes/(?P<nid>\d+)", self._delete_discussion_note, False),
            ("GET", mr + r"/notes", self._list_notes, True),
            ("POST", mr + r"/notes", self._post_note, False),
            ("GET", mr + r"/notes/(?P<nid>\d+)", self._get_note, True),
            ("PUT", mr + r"/notes/(?P<nid>\d+)", self._put_note, False),
            ("DELETE", mr + r"/notes/(?P<nid>\d+)", self._delete_note, False),
            ("GET", p + r"/repository/files/(?P<path>[^/]+)/raw", self._get_file_raw, False),
            ("GET", p + r"/repository/archive(?:\.tar\.gz)?", self._get_archive, False),
            ("GET", p + r"/repository/files/(?P<path>[^/]+)", self._get_file, False),
            ("POST", p + r"/repository/commits", self._post_commit, False),
            ("GET", p + r"/repository/commits/(?P<sha>[^/]+)", self._get_commit, False),
        ]
        return [_Route(m, re.compile(rx), h, job) for m, rx, h, job in table]

    # ---- lookups ---------------------------------------------------------------------------------------

    def _project(self, pid: str) -> Project:
        for project in self.projects.values():
            if pid in (str(project.id), project.path_with_namespace):
                return project
        raise _not_found("Project")

    def _mr(self, g: Mapping[str, str]) -> MergeRequest:
        project = self._project(g["pid"])
        mr = self.merge_requests.get(int(g["iid"]))
        if project is not self.project or mr is None:
            raise _not_found("Merge Request")
        return mr

    def _discussion(self, g: Mapping[str, str]) -> tuple[MergeRequest, Discussion]:
        mr = self._mr(g)
        found = next((d for d in mr.discussions if d.id == g["did"]), None)
        if found is None:
            raise _not_found("Discussion")
        return mr, found

    @staticmethod
    def _find_note(notes: list[Note], nid: str) -> Note:
        found = next((n for n in notes if n.id == int(nid)), None)
        if found is None:
            raise _message(404, "404 Not found")  # [src] RecordNotFound -> '404 Not found'
        return found

    # ---- JSON shapes (gitlab-mr-examples.json, Entities::*) ----------------------------------------------

    def _user_json(self, user: User | None) -> JsonDict | None:
        if user is None:
            return None
        digest = hashlib.md5(user.username.encode()).hexdigest()  # gravatar-style URL only
        return {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": "active",
            "locked": False,
            "avatar_url": f"https://www.gravatar.com/avatar/{digest}?s=80&d=identicon",
            "web_url": f"{self.url}/{user.username}",
        }

    def _note_json(self, mr: MergeRequest, note: Note) -> JsonDict:
        data: JsonDict = {
            "id": note.id,
            "type": note.type,
            "body": note.body,
            "attachment": None,
            "author": self._user_json(note.author),
            "created_at": note.created_at,
            "updated_at": note.updated_at,
            "system": note.system,
            "noteable_id": mr.id,
            "noteable_type": "MergeRequest",
            "project_id": mr.project.id,
        }
        if note.type == "DiffNote":
            data["commit_id"] = note.commit_id
            data["position"] = note.position
        data["resolvable"] = note.resolvable
        if note.resolvable:
            data["resolved"] = note.resolved
            data["resolved_by"] = self._user_json(note.resolved_by)
            data["resolved_at"] = note.resolved_at
        data.update(confidential=False, internal=False, noteable_iid=mr.iid, commands_changes={})
        return data

    def _discussion_json(self, mr: MergeRequest, d: Discussion) -> JsonDict:
        return {
            "id": d.id,
            "individual_note": d.individual_note,
            "notes": [self._note_json(mr, n) for n in d.notes],
        }

    def _mr_json(self, mr: MergeRequest) -> JsonDict:
        web = f"{self.url}/{mr.project.path_with_namespace}/-/merge_requests/{mr.iid}"
        unresolved = any(d.resolvable and not all(n.resolved for n in d.notes if n.resolvable) for d in mr.discussions)
        return {
            "id": mr.id,
            "iid": mr.iid,
            "project_id": mr.project.id,
            "title": mr.title,
            "description": mr.description,
            "state": mr.state,
            "created_at": mr.created_at,
            "updated_at": mr.latest.created_at,
            "merged_by": None,
            "merged_at": None,
            "closed_by": None,
            "closed_at": None,
            "target_branch": mr.target_branch,
            "source_branch": mr.source_branch,
            "user_notes_count": sum(1 for n in mr.notes() if not n.system),
            "upvotes": 0,
            "downvotes": 0,
            "author": self._user_json(mr.author),
            "assignees": [],
            "assignee": None,
            "reviewers": [],
            "source_project_id": mr.source_project.id,
            "target_project_id": mr.project.id,
            "labels": [],
            "draft": False,
            "work_in_progress": False,
            "milestone": None,
            "merge_when_pipeline_succeeds": False,
            "merge_status": "can_be_merged",
            "detailed_merge_status": "mergeable",
            "sha": mr.head_sha,
            "merge_commit_sha": None,
            "squash_commit_sha": None,
            "discussion_locked": None,
            "should_remove_source_branch": None,
            "force_remove_source_branch": False,
            "allow_collaboration": mr.allow_collaboration,
            "allow_maintainer_to_push": mr.allow_collaboration,
            "reference": f"!{mr.iid}",
            "references": {
                "short": f"!{mr.iid}",
                "relative": f"!{mr.iid}",
                "full": f"{mr.project.path_with_namespace}!{mr.iid}",
            },
            "web_url": web,
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
            "squash": False,
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_conflicts": False,
            "blocking_discussions_resolved": not unresolved,
            "subscribed": False,
            "changes_count": str(len(mr.latest.diffs)),  # a string, "1000+" when capped (examples notes)
            "latest_build_started_at": None,
            "latest_build_finished_at": None,
            "first_deployed_to_production_at": None,
            "pipeline": None,
            "head_pipeline": None,
            "diff_refs": mr.diff_refs,
            "merge_error": None,
            "user": {"can_merge": False},
        }

    @staticmethod
    def _version_json(mr: MergeRequest, v: Version, detail: bool) -> JsonDict:
        data: JsonDict = {
            "id": v.id,
            "head_commit_sha": v.head_sha,
            "base_commit_sha": v.base_sha,
            "start_commit_sha": v.start_sha,
            "created_at": v.created_at,
            "merge_request_id": mr.id,
            "state": "collected",
            "real_size": str(len(v.diffs)),
        }
        if detail:
            commits = [mr.project.commits[sha] for sha in v.commit_shas]
            data["commits"] = [
                {
                    "id": c.sha,
                    "short_id": c.sha[:8],
                    "title": c.message.split("\n")[0],
                    "author_name": c.author_name,
                    "author_email": c.author_email,
                    "created_at": c.created_at,
                    "message": c.message,
                }
                for c in commits
                if c is not None
            ]
            data["diffs"] = [d.to_json() for d in v.diffs]
        return data

    def _commit_json(self, project: Project, c: Commit) -> JsonDict:
        parent = project.commits.get(c.parent_ids[0]) if c.parent_ids else None
        added = deleted = 0
        for d in compute_diffs(parent.files if parent else {}, c.files):
            added += sum(1 for ln in d.lines if ln.kind == "+")
            deleted += sum(1 for ln in d.lines if ln.kind == "-")
        return {
            "id": c.sha,
            "short_id": c.sha[:8],
            "created_at": c.created_at,
            "parent_ids": list(c.parent_ids),
            "title": c.message.split("\n")[0],
            "message": c.message,
            "author_name": c.author_name,
            "author_email": c.author_email,
            "authored_date": c.created_at,
            "committer_name": c.author_name,
            "committer_email": c.author_email,
            "committed_date": c.created_at,
            "trailers": {},
            "extended_trailers": {},
            "web_url": f"{self.url}/{project.path_with_namespace}/-/commit/{c.sha}",
            "stats": {"additions": added, "deletions": deleted, "total": added + deleted},
            "status": None,
            "project_id": project.id,
            "last_pipeline": None,
        }

    # ---- pagination ------------------------------------------------------------------------------------

    @staticmethod
    def _paginate(req: _Request, items: list[Any]) -> tuple[list[Any], tuple[tuple[str, str], ...]]:
        """page/per_page with GitLab's headers: Link (prev/next/first/last), X-Page, X-Next-Page, X-Total."""
        try:
            per_page = int(req.query.get("per_page", DEFAULT_PER_PAGE))
        except ValueError:
            per_page = DEFAULT_PER_PAGE
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        try:
            page = max(1, int(req.query.get("page", 1)))
        except ValueError:
            page = 1
        total = len(items)
        pages = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(n: int) -> str:
            query = {**req.query, "page": str(n), "per_page": str(per_page)}
            return f"{req.url}?{urlencode(query)}"

        rels = []
        if page > 1:
            rels.append(f'<{link(page - 1)}>; rel="prev"')
        if page < pages:
            rels.append(f'<{link(page + 1)}>; rel="next"')
        rels += [f'<{link(1)}>; rel="first"', f'<{link(pages)}>; rel="last"']
        headers = (
            ("Link", ", ".join(rels)),
            ("X-Page", str(page)),
            ("X-Per-Page", str(per_page)),
            ("X-Next-Page", str(page + 1) if page < pages else ""),
            ("X-Prev-Page", str(page - 1) if page > 1 else ""),
            ("X-Total", str(total)),
            ("X-Total-Pages", str(pages)),
        )
        return chunk, headers

    def _list(self, req: _Request, items: list[Any]) -> Response:
        chunk, headers = self._paginate(req, items)
        return Response.json(200, chunk, headers)

    # ---- handlers --------------------------------------------------------------------------------------

    def _get_user(self, req: _Request, g: dict[str, str]) -> Response:
        data = self._user_json(req.user) or {}
        data.update(bot=req.user.bot, email=f"{req.user.username}@noreply.example.com")
        return Response.json(200, data)

    def _get_project(self, req: _Request, g: dict[str, str]) -> Response:
        pr = self._project(g["pid"])
        namespace, _, name = pr.path_with_namespace.rpartition("/")
        data: JsonDict = {
            "id": pr.id,
            "name": name,
            "path": name,
            "path_with_namespace": pr.path_with_namespace,
            "name_with_namespace": pr.path_with_namespace.replace("/", " / "),
            "namespace": {"full_path": namespace, "path": namespace, "name": namespace},
            "default_branch": pr.default_branch,
            "visibility": "private",
            "web_url": f"{self.url}/{pr.path_with_namespace}",
            "http_url_to_repo": f"{self.url}/{pr.path_with_namespace}.git",
        }
        if pr.forked_from is not None:
            parent = self.projects[pr.forked_from]
            data["forked_from_project"] = {"id": parent.id, "path_with_namespace": parent.path_with_namespace}
        return Response.json(200, data)

    def _list_mrs(self, req: _Request, g: dict[str, str]) -> Response:
        if self._project(g["pid"]) is not self.project:
            return self._list(req, [])
        state = req.params.get("state", "all")
        items = [
            self._mr_json(mr)
            for mr in sorted(self.merge_requests.values(), key=lambda m: -m.iid)
            if state in ("all", mr.state)
            and req.params.get("source_branch") in (None, mr.source_branch)
            and req.params.get("target_branch") in (None, mr.target_branch)
        ]
        return self._list(req, items)

    def _get_mr(self, req: _Request, g: dict[str, str]) -> Response:
        return Response.json(200, self._mr_json(self._mr(g)))

    def _list_versions(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        return self._list(req, [self._version_json(mr, v, False) for v in reversed(mr.versions)])  # newest first

    def _get_version(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        found = next((v for v in mr.versions if v.id == int(g["vid"])), None)
        if found is None:
            raise _message(404, "404 Not found")
        return Response.json(200, self._version_json(mr, found, True))

    def _get_changes(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        data = self._mr_json(mr)
        data.update(changes=[d.to_json() for d in mr.latest.diffs], overflow=False)
        return Response.json(200, data)

    def _list_diffs(self, req: _Request, g: dict[str, str]) -> Response:
        return self._list(req, [d.to_json() for d in self._mr(g).latest.diffs])  # GitLab >= 15.7 (C1)

    def _list_discussions(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        return self._list(req, [self._discussion_json(mr, d) for d in mr.discussions])

    def _post_discussion(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        body = _str_param(req.params, "body")
        commit_id = req.params.get("commit_id")
        discussion = self._create_discussion(mr, req.user, body, req.params.get("position"), commit_id)
        return Response.json(201, self._discussion_json(mr, discussion))

    def _get_discussion(self, req: _Request, g: dict[str, str]) -> Response:
        mr, d = self._discussion(g)
        return Response.json(200, self._discussion_json(mr, d))

    def _put_discussion(self, req: _Request, g: dict[str, str]) -> Response:
        """Resolve/unresolve: `resolved` from the query (docs' curl) or the JSON body (python-gitlab)."""
        mr, d = self._discussion(g)
        resolved = _bool_param(req.params, "resolved")
        if resolved is None:
            raise _grape_error("resolved is missing")
        if not d.resolvable:
            raise _message(403, "403 Forbidden")  # [src] forbidden! unless discussion.can_resolve?
        now = self._now()
        for n in d.notes:
            if n.resolvable:
                n.resolved_by, n.resolved_at = (req.user, now) if resolved else (None, None)
        return Response.json(200, self._discussion_json(mr, d))

    def _list_discussion_notes(self, req: _Request, g: dict[str, str]) -> Response:
        mr, d = self._discussion(g)
        return Response.json(200, [self._note_json(mr, n) for n in d.notes])

    def _post_discussion_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr, d = self._discussion(g)
        body = _str_param(req.params, "body")
        self._check_note_body(body)
        now = self._now()
        note = Note(next(self._ids), body, req.user, now, now, d.id, "DiscussionNote")
        if d.individual_note:  # replying converts an individual note into a thread [src]
            d.individual_note = False
            for n in d.notes:
                n.type = "DiscussionNote" if n.type is None and not n.system else n.type
        d.notes.append(note)
        return Response.json(201, self._note_json(mr, note))

    def _get_discussion_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr, d = self._discussion(g)
        return Response.json(200, self._note_json(mr, self._find_note(d.notes, g["nid"])))

    def _put_discussion_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr, d = self._discussion(g)
        note = self._find_note(d.notes, g["nid"])
        has_body, resolved = "body" in req.params, _bool_param(req.params, "resolved")
        if has_body == (resolved is not None):  # [src] exactly_one_of :body, :resolved
            raise _grape_error("body, resolved are missing, exactly one parameter must be provided")
        if resolved is not None:
            if not note.resolvable:
                raise _message(400, "400 Bad request - Note is not resolvable")
            note.resolved_by, note.resolved_at = (req.user, self._now()) if resolved else (None, None)
        else:
            self._edit(note, req)
        return Response.json(200, self._note_json(mr, note))

    def _delete_discussion_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr, d = self._discussion(g)
        note = self._find_note(d.notes, g["nid"])
        self._remove(mr, note, req.user)
        return Response(204)

    def _list_notes(self, req: _Request, g: dict[str, str]) -> Response:
        """All notes of the MR, newest first by default (notes.md: sort desc, order_by created_at)."""
        mr = self._mr(g)
        key = "updated_at" if req.params.get("order_by") == "updated_at" else "created_at"
        notes = sorted(mr.notes(), key=lambda n: (getattr(n, key), n.id), reverse=req.params.get("sort") != "asc")
        return self._list(req, [self._note_json(mr, n) for n in notes])

    def _post_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        body = _str_param(req.params, "body")
        self._check_note_body(body)
        return Response.json(201, self._note_json(mr, self._individual_note(mr, req.user, body)))

    def _get_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        return Response.json(200, self._note_json(mr, self._find_note(mr.notes(), g["nid"])))

    def _put_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        note = self._find_note(mr.notes(), g["nid"])
        self._edit(note, req)
        return Response.json(200, self._note_json(mr, note))

    def _delete_note(self, req: _Request, g: dict[str, str]) -> Response:
        mr = self._mr(g)
        self._remove(mr, self._find_note(mr.notes(), g["nid"]), req.user)
        return Response(204)

    def _edit(self, note: Note, req: _Request) -> None:
        if note.author != req.user or note.system:
            raise _message(403, "403 Forbidden")  # [src] authorize! :admin_note
        body = _str_param(req.params, "body")
        self._check_note_body(body)
        note.body, note.updated_at = body, self._now()

    def _remove(self, mr: MergeRequest, note: Note, user: User) -> None:
        if note.author != user or note.system:
            raise _message(403, "403 Forbidden")
        for d in list(mr.discussions):
            if note in d.notes:
                d.notes.remove(note)
                if not d.notes:
                    mr.discussions.remove(d)

    def _get_file_raw(self, req: _Request, g: dict[str, str]) -> Response:
        project = self._project(g["pid"])
        commit = self._resolve_ref(project, str(req.params.get("ref") or project.default_branch))
        if commit is None:
            raise _not_found("Commit")
        content = commit.files.get(g["path"])
        if content is None:
            raise _not_found("File")
        return Response(200, content.encode(), (("Content-Type", "text/plain; charset=utf-8"),))

    def _get_archive(self, req: _Request, g: dict[str, str]) -> Response:
        """repository/archive(.tar.gz)?sha=: every file of a commit under `<project>-<sha>-<sha>/` (docs:
        api/repositories.md "Get file archive"; `path` narrows it to a folder)."""
        project = self._project(g["pid"])
        commit = self._resolve_ref(project, str(req.params.get("sha") or project.default_branch))
        if commit is None:
            raise _not_found("Commit")
        folder = str(req.params.get("path") or "").strip("/")
        prefix = f"{project.path_with_namespace.rsplit('/', 1)[-1]}-{commit.sha}-{commit.sha}/"
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for path, text in sorted(commit.files.items()):
                if folder and not path.startswith(folder + "/"):
                    continue
                data = text.encode()
                info = tarfile.TarInfo(prefix + path)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        headers = (("Content-Type", "application/octet-stream"),)
        return Response(200, buffer.getvalue(), headers)

    def _get_file(self, req: _Request, g: dict[str, str]) -> Response:
        project = self._project(g["pid"])
        ref = _str_param(req.params, "ref")
        commit = self._resolve_ref(project, ref)
        content = commit.files.get(g["path"]) if commit else None
        if commit is None or content is None:
            raise _not_found("File")
        raw = content.encode()
        return Response.json(
            200,
            {
                "file_name": g["path"].rsplit("/", 1)[-1],
                "file_path": g["path"],
                "size": len(raw),
                "encoding": "base64",
                "content": base64.b64encode(raw).decode(),
                "content_sha256": hashlib.sha256(raw).hexdigest(),
                "ref": ref,
                "blob_id": hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest(),
                "commit_id": commit.sha,
                "last_commit_id": self._last_commit_for_path(project, commit.sha, g["path"]),
                "execute_filemode": False,
            },
        )

    def _get_commit(self, req: _Request, g: dict[str, str]) -> Response:
        project = self._project(g["pid"])
        commit = self._resolve_ref(project, g["sha"])
        if commit is None:
            raise _not_found("Commit")
        return Response.json(200, self._commit_json(project, commit))

    def _last_commit_for_path(self, project: Project, sha: str, path: str) -> str | None:
        """Gitlab::Git::Commit.last_for_path: newest ancestor whose change touched `path`."""
        commit = project.commits.get(sha)
        while commit is not None:
            parent = project.commits.get(commit.parent_ids[0]) if commit.parent_ids else None
            if (parent.files.get(path) if parent else None) != commit.files.get(path):
                return commit.sha
            commit = parent
        return None

    def _post_commit(self, req: _Request, g: dict[str, str]) -> Response:
        """POST /projects/:id/repository/commits with `actions` (create/update/delete/move/chmod)."""
        project = self._project(g["pid"])
        branch = _str_param(req.params, "branch")
        message = _str_param(req.params, "commit_message")
        actions = req.params.get("actions")
        if not isinstance(actions, list):
            raise _grape_error("actions is missing" if actions is None else "actions is invalid")
        if not self._may_push(project, branch):
            raise _message(403, "403 Forbidden")  # [src] authorize! :push_code
        start = str(req.params.get("start_branch") or branch)
        start_sha = project.branches.get(start) or (start if start in project.commits else None)
        if start_sha is None:
            raise _message(400, f"Invalid start branch `{start}`")  # ASSUMPTION: exact text unverified
        files = dict(project.commits[start_sha].files)
        for action in actions:
            self._apply_action(project, start_sha, files, action)
        sha = self._commit(project, branch, files, message, start_sha)
        author = req.params.get("author_name")
        if isinstance(author, str):
            c = project.commits[sha]
            project.commits[sha] = Commit(
                c.sha,
                c.parent_ids,
                c.files,
                c.message,
                author,
                str(req.params.get("author_email", "")),
                c.created_at,
            )
        self._on_branch_update(project, branch, sha)
        return Response.json(201, self._commit_json(project, project.commits[sha]))

    def _may_push(self, project: Project, branch: str) -> bool:
        if project.writable:
            return True
        return any(
            mr.source_project is project and mr.source_branch == branch and mr.allow_collaboration
            for mr in self.merge_requests.values()
        )

    def _apply_action(self, project: Project, start_sha: str, files: dict[str, str], action: Any) -> None:
        """Files::MultiService validations; messages from its source [src, older GitLab]."""
        if not isinstance(action, dict):
            raise _grape_error("actions is invalid")
        kind, path = action.get("action"), action.get("file_path")
        if not path:
            raise _message(400, "You must specify a file_path.")
        content = action.get("content")
        if isinstance(content, str) and action.get("encoding") == "base64":
            content = base64.b64decode(content).decode()
        if kind != "create":
            source = action.get("previous_path") if kind == "move" else path
            if source not in files:
                raise _message(400, f"File to be {kind}d `{source}` does not exist.")
            last = action.get("last_commit_id")
            if last and kind != "move" and self._last_commit_for_path(project, start_sha, path) != last:
                raise _message(
                    400,
                    f"You are attempting to update a file `{path}` that has changed since you started editing it.",
                )
        if kind == "create":
            if path in files:
                raise _message(
                    400,
                    f"Your changes could not be committed because a file with the name `{path}` already exists.",
                )
            files[path] = content or ""
        elif kind == "update":
            files[path] = content or ""
        elif kind == "delete":
            del files[path]
        elif kind == "move":
            previous = action.get("previous_path")
            if not previous:
                raise _message(400, f"You must supply the original file path when moving file `{path}`.")
            if path in files:
                raise _message(400, f"Move destination `{path}` already exists.")
            moved = files.pop(previous)
            files[path] = moved if content is None else content
        elif kind != "chmod":
            raise _message(400, f"Unknown action type `{kind}`.")


def encode_path(path: str) -> str:
    """URL-encode a project path or file path as one segment, as python-gitlab's EncodedId does."""
    return quote(path, safe="")


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    """A started FakeGitLab; import into a conftest (`pytest_plugins` or a plain import) to use it."""
    with FakeGitLab() as fake:
        yield fake
