"""What a rule is and what it may know: `Rule`, `RuleContext`, `Hit`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

from bot.findings import FixIntent, Severity
from bot.immutability import DEFAULT_KUBERNETES_VERSION, KubeVersion
from bot.jobs import JobChange, JobDoc
from bot.manifests import Path

GITOPS_TOOLS = ("argocd", "flux")


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the Job: the target cluster and how the repo is deployed."""

    kubernetes_version: KubeVersion = DEFAULT_KUBERNETES_VERSION
    gitops: str = "auto"  # argocd | flux | auto (decided per Job from its annotations, Argo CD otherwise)
    hook_phase: str | None = None  # phase for hook fixes; None: PreSync for migrations, else Sync
    options: Mapping[str, object] = field(default_factory=dict)  # this rule's options from the config
    repository_tool: str | None = None  # what the repository's own content says (bot.gitops), for `auto`

    def tool_for(self, job: JobDoc) -> str:
        """Which GitOps tool applies this Job (spec argocd-hooks.md §8: Flux ignores Argo annotations)."""
        if self.gitops in GITOPS_TOOLS:
            return self.gitops
        keys = [*job.annotations, *job.labels]
        if any(k.startswith("argocd.argoproj.io/") for k in keys):
            return "argocd"
        if any(k.startswith(("kustomize.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/")) for k in keys):
            return "flux"
        return self.repository_tool or "argocd"


@dataclass(frozen=True)
class Hit:
    """What a rule reports; the engine adds severity, location and fingerprint."""

    anchor: Path  # head path of the field the finding is about (its line is the finding's line)
    fields: tuple[str, ...]
    message: str
    intents: tuple[FixIntent, ...] = ()


Check = Callable[[JobChange, RuleContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Check | None  # None: reported by the engine itself (manifest-invalid)
    module: ModuleType

    @property
    def doc(self) -> str:
        return (self.module.__doc__ or "").strip()
