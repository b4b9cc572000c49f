"""GitLab merge-request pipelines: read the change, write diff discussions, the summary note, Code Quality, fixes.

Why the shape (review-apis.md part C):
- The change is read from the job's own checkout whenever it holds both SHAs (zero API calls, C1); GitLab clones
  shallow, so a missing commit is fetched quietly, and only then does the adapter fall back to the MR's diff
  versions and raw files.
- Positions carry the three SHAs of the MR's latest diff version (C1) and the line fields C3 demands: `new_line`
  for an added line, both numbers for a context line (`jobguard.publish` gives the base one). Comments are single-line
  here: GitLab's suggestions reach other lines with `-N+M` offsets instead of a `line_range`.
- Only a project/group access token (`JOBGUARD_GITLAB_TOKEN`, scope `api`) can comment; `CI_JOB_TOKEN` cannot
  (C9), and fork pipelines get no variables at all, so the Code Quality report is always written: it needs no
  token and is the fork-safe channel (C7).
- python-gitlab retries 429 (honouring Retry-After) and 5xx; POSTs are not retried blindly: after a transient
  failure the adapter re-lists what landed first (`jobguard.platforms.send`), so a retry never posts twice. The token
  never appears in a message: python-gitlab sends it as a header, and every `ApiFailure` masks it.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import sys
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote, urlsplit

from jobguard import __version__
from jobguard import diff as diffs
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
from jobguard.render import SUMMARY_MARKER, fingerprint_of, is_summary

if TYPE_CHECKING:
    import gitlab

log = logging.getLogger("jobguard.gitlab")

API_TIMEOUT = 30.0  # seconds, every HTTP call
GIT_TIMEOUT = 120.0  # seconds, the one `git fetch` of a shallow clone
POST_ATTEMPTS = 3  # a POST that failed transiently is re-checked, then sent again at most this often in all
POST_BACKOFF = 1.0  # seconds before the first re-check; doubles
CODEQUALITY_NAME = "gl-code-quality-report.json"
_SHA_RE = re.compile(r"^[0-9a-f]{7,64}$")
_COLLECTIONS = frozenset(
    ["merge_requests", "versions", "discussions", "notes", "commits", "files", "projects", "diffs", "user"]
)

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Settings:
    """Everything a run takes from the CI environment (C8); the token is kept out of `repr`."""

    url: str  # the instance's base URL (python-gitlab appends /api/v4)
    project_id: str  # the MR's project: CI_MERGE_REQUEST_PROJECT_ID (the target, also for fork pipelines)
    mr_iid: int
    base_sha: str  # CI_MERGE_REQUEST_DIFF_BASE_SHA
    head_sha: str  # CI_MERGE_REQUEST_SOURCE_BRANCH_SHA in merged-results pipelines, else CI_COMMIT_SHA
    project_dir: Path
    codequality_path: Path
    token: str | None = field(default=None, repr=False)
    job_token: str | None = field(default=None, repr=False)  # only to say why nothing is posted, and to mask

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.job_token) if s)


def from_env(environ: Mapping[str, str]) -> GitLabPlatform:
    """The platform of this GitLab CI job; `PlatformError` (one line) when it is not a merge request pipeline."""
    if environ.get("GITLAB_CI") != "true":
        raise PlatformError("not a GitLab CI job (GITLAB_CI is not 'true')")
    iid = environ.get("CI_MERGE_REQUEST_IID", "")
    if not iid:
        raise PlatformError(
            "not a merge request pipeline (CI_MERGE_REQUEST_IID is not set): run the job with "
            '`rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`'
        )
    if not iid.isdigit():
        raise PlatformError(f"CI_MERGE_REQUEST_IID is not a number: {iid[:40]!r}")
    base = environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", "")
    head = environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or environ.get("CI_COMMIT_SHA", "")
    for name, value in (("CI_MERGE_REQUEST_DIFF_BASE_SHA", base), ("CI_COMMIT_SHA", head)):
        if not _SHA_RE.match(value):
            raise PlatformError(f"{name} is missing or not a commit SHA; is this a merge request pipeline?")
    project = environ.get("CI_MERGE_REQUEST_PROJECT_ID") or environ.get("CI_PROJECT_ID", "")
    if not project:
        raise PlatformError("neither CI_MERGE_REQUEST_PROJECT_ID nor CI_PROJECT_ID is set")
    url = _base_url(environ)
    if not url:
        raise PlatformError("neither CI_API_V4_URL nor CI_SERVER_URL is set")
    project_dir = Path(environ.get("CI_PROJECT_DIR") or os.getcwd())
    report = Path(environ.get("JOBGUARD_CODEQUALITY_PATH") or CODEQUALITY_NAME)
    return GitLabPlatform(
        Settings(
            url=url,
            project_id=project,
            mr_iid=int(iid),
            base_sha=base,
            head_sha=head,
            project_dir=project_dir,
            codequality_path=report if report.is_absolute() else project_dir / report,
            token=environ.get("JOBGUARD_GITLAB_TOKEN", "").strip() or None,
            job_token=environ.get("CI_JOB_TOKEN") or None,
        )
    )


def _base_url(environ: Mapping[str, str]) -> str:
    """CI_API_V4_URL keeps a relative URL root (https://host/gitlab/api/v4); CI_SERVER_URL is the fallback."""
    api = environ.get("CI_API_V4_URL", "").rstrip("/")
    if api.endswith("/api/v4"):
        return api[: -len("/api/v4")]
    return environ.get("CI_SERVER_URL", "").rstrip("/")


class GitLabPlatform:
    """The `Platform` for one merge request pipeline. Reads and writes lazily; every HTTP call is counted."""

    name = "gitlab"

    def __init__(self, settings: Settings, stdout: TextIO | None = None) -> None:
        self.settings = settings
        self.calls = Calls()
        self.notes: list[str] = []
        self.stdout = stdout or sys.stdout
        self._gl: gitlab.Gitlab | None = None
        self._mr_data: JsonDict | None = None
        self._caps: Capabilities | None = None
        self._local: bool | None = None
        self._repo = Repo(settings.project_dir, root=True)
        weakref.finalize(self, self._repo.close)  # callers need not call close()
        self._changes: list[diffs.FileChange] | None = None
        self._cache: dict[tuple[str, Side], bytes | None] = {}

    def __repr__(self) -> str:
        s = self.settings
        return f"GitLabPlatform(project={s.project_id}, mr=!{s.mr_iid}, head={s.head_sha[:12]})"

    # ---- reading the change -------------------------------------------------------------------------

    def changes(self) -> Sequence[diffs.FileChange]:
        if self._changes is None:
            local = self._local_diff() if self._checkout_ready() else None
            self._changes = local if local is not None else self._api_changes()
        return self._changes

    def read(self, path: str, side: Side) -> bytes | None:
        key = (path, side)
        if key not in self._cache:
            sha = self.settings.base_sha if side == "base" else self.settings.head_sha
            if self._checkout_ready():
                self._cache[key] = self._repo.blob(sha, path)
            else:
                self._cache[key] = self._api_raw(path, sha)
        return self._cache[key]

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        return first_config(names, lambda name: self.read(name, side))

    def close(self) -> None:
        """Stop the `git cat-file` process, if one was started."""
        self._repo.close()

    # ---- what this run may do -----------------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        if self._caps is None:
            self._caps = self._decide()
        return self._caps

    def _decide(self) -> Capabilities:
        s = self.settings
        if not s.token:
            why = "CI_JOB_TOKEN cannot comment" if s.job_token else "a fork's pipeline gets no CI/CD variables"
            return Capabilities(
                False,
                f"JOBGUARD_GITLAB_TOKEN is not set ({why}); findings are in the Code Quality report and the job log",
            )
        try:
            mr = self._mr()
        except ApiFailure as exc:
            return Capabilities(False, f"cannot read merge request !{s.mr_iid} with JOBGUARD_GITLAB_TOKEN: {exc}")
        current = (mr.get("diff_refs") or {}).get("head_sha")
        if current and current != s.head_sha:
            # C1: a newer push exists; its own pipeline reviews it, and this run's lines may no longer match.
            return Capabilities(
                False, f"merge request !{s.mr_iid} moved on to {current[:12]} (this job ran on {s.head_sha[:12]})"
            )
        return Capabilities(True)

    # ---- notes --------------------------------------------------------------------------------------

    def existing(self) -> Sequence[Posted]:
        if not self.settings.token:
            return []
        try:
            return _posted(self._list(f"{self._mr_path}/discussions"))
        except ApiFailure as exc:
            raise PlatformError(
                f"cannot list the discussions of merge request !{self.settings.mr_iid}: {exc}"
            ) from None

    def post_inline(self, comments: Sequence[InlineComment]) -> PostResult:
        """One diff discussion per comment (C2); a refused anchor is returned as rejected, the others still go.

        After a failure of the whole channel the comments not yet sent are returned as rejected too, so that
        they are shown in the summary.
        """
        every = tuple(c.fingerprint for c in comments)
        if not self.settings.token:
            return PostResult(rejected=every, error=self.capabilities().reason)
        try:
            refs = self._diff_refs()
        except ApiFailure as exc:
            return PostResult(rejected=every, error=f"cannot read the merge request: {exc}")
        by_path = {c.new_path: c for c in self.changes() if c.new_path is not None}
        posted: list[str] = []
        rejected: list[str] = []
        for index, comment in enumerate(comments):
            position = _position(comment, refs, by_path.get(comment.path))
            if position is None:
                log.info("%s:%d is not a line of the diff", comment.path, comment.line)
                rejected.append(comment.fingerprint)
                continue
            try:
                self._post_discussion(comment, position)
            except ApiFailure as exc:
                if exc.status in (400, 422):  # the anchor does not resolve to a diff line (C3)
                    log.info("GitLab refused the anchor %s:%d: %s", comment.path, comment.line, exc)
                    rejected.append(comment.fingerprint)
                    continue
                rest = [c.fingerprint for c in comments[index:]]
                return PostResult(tuple(posted), (*rejected, *rest), f"GitLab refused the diff discussions: {exc}")
            posted.append(comment.fingerprint)
        return PostResult(tuple(posted), tuple(rejected))

    def _post_discussion(self, comment: InlineComment, position: JsonDict) -> None:
        self._create(
            f"{self._mr_path}/discussions",
            {"body": comment.body, "position": position},
            lambda: self._landed(lambda p: p.fingerprint == comment.fingerprint),
        )

    def resolve(self, posted: Posted, note: str) -> bool:
        """Resolve the thread and say why in the note itself (one write each; no reply that could pile up)."""
        if not self.settings.token:
            return False
        done = posted.resolved
        if not done and posted.thread_id:
            try:
                self._request("put", f"{self._mr_path}/discussions/{posted.thread_id}", data={"resolved": True})
                done = True
            except ApiFailure as exc:  # 403: the token's role is below Developer (C6)
                log.info("cannot resolve discussion %s: %s", posted.thread_id, exc)
        if note and not posted.body.startswith(f"**{note}**"):
            try:
                body = f"**{note}**\n\n{posted.body}"
                self._request("put", f"{self._mr_path}/notes/{posted.id}", data={"body": body})
                done = True
            except ApiFailure as exc:
                log.info("cannot edit note %s: %s", posted.id, exc)
        return done

    def upsert_summary(self, body: str, existing: Posted | None) -> bool:
        if not self.settings.token:
            return False
        notes = f"{self._mr_path}/notes"
        try:
            if existing is not None:
                try:
                    self._request("put", f"{notes}/{existing.id}", data={"body": body})
                    return True
                except ApiFailure as exc:
                    if exc.status != 404:  # deleted by someone: write a new one
                        raise
            self._create(notes, {"body": body}, lambda: self._landed(lambda p: p.kind == "summary"))
            return True
        except ApiFailure as exc:
            log.warning("cannot write the summary note: %s", exc)
            return False

    def reply(self, body: str) -> None:
        """A plain MR note. Failures are logged, not raised: the caller prints the same text to the job log."""
        if not self.settings.token:
            log.warning("no JOBGUARD_GITLAB_TOKEN, so this reply is only in the job log")
            return
        try:
            self._create(f"{self._mr_path}/notes", {"body": body}, lambda: self._landed_note(body))
        except ApiFailure as exc:
            log.warning("cannot post the reply: %s", exc)

    # ---- token-free channel -------------------------------------------------------------------------

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        """Always write the Code Quality report (C7): the MR widget shows it without any token. The summary goes
        to the job log, GitLab's counterpart of a step summary (annotations are GitHub's and are left out)."""
        target = self.settings.codequality_path
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(outputs.get("codequality", "[]\n"), encoding="utf-8")
        partial.replace(target)
        shown = "\n".join(line for line in summary_markdown.splitlines() if line != SUMMARY_MARKER).strip()
        if shown:
            self.stdout.write(shown + "\n")
            self.stdout.flush()

    # ---- fix commits --------------------------------------------------------------------------------

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        """Commit through the API to the MR's source branch (in the fork when it allows collaboration)."""
        s = self.settings
        if not s.token:
            raise PlatformError("JOBGUARD_GITLAB_TOKEN is not set; CI_JOB_TOKEN cannot push commits")
        try:
            mr = self._mr(fresh=True)
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
            commit = self._create(f"/projects/{quote(source, safe='')}/repository/commits", data, self._landed_commit)
        except ApiFailure as exc:
            if exc.status in (401, 403):
                where = "the fork's branch" if fork else "the source branch"
                raise PlatformError(
                    f"the token may not push to {where} {branch} ({exc}); it needs the Developer role and the api scope"
                ) from None
            raise PlatformError(f"GitLab refused the fix commit: {exc}") from None
        return str(commit.get("web_url") or commit.get("id"))

    # ---- positions (C2, C3) ----------------------------------------------------------------------------

    def _diff_refs(self) -> Mapping[str, str]:
        refs = self._mr().get("diff_refs") or {}
        if not all(refs.get(k) for k in ("base_sha", "start_sha", "head_sha")):
            raise ApiFailure(None, "the merge request has no diff_refs yet")
        return {k: str(refs[k]) for k in ("base_sha", "start_sha", "head_sha")}

    # ---- local git ----------------------------------------------------------------------------------

    def fix_command(self) -> FixRequest | None:
        return None  # on GitLab the fix runs as the manual jobguard-fix job (`jobguard fix --push`)

    def checkout(self) -> tuple[Repo, str] | None:
        return (self._repo, self.settings.head_sha) if self._checkout_ready() else None

    def _checkout_ready(self) -> bool:
        """Whether CI_PROJECT_DIR holds both commits, fetching them once if it is a shallow clone."""
        if self._local is None:
            self._local = self._prepare_checkout()
        return self._local

    def _prepare_checkout(self) -> bool:
        s, repo = self.settings, self._repo
        if repo.text("rev-parse", "--git-dir") is None:
            return False
        missing = [sha for sha in dict.fromkeys((s.base_sha, s.head_sha)) if not repo.has_commit(sha)]
        if not missing:
            return True
        shallow = (repo.text("rev-parse", "--is-shallow-repository") or "").strip() == "true"
        depth = ["--depth=1"] if shallow else []
        # The output is never shown: the runner's remote URL carries the job token.
        if repo.text("fetch", "--quiet", "--no-tags", *depth, "origin", *missing, timeout=GIT_TIMEOUT) is None:
            log.info("fetching the merge request's commits failed; reading the change through the API")
            return False
        return all(repo.has_commit(sha) for sha in missing)

    def _local_diff(self) -> list[diffs.FileChange] | None:
        text = self._repo.diff(self.settings.base_sha, self.settings.head_sha)
        if text is None:
            return None
        try:
            return diffs.parse(text)
        except ValueError:
            return None

    # ---- the API ------------------------------------------------------------------------------------

    @property
    def _project_path(self) -> str:
        return f"/projects/{quote(self.settings.project_id, safe='')}"

    @property
    def _mr_path(self) -> str:
        return f"{self._project_path}/merge_requests/{self.settings.mr_iid}"

    def _client(self) -> gitlab.Gitlab:
        if self._gl is None:
            import gitlab

            self._gl = gitlab.Gitlab(
                url=self.settings.url,
                private_token=self.settings.token,
                timeout=API_TIMEOUT,
                retry_transient_errors=True,  # 5xx and timeouts; 429 is always retried with Retry-After (C10)
                user_agent=f"jobguard/{__version__}",
            )
            self._gl.session.hooks["response"].append(self._count)
        return self._gl

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> None:
        """A requests hook: sees every HTTP answer, retries included."""
        method = str(response.request.method).upper()
        self.calls.count(f"{method} {_endpoint(urlsplit(response.request.url).path)}", method not in ("GET", "HEAD"))

    def _require_token(self, what: str) -> None:
        if not self.settings.token:
            raise PlatformError(
                f"cannot {what}: the checkout in CI_PROJECT_DIR lacks the merge request's commits and "
                "JOBGUARD_GITLAB_TOKEN is not set for the API; set `GIT_DEPTH: 0` on the job"
            )

    def _request(
        self, verb: str, path: str, *, data: JsonDict | None = None, query: JsonDict | None = None, retry: bool = True
    ) -> Any:
        """One call through python-gitlab; any failure becomes `ApiFailure` with a masked one-line text."""
        from gitlab.exceptions import GitlabError

        try:
            return self._client().http_request(
                verb, path, query_data=query, post_data=data, retry_transient_errors=retry, timeout=API_TIMEOUT
            )
        except (GitlabError, OSError) as exc:  # requests' ConnectionError, Timeout, ... are OSErrors
            raise self._failure(exc) from None

    def _json(self, path: str) -> JsonDict:
        data = self._request("get", path).json()
        if not isinstance(data, dict):
            raise ApiFailure(200, f"unexpected answer from {_endpoint(path)}")
        return data

    def _list(self, path: str) -> list[JsonDict]:
        from gitlab.exceptions import GitlabError

        try:
            items = self._client().http_list(path, query_data={"per_page": 100}, get_all=True, timeout=API_TIMEOUT)
        except (GitlabError, OSError) as exc:
            raise self._failure(exc) from None
        return [item for item in items if isinstance(item, dict)]

    def _failure(self, exc: Exception) -> ApiFailure:
        """A python-gitlab error (or no answer at all) as one masked line."""
        from gitlab.exceptions import GitlabError

        if isinstance(exc, GitlabError):
            message = exc.error_message
            if isinstance(message, bytes):
                message = message.decode("utf-8", "replace")
            return ApiFailure(exc.response_code, status_line(exc.response_code, str(message)), self.settings.secrets)
        return ApiFailure(None, f"{type(exc).__name__}: no answer from {self.settings.url}", self.settings.secrets)

    def _create(self, path: str, data: JsonDict, landed: Callable[[], JsonDict | None]) -> JsonDict:
        """POST without python-gitlab's blind retry: after a transient failure, `landed()` looks for what the
        lost answer may have created before the POST is sent again (no double post)."""

        def post() -> JsonDict:
            result = self._request("post", path, data=data, retry=False).json()
            return result if isinstance(result, dict) else {}

        return send(post, attempts=POST_ATTEMPTS, backoff=POST_BACKOFF, landed=landed)

    def _landed(self, match: Callable[[Posted], bool]) -> JsonDict | None:
        """The discussion whose jobguard note `match`es (an inline comment by fingerprint, or the summary)."""
        for discussion in self._list(f"{self._mr_path}/discussions"):
            if any(match(p) for p in _posted([discussion])):
                return discussion
        return None

    def _landed_note(self, body: str) -> JsonDict | None:
        notes = self._list(f"{self._mr_path}/notes")
        return next((n for n in notes if n.get("body") == body and not n.get("system")), None)

    def _landed_commit(self) -> JsonDict | None:
        mr = self._mr(fresh=True)
        sha = mr.get("sha")
        if not sha or sha == self.settings.head_sha:
            return None
        source = quote(str(mr.get("source_project_id")), safe="")
        return self._json(f"/projects/{source}/repository/commits/{sha}")

    def _mr(self, fresh: bool = False) -> JsonDict:
        if self._mr_data is None or fresh:
            self._mr_data = self._json(self._mr_path)
        return self._mr_data

    def _api_changes(self) -> list[diffs.FileChange]:
        """The MR's diff version for this job's SHAs (else the latest) from `/versions` (C1, C12)."""
        self._require_token("read the change")
        s = self.settings
        try:
            versions = self._list(f"{self._mr_path}/versions")  # newest first
            if not versions:
                raise ApiFailure(None, "the merge request has no diff versions")
            chosen = next(
                (
                    v
                    for v in versions
                    if (v.get("head_commit_sha"), v.get("base_commit_sha")) == (s.head_sha, s.base_sha)
                ),
                next((v for v in versions if v.get("head_commit_sha") == s.head_sha), versions[0]),
            )
            version = self._json(f"{self._mr_path}/versions/{chosen['id']}")
        except ApiFailure as exc:
            raise PlatformError(f"cannot read the diff of merge request !{s.mr_iid}: {exc}") from None
        items = [d for d in version.get("diffs") or [] if isinstance(d, dict)]
        return [
            self._api_change(d)
            for d in items
            if diffs.is_manifest(d.get("new_path")) or diffs.is_manifest(d.get("old_path"))
        ]

    def _api_change(self, item: JsonDict) -> diffs.FileChange:
        old_path = None if item.get("new_file") else str(item.get("old_path"))
        new_path = None if item.get("deleted_file") else str(item.get("new_path"))
        text = str(item.get("diff") or "")
        if text:
            parsed = diffs.parse_patch(old_path, new_path, text)
        elif item.get("too_large") or item.get("collapsed"):  # no diff in the answer: rebuilt from both files
            before = self.read(old_path, "base") if old_path else None
            after = self.read(new_path, "head") if new_path else None
            parsed = diffs.between(old_path, new_path, before, after)
        else:
            parsed = None
        if parsed is None:
            return diffs.FileChange(old_path, new_path, _status(item))
        return diffs.FileChange(old_path, new_path, _status(item), parsed.hunks, parsed.binary)

    def _api_raw(self, path: str, sha: str) -> bytes | None:
        self._require_token(f"read {path}")
        try:
            response = self._request(
                "get", f"{self._project_path}/repository/files/{quote(path, safe='')}/raw", query={"ref": sha}
            )
        except ApiFailure as exc:
            if exc.status == 404:
                return None
            raise PlatformError(f"cannot read {path} at {sha[:12]}: {exc}") from None
        content = response.content
        return bytes(content)


# ---- helpers ----------------------------------------------------------------------------------------


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


def _posted(discussions: Sequence[JsonDict]) -> list[Posted]:
    """jobguard's notes, by marker: the first note of a thread (replies are people's)."""
    found: list[Posted] = []
    for discussion in discussions:
        notes = [n for n in discussion.get("notes") or [] if isinstance(n, dict)]
        if not notes or notes[0].get("system"):
            continue
        first = notes[0]
        body = str(first.get("body") or "")
        fingerprint = fingerprint_of(body)
        thread = str(discussion.get("id"))
        if fingerprint is not None:
            found.append(Posted(str(first.get("id")), "inline", fingerprint, body, bool(first.get("resolved")), thread))
        elif is_summary(body):
            found.append(Posted(str(first.get("id")), "summary", None, body, False, thread))
    return found


def _status(item: Mapping[str, Any]) -> diffs.Status:
    if item.get("new_file"):
        return diffs.Status.ADDED
    if item.get("deleted_file"):
        return diffs.Status.REMOVED
    if item.get("renamed_file"):
        return diffs.Status.RENAMED
    return diffs.Status.MODIFIED


def _action(path: str, data: bytes) -> JsonDict:
    """An `update` action of the commits API; text as is, anything else base64."""
    try:
        return {"action": "update", "file_path": path, "content": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"action": "update", "file_path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}


def _endpoint(path: str) -> str:
    """A URL path as a call kind: `merge_requests/:id`, `discussions`, `raw`, ... (for `Calls.by_kind`)."""
    segments = [s for s in path.split("/api/v4/", 1)[-1].split("/") if s]
    if not segments:
        return "/"
    if segments[-1] == "raw" or segments[-1] in _COLLECTIONS:
        return segments[-1]
    return f"{segments[-2]}/:id" if len(segments) > 1 else segments[-1]
