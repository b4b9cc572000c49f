"""`jobguard check` on a local checkout: resolve BASE and HEAD, diff them, run the engine.

BASE and HEAD are each a git revision of the repository in the current directory or a filesystem path (file or
directory). Defaults: base = merge-base of HEAD with the default branch (origin/HEAD, else main, else master);
head = the working tree. Two files are compared as one file; two directories file by file by relative path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from jobguard import check as engine
from jobguard import config as configuration
from jobguard.controllers.tool import GitOpsTool, detect
from jobguard.errors import UsageError
from jobguard.fixes.apply import apply_all
from jobguard.fixes.attach import attach
from jobguard.gitrepo import Repo
from jobguard.trees import Tree, changed_files, git, read_inside


@dataclass(frozen=True)
class LocalRun:
    result: engine.CheckResult
    exit_code: int
    base: Tree
    head: Tree
    config: configuration.Config


def check(
    *,
    base: str | None,
    head: str | None,
    paths: Sequence[str],
    cwd: Path,
    config_path: Path | None = None,
    kubernetes_version: str | None = None,
    fail_on: str | None = None,
    everything: bool = False,
) -> LocalRun:
    """`everything` (`check --all`): every Job under the PATHs as it is now, judged as new against no base."""
    if everything:
        paths = tuple(paths) or (".",)
        head_tree = _whole(paths, cwd)
        base_tree = Tree(root=head_tree.root, empty=True)
    else:
        repo = repository_root(cwd)
        head_tree = resolve(head, repo, cwd, "--head") if head else default_head(repo)
        base_tree = resolve(base, repo, cwd, "--base") if base else default_base(repo)
        if (base_tree.single is None) != (head_tree.single is None):
            raise UsageError("--base and --head must both be files, or both directories or revisions")
    pathspecs = tuple(_relative(p, head_tree.root, cwd) for p in paths)
    try:
        _unmatched(paths, pathspecs, base_tree, head_tree)
        changes = changed_files(base_tree, head_tree, pathspecs)

        def read(path: str, side: engine.Side) -> bytes | None:
            return (base_tree if side == "base" else head_tree).read(path)

        root = head_tree.root if head_tree.single is None else None
        config = configuration.with_overrides(configuration.for_root(config_path, root), fail_on, kubernetes_version)
        options = engine.options_from(config, repository_tool=_repository_tool(config, head_tree))
        result = engine.run(changes, read, options)
        result = replace(result, findings=attach(result.findings, result.files, options))
    finally:
        base_tree.close()
        head_tree.close()
    return LocalRun(result, engine.exit_code(result.findings, config.fail_on), base_tree, head_tree, config)


def _repository_tool(config: configuration.Config, head: Tree) -> GitOpsTool | None:
    """For `gitops: auto`: what the head's repository declares (git revisions and working trees only)."""
    if config.gitops is not GitOpsTool.AUTO or head.single is not None or not (head.rev or head.worktree):
        return None
    return detect(Repo(head.root), head.rev)


def repository_root(cwd: Path) -> Path | None:
    out = git(cwd, "rev-parse", "--show-toplevel", check=False).strip()
    return Path(out) if out else None


def resolve(spec: str, repo: Path | None, cwd: Path, flag: str) -> Tree:
    """A path on disk wins over a revision of the same name (like `git diff -- path` disambiguation)."""
    candidate = (cwd / spec) if not os.path.isabs(spec) else Path(spec)
    if _is(candidate, Path.is_file):
        return Tree(root=candidate.parent, single=candidate)
    if _is(candidate, Path.is_dir):
        if repo is not None and candidate.resolve() == repo.resolve():
            return default_head(repo)
        return Tree(root=candidate)
    if repo is None:
        raise UsageError(f"{flag} {spec}: no such file or directory, and not inside a git repository")
    sha = git(repo, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}", check=False).strip()
    if not sha:
        raise UsageError(f"{flag} {spec}: not a git revision of {repo} nor a file or directory")
    return Tree(root=repo, rev=sha)


