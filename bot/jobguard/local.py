"""`jobguard check` and `fix` on a local checkout: resolve BASE and HEAD as a change source for `pipeline.analyse`.

BASE and HEAD are each a git revision of the repository in the current directory or a filesystem path (file or
directory). Defaults: base = merge-base of HEAD with the default branch (origin/HEAD, else main, else master);
head = the working tree. Two files are compared as one file; two directories file by file by relative path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jobguard import config as configuration
from jobguard import pipeline
from jobguard.diff import FileChange
from jobguard.errors import UsageError
from jobguard.gitrepo import Repo
from jobguard.platforms import Side
from jobguard.platforms.checkout import first_config
from jobguard.render.model import Snapshot
from jobguard.trees import Tree, changed_files, git, snapshot_of


@dataclass(frozen=True)
class LocalRun:
    """One local check: what the pipeline found, the trees it compared (closed) and the configuration used."""

    analysis: pipeline.Analysis
    source: TreeSource
    config: configuration.Config

    @property
    def exit_code(self) -> int:
        return self.analysis.exit_code


@dataclass
class TreeSource:
    """The change between two local trees (revisions, directories or files), under the PATHs given."""

    base: Tree
    head: Tree
    pathspecs: tuple[str, ...] = ()
    _changes: list[FileChange] | None = field(default=None, repr=False)
    _snapshots: dict[Side, Snapshot | None] = field(default_factory=dict, repr=False)

    def changes(self) -> Sequence[FileChange]:
        if self._changes is None:
            self._changes = changed_files(self.base, self.head, self.pathspecs)
        return self._changes

    def read(self, path: str, side: Side) -> bytes | None:
        return (self.base if side == "base" else self.head).read(path)

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        return first_config(names, (self.base if side == "base" else self.head).read)

    def checkout(self) -> tuple[Repo, str | None] | None:
        """For `gitops: auto`: the head's repository (git revisions and working trees only; None: the work tree)."""
        if self.head.single is not None or not (self.head.rev or self.head.worktree):
            return None
        return Repo(self.head.root), self.head.rev

    def snapshot(self, side: Side) -> Snapshot | None:
        """A git revision, a directory or the working tree as whole files (None for two single files)."""
        if side not in self._snapshots:
            self._snapshots[side] = snapshot_of(self.base if side == "base" else self.head)
        return self._snapshots[side]

    def close(self) -> None:
        self.base.close()
        self.head.close()


def check(
    run: pipeline.RunOptions, cwd: Path, *, base: str | None = None, head: str | None = None, everything: bool = False
) -> LocalRun:
    """`everything` (`check --all`): every Job under the PATHs as it is now, judged as new against no base."""
    paths = (tuple(run.paths) or (".",)) if everything else tuple(run.paths)
    base_tree, head_tree = _whole_sides(paths, cwd) if everything else _sides(base, head, cwd)
    source = TreeSource(base_tree, head_tree, tuple(_relative(p, head_tree.root, cwd) for p in paths))
    try:
        _unmatched(paths, source.pathspecs, base_tree, head_tree)
        source.changes()  # the diff before the config, as it always was: its errors are reported first
        config = run.configured(_head_config(run.config_path, head_tree))
        analysis = pipeline.analyse(source, config)
    finally:
        source.close()
    return LocalRun(analysis, source, config)


def _head_config(config_path: Path | None, head: Tree) -> configuration.Config:
    """--config from disk, else the head's own config file: read from the revision itself when HEAD is one (the
    working tree may hold another branch's), found as `review` finds the base's (configuration.in_tree)."""
    if config_path is not None or head.rev is None:
        return configuration.for_root(config_path, head.root if head.single is None else None)
    return configuration.in_tree(lambda names: first_config(names, head.read)) or configuration.DEFAULT


def _sides(base: str | None, head: str | None, cwd: Path) -> tuple[Tree, Tree]:
    repo = repository_root(cwd)
    head_tree = resolve(head, repo, cwd, "--head") if head else default_head(repo)
    base_tree = resolve(base, repo, cwd, "--base") if base else default_base(repo)
    if (base_tree.single is None) != (head_tree.single is None):
        raise UsageError("--base and --head must both be files, or both directories or revisions")
    return base_tree, head_tree


def _whole_sides(paths: Sequence[str], cwd: Path) -> tuple[Tree, Tree]:
    head_tree = _whole(paths, cwd)
    return Tree(root=head_tree.root, empty=True), head_tree


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


def fix(run: pipeline.RunOptions, cwd: Path, base: str | None = None) -> FixRun:
    """Apply the chosen verified fix of every finding to the working tree, then check again."""
    before = check(run, cwd, base=base)
    applied = pipeline.apply_fixes(before.source, before.analysis, run.strategy)
    if applied.refusal is not None:
        raise UsageError(applied.refusal)
    root = before.source.head.root
    files = applied.texts
    lines = [f"{f.location.path}:{f.location.line}: {f.rule}: {fix.title}" for f, fix in applied.fixed]
    for path, text in files.items():
        (root / path).write_text(text, encoding="utf-8", newline="")
    after = check(run, cwd, base=base)
    left = len(after.analysis.findings)
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
