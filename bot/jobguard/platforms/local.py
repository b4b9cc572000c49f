"""The local platform: a checkout as the change under review, every "post" printed instead of sent.

Used by `jobguard review --platform local` (try the whole review on your own machine) and, wrapped around a
real platform, by `--dry-run` (read from GitHub/GitLab, write nothing).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from jobguard.diff import FileChange
from jobguard.findings import TextEdit
from jobguard.gitrepo import Repo
from jobguard.platforms import (
    Capabilities,
    FixRequest,
    InlineComment,
    Platform,
    Posted,
    PostResult,
    Side,
    Suggestion,
)
from jobguard.platforms.checkout import first_config
from jobguard.platforms.github import suggestions as pull_request
from jobguard.render.model import Snapshot
from jobguard.trees import Tree, changed_files, snapshot_of, with_hunks


@dataclass
class Printer:
    """Where would-be writes go, readable by a person."""

    out: TextIO = field(default_factory=lambda: sys.stdout)

    def inline(self, comment: InlineComment) -> None:
        lines = f"{comment.start_line}-{comment.line}" if comment.start_line else str(comment.line)
        self.out.write(f"--- inline comment on {comment.path}:{lines}\n{comment.body}\n")

    def summary(self, body: str) -> None:
        self.out.write(f"--- summary comment\n{body}\n")

    def note(self, text: str) -> None:
        self.out.write(f"--- {text}\n")


class _PrintedWrites:
    """The writes of both classes below: printed, never sent. `would` marks what a real platform would have done."""

    printer: Printer
    would = ""
    nothing_pushed = ""

    def post_inline(self, comments: Sequence[InlineComment]) -> PostResult:
        for comment in comments:
            self.printer.inline(comment)
        return PostResult(posted=tuple(c.fingerprint for c in comments))

    def resolve(self, posted: Posted, note: str) -> bool:
        self.printer.note(f"{self.would}resolve {posted.id}: {note}")
        return True

    def upsert_summary(self, body: str, existing: Posted | None) -> bool:
        self.printer.summary(body)
        return True

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        for path in files:
            self.printer.note(f"would commit {path}")
        return self.nothing_pushed

    def reply(self, body: str) -> None:
        self.printer.note(f"{self.would}reply: {body}")


class LocalPlatform(_PrintedWrites):
    """Two trees of a local checkout; nothing was posted before, and posting prints. Its comments are placed as on
    a pull request (the most demanding anchoring: one hunk per suggestion), so the preview holds on GitHub too."""

    name = "local"
    nothing_pushed = "(local: nothing pushed)"
    report_formats: tuple[str, ...] = ()
    suggestion = staticmethod(pull_request.suggestion)

    def __init__(self, base: Tree, head: Tree, printer: Printer | None = None, fix_hint: str = "") -> None:
        self.base, self.head = base, head
        self.printer = printer or Printer()
        self.fix_hint = fix_hint
        self.notes: list[str] = []
        self._changes: list[FileChange] | None = None

    def changes(self) -> Sequence[FileChange]:
        if self._changes is None:
            self._changes = [with_hunks(c, self.base, self.head) for c in changed_files(self.base, self.head)]
        return self._changes

    def read(self, path: str, side: Side) -> bytes | None:
        return (self.base if side == "base" else self.head).read(path)

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        return first_config(names, (self.base if side == "base" else self.head).read)

    def capabilities(self) -> Capabilities:
        return Capabilities(can_comment=True)

    def existing(self) -> Sequence[Posted]:
        return ()

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        if annotations:
            self.printer.out.write(annotations)

    def fix_command(self) -> FixRequest | None:
        return None

    def checkout(self) -> tuple[Repo, str] | None:
        if self.head.single is not None or not (self.head.rev or self.head.worktree):
            return None
        return Repo(self.head.root), self.head.rev or "HEAD"

    def snapshot(self, side: Side) -> Snapshot | None:
        return snapshot_of(self.base if side == "base" else self.head)

    def close(self) -> None:
        self.base.close()
        self.head.close()


def pull_request_preview(base: Tree, head: Tree, printer: Printer | None = None) -> LocalPlatform:
    """Two trees reviewed as a pull request would be (`jobguard demo`): with the pull request's fix hint."""
    return LocalPlatform(base, head, printer, fix_hint=pull_request.FIX_HINT)


class DryRun(_PrintedWrites):
    """A real platform for reads; every write printed instead of sent."""

    would = "would "
    nothing_pushed = "(dry run: nothing pushed)"

    def __init__(self, inner: Platform, printer: Printer | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.fix_hint = inner.fix_hint
        self.report_formats = inner.report_formats
        self.notes = inner.notes
        self.printer = printer or Printer()

    def changes(self) -> Sequence[FileChange]:
        return self.inner.changes()

    def read(self, path: str, side: Side) -> bytes | None:
        return self.inner.read(path, side)

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        return self.inner.config_text(names, side)

    def capabilities(self) -> Capabilities:
        return self.inner.capabilities()

    def suggestion(self, edit: TextEdit, change: FileChange, near: tuple[int, int] | None = None) -> Suggestion | None:
        return self.inner.suggestion(edit, change, near)

    def existing(self) -> Sequence[Posted]:
        return self.inner.existing()

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        self.printer.note("would write the report channels (outputs, job summary, report files)")

    def fix_command(self) -> FixRequest | None:
        return self.inner.fix_command()

    def checkout(self) -> tuple[Repo, str | None] | None:
        return self.inner.checkout()

    def snapshot(self, side: Side) -> Snapshot | None:
        return self.inner.snapshot(side)
