"""The small `Platform` protocol every review channel implements, and `detect()`.

Policy (what goes inline, what to the summary, dedup, caps, fallbacks, exit code) lives once in `jobguard.publish`;
a platform only knows how to read the change and how to write each kind of note. Nothing outside this package
imports `github` or `gitlab`, and those libraries are imported lazily.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

from jobguard.diff import FileChange
from jobguard.errors import PlatformError
from jobguard.gitrepo import Repo

Side = Literal["base", "head"]
T = TypeVar("T")
MASK = "[masked]"
MAX_FAILURE_TEXT = 300  # characters of an API failure kept for the log

log = logging.getLogger("jobguard.platforms")


@dataclass(frozen=True)
class InlineComment:
    """One review comment on the head side of the diff; `start_line` set for a multi-line range."""

    path: str
    line: int
    body: str
    fingerprint: str
    start_line: int | None = None
    suggestion: bool = False  # the body carries a one-click suggestion for start_line..line
    old_line: int | None = None  # base line of `line` when it is an unchanged context line (GitLab needs it)


@dataclass(frozen=True)
class Posted:
    """A note jobguard posted earlier, found by the hidden marker in its body."""

    id: str
    kind: Literal["inline", "summary"]
    fingerprint: str | None  # None for the summary
    body: str
    resolved: bool = False
    thread_id: str | None = None  # GitHub review thread node id / GitLab discussion id
    outdated: bool = False  # a later push changed its lines: the platform no longer shows it on the diff


@dataclass(frozen=True)
class PostResult:
    """What happened to a batch of inline comments: the fingerprints that made it and those refused."""

    posted: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()  # anchors the platform refused (moved to the summary by publish)
    error: str | None = None  # one line, when the whole channel failed (read-only token, outage)


@dataclass(frozen=True)
class Capabilities:
    """What this run may do; decided once at start (token scopes, fork, event)."""

    can_comment: bool
    reason: str = ""  # why not, one line, for the log


@dataclass(frozen=True)
class FixRequest:
    """A `/jobguard fix` command: who asked, and whether they may change the branch (and why, for the log)."""

    author: str
    authorised: bool
    association: str = ""


@dataclass
class Calls:
    """API calls made by a run (reads and writes), for the closing figures and the zero-writes tests."""

    reads: int = 0
    writes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, write: bool) -> None:
        if write:
            self.writes += 1
        else:
            self.reads += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


class ApiFailure(PlatformError):
    """One failed API call of either adapter, as one line without headers, the secrets masked.

    A `PlatformError`, so a failure that escapes an adapter still reaches publish's fallback to the token-free
    channels (or exits 3 with this line), never a traceback. `status` None: no answer (network, timeout).
    """

    def __init__(self, status: int | None, message: str, secrets: Sequence[str] = ()) -> None:
        for secret in secrets:
            if secret:
                message = message.replace(secret, MASK)
        message = " ".join(message.split())[:MAX_FAILURE_TEXT]  # masked before the cut: no half token survives
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def outcome_unknown(self) -> bool:
        """The request may have been carried out (5xx after the body was sent, or a lost answer)."""
        return self.status is None or self.status >= 500

    @property
    def forbidden(self) -> bool:
        return self.status == 403 and "rate limit" not in self.message.lower()


def status_line(status: int | None, text: str) -> str:
    """`STATUS text`, the form both adapters report failures in."""
    text = " ".join(text.split())
    return text if status is None or text.startswith(str(status)) else f"{status} {text}"


def send(call: Callable[[], T], *, attempts: int, backoff: float, landed: Callable[[], T | None] | None = None) -> T:
    """`call()`, sent again (at most `attempts` in all) while its outcome is unknown (5xx, no answer).

    Before each re-send `landed` looks for what the lost answer may have created, so a comment is never posted
    twice (review-apis.md B13, C10); without it the call must be safe to repeat (queries, resolving a thread,
    content-addressed git objects).
    """
    for attempt in range(attempts):
        try:
            return call()
        except ApiFailure as failure:
            if not failure.outcome_unknown or attempt + 1 >= attempts:
                raise
            log.info("%s; checking whether it landed before sending it again", failure.message)
            time.sleep(backoff * 2**attempt)
            found = landed() if landed is not None else None
            if found is not None:
                return found
    raise ValueError("attempts must be at least 1")


def first_config(names: Sequence[str], read: Callable[[str], bytes | None]) -> tuple[str, str] | None:
    """(path, text) of the first of `names` that `read` finds, decoded alike on every platform: a BOM dropped,
    undecodable bytes replaced (the config parser then reports them with a position)."""
    for name in names:
        data = read(name)
        if data is not None:
            return name, data.decode("utf-8-sig", "replace")
    return None


class Platform(Protocol):
    name: str
    calls: Calls
    notes: list[str]  # how the platform got the change (fallbacks), one line each, for the log

    def changes(self) -> Sequence[FileChange]:
        """The manifest files of the change under review, with hunks (local git when possible, else the API)."""
        ...

    def read(self, path: str, side: Side) -> bytes | None:
        """A file's bytes on one side of the change; None when it does not exist there."""
        ...

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        """(path, text) of the first config file found on that side, decoded by `first_config`.

        Which commit is "base" for the config: local, the base tree; GitHub, the pull request's base commit itself
        (the branch as it is now, not the merge base the diff starts from); GitLab, CI_MERGE_REQUEST_DIFF_BASE_SHA
        (the merge base, the same commit `read` uses). Either way a change cannot switch off its own check.
        """
        ...

    def capabilities(self) -> Capabilities: ...

    def existing(self) -> Sequence[Posted]:
        """Notes jobguard posted on this change before (inline ones and the summary)."""
        ...

    def post_inline(self, comments: Sequence[InlineComment]) -> PostResult:
        """Post new inline comments (GitHub: one review; GitLab: one discussion each)."""
        ...

    def resolve(self, posted: Posted, note: str) -> bool:
        """Mark a note whose finding disappeared as fixed (resolve its thread, or edit its text)."""
        ...

    def upsert_summary(self, body: str, existing: Posted | None) -> bool:
        """Create the sticky summary, or update it in place (callers only call when the text changed)."""
        ...

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        """Token-free channels, always written: step summary / outputs / annotations (GitHub), report files."""
        ...

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        """Commit these head files to the change's source branch through the API; returns the commit URL.

        Raises `PlatformError` with a one-line reason when it cannot (fork without maintainer edits, no rights).
        """
        ...

    def reply(self, body: str) -> None:
        """A plain comment on the change (answers to the fix command)."""
        ...

    def fix_command(self) -> FixRequest | None:
        """The fix command this run answers (a `/jobguard fix` comment), or None for an ordinary review."""
        ...

    def checkout(self) -> tuple[Repo, str] | None:
        """The local git checkout holding the head commit, and that commit (None: the change came by API)."""
        ...


def detect(environ: Mapping[str, str] | None = None) -> str:
    """`github`, `gitlab` or `local`, from the CI environment (GITHUB_ACTIONS / GITLAB_CI)."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    return "local"
