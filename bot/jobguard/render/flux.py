"""Flux `Kustomization`s and `HelmRelease`s -> the roots they render from this repository.

As for Applications, a Flux object is a root of ours only when its path is in this revision (which GitRepository
is "this repository" cannot be known offline). A Kustomization whose `spec.path` holds no kustomization file is no
root (kustomize-controller would generate one over every manifest there; those files are checked as files), and
neither is a `sourceRef` of kind OCIRepository or Bucket. A HelmRelease is a root when its chart is a path of a
GitRepository source (`spec.chart.spec.chart: ./charts/x`); a chart from a HelmRepository is not ours. Not read:
`commonMetadata`, `valuesFrom` (ConfigMaps and Secrets live in the cluster), `dependsOn`, `healthChecks`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from jobguard.controllers.flux import HELM_RELEASE_PREFIX, KUSTOMIZE_PREFIX
from jobguard.kustomize_patches import KUSTOMIZATION_NAMES
from jobguard.render import yamlfiles as plain
from jobguard.render.model import HelmSource, KustomizeSource, Root, RootKind
from jobguard.render.tree import Tree, join


def is_flux(doc: object) -> bool:
    return plain.is_kind(doc, KUSTOMIZE_PREFIX, "Kustomization") or plain.is_kind(
        doc, HELM_RELEASE_PREFIX, "HelmRelease"
    )


def flux_roots(doc: Mapping[str, Any], defined_by: str, tree: Tree) -> list[Root]:
    name = plain.text(plain.get(doc, "metadata", "name"))
    spec = doc.get("spec")
    if not name or not isinstance(spec, dict):
        return []
    root = (
        _kustomization(name, spec, defined_by, tree)
        if doc.get("kind") == "Kustomization"
        else _helm_release(name, doc, spec, defined_by, tree)
    )
    return [] if root is None else [root]


def _kustomization(name: str, spec: Mapping[str, Any], defined_by: str, tree: Tree) -> Root | None:
    if plain.get(spec, "sourceRef", "kind") not in (None, "GitRepository"):
        return None
    raw = spec.get("path")
    path = join("", raw) if isinstance(raw, str) else ""  # no path: the root of the source
    if path is None or not any(tree.is_file(posixpath.join(path, n)) for n in KUSTOMIZATION_NAMES):
        return None
    options = KustomizeSource(
        images=tuple(i for i in (_image(e) for e in plain.as_list(spec.get("images"))) if i),
        name_prefix=plain.text(spec.get("namePrefix")),
        name_suffix=plain.text(spec.get("nameSuffix")),
        namespace=plain.text(spec.get("targetNamespace")),
        patches=tuple(plain.dump(p) for p in plain.as_list(spec.get("patches")) if isinstance(p, dict)),
        components=tuple(c for c in plain.as_list(spec.get("components")) if isinstance(c, str)),
        substitute=plain.pairs(plain.get(spec, "postBuild", "substitute")),
    )
    force = spec.get("force") is True
    return Root(RootKind.KUSTOMIZE, path, name, defined_by, kustomize=options, flux_force=force)


def _image(entry: object) -> str | None:
    """One Flux `images` entry in `kustomize edit set image` syntax: name[=newName][:newTag|@digest]."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return None
    image = entry["name"]
    new_name, tag, digest = (plain.text(entry.get(k)) for k in ("newName", "newTag", "digest"))
    if new_name:
        image = f"{image}={new_name}"
    if digest:
        return f"{image}@{digest}"
    return f"{image}:{tag}" if tag else image


def _helm_release(
    name: str, doc: Mapping[str, Any], spec: Mapping[str, Any], defined_by: str, tree: Tree
) -> Root | None:
    chart = plain.get(spec, "chart", "spec")
    if not isinstance(chart, dict) or plain.get(chart, "sourceRef", "kind") != "GitRepository":
        return None
    raw = chart.get("chart")
    path = join("", raw) if isinstance(raw, str) else None
    if path is None or not tree.is_file(posixpath.join(path, "Chart.yaml")):
        return None
    files = [f for f in (plain.text(v) for v in plain.as_list(chart.get("valuesFiles"))) if f]
    legacy = plain.text(chart.get("valuesFile"))
    resolved = tuple(join("", f) or f for f in (files or ([legacy] if legacy else [])))  # relative to the source
    values = spec.get("values")
    target = plain.text(spec.get("targetNamespace"))
    release = plain.text(spec.get("releaseName")) or (f"{target}-{name}" if target else name)
    namespace = target or plain.text(plain.get(doc, "metadata", "namespace"))
    helm = HelmSource(resolved, plain.dump(values) if isinstance(values, dict) else None, (), release, namespace)
    return Root(RootKind.HELM, path, name, defined_by, helm=helm, flux_helm=True)
