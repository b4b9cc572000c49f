"""Which files of a revision can declare GitOps objects: one search per revision, kept, asked only when needed.

`gitops: auto` (controllers.tool.detect) and root discovery (render.roots) both ask which files name an Argo CD or
Flux API group. Asking it with a regular expression over every YAML file, twice, on every review was most of the
cost of a small change in a big repository, so the question is asked once: one fixed-string `git grep -l` over
the revision (C speed, no regex) lists the few files that name `argoproj.io/` or `toolkit.fluxcd.io/`; callers
then read only those. A revision never changes, so its answer is kept for the process (keyed by its tree); the
working tree can change, so its answer is not.
"""

from __future__ import annotations

import threading

from jobguard.controllers.argocd import ARGO_API_GROUP
from jobguard.controllers.flux import FLUX_GROUP_SUFFIX
from jobguard.gitrepo import Repo

MARKERS = (ARGO_API_GROUP, FLUX_GROUP_SUFFIX)
"""Every Argo CD (`argoproj.io/`) and Flux (`*.toolkit.fluxcd.io/`) apiVersion contains one of these strings."""
PATHSPECS = (":(icase)*.yaml", ":(icase)*.yml", ":(icase)*.json")
"""Manifests, and the JSON files root discovery reads too."""

_CACHE: dict[tuple[str, str], tuple[str, ...]] = {}
_LOCK = threading.Lock()  # renders run in threads: the search runs once per revision, not once per thread


def declaring_files(repo: Repo, rev: str | None) -> tuple[str, ...] | None:
    """The YAML and JSON files of `rev` (None: the working tree) under `repo.path` whose bytes contain one of
    `MARKERS`, sorted, as paths relative to `repo.path` (what `git grep` prints); None when git failed.

    A superset of the files declaring an Application, ApplicationSet, AppProject or Flux object: a caller still
    checks each file it reads. `--text`: a pull request's `.gitattributes` must not hide a file from the search.
    """
    tree = _tree(repo, rev) if rev is not None else None
    key = (str(repo.path.resolve()), tree) if tree is not None else None
    with _LOCK:
        if key is not None and key in _CACHE:
            return _CACHE[key]
        found = _search(repo, rev)
        if key is not None and found is not None:
            _CACHE[key] = found
        return found


def declaring_paths(repo: Repo, rev: str) -> frozenset[str] | None:
    """`declaring_files` as paths from the top of the repository (what `ls-tree --full-tree` lists), or None when
    `repo.path` is not the top (the search would miss files outside it) or git failed."""
    if repo.text("rev-parse", "--show-prefix") != "\n":
        return None
    found = declaring_files(repo, rev)
    return None if found is None else frozenset(found)


def _tree(repo: Repo, rev: str) -> str | None:
    out = repo.text("rev-parse", "--verify", "--quiet", f"{rev}^{{tree}}")
    return out.strip() or None if out else None


def _search(repo: Repo, rev: str | None) -> tuple[str, ...] | None:
    markers = [arg for marker in MARKERS for arg in ("-e", marker)]
    done = repo.run("grep", "-l", "-z", "--text", "-F", *markers, *([rev] if rev else []), "--", *PATHSPECS)
    if done.returncode not in (0, 1):  # 1: nothing matched
        return None
    prefix = f"{rev}:" if rev else ""
    names = (name.removeprefix(prefix) for name in done.stdout.split("\0") if name)
    return tuple(sorted(names))


def clear() -> None:
    """Forget every kept answer (tests that rewrite a revision's objects in place)."""
    with _LOCK:
        _CACHE.clear()
