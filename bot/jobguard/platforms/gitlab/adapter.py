"""`GitLabPlatform`: one merge request pipeline as the three platform roles, each delegated to its module.

Only a project/group access token (`JOBGUARD_GITLAB_TOKEN`, scope `api`) can comment; `CI_JOB_TOKEN` cannot (C9),
so without one every write is skipped here and the findings reach the Code Quality report and the job log.
"""

from __future__ import annotations

import functools
import logging
import sys
import weakref
from collections.abc import Mapping, Sequence
from typing import TextIO

from jobguard import diff as diffs
from jobguard.errors import PlatformError
from jobguard.gitrepo import Repo
from jobguard.platforms import Capabilities, FixRequest, InlineComment, Posted, PostResult, Side
from jobguard.platforms.checkout import ChangeReader, first_config
from jobguard.platforms.gitlab import discussions, push, suggestions
from jobguard.platforms.gitlab.api import Client
from jobguard.platforms.gitlab.changes import MergeRequestDiff, find_clone
from jobguard.platforms.gitlab.report import write_report
from jobguard.platforms.gitlab.settings import Settings
from jobguard.platforms.http import ApiFailure
from jobguard.render.model import Snapshot

log = logging.getLogger("jobguard.gitlab")


class GitLabPlatform:
    """The platform of one merge request pipeline. Reads and writes lazily."""

    name = "gitlab"
    fix_hint = suggestions.FIX_HINT
    report_formats: tuple[str, ...] = (
        "codequality",
    )  # C7: the merge request widget reads the Code Quality report `report` writes
    suggestion = staticmethod(suggestions.suggestion)

    def __init__(self, settings: Settings, stdout: TextIO | None = None) -> None:
        self.settings = settings
        self.notes: list[str] = []
        self.stdout = stdout or sys.stdout
        self.client = Client(settings)
        self._caps: Capabilities | None = None
        self._repo = Repo(settings.project_dir, root=True)
        weakref.finalize(self, self._repo.close)  # callers need not call close()
        clone = functools.partial(find_clone, self._repo, settings)
        self.reader = ChangeReader(clone, MergeRequestDiff(self.client, self.read), notes=self.notes)

    def __repr__(self) -> str:
        s = self.settings
        return f"GitLabPlatform(project={s.project_id}, mr=!{s.mr_iid}, head={s.head_sha[:12]})"

    def changes(self) -> Sequence[diffs.FileChange]:
        return self.reader.changes()

    def read(self, path: str, side: Side) -> bytes | None:
        return self.reader.read(path, side)

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        return first_config(names, lambda name: self.read(name, side))

    def checkout(self) -> tuple[Repo, str] | None:
        return self.reader.checkout()

    def snapshot(self, side: Side) -> Snapshot | None:
        return self.reader.snapshot(side)

    def close(self) -> None:
        """Stop the `git cat-file` process, if one was started."""
        self._repo.close()

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
            mr = self.client.mr()
        except ApiFailure as exc:
            return Capabilities(False, f"cannot read merge request !{s.mr_iid} with JOBGUARD_GITLAB_TOKEN: {exc}")
        current = (mr.get("diff_refs") or {}).get("head_sha")
        if current and current != s.head_sha:
            # C1: a newer push exists; its own pipeline reviews it, and this run's lines may no longer match.
            return Capabilities(
                False, f"merge request !{s.mr_iid} moved on to {current[:12]} (this job ran on {s.head_sha[:12]})"
            )
        return Capabilities(True)

    def existing(self) -> Sequence[Posted]:
        if not self.settings.token:
            return []
        try:
            return discussions.existing(self.client)
        except ApiFailure as exc:
            raise PlatformError(
                f"cannot list the discussions of merge request !{self.settings.mr_iid}: {exc}"
            ) from None

    def post_inline(self, comments: Sequence[InlineComment]) -> PostResult:
        if not self.settings.token:
            return PostResult(rejected=tuple(c.fingerprint for c in comments), error=self.capabilities().reason)
        return discussions.post_inline(self.client, comments, self.changes)

    def resolve(self, posted: Posted, note: str) -> bool:
        return bool(self.settings.token) and discussions.resolve(self.client, posted, note)

    def upsert_summary(self, body: str, existing: Posted | None) -> bool:
        return bool(self.settings.token) and discussions.upsert_summary(self.client, body, existing)

    def reply(self, body: str) -> None:
        if not self.settings.token:
            log.warning("no JOBGUARD_GITLAB_TOKEN, so this reply is only in the job log")
            return
        discussions.reply(self.client, body)

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        """Always write the Code Quality report (C7); the summary goes to the job log, GitLab's counterpart of a
        step summary (annotations are GitHub's and are left out)."""
        write_report(self.settings.codequality_path, outputs, summary_markdown, self.stdout)

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        return push.push_fix(self.client, files, message)

    def fix_command(self) -> FixRequest | None:
        return None  # on GitLab the fix runs as the manual jobguard-fix job (`jobguard fix --push`)
