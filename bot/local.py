"""`jobguard check` on a local checkout: resolve BASE and HEAD, diff them, run the engine.

BASE and HEAD are each a git revision of the repository in the current directory or a filesystem path (file or
directory). Defaults: base = merge-base of HEAD with the default branch (origin/HEAD, else main, else master);
head = the working tree. Two files are compared as one file; two directories file by file by relative path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot import check as engine
from bot.errors import UsageError
from bot.immutability import DEFAULT_KUBERNETES_VERSION, KubeVersion
from bot.trees import Tree, changed_files, git


@dataclass(frozen=True)
class LocalRun:
    result: engine.CheckResult
    exit_code: int
    base: Tree
    head: Tree


def check(
    *,
    base: str | None,
    head: str | None,
    paths: Sequence[str],
    cwd: Path,
    kubernetes_version: KubeVersion = DEFAULT_KUBERNETES_VERSION,
) -> LocalRun:
    repo = repository_root(cwd)
    head_tree = resolve(head, repo, cwd, "--head") if head else _worktree(repo)
    base_tree = resolve(base, repo, cwd, "--base") if base else _merge_base(repo)
    if (base_tree.single is None) != (head_tree.single is None):
        raise UsageError("--base and --head must both be files, or both directories or revisions")
    pathspecs = tuple(_relative(p, head_tree.root, cwd) for p in paths)
    try:
        changes = changed_files(base_tree, head_tree, pathspecs)

        def read(path: str, side: engine.Side) -> bytes | None:
            return (base_tree if side == "base" else head_tree).read(path)

        options = engine.CheckOptions(kubernetes_version=kubernetes_version)
        result = engine.run(changes, read, options)
    finally:
        base_tree.close()
        head_tree.close()
    return LocalRun(result, engine.exit_code(result.findings), base_tree, head_tree)


def repository_root(cwd: Path) -> Path | None:
    out = git(cwd, "rev-parse", "--show-toplevel", check=False).strip()
    return Path(out) if out else None


def resolve(spec: str, repo: Path | None, cwd: Path, flag: str) -> Tree:
    """A path on disk wins over a revision of the same name (like `git diff -- path` disambiguation)."""
    candidate = (cwd / spec) if not os.path.isabs(spec) else Path(spec)
    if candidate.is_file():
        return Tree(root=candidate.parent, single=candidate)
    if candidate.is_dir():
        if repo is not None and candidate.resolve() == repo.resolve():
            return _worktree(repo)
        return Tree(root=candidate)
    if repo is None:
        raise UsageError(f"{flag} {spec}: no such file or directory, and not inside a git repository")
    sha = git(repo, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}", check=False).strip()
    if not sha:
        raise UsageError(f"{flag} {spec}: not a git revision of {repo} nor a file or directory")
    return Tree(root=repo, rev=sha)


def _worktree(repo: Path | None) -> Tree:
    if repo is None:
        raise UsageError("not inside a git repository: give --base and --head as files or directories")
    return Tree(root=repo, worktree=True)


def _merge_base(repo: Path | None) -> Tree:
    if repo is None:
        raise UsageError("not inside a git repository: give --base and --head as files or directories")
    for ref in ("origin/HEAD", "main", "master", "origin/main", "origin/master"):
        sha = git(repo, "merge-base", "HEAD", ref, check=False).strip()
        if sha:
            return Tree(root=repo, rev=sha)
    raise UsageError("cannot find the default branch (origin/HEAD, main or master): give --base")


def _relative(path: str, root: Path, cwd: Path) -> str:
    full = (cwd / path).resolve()
    try:
        rel = full.relative_to(root.resolve())
    except ValueError:
        raise UsageError(f"{path}: outside {root}") from None
    return rel.as_posix()


def demo_root() -> Path:
    """The bundled example change (`fixtures/demo/` in the source tree, also shipped inside the package)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "fixtures" / "demo", here / "demo"):
        if (candidate / "base").is_dir() and (candidate / "head").is_dir():
            return candidate
    raise UsageError("the bundled example is missing (expected fixtures/demo/ beside the package)")
