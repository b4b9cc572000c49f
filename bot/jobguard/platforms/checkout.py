"""The change read from the local clone when it holds both commits, else through the API: written once.

A clone costs no API call and no rate limit (review-apis.md B1, C1), so both adapters try it first. They differ
only in how they find the clone (GitHub: GITHUB_WORKSPACE with fetch-depth 0, diffed from the merge base; GitLab:
CI_PROJECT_DIR, a shallow clone topped up by one quiet fetch) and in their API, the `Remote` each passes in.
Nothing from the change is executed: `Repo` only reads objects, with diff drivers and textconv switched off.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from jobguard import diff as diffs
from jobguard.errors import ConfigError
from jobguard.gitrepo import Repo
from jobguard.manifest_guards import UnreadableFile
from jobguard.platforms import Side
from jobguard.render.model import Snapshot
from jobguard.render.snapshots import GitSnapshot


@dataclass(frozen=True)
class Clone:
    """A checkout holding the change: the commit its diff starts from, and the head commit."""

    repo: Repo
    base: str
    head: str


class Remote(Protocol):
    """The API half of a change source; each method is only called when there is no clone."""

    def changes(self) -> list[diffs.FileChange]: ...

    def base(self) -> str:
        """The commit the platform's diff starts from (GitHub: the merge base, GitLab: the diff base SHA)."""
        ...

    def head(self) -> str: ...

    def blob(self, rev: str, path: str) -> bytes | None: ...


class ChangeReader:
    """Reads one change, from the clone `find_clone` returns (asked once, lazily), else from `remote`.

    `diff_failed`: the note left when git could not diff the clone (the API is asked instead); empty, say nothing.
    """

    def __init__(
        self, find_clone: Callable[[], Clone | None], remote: Remote, *, notes: list[str], diff_failed: str = ""
    ) -> None:
        self._find_clone = find_clone
        self.remote = remote
        self.notes = notes
        self.diff_failed = diff_failed
        self.source = ""  # "git" once the clone gave the diff
        self._changes: list[diffs.FileChange] | None = None
        self._blobs: dict[tuple[str, str], bytes | None] = {}  # API reads: (rev, path) -> bytes
        self._snapshots: dict[Side, GitSnapshot] = {}

    @functools.cached_property
    def clone(self) -> Clone | None:
        return self._find_clone()

    def changes(self) -> Sequence[diffs.FileChange]:
        if self._changes is None:
            local = self._local_changes()
            self._changes = local if local is not None else self.remote.changes()
        return self._changes

    def _local_changes(self) -> list[diffs.FileChange] | None:
        clone = self.clone
        if clone is None:
            return None
        try:
            parsed = clone.repo.changes(clone.base, clone.head)
        except ValueError:
            parsed = None
        if parsed is None:
            if self.diff_failed:
                self.notes.append(self.diff_failed)
            return None
        self.source = "git"
        return parsed

    def read(self, path: str, side: Side) -> bytes | None:
        """A file on one side of the diff: the clone's commits, else the API's base and head."""
        clone = self.clone
        if clone is not None:
            return clone.repo.blob(clone.base if side == "base" else clone.head, path)
        return self.read_at(self.remote.base() if side == "base" else self.remote.head(), path)

    def read_at(self, rev: str, path: str) -> bytes | None:
        """A file at any commit the clone holds (the config's commit), else through the API, read once."""
        if self.clone is not None:
            return self.clone.repo.blob(rev, path)
        key = (rev, path)
        if key not in self._blobs:
            self._blobs[key] = self.remote.blob(rev, path)
        return self._blobs[key]

    def checkout(self) -> tuple[Repo, str] | None:
        clone = self.clone
        return (clone.repo, clone.head) if clone is not None else None

    def snapshot(self, side: Side) -> Snapshot | None:
        """The clone's two revisions as the diff has them (its base and head commits); None without a clone: the
        API gives files one by one, never a whole revision to render."""
        clone = self.clone
        if clone is None:
            return None
        if side not in self._snapshots:
            self._snapshots[side] = GitSnapshot(clone.repo, clone.base if side == "base" else clone.head)
        return self._snapshots[side]

    def close(self) -> None:
        """Stop the clone's `git cat-file` process; a clone never looked for is not looked for now."""
        clone = self.__dict__.get("clone")
        if clone is not None:
            clone.repo.close()


def first_config(names: Sequence[str], read: Callable[[str], bytes | None]) -> tuple[str, str] | None:
    """(path, text) of the first of `names` that `read` finds, decoded alike on every platform: a BOM dropped,
    undecodable bytes replaced (the config parser then reports them with a position)."""
    for name in names:
        try:
            data = read(name)
        except UnreadableFile as exc:  # a config symlinked out of the tree, or over the size limit
            raise ConfigError(f"{name}:1:1: {exc}") from None
        if data is not None:
            return name, data.decode("utf-8-sig", "replace")
    return None
