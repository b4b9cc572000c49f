"""The paths of one snapshot as a tree: is it a file, a directory, what lies under a directory.

Finding roots and their inputs asks these questions thousands of times; `Snapshot.paths()` may walk a directory or
list a git tree on every call, so the answer is built once per snapshot (sorted, then bisected) and kept for the
few snapshots a run holds (base and head). A snapshot is one revision: its paths never change.
"""

from __future__ import annotations

import bisect
import functools
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from jobguard.render.model import Snapshot

_KEPT = 4  # base and head, with room for a fix's re-render


@dataclass(frozen=True)
class Tree:
    """Every file path of a revision, sorted; directories are the prefixes of those paths."""

    paths: tuple[str, ...]
    files: frozenset[str]

    @classmethod
    def of(cls, snapshot: Snapshot) -> Tree:
        for kept, tree in _CACHE:
            if kept is snapshot:
                return tree
        tree = cls.build(snapshot.paths())
        _CACHE.insert(0, (snapshot, tree))
        del _CACHE[_KEPT:]
        return tree

    @classmethod
    def build(cls, paths: Iterable[str]) -> Tree:
        names = sorted(set(paths))
        return cls(tuple(names), frozenset(names))

    def is_file(self, path: str) -> bool:
        return path in self.files

    def is_dir(self, path: str) -> bool:
        """A directory holds at least one file; "" (the repository root) does when the revision has any file."""
        if not path:
            return bool(self.paths)
        prefix = f"{path}/"
        i = bisect.bisect_left(self.paths, prefix)
        return i < len(self.paths) and self.paths[i].startswith(prefix)

    def under(self, path: str) -> tuple[str, ...]:
        """Every file below directory `path`, in path order."""
        if not path:
            return self.paths
        prefix = f"{path}/"
        lo = bisect.bisect_left(self.paths, prefix)
        hi = bisect.bisect_left(self.paths, f"{path}0")  # "0" sorts right after "/"
        return self.paths[lo:hi]

    @functools.cached_property
    def directories(self) -> tuple[str, ...]:
        """Every directory (not the root), sorted: what Argo CD's git directory generator matches against."""
        found = {d for p in self.paths for d in _ancestors(posixpath.dirname(p))}
        return tuple(sorted(found))


_CACHE: list[tuple[Snapshot, Tree]] = []


def _ancestors(folder: str) -> list[str]:
    found = []
    while folder:
        found.append(folder)
        folder = posixpath.dirname(folder)
    return found


def join(folder: str, relative: str) -> str | None:
    """`relative` resolved against repository directory `folder`; None when it leaves the repository."""
    if relative.startswith("/"):
        relative = relative.lstrip("/")
        folder = ""
    joined = posixpath.normpath(posixpath.join(folder, relative)) if relative else (folder or ".")
    if joined == ".":
        return ""
    if joined == ".." or joined.startswith("../"):
        return None
    return joined
