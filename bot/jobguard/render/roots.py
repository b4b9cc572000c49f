"""What Argo CD and Flux render in a revision: the roots, Applications and Flux objects first, then the layout.

Declared roots come from Argo CD Applications and ApplicationSets (`apps.py`, `appsets.py`) and Flux
Kustomizations and HelmReleases (`flux.py`) in any YAML file of the revision. Only a file that names one of their
API groups is parsed, so the cost is one read per YAML file and a parse of the few that answer.

Layout roots cover the directories no declared root claims: every kustomization that no other kustomization
includes (through `resources`, `bases`, `components`, `generators`, `transformers` or `validators` pointing at its
directory) and that is not a `kind: Component`, and every `Chart.yaml` that is not inside another chart (its
`charts/` subcharts belong to it), not a library chart, not beside a kustomization (kustomize wins, as in Argo CD)
and not a chart a kustomization's `helmCharts` vendors. An unreadable kustomization or chart is skipped here; the
engine reports broken YAML on its own.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from jobguard import declarations
from jobguard.controllers.argocd import ARGO_API_GROUP
from jobguard.controllers.flux import HELM_RELEASE_PREFIX, KUSTOMIZE_PREFIX
from jobguard.kustomize_patches import KUSTOMIZATION_NAMES
from jobguard.render import yamlfiles as plain
from jobguard.render.apps import application_roots, is_application
from jobguard.render.appsets import application_set_roots, is_application_set
from jobguard.render.flux import flux_roots, is_flux
from jobguard.render.model import Root, RootKind, Snapshot
from jobguard.render.snapshots import GitSnapshot
from jobguard.render.tree import Tree, join

_DECLARING = tuple(group.encode() for group in (ARGO_API_GROUP, KUSTOMIZE_PREFIX, HELM_RELEASE_PREFIX))
_YAML = (".yaml", ".yml", ".json")
_NEVER_DECLARING = frozenset({*KUSTOMIZATION_NAMES, "Chart.yaml"})  # the layout reads these: one read each
_INCLUDING = ("resources", "bases", "components", "generators", "transformers", "validators")


def discover(snapshot: Snapshot) -> tuple[Root, ...]:
    """Every root of the revision, declared ones first (by file, then document order), then layout roots by path."""
    declared = declared_roots(snapshot)
    claimed = {root.path for root in declared}
    return (*declared, *(root for root in layout_roots(snapshot) if root.path not in claimed))


def declared_roots(snapshot: Snapshot) -> list[Root]:
    tree = Tree.of(snapshot)
    found: list[Root] = []
    for path in _candidates(snapshot, tree):
        if not path.endswith(_YAML) or posixpath.basename(path) in _NEVER_DECLARING:
            continue
        data = snapshot.read(path)
        if data is None or not any(marker in data for marker in _DECLARING):
            continue
        for doc in plain.documents(data):
            found.extend(_roots_of(doc, path, snapshot, tree))
    return _unique(found)


def _candidates(snapshot: Snapshot, tree: Tree) -> Sequence[str]:
    """The files that may declare a root. For a git revision, only those `declarations` lists (one `git grep` per
    revision, kept, shared with `gitops: auto`), so discovery does not read every file of a big repository; else
    every file (each is still checked for a marker before it is parsed)."""
    if isinstance(snapshot, GitSnapshot):
        named = declarations.declaring_paths(snapshot.repo, snapshot.rev)
        if named is not None:
            return [path for path in tree.paths if path in named]
    return tree.paths


def _roots_of(doc: Any, path: str, snapshot: Snapshot, tree: Tree) -> list[Root]:
    if is_application(doc):
        return application_roots(doc, path, snapshot)
    if is_application_set(doc):
        return application_set_roots(doc, path, snapshot)
    if is_flux(doc):
        return flux_roots(doc, path, tree)
    return []


def layout_roots(snapshot: Snapshot) -> list[Root]:
    tree = Tree.of(snapshot)
    kustomizations = dict(_kustomizations(tree, snapshot))
    included: set[str] = set()
    vendored: set[str] = set()
    for folder, doc in kustomizations.items():
        included.update(_included(folder, doc, tree))
        vendored.update(_vendored_charts(folder, doc))
    roots = [
        Root(RootKind.KUSTOMIZE, folder, folder or ".")
        for folder, doc in kustomizations.items()
        if folder not in included and doc.get("kind") != "Component"
    ]
    charts = [c for c in _top_charts(tree, snapshot) if c not in kustomizations and not _under(c, vendored)]
    roots.extend(Root(RootKind.HELM, c, c or ".") for c in charts)
    return sorted(roots, key=lambda r: (r.path, r.kind.value))


def _kustomizations(tree: Tree, snapshot: Snapshot) -> Iterator[tuple[str, dict[str, Any]]]:
    """(directory, kustomization) for each readable kustomization, the name kustomize picks first."""
    folders = sorted({posixpath.dirname(p) for p in tree.paths if posixpath.basename(p) in KUSTOMIZATION_NAMES})
    for folder in folders:
        name = next(posixpath.join(folder, n) for n in KUSTOMIZATION_NAMES if tree.is_file(posixpath.join(folder, n)))
        doc = plain.one(snapshot, name)
        if doc is not None:
            yield folder, doc


def _included(folder: str, doc: dict[str, Any], tree: Tree) -> Iterator[str]:
    for key in _INCLUDING:
        for entry in plain.as_list(doc.get(key)):
            if isinstance(entry, str) and "\n" not in entry:
                target = join(folder, entry)
                if target is not None and target != folder and tree.is_dir(target):
                    yield target


def _vendored_charts(folder: str, doc: dict[str, Any]) -> Iterator[str]:
    """The chart home of a kustomization that inflates charts: everything under it is kustomize's input (a chart
    pulled with a version sits in `<home>/<name>-<version>/<name>`)."""
    if not plain.as_list(doc.get("helmCharts")):
        return
    home = join(folder, plain.text(plain.get(doc, "helmGlobals", "chartHome")) or "charts")
    if home:
        yield home


def _under(path: str, folders: set[str]) -> bool:
    return any(path == f or path.startswith(f"{f}/") for f in folders)


def _top_charts(tree: Tree, snapshot: Snapshot) -> list[str]:
    """Charts inside no other chart (sorted order visits an outer chart first), readable and not libraries."""
    charts = sorted(posixpath.dirname(p) for p in tree.paths if posixpath.basename(p) == "Chart.yaml")
    outer: list[str] = []
    for chart in charts:
        if not any(not o or chart.startswith(f"{o}/") for o in outer):
            outer.append(chart)
    top = []
    for chart in outer:
        meta = plain.one(snapshot, posixpath.join(chart, "Chart.yaml"))
        if meta is not None and meta.get("type") != "library":
            top.append(chart)
    return top


def _unique(roots: Iterable[Root]) -> list[Root]:
    seen: set[str] = set()
    kept = []
    for root in roots:
        if root.key not in seen:
            seen.add(root.key)
            kept.append(root)
    return kept
