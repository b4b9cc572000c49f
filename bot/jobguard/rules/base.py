"""What a rule is and what it may know: `Rule`, `RuleContext`, `Hit`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

from jobguard.controllers import argocd, flux
from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import FixIntent, Severity
from jobguard.jobs import JobChange, JobDoc
from jobguard.kube.paths import dotted
from jobguard.kube.version import DEFAULT as DEFAULT_KUBERNETES_VERSION
from jobguard.kube.version import KubeVersion
from jobguard.manifests import Path

EVERY_TOOL = frozenset({GitOpsTool.ARGOCD, GitOpsTool.FLUX, GitOpsTool.FLUX_HELM})
"""The resolved tools (`RuleContext.tool_for`): a rule's `TOOLS` when it applies whoever deploys the Job."""


@dataclass(frozen=True)
class Deployment:
    """What deploys a rendered Job besides its own annotations: the Argo CD Application or Flux object of its root.

    Plain files have none (the defaults). Spec argocd-hooks.md §6: an Application's `syncOptions` contribute
    Replace and ServerSideApply; §8.2: a Flux Kustomization's `spec.force` recreates Jobs like the annotation.
    """

    tool: GitOpsTool | None = None  # ARGOCD for an Application, FLUX for a Flux object; None: decided as usual
    sync_options: tuple[str, ...] = ()  # the Application's `spec.syncPolicy.syncOptions`
    flux_force: bool = False  # the Flux Kustomization's `spec.force`
    flux_helm: bool = False  # installed by a Flux HelmRelease: Helm's hook semantics apply


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the Job: the target cluster and how the repo is deployed."""

    kubernetes_version: KubeVersion = DEFAULT_KUBERNETES_VERSION
    gitops: GitOpsTool = GitOpsTool.AUTO  # AUTO: decided per Job from its annotations, Argo CD otherwise
    hook_phase: str | None = None  # phase for hook fixes; None: PreSync for migrations, else Sync
    options: Mapping[str, object] = field(default_factory=dict)  # this rule's options from the config
    repository_tool: GitOpsTool | None = None  # what the repository's content says (controllers.tool), for AUTO
    kustomize_patch: bool = False  # the Job's file is a Kustomize patch: a partial object, merged before apply
    deployment: Deployment = Deployment()  # the rendered root's Application or Flux object, if any

    def tool_for(self, job: JobDoc) -> GitOpsTool:
        """ARGOCD, FLUX (kustomize-controller) or FLUX_HELM (helm-controller, Helm's hook semantics).

        Spec argocd-hooks.md §8.1: Flux ignores Argo annotations, and a Job a HelmRelease installs (it carries
        `helm.toolkit.fluxcd.io/*` keys) follows Helm, not the Kustomization rules.
        """
        if self.gitops is GitOpsTool.ARGOCD:
            return GitOpsTool.ARGOCD
        tool = GitOpsTool.FLUX if self.gitops is GitOpsTool.FLUX else self._auto_tool(job)
        helm_release = job.in_helm_release or self.deployment.flux_helm
        return GitOpsTool.FLUX_HELM if tool is GitOpsTool.FLUX and helm_release else tool

    def _auto_tool(self, job: JobDoc) -> GitOpsTool:
        return job.declared_tool or self.deployment.tool or self.repository_tool or GitOpsTool.ARGOCD

    def sync_options(self, job: JobDoc) -> argocd.SyncOptions:
        """The Job's effective Argo CD sync options: its annotation and its Application's `syncOptions` (§6)."""
        return argocd.sync_options(job.annotations, app_items=self.deployment.sync_options)

    def flux_force(self, job: JobDoc) -> bool:
        """Whether kustomize-controller recreates the Job: its force annotation or label, or `spec.force` (§8.2)."""
        return self.deployment.flux_force or flux.flux_force_enabled(job.annotations, job.labels)


@dataclass(frozen=True)
class Hit:
    """What a rule reports; the engine adds severity, location and fingerprint."""

    anchor: Path  # head path of the field the finding is about (its line is the finding's line)
    fields: tuple[str, ...]
    message: str
    intents: tuple[FixIntent, ...] = ()
    one_level_lower: bool = False  # reported one level below the rule's configured severity (a new Job's hit)


def hit(anchor: Path, message: str, intents: tuple[FixIntent, ...] = ()) -> Hit:
    """A finding about the one field at `anchor`, named as the API server prints it (`metadata.annotations[k]`)."""
    return Hit(anchor, (dotted(anchor),), message, intents)


Check = Callable[[JobChange, RuleContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Check | None  # None: reported by the engine itself (manifest-invalid)
    module: ModuleType
    tools: frozenset[GitOpsTool] = EVERY_TOOL  # the engine runs `check` only for Jobs one of these applies

    @property
    def doc(self) -> str:
        return (self.module.__doc__ or "").strip()
