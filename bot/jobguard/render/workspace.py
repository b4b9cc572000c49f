"""The files one render reads, copied out of a snapshot into a fresh temporary directory.

Only the listed repository paths are written, as regular files without the executable bit (nothing in the copy
can be run, whatever its git mode), below the workspace's `repo/` folder: a path that
is absolute, has a `..` or `.` component, or uses a file as a folder is refused (it would write outside the copy or
silently drop a file). The total size is capped so that a pull request cannot fill the disk; over the cap the root
is skipped, not failed. The tools get the rest of the temporary directory as HOME and caches (sandbox.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jobguard.render.model import Snapshot
from jobguard.render.snapshots import clean


class Refused(Exception):
    """The inputs cannot be materialized: `skipped` (a limit) or an error (an unsafe tree)."""

    def __init__(self, reason: str, *, skipped: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.skipped = skipped


@dataclass(frozen=True)
class Inputs:
    """The files of one render, sorted by path; read once, then hashed and written."""

    files: tuple[tuple[str, bytes], ...]

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(path for path, _ in self.files)

    def feed(self, update: Callable[[bytes], None]) -> None:
        """Every path and content into a hash (length-prefixed, so no two trees collide by concatenation)."""
        for path, data in self.files:
            name = path.encode("utf-8", "surrogateescape")
            update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)


@dataclass(frozen=True)
class Workspace:
    """A render's temporary directory: `repo` holds the copied tree, `scratch` is the tools' HOME and caches."""

    top: Path
    repo: Path
    scratch: Path

    def path(self, repo_path: str) -> Path:
        """Where a repository path (a file or a folder, "" for the root) lives in the copy."""
        return self.repo / repo_path if repo_path else self.repo


def collect(snapshot: Snapshot, paths: Iterable[str], max_bytes: int) -> Inputs:
    """Read `paths` from the snapshot (paths it does not hold are left out: the build reports what it misses)."""
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(set(paths)):
        if clean(path) is None:
            raise Refused(f"unsafe path in the tree: {path!r}", skipped=False)
        data = snapshot.read(path)
        if data is None:
            continue
        total += len(data)
        if total > max_bytes:
            raise Refused(f"its files are over the {max_bytes:,}-byte render input limit", skipped=True)
        files[path] = data
    _check_layout(files)
    return Inputs(tuple(sorted(files.items())))


def _check_layout(files: dict[str, bytes]) -> None:
    """A path below another file (`a` and `a/b`) cannot both be written: refuse rather than drop one."""
    for path in files:
        parts = path.split("/")
        for end in range(1, len(parts)):
            if "/".join(parts[:end]) in files:
                raise Refused(
                    f"unsafe path in the tree: {path!r} is below the file {'/'.join(parts[:end])!r}", skipped=False
                )


@contextmanager
def materialize(inputs: Inputs) -> Iterator[Workspace]:
    """A fresh temporary directory holding `inputs`, removed afterwards whatever happens."""
    top = Path(tempfile.mkdtemp(prefix="jobguard-render-"))
    try:
        workspace = Workspace(top=top, repo=top / "repo", scratch=top / "scratch")
        workspace.repo.mkdir()
        workspace.scratch.mkdir()
        for path, data in inputs.files:
            _write(workspace.repo, path, data)
        yield workspace
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _write(repo: Path, path: str, data: bytes) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
