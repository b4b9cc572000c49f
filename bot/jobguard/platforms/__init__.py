"""The small role protocols a platform implements, the data they exchange, and `detect()`.

A platform is three roles, so each caller asks only for what it uses: a `ChangeSource` reads the change (review,
fix), a `ReviewChannel` publishes notes (publish), a `FixPusher` answers the fix command. Policy (what goes
inline, what to the summary, dedup, caps, fallbacks, exit code) lives once in `jobguard.publish`. Nothing outside
this package imports `github` or `gitlab`, and those libraries are imported lazily.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from jobguard.diff import FileChange
from jobguard.findings import TextEdit
from jobguard.gitrepo import Repo
from jobguard.render.model import Snapshot

Side = Literal["base", "head"]


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
class Suggestion:
    """Where an adapter puts a one-click suggestion: the head lines `first..last` its block replaces, the line the
    comment is anchored on (`start_line` too when the comment itself spans a range), and the fence's info string."""

    first: int
    last: int
    line: int
    info: str  # `suggestion`, or GitLab's `suggestion:-N+M`
    start_line: int | None = None


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
    strategy: str | None = None  # `/jobguard fix S`: only fixes of strategy S, as `jobguard fix --strategy S`


class ChangeSource(Protocol):
    """Reads the change under review: local git when the checkout holds it, else the platform's API."""

    def changes(self) -> Sequence[FileChange]:
        """The manifest files of the change under review, with hunks (local git when possible, else the API)."""
        ...

    def read(self, path: str, side: Side) -> bytes | None:
        """A file's bytes on one side of the change; None when it does not exist there."""
        ...

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        """(path, text) of the first config file found on that side, decoded by `checkout.first_config`.

        Which commit is "base" for the config: local, the base tree; GitHub, the pull request's base commit itself
        (the branch as it is now, not the merge base the diff starts from); GitLab, CI_MERGE_REQUEST_DIFF_BASE_SHA
        (the merge base, the same commit `read` uses). Either way a change cannot switch off its own check.
        """
        ...

    def checkout(self) -> tuple[Repo, str | None] | None:
        """The local git checkout holding the head commit, and that commit (None: the change came by API; a None
        commit: its working tree)."""
        ...

    def snapshot(self, side: Side) -> Snapshot | None:
        """One side as whole files, for rendering (`jobguard.render`): a git revision or a directory; None when the
        source has no whole revision (single files, a review read through the API without a clone)."""
        ...


class ReviewChannel(Protocol):
    """Publishes a review. The platform's dialect lives here too: where a fix can be a one-click suggestion and how
    its fence is written, the hint saying how to get the fixes applied, the report files its CI reads."""

    name: str  # for the log
    fix_hint: str  # one line for the summary: how to have jobguard commit the fixes ("" when there is no way)
    report_formats: tuple[str, ...]  # `jobguard.formats` names `report` receives in its outputs

    def suggestion(self, edit: TextEdit, change: FileChange, near: tuple[int, int] | None = None) -> Suggestion | None:
        """Where `edit` of the head file (`oneclick.smallest`: may be an insertion) can be a one-click suggestion on
        this platform, the comment on a line within `near` (the Job's lines) when it need not sit on the edit's own
        (None: nowhere)."""
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


class FixPusher(Protocol):
    """The fix command: who asked, the commit through the API, and the answer on the change."""

    def fix_command(self) -> FixRequest | None:
        """The fix command this run answers (a `/jobguard fix` comment), or None for an ordinary review."""
        ...

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        """Commit these head files to the change's source branch through the API; returns the commit URL.

        Raises `PlatformError` with a one-line reason when it cannot (fork without maintainer edits, no rights).
        """
        ...

    def reply(self, body: str) -> None:
        """A plain comment on the change (answers to the fix command)."""
        ...


class Reviewed(ChangeSource, ReviewChannel, Protocol):
    """What `jobguard review` needs: the change, and where to publish it."""


class Fixed(ChangeSource, FixPusher, Protocol):
    """What the fix command needs: the change, and a way to commit to it and answer."""


class Platform(ChangeSource, ReviewChannel, FixPusher, Protocol):
    """All three roles, as the CLI gets them; `notes` says how the change was read (fallbacks), for the log."""

    notes: list[str]


def detect(environ: Mapping[str, str] | None = None) -> str:
    """`github`, `gitlab` or `local`, from the CI environment (GITHUB_ACTIONS / GITLAB_CI)."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    return "local"
