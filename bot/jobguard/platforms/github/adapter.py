"""`GitHubPlatform`: one pull request as the three platform roles, each delegated to the module that owns it."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from jobguard import diff as diffs
from jobguard.errors import ChangeUnreadable, PlatformError
from jobguard.gitrepo import Repo
from jobguard.platforms import Capabilities, FixRequest, InlineComment, Posted, PostResult, Side
from jobguard.platforms.checkout import ChangeReader, first_config
from jobguard.platforms.github import comments, push, report, review, suggestions, threads
from jobguard.platforms.github.api import Api, ClientSettings
from jobguard.platforms.github.changes import DIFF_FAILED, PullFiles, find_clone
from jobguard.platforms.github.pull import SUPPORTED_EVENTS, PullInfo, Session, fix_request, read_only_reason
from jobguard.platforms.http import ApiFailure
from jobguard.render.model import Snapshot

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class ActionsRun:
    """What the Actions runner says about this run: the token, the repository, the event and where reports go."""

    token: str = field(repr=False)  # never printed, not even in a traceback's repr
    repository: str
    event_name: str
    event: Mapping[str, Any]
    api_url: str = DEFAULT_API_URL
    workspace: Path | None = None
    step_summary: Path | None = None
    output: Path | None = None
    actor: str = ""


class GitHubPlatform:
    """One pull request on github.com or GitHub Enterprise Server, as the platform protocols see it."""

    name = "github"
    fix_hint = suggestions.FIX_HINT
    report_formats: tuple[str, ...] = ()  # the step summary and workflow commands need no report file
    suggestion = staticmethod(suggestions.suggestion)

    def __init__(self, run: ActionsRun, settings: ClientSettings | None = None, stdout: TextIO | None = None) -> None:
        event_name, event, repository = run.event_name, run.event, run.repository
        if event_name not in SUPPORTED_EVENTS:
            raise PlatformError(
                f"jobguard review runs on {', '.join(SUPPORTED_EVENTS)} events, not {event_name or 'none'}"
            )
        if "/" not in repository:
            raise PlatformError(f"GITHUB_REPOSITORY must be owner/name, not {repository!r}")
        self.repository = repository
        self.event_name = event_name
        self.event = event
        self.step_summary = run.step_summary
        self.output = run.output
        self.stdout = stdout if stdout is not None else sys.stdout
        self.api = Api(run.token, run.api_url, settings or ClientSettings())
        known = _payload_pull(event_name, event)
        number = known.number if known is not None else int(event["issue"]["number"])
        self.session = Session(self.api, repository, number, known, read_only_reason(event_name, known, run.actor))
        self.notes = self.session.notes  # what the adapter decided (diff source, fallbacks), for the log
        self.number = number
        self.files = PullFiles(self.session, self.read)
        clone = functools.partial(find_clone, run.workspace, self.session)
        self.reader = ChangeReader(clone, self.files, notes=self.notes, diff_failed=DIFF_FAILED)

    @property
    def pull(self) -> PullInfo:
        return self.session.pull

    def fix_command(self) -> FixRequest | None:
        return fix_request(self.event_name, self.event)

    def changes(self) -> Sequence[diffs.FileChange]:
        try:
            return self.reader.changes()
        except (ApiFailure, PlatformError) as failure:
            raise ChangeUnreadable(f"cannot read the change of pull request #{self.number}: {failure}") from None

    def checkout(self) -> tuple[Repo, str] | None:
        return self.reader.checkout()

    def snapshot(self, side: Side) -> Snapshot | None:
        return self.reader.snapshot(side)

    def read(self, path: str, side: Side) -> bytes | None:
        """Base side = the merge base (what GitHub's diff shows), head side = the head commit."""
        try:
            return self.reader.read(path, side)
        except PlatformError as failure:
            raise ChangeUnreadable(str(failure)) from None

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        """The config as of the base (or head) commit itself, not the merge base (see `ChangeSource.config_text`)."""
        rev = self.pull.base_sha if side == "base" else self.pull.head_sha
        return first_config(names, lambda name: self.reader.read_at(rev, name))

    def capabilities(self) -> Capabilities:
        if self.session.read_only:
            return Capabilities(can_comment=False, reason=self.session.read_only)
        return Capabilities(can_comment=True)

    def existing(self) -> Sequence[Posted]:
        return threads.existing(self.session)

    def post_inline(self, comments: Sequence[InlineComment]) -> PostResult:
        return review.post_inline(self.session, comments, self.changes)

    def resolve(self, posted: Posted, note: str) -> bool:
        return threads.resolve(self.session, posted, note)

    def upsert_summary(self, body: str, existing: Posted | None) -> bool:
        return comments.upsert_summary(self.session, body, existing)

    def reply(self, body: str) -> None:
        comments.reply(self.session, body)

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        """GITHUB_OUTPUT, the step summary (appended, under 1 MiB) and workflow commands on stdout (B10)."""
        if self.output is not None and outputs:
            report.write_outputs(self.output, outputs, self.notes)
        if self.step_summary is not None and summary_markdown:
            report.append_step_summary(self.step_summary, summary_markdown)
        if annotations:
            report.write_annotations(self.stdout, annotations)

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        return push.push_fix(self.session, files, message)

    def close(self) -> None:
        self.reader.close()


def _payload_pull(event_name: str, event: Mapping[str, Any]) -> PullInfo | None:
    """The pull request of a pull_request payload; None for a comment on one (its SHAs are fetched later)."""
    if event_name != "issue_comment":
        return PullInfo.from_json(event["pull_request"])
    issue = event.get("issue") or {}
    if not issue.get("pull_request"):
        raise PlatformError("the comment is on an issue, not a pull request: nothing to review")
    return None
