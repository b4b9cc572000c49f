"""The two sides of a local change: git revisions, the working tree, directories or single files.

`jobguard check` compares any two of these; this module lists their manifest files, reads them safely (never
following a symlink out of the tree) and produces the unified diff the engine and fixes work from.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jobguard import diff as diffs
from jobguard import manifest_guards as guards
from jobguard.errors import UsageError
from jobguard.gitrepo import MANIFEST_PATHSPECS, Repo
from jobguard.manifest_guards import UnreadableFile
from jobguard.render.model import Snapshot
from jobguard.render.snapshots import DirSnapshot, GitSnapshot, MappingSnapshot


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run git in `repo` (safe.directory, no prompts, unquoted paths); a failure is a usage error if `check`."""
    done = Repo(repo).run(*args)
    if check and done.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout if done.returncode == 0 else ""


@dataclass
class Tree:
    """One side of the change. `rev` set: a git revision of `root`; else files on disk under `root`."""

    root: Path
    rev: str | None = None
    single: Path | None = None  # a single file compared as one file
    worktree: bool = False  # the working tree of a git repository (lists tracked + untracked, not ignored)
    empty: bool = False  # nothing at all: the base of `check --all`, where every Job is new
    repo: Repo | None = field(default=None, repr=False)
    cache: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    def files(self) -> dict[str, bytes | str]:
        """Manifest files: relative path -> a content key (blob id) or, on disk, the path itself."""
        if self.empty:
            return {}
        if self.single is not None:
            return {self.single.name: str(self.single)}
        if self.rev is not None:
            out = git(self.root, "ls-tree", "-r", "-z", "--full-tree", self.rev)
            listing: dict[str, bytes | str] = {}
            for entry in filter(None, out.split("\0")):
                meta, path = entry.split("\t", 1)
                if diffs.is_manifest(path):
                    listing[path] = meta.split()[2].encode()
            return listing
        if self.worktree:
            out = git(self.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
            paths: Iterable[str] = filter(None, out.split("\0"))
        else:
            paths = _walk(self.root)
        return {p: str(self.root / p) for p in paths if diffs.is_manifest(p) and _file_or_link(self.root / p)}

    def contains(self, pathspec: str) -> bool:
        """Whether a file or directory `pathspec` (relative to `root`; "" is the root) exists on this side."""
        if self.empty:
            return False
        if pathspec in ("", "."):
            return True
        if self.single is not None:
            return pathspec == self.single.name
        if self.rev is not None:
            return bool(git(self.root, "ls-tree", "--full-tree", "--name-only", self.rev, "--", pathspec, check=False))
        full = self.root / pathspec
        try:
            return full.exists() or full.is_symlink()
        except OSError:  # a name the OS refuses (too long) names nothing
            return False

    def read(self, path: str) -> bytes | None:
        """Each file is read once per run (the diff and the engine both ask)."""
        if path not in self.cache:
            self.cache[path] = self._read(path)
        return self.cache[path]

    def _read(self, path: str) -> bytes | None:
        if self.empty:
            return None
        if self.rev is not None:
            if self.repo is None:
                self.repo = Repo(self.root)
            return self.repo.blob(self.rev, path)
        full = self.single if self.single is not None else self.root / path
        return read_inside(full, self.single.parent if self.single is not None else self.root)

    def close(self) -> None:
        if self.repo is not None:
            self.repo.close()


def snapshot_of(tree: Tree) -> Snapshot | None:
    """The side as whole files to render: a revision's blobs (never the working tree for a revision), a directory
    or working tree as it is on disk, nothing for `check --all`'s empty base; None for a single file."""
    if tree.single is not None:
        return None
    if tree.empty:
        return MappingSnapshot({})
    if tree.rev is not None:
        tree.repo = tree.repo or Repo(tree.root)  # closed with the tree
        return GitSnapshot(tree.repo, tree.rev)
    return WorktreeSnapshot(tree.root) if tree.worktree else DirSnapshot(tree.root)


class WorktreeSnapshot(DirSnapshot):
    """A working tree as git sees it (tracked and untracked files, not ignored ones: no `.venv` walked), regular
    files only, read without following a symlink (DirSnapshot's read)."""

    def _walk(self) -> list[str]:
        out = git(self.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", check=False)
        return [p for p in dict.fromkeys(out.split("\0")) if p and _regular(self.root / p)]


def _regular(path: Path) -> bool:
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def read_inside(full: Path, root: Path) -> bytes | None:
    """Read a file, following a symlink only while it stays inside `root` (Argo CD's rule too). None when no file is
    there (a directory, a submodule's checkout); UnreadableFile for a link out of the tree or a loop, a file over the
    size limit (from its size, before reading) or one the OS refuses to read."""
    if full.is_symlink():
        try:
            target = full.resolve()
        except (RuntimeError, OSError):  # Python < 3.13 raises RuntimeError for a loop, newer ones OSError(ELOOP)
            raise UnreadableFile(f"symlink loop at {os.readlink(full)}; not followed") from None
        if not _inside(target, root.resolve()):
            raise UnreadableFile(f"symlink to {os.readlink(full)} points outside the repository; not followed")
        full = target
    try:
        if not full.is_file():
            return None
        refused = guards.too_big(full.stat().st_size)  # asked before reading, as git modes ask git
        if refused is None:
            return full.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from None
    raise UnreadableFile(refused)


def _file_or_link(path: Path) -> bool:
    """Listed on disk: a file, or a symlink (`read_inside` follows it or says why it will not: a loop is reported)."""
    return path.is_file() or path.is_symlink()


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _walk(root: Path) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in filenames:
            found.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return sorted(found)


def changed_files(base: Tree, head: Tree, pathspecs: tuple[str, ...] = ()) -> list[diffs.FileChange]:
    """The manifest files that differ between two trees.

    Where both sides are git, git's own diff gives renames and hunks at C speed. Otherwise files are compared
    byte by byte and hunks are left out: only files with findings need them (`with_hunks`), and computing a
    diff for every changed file would cost more than reviewing them.
    """
    if base.rev is not None and base.root == head.root and (head.rev is not None or head.worktree):
        specs = tuple(pathspecs) or MANIFEST_PATHSPECS
        changes = _git_changes(base, head, specs)
        if head.worktree:
            untracked = git(head.root, "ls-files", "-z", "--others", "--exclude-standard", "--", *specs)
            for path in filter(None, untracked.split("\0")):
                added = _file_change(base, head, None, path) if diffs.is_manifest(path) else None
                if added is not None:
                    changes.append(added)
        return changes
    if base.single is not None and head.single is not None:
        name = head.single.name
        same = base.read(name) == head.read(name)
        return [] if same else [diffs.FileChange(name, name, diffs.Status.MODIFIED)]
    old, new = base.files(), head.files()
    changes = []
    for path in sorted(set(old) | set(new)):
        if not _selected(path, pathspecs):
            continue
        if path not in new:
            changes.append(diffs.FileChange(path, None, diffs.Status.REMOVED))
        elif path not in old:
            changes.append(diffs.FileChange(None, path, diffs.Status.ADDED))
        elif not (isinstance(old[path], bytes) and old[path] == new[path]) and _differs(base, head, path):
            changes.append(diffs.FileChange(path, path, diffs.Status.MODIFIED))
    return changes


def _git_changes(base: Tree, head: Tree, specs: tuple[str, ...]) -> list[diffs.FileChange]:
    """Both sides then read through one Repo: the blob sizes asked for the diff are not asked again."""
    if base.repo is None:
        base.repo = head.repo or Repo(base.root)
    head.repo = base.repo
    rev = head.rev
    changes = base.repo.changes(base.rev or "HEAD", rev, specs)
    if changes is None:  # say what git said
        git(base.root, "diff", "--raw", base.rev or "HEAD", *([rev] if rev else []), "--", *specs)
        raise UsageError(f"git diff {base.rev} {rev or ''}: failed")
    return changes


def _differs(base: Tree, head: Tree, path: str) -> bool:
    """Two files on disk are compared without keeping their bytes: the same file, or another size, answers without
    a read; else both are compared chunk by chunk. Only the few files that differ are read again (and kept)."""
    if base.rev is None and head.rev is None and not base.empty and not head.empty:
        same = _same_on_disk(base.root / path, head.root / path)
        if same is not None:
            return not same
    try:
        return base.read(path) != head.read(path)
    except UnreadableFile:
        return True  # the engine reads it again and reports why


_CHUNK = 1 << 16


def _same_on_disk(old: Path, new: Path) -> bool | None:
    """Whether two regular files hold the same bytes; None for a symlink or an error (read_inside decides)."""
    try:
        a, b = old.lstat(), new.lstat()
        if not (stat.S_ISREG(a.st_mode) and stat.S_ISREG(b.st_mode)):
            return None
        if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
            return True
        if a.st_size != b.st_size:
            return False
        with old.open("rb") as left, new.open("rb") as right:
            while chunk := left.read(_CHUNK):
                if chunk != right.read(_CHUNK):
                    return False
        return True
    except OSError:
        return None


def with_hunks(change: diffs.FileChange, base: Tree, head: Tree) -> diffs.FileChange:
    """The same change with its hunks, computed from the two texts (git-style, 3 lines of context)."""
    if change.hunks or change.new_path is None:
        return change
    return _file_change(base, head, change.old_path, change.new_path) or change


def _selected(path: str, pathspecs: tuple[str, ...]) -> bool:
    return not pathspecs or any(p in ("", ".") or path == p or path.startswith(p.rstrip("/") + "/") for p in pathspecs)


def _file_change(base: Tree, head: Tree, old_path: str | None, new_path: str | None) -> diffs.FileChange | None:
    try:
        old = base.read(old_path) if old_path else None
        new = head.read(new_path) if new_path else None
    except UnreadableFile:
        old, new = b"", b"\n"  # the engine reads the file again and reports why; the diff only names it
    return diffs.between(old_path, new_path, old, new)
