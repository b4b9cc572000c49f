"""Which part of a checkout a review looks at: `review --working-directory` and `--paths` (the action's inputs).

A monorepo keeps its GitOps tree in a folder, and a workflow may check the repository out below the workspace
(actions/checkout `path:`); both are a directory inside the workspace. The review then reads the checkout that
holds that directory, and only the changes under it, or under the given paths inside it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from jobguard.diff import FileChange
from jobguard.errors import UsageError


@dataclass(frozen=True)
class Scope:
    """`checkout`: the git checkout to read when it is not the workspace itself (None: the platform's own);
    `paths`: repository-relative files or directories to review (empty: the whole change)."""

    checkout: Path | None = None
    paths: tuple[str, ...] = ()


def resolve(workspace: Path, working_directory: str | None, paths: str | None) -> Scope:
    """The scope of the inputs, every path checked to stay inside the workspace (a usage error otherwise)."""
    top = workspace.resolve()
    folder = _inside(top, working_directory or ".", "--working-directory", top)
    if not folder.is_dir():
        raise UsageError(f"--working-directory {working_directory}: no such directory in {workspace}")
    checkout = next((d for d in (folder, *folder.parents) if (d / ".git").exists() and _within(d, top)), top)
    prefix = folder.relative_to(checkout).as_posix()
    chosen = []
    for item in (paths or "").split():
        _inside(top, item, "--paths", folder)
        chosen.append(posixpath.normpath(posixpath.join(prefix, item)))
    if not chosen:
        chosen = [prefix]
    whole = "." in chosen
    return Scope(None if checkout == top else checkout, () if whole else tuple(sorted(set(chosen))))


def selected(change: FileChange, paths: Sequence[str]) -> bool:
    """A change is in scope when its old or new path lies under one of `paths` (a rename into the scope counts)."""
    if not paths:
        return True
    names = [p for p in (change.old_path, change.new_path) if p]
    return any(name == p or name.startswith(p.rstrip("/") + "/") for name in names for p in paths)


def _inside(top: Path, given: str, flag: str, base: Path) -> Path:
    if PurePosixPath(given).is_absolute() or Path(given).is_absolute():
        raise UsageError(f"{flag} {given}: give a path relative to the workspace, not an absolute one")
    full = (base / given).resolve()
    if not _within(full, top):
        raise UsageError(f"{flag} {given}: outside the workspace {top}")
    return full


def _within(path: Path, top: Path) -> bool:
    return path == top or top in path.parents
