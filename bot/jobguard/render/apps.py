"""Argo CD Applications -> the roots they render, with their Helm and Kustomize options and sync options.

Only sources that point into this repository are roots. Which `repoURL` is "this one" cannot be known offline
(clones, mirrors, SSH and HTTPS spellings), so the rule is: a source is ours when its `path` is a directory of this
revision. A Helm chart from a chart repository (`chart:`), a path missing from this revision, or a directory with
neither a kustomization nor a `Chart.yaml` (Argo CD's plain-directory and plugin sources) is no root: nothing is
returned for it, and the raw files are still checked as files.

Argo CD merges `.argocd-source.yaml` and then `.argocd-source-<app>.yaml` from the source path over the source
(written back by Argo CD Image Updater) as JSON merge patches, and keeps `chart`, `path`, `repoURL` and
`targetRevision` from the Application (reposerver/repository/repository.go, mergeSourceParameters); so does this.

Not read (the render differs from Argo CD's when they are set): `helm.fileParameters`, `helm.apiVersions`,
`helm.kubeVersion`, `helm.skipCrds`/`skipTests`, `kustomize.replicas`, `kustomize.forceCommonLabels`/
`forceCommonAnnotations`, `kustomize.labelWithoutSelector`, plugin and directory sources.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from jobguard.controllers.argocd import ARGO_API_GROUP
from jobguard.kustomize_patches import KUSTOMIZATION_NAMES
from jobguard.render import yamlfiles as plain
from jobguard.render.model import HelmSource, KustomizeSource, Root, RootKind, Snapshot
from jobguard.render.tree import Tree, join

_PROTECTED = ("chart", "path", "repoURL", "targetRevision")


def is_application(doc: object) -> bool:
    return plain.is_kind(doc, ARGO_API_GROUP, "Application")


def application_roots(app: Mapping[str, Any], defined_by: str, snapshot: Snapshot) -> list[Root]:
    """The roots of one Application (`spec.source`, or each `spec.sources` entry with a path in this repository)."""
    name = plain.text(plain.get(app, "metadata", "name"))
    spec = plain.get(app, "spec")
    if not name or not isinstance(spec, dict):
        return []
    sources = [s for s in plain.as_list(spec.get("sources")) if isinstance(s, dict)]
    if not sources and isinstance(spec.get("source"), dict):
        sources = [spec["source"]]
    refs = {s["ref"]: s for s in sources if isinstance(s.get("ref"), str)}
    tree = Tree.of(snapshot)
    destination = plain.text(plain.get(spec, "destination", "namespace"))
    context = _App(name, defined_by, _sync_options(spec), destination, refs)
    context.app_namespace = plain.text(plain.get(app, "metadata", "namespace"))
    return [root for source in sources if (root := context.root(source, tree, snapshot)) is not None]


class _App:
    """What every source of one Application shares."""

    def __init__(
        self, name: str, defined_by: str, sync: tuple[str, ...], namespace: str | None, refs: dict[str, Any]
    ) -> None:
        self.name, self.defined_by, self.sync, self.namespace, self.refs = name, defined_by, sync, namespace, refs
        self.app_namespace: str | None = None

    def instance(self, path: str, tree: Tree) -> str:
        """Argo CD's instance name: `<namespace>_<name>` for an Application outside the controller's namespace
        (apps in any namespace), else `<name>`. The controller's namespace is unknown offline, so the namespaced
        form is taken when its `.argocd-source-<namespace>_<name>.yaml` exists."""
        namespaced = f"{self.app_namespace}_{self.name}"
        if self.app_namespace and tree.is_file(override_files(path, namespaced)[1]):
            return namespaced
        return self.name

    def root(self, source: dict[str, Any], tree: Tree, snapshot: Snapshot) -> Root | None:
        raw = source.get("path")
        path = join("", raw) if isinstance(raw, str) and not source.get("chart") else None
        if path is None or not tree.is_dir(path):
            return None
        source = with_overrides(source, path, self.instance(path, tree), snapshot)
        kind = source_kind(source, path, tree)
        if kind is None:
            return None
        base = Root(kind, path, self.name, self.defined_by, sync_options=self.sync)
        if kind is RootKind.HELM:
            return replace(base, helm=self.helm(plain.as_dict(source.get("helm")), path, tree))
        kustomize = source.get("kustomize")
        return replace(base, kustomize=kustomize_source(kustomize) if isinstance(kustomize, dict) else None)

    def helm(self, helm: dict[str, Any], path: str, tree: Tree) -> HelmSource:
        files = [f for f in (self.value_file(v, path) for v in plain.as_list(helm.get("valueFiles"))) if f]
        if helm.get("ignoreMissingValueFiles") is True:
            files = [f for f in files if tree.is_file(f)]
        values = helm.get("valuesObject")
        inline = plain.dump(values) if isinstance(values, dict) else plain.text(helm.get("values"))
        parameters = tuple(
            (str(p["name"]), plain.scalar(p.get("value")))
            for p in plain.as_list(helm.get("parameters"))
            if isinstance(p, dict) and isinstance(p.get("name"), str)
        )
        release = plain.text(helm.get("releaseName")) or self.name
        namespace = plain.text(helm.get("namespace")) or self.namespace  # `helm.namespace` wins over the destination
        return HelmSource(tuple(files), inline or None, parameters, release, namespace)

    def value_file(self, entry: object, path: str) -> str | None:
        """A value file as a repository path: `$ref/x` from the root of the `ref:` source, else from the chart."""
        if not isinstance(entry, str) or not entry:
            return None
        if entry.startswith("$"):
            ref, _, rest = entry[1:].partition("/")
            return join("", rest) if ref in self.refs else entry
        if "://" in entry:
            return entry  # a URL: not in this revision, so inputs_of names it as why the root cannot render
        return join(path, entry) or entry


def source_kind(source: Mapping[str, Any], path: str, tree: Tree) -> RootKind | None:
    """Argo CD's choice: an explicit `helm:`/`kustomize:` block, else the directory's files; a kustomization wins
    over a `Chart.yaml` (Argo CD's discovery walks the directory and the later match, `kustomization.yaml`, wins)."""
    has_kustomization = any(tree.is_file(posixpath.join(path, n)) for n in KUSTOMIZATION_NAMES)
    has_chart = tree.is_file(posixpath.join(path, "Chart.yaml"))
    if isinstance(source.get("helm"), dict) and has_chart:
        return RootKind.HELM
    if isinstance(source.get("kustomize"), dict) and has_kustomization:
        return RootKind.KUSTOMIZE
    if has_kustomization:
        return RootKind.KUSTOMIZE
    return RootKind.HELM if has_chart else None


def kustomize_source(kustomize: Mapping[str, Any]) -> KustomizeSource:
    """An Application's `source.kustomize` (images already in `kustomize edit set image` syntax)."""
    return KustomizeSource(
        images=tuple(i for i in plain.as_list(kustomize.get("images")) if isinstance(i, str)),
        name_prefix=plain.text(kustomize.get("namePrefix")),
        name_suffix=plain.text(kustomize.get("nameSuffix")),
        namespace=plain.text(kustomize.get("namespace")),
        common_labels=plain.pairs(kustomize.get("commonLabels")),
        common_annotations=plain.pairs(kustomize.get("commonAnnotations")),
        patches=tuple(plain.dump(p) for p in plain.as_list(kustomize.get("patches")) if isinstance(p, dict)),
        components=tuple(c for c in plain.as_list(kustomize.get("components")) if isinstance(c, str)),
    )


def override_files(path: str, app_name: str) -> tuple[str, str]:
    """The two files Argo CD merges over a source, in its order (the app-specific one last, so it wins)."""
    return posixpath.join(path, ".argocd-source.yaml"), posixpath.join(path, f".argocd-source-{app_name}.yaml")


def present_override_files(path: str, app_name: str, tree: Tree) -> list[str]:
    """The override files in `path` an Application called `app_name` may read (the namespaced form too)."""

    def wanted(name: str) -> bool:
        if name in (".argocd-source.yaml", f".argocd-source-{app_name}.yaml"):
            return True
        return name.startswith(".argocd-source-") and name.endswith(f"_{app_name}.yaml")

    return [f for f in tree.under(path) if posixpath.dirname(f) == path and wanted(posixpath.basename(f))]


def with_overrides(source: dict[str, Any], path: str, app_name: str, snapshot: Snapshot) -> dict[str, Any]:
    merged: Any = source
    for name in override_files(path, app_name):
        patch = plain.one(snapshot, name)
        if patch is not None:
            merged = merge_patch(merged, patch)
    if not isinstance(merged, dict):  # pragma: no cover - a mapping patched by a mapping stays one
        return source
    for key in _PROTECTED:
        merged.pop(key, None)
        if key in source:
            merged[key] = source[key]
    return merged


def merge_patch(target: object, patch: object) -> object:
    """RFC 7396 JSON merge patch: mappings merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _sync_options(spec: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(o for o in plain.as_list(plain.get(spec, "syncPolicy", "syncOptions")) if isinstance(o, str))
