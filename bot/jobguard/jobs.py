"""Base and head Jobs of a change, matched by identity into `JobChange`s.

Identity is what the API server keys objects by: API group, kind, namespace and name. A head Job is the same
object as a base Job with that identity in the same file (following renames the diff reports); only if none is
there, a base Job with that identity removed from another file of the change, if exactly one (a Job moved between
files). Jobs without a namespace in different files are different objects: in GitOps monorepos each directory is
usually its own application with its own destination namespace.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jobguard.controllers import argocd, flux, tool
from jobguard.controllers.annotations import annotation_text
from jobguard.controllers.helm import HelmHook, classify_helm
from jobguard.findings import ObjectRef
from jobguard.manifests import Manifest

Identity = tuple[str, str, str | None, str]


@dataclass(frozen=True)
class JobDoc:
    """One side of a Job: its manifest plus the metadata every rule reads (classified once, then cached)."""

    manifest: Manifest
    ref: ObjectRef
    annotations: Mapping[str, str]
    labels: Mapping[str, str]

    @property
    def value(self) -> Mapping[str, Any]:
        return self.manifest.value

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.value.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def identity(self) -> Identity | None:
        """None for a `generateName` Job: it has no stable identity, every apply creates a new object."""
        if self.ref.name is None:
            return None
        return (self.ref.group, self.ref.kind, self.ref.namespace, self.ref.name)

    @cached_property
    def argo(self) -> argocd.ArgoHook:
        """How Argo CD treats this Job's hook annotations."""
        return argocd.classify_argocd(self.annotations)

    @cached_property
    def helm(self) -> HelmHook:
        """How Helm (plain, or Flux helm-controller) treats this Job's hook annotations."""
        return classify_helm(self.annotations)

    @cached_property
    def sync_options(self) -> argocd.SyncOptions:
        """The Job's own Argo CD sync options."""
        return argocd.sync_options(self.annotations)

    @cached_property
    def declared_tool(self) -> tool.GitOpsTool | None:
        """ARGOCD or FLUX when the Job's own keys name a GitOps tool (argocd-hooks.md §8.1), else None."""
        return tool.declared_tool([*self.annotations, *self.labels])

    @cached_property
    def in_helm_release(self) -> bool:
        """Installed by a Flux HelmRelease (helm-controller's keys), so Helm's hook semantics apply (§8.1)."""
        return flux.installed_by_helm_release([*self.annotations, *self.labels])


@dataclass(frozen=True)
class JobChange:
    """A Job as the change leaves it: `base` None if new, `head` None if deleted."""

    base: JobDoc | None
    head: JobDoc | None
    touched: bool  # the object's text differs between base and head (or it is new)
    moved_from: str | None = None  # base path, when the Job was paired across files


@dataclass(frozen=True)
class FileSides:
    """The Jobs of one changed file on each side (paths as the diff reports them)."""

    old_path: str | None
    new_path: str | None
    base: Sequence[Manifest]
    head: Sequence[Manifest]


def job_doc(manifest: Manifest) -> JobDoc:
    value = manifest.value
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    ref = ObjectRef(
        api_version=str(value.get("apiVersion", "")),
        kind=str(value.get("kind", "")),
        namespace=_text(metadata.get("namespace")),
        name=_text(metadata.get("name")),
        generate_name=_text(metadata.get("generateName")) if _text(metadata.get("name")) is None else None,
    )
    return JobDoc(manifest, ref, _strings(metadata.get("annotations")), _strings(metadata.get("labels")))


def pair(files: Sequence[FileSides]) -> list[JobChange]:
    """Match head Jobs to base Jobs, file by file, then across files for what is left."""
    changes: list[JobChange] = []
    leftovers: list[tuple[FileSides, JobDoc]] = []  # head Jobs with no partner in their own file
    unclaimed: dict[Identity, list[tuple[FileSides, JobDoc]]] = defaultdict(list)
    for sides in files:
        base = [job_doc(m) for m in sides.base]
        head = [job_doc(m) for m in sides.head]
        by_identity = {doc.identity: doc for doc in base if doc.identity is not None}
        used: set[Identity] = set()
        for doc in head:
            partner = by_identity.get(doc.identity) if doc.identity is not None else None
            if partner is not None and doc.identity not in used:
                used.add(partner.identity)  # type: ignore[arg-type]
                changes.append(JobChange(partner, doc, _touched(partner, doc)))
            else:
                leftovers.append((sides, doc))
        for doc in base:
            if doc.identity is None or doc.identity not in used:
                if doc.identity is not None and doc.identity[2] is not None:
                    unclaimed[doc.identity].append((sides, doc))
                else:
                    changes.append(JobChange(doc, None, True))
    claimed: set[int] = set()
    for sides, doc in leftovers:
        candidates = unclaimed.get(doc.identity, []) if doc.identity and doc.identity[2] else []
        if len(candidates) == 1 and id(candidates[0][1]) not in claimed:
            base_sides, partner = candidates[0]
            claimed.add(id(partner))
            moved_from = base_sides.old_path if base_sides.old_path != sides.new_path else None
            changes.append(JobChange(partner, doc, _touched(partner, doc), moved_from))
        else:
            changes.append(JobChange(None, doc, True))
    for candidates in unclaimed.values():
        changes.extend(JobChange(doc, None, True) for _, doc in candidates if id(doc) not in claimed)
    return changes


def _touched(base: JobDoc, head: JobDoc) -> bool:
    return base.manifest.source != head.manifest.source or base.value != head.value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _strings(value: object) -> dict[str, str]:
    """Annotations/labels as strings; a non-string value is kept as its YAML text so rules still see it."""
    if not isinstance(value, dict):
        return {}
    return {str(k): annotation_text(v) for k, v in value.items()}
