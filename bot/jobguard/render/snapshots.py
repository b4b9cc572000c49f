"""The two sides of a change as whole files, for rendering: a directory, a git revision, or a mapping.

Renders read from snapshots only, never from a pull request's working tree by accident: the git snapshot lists the
revision's blobs, and the directory snapshot (local `jobguard check` on the working tree) lists regular files only.
Symlinks are never listed by either: a link in the tree could point outside it (`/etc/passwd`, the runner's
credentials), and a build that needs one fails visibly instead of reading a file the pull request does not own.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from jobguard.gitrepo import Repo
from jobguard.manifest_guards import UnreadableFile
from jobguard.render.model import RenderSettings, Snapshot

REGULAR_MODES = (b"100644", b"100755")
MAX_INPUT_FILE_BYTES = RenderSettings().max_input_bytes
"""No render copies a file bigger than all its inputs may be together; bigger blobs are never read."""
"""Git modes of regular blobs; 120000 (symlink) and 160000 (submodule) are never read."""

_BLOB_LOCK = threading.Lock()
"""`Repo.blob` talks to one `git cat-file --batch` process: renders run in threads, so reads take turns."""


def clean(path: str) -> str | None:
    """`path` as a snapshot key (relative, `/`-separated, no `.`/`..`), or None when it is not one."""
    if not path or path.startswith("/") or "\\" in path or "\0" in path:
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return path


class DirSnapshot:
    """A directory's regular files; `.git` is skipped and symlinks (to files or folders) are not listed at all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._paths: tuple[str, ...] | None = None
        self._listed: frozenset[str] = frozenset()

    def paths(self) -> Sequence[str]:
        if self._paths is None:
            self._paths = tuple(sorted(self._walk()))
            self._listed = frozenset(self._paths)
        return self._paths

    def _walk(self) -> list[str]:
        found = []
        for folder, dirs, files in os.walk(self.root, followlinks=False):
            dirs[:] = [d for d in dirs if d != ".git" and not os.path.islink(os.path.join(folder, d))]
            for name in files:
                full = os.path.join(folder, name)
                if stat.S_ISREG(os.lstat(full).st_mode):
                    found.append(Path(full).relative_to(self.root).as_posix())
        return found

    def read(self, path: str) -> bytes | None:
        self.paths()
        if clean(path) is None or path not in self._listed:
            return None
        try:
            fd = os.open(self.root / path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            return handle.read()


class GitSnapshot:
    """A revision's regular blobs (`ls-tree -r --full-tree`): never symlinks, never submodules."""

    def __init__(self, repo: Repo, rev: str) -> None:
        self.repo = repo
        self.rev = rev
        self._paths: tuple[str, ...] | None = None
        self._listed: frozenset[str] = frozenset()

    def paths(self) -> Sequence[str]:
        if self._paths is None:
            done = self.repo.run_bytes("ls-tree", "-r", "-z", "--full-tree", self.rev, timeout=120.0)
            entries = done.stdout.split(b"\0") if done.returncode == 0 else []
            self._paths = tuple(sorted(path for path in map(_regular_blob, entries) if path is not None))
            self._listed = frozenset(self._paths)
        return self._paths

    def read(self, path: str) -> bytes | None:
        self.paths()
        if path not in self._listed:
            return None
        with _BLOB_LOCK:
            try:  # a render input may be bigger than a manifest (a CRD bundle); the workspace caps the total
                return self.repo.blob(self.rev, path, max_bytes=MAX_INPUT_FILE_BYTES)
            except UnreadableFile:  # over even that, or a symlink git lists as a blob target out of the tree
                return None


def _regular_blob(entry: bytes) -> str | None:
    """The path of one `ls-tree -z` entry (`<mode> <type> <object>\\t<path>`) when it is a regular blob."""
    meta, tab, name = entry.partition(b"\t")
    fields = meta.split()
    if not tab or len(fields) != 3 or fields[0] not in REGULAR_MODES or fields[1] != b"blob":
        return None
    return clean(name.decode("utf-8", "surrogateescape"))


class MappingSnapshot:
    """Files from a mapping: tests, and a tree re-rendered with a fix applied (`overlay`)."""

    def __init__(self, files: Mapping[str, bytes], *, base: Snapshot | None = None) -> None:
        """`base`: files not in `files` are read from it (a `None` value in `overlay`'s changes removes one)."""
        self._files = dict(files)
        self._base = base
        self._removed: frozenset[str] = frozenset()

    @classmethod
    def overlay(cls, base: Snapshot, changes: Mapping[str, bytes | None]) -> MappingSnapshot:
        """`base` with `changes` applied (a value of None deletes the path); `base` is read lazily."""
        snapshot = cls({path: data for path, data in changes.items() if data is not None}, base=base)
        snapshot._removed = frozenset(path for path, data in changes.items() if data is None)
        return snapshot

    def paths(self) -> Sequence[str]:
        listed = set(self._files)
        if self._base is not None:
            listed.update(path for path in self._base.paths() if path not in self._removed)
        return tuple(sorted(path for path in listed if clean(path) is not None))

    def read(self, path: str) -> bytes | None:
        if path in self._files:
            return self._files[path]
        if self._base is None or path in self._removed:
            return None
        return self._base.read(path)