def _whole(paths: Sequence[str], cwd: Path) -> Tree:
    """The tree `check --all` lists: the working tree of the git repository holding the first PATH (ignored
    files stay out), else that PATH's directory (or the file's), else the current directory."""
    first = cwd / (paths[0] if paths else ".")
    anchor = first if _is(first, Path.is_dir) else first.parent
    repo = repository_root(anchor) if _is(anchor, Path.is_dir) else None
    if repo is not None:
        return default_head(repo)
    return Tree(root=anchor if len(paths) <= 1 and _is(anchor, Path.is_dir) else cwd)


def _is(path: Path, test: Callable[[Path], bool]) -> bool:
    """`path.is_file()` and friends, False for a name the OS refuses (too long, NUL): it may be a revision."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def _unmatched(paths: Sequence[str], pathspecs: Sequence[str], base: Tree, head: Tree) -> None:
    """A PATH that names nothing on either side is a typo, not a clean check."""
    for path, spec in zip(paths, pathspecs, strict=True):
        if base.empty and not head.contains(spec):
            raise UsageError(f"{path}: no such file or directory")
        if not (base.contains(spec) or head.contains(spec)):
            raise UsageError(f"{path}: matches no file on either side of the change")


@dataclass(frozen=True)
class FixRun:
    lines: tuple[str, ...]
    exit_code: int
    config: configuration.Config


def fix(
    *,
    base: str | None,
    paths: Sequence[str],
    cwd: Path,
    config_path: Path | None,
    strategy: str | None,
    fail_on: str | None = None,
) -> FixRun:
    """Apply the chosen verified fix of every finding to the working tree, then check again."""
    before = check(base=base, head=None, paths=paths, cwd=cwd, config_path=config_path, fail_on=fail_on)
    root = before.head.root
    applied = apply_all(before.result.findings, lambda path: read_inside(root / path, root), strategy)
    if applied.refusal is not None:
        raise UsageError(applied.refusal)
    files = applied.texts
    lines = [f"{f.location.path}:{f.location.line}: {f.rule}: {fix.title}" for f, fix in applied.fixed]
    for path, text in files.items():
        (root / path).write_text(text, encoding="utf-8", newline="")
    after = check(base=base, head=None, paths=paths, cwd=cwd, config_path=config_path, fail_on=fail_on)
    left = len(after.result.findings)
    lines.append(
        f"jobguard: applied fixes to {len(files)} file{'s' if len(files) != 1 else ''}; "
        f"{left} finding{'s' if left != 1 else ''} left."
    )
    return FixRun(tuple(lines), after.exit_code, after.config)


def default_head(repo: Path | None) -> Tree:
    if repo is None:
        raise UsageError("not inside a git repository: give --base and --head as files or directories")
    return Tree(root=repo, worktree=True)


def default_base(repo: Path | None) -> Tree:
    if repo is None:
        raise UsageError("not inside a git repository: give --base and --head as files or directories")
    shallow = git(repo, "rev-parse", "--is-shallow-repository", check=False).strip() == "true"
    head = git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
    for ref in ("origin/HEAD", "main", "master", "origin/main", "origin/master"):
        sha = git(repo, "merge-base", "HEAD", ref, check=False).strip()
        if sha and not (shallow and sha == head):  # in a shallow clone HEAD itself is no evidence of a base
            return Tree(root=repo, rev=sha)
    if shallow:
        raise UsageError(SHALLOW)
    raise UsageError("cannot find the default branch (origin/HEAD, main or master): give --base")


SHALLOW = (
    "this shallow clone lacks the merge base of HEAD and the default branch, so there is no base to compare with: "
    "fetch the history (`git fetch --unshallow`, or `git fetch origin <default branch>`; in GitHub Actions "
    "`fetch-depth: 0` on actions/checkout) or give --base"
)


def _relative(path: str, root: Path, cwd: Path) -> str:
    full = (cwd / path).resolve()
    try:
        rel = full.relative_to(root.resolve())
    except ValueError:
        raise UsageError(f"{path}: outside {root}") from None
    return rel.as_posix()


def demo_root() -> Path:
    """The bundled example change: package data (`jobguard/demo/`), so a wheel or the image carries it too."""
    root = Path(str(resources.files("jobguard").joinpath("demo")))
    if not ((root / "base").is_dir() and (root / "head").is_dir()):
        raise UsageError(f"the bundled example is missing (expected {root}/base and {root}/head)")
    return root
