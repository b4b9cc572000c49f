"""The repository files each root's render reads, and the reverse index from a changed path to the roots to render.

Cost follows the change: `inputs_of` parses only the kustomization files of the directories one build visits (and
a chart's `Chart.yaml`); the rest is path lookups in the snapshot's sorted path list. `affected` builds its index
once and answers each changed path with a dictionary lookup per ancestor directory.

`files` holds only paths present in the revision. Call `affected` with both sides' inputs: a file the head adds
(a new patch, an `.argocd-source-<app>.yaml`) is read by the head's root, a file it deletes by the base's.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence

from jobguard.render import yamlfiles as plain
from jobguard.render.apps import present_override_files
from jobguard.render.closure import Closure
from jobguard.render.model import KustomizeSource, Root, RootInputs, RootKind, Snapshot
from jobguard.render.tree import Tree, join

_MAX_REASONS = 3


def inputs_of(root: Root, snapshot: Snapshot) -> RootInputs:
    """The files `root` reads in `snapshot`, and why it cannot render offline (a remote base, an unvendored chart
    dependency, a value file not in this revision), else `remote` None."""
    tree = Tree.of(snapshot)
    files: set[str] = set()
    remote: list[str] = []
    if root.defined_by is not None:
        files.update(f for f in [root.defined_by] if tree.is_file(f))
        if not root.flux_helm:
            files.update(present_override_files(root.path, root.name, tree))
    if root.kind is RootKind.KUSTOMIZE:
        closure = Closure(tree, snapshot)
        closure.visit(root.path)
        options = root.kustomize or KustomizeSource()
        for component in options.components:
            target = join(root.path, component)
            if target is not None:
                closure.visit(target)
        for patch in options.patches:  # an Application's patch may name a file of its path instead of inline text
            for entry in plain.documents(patch.encode()):
                closure.file(root.path, plain.get(entry, "path"))
        files.update(closure.files)
        remote.extend(closure.remote)
    else:
        files.update(tree.under(root.path))
        remote.extend(_chart_dependencies(root.path, tree, snapshot, files))
        for value_file in root.helm.value_files if root.helm else ():
            if tree.is_file(value_file):
                files.add(value_file)
            else:
                remote.append(f"value file {value_file} is not in this revision")
    return RootInputs(root, frozenset(files), _reason(remote))


def _chart_dependencies(chart: str, tree: Tree, snapshot: Snapshot, files: set[str]) -> list[str]:
    """Local (`file://`) dependencies are read too; any other must be vendored under `charts/`."""
    meta = plain.one(snapshot, posixpath.join(chart, "Chart.yaml")) or {}
    legacy = plain.one(snapshot, posixpath.join(chart, "requirements.yaml")) or {}
    reasons = []
    for dependency in [*plain.as_list(meta.get("dependencies")), *plain.as_list(legacy.get("dependencies"))]:
        name, repository = plain.text(plain.get(dependency, "name")), plain.text(plain.get(dependency, "repository"))
        if name is None:
            continue
        if repository and repository.startswith("file://"):
            target = join(chart, repository.removeprefix("file://"))
            if target is not None and tree.is_dir(target):
                files.update(tree.under(target))
                continue
        if not _vendored(chart, name, tree):
            reasons.append(f"chart dependency {name} ({repository or 'no repository'}) is not vendored in charts/")
    return reasons


def _vendored(chart: str, name: str, tree: Tree) -> bool:
    home = posixpath.join(chart, "charts")
    if tree.is_dir(posixpath.join(home, name)):
        return True
    return any(posixpath.basename(p).startswith(f"{name}-") and p.endswith(".tgz") for p in tree.under(home))


def _reason(reasons: list[str]) -> str | None:
    unique = list(dict.fromkeys(reasons))
    if not unique:
        return None
    more = len(unique) - _MAX_REASONS
    return "; ".join(unique[:_MAX_REASONS]) + (f"; and {more} more" if more > 0 else "")


def affected(inputs: Sequence[RootInputs], changed: Iterable[str]) -> list[RootInputs]:
    """The roots that read any changed path, in the order of `inputs`. A chart reads its whole directory, so a file
    added anywhere under it counts even when it is in neither side's inputs."""
    by_file: dict[str, set[int]] = {}
    by_chart: dict[str, set[int]] = {}
    for number, item in enumerate(inputs):
        for path in item.files:
            by_file.setdefault(path, set()).add(number)
        if item.root.kind is RootKind.HELM:
            by_chart.setdefault(item.root.path, set()).add(number)
    hits: set[int] = set()
    for path in changed:
        hits.update(by_file.get(path, ()))
        folder = posixpath.dirname(path)
        while by_chart:
            hits.update(by_chart.get(folder, ()))
            if not folder:
                break
            folder = posixpath.dirname(folder)
    return [inputs[number] for number in sorted(hits)]
