"""The fixes that really work (spec argocd-hooks.md §7, §8.2, §8.3), as structural `FixIntent`s.

Each strategy has a stable id, a title and the one-sentence trade-off from the spec's table, so a reviewer can
choose. Rules pick which strategies apply; the rest of `jobguard.fixes` turns them into verified text edits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jobguard.controllers import argocd, flux
from jobguard.controllers.helm import HELM_BEFORE_HOOK_CREATION, HELM_DELETE_POLICY, HELM_HOOK, HELM_HOOK_SUCCEEDED
from jobguard.findings import AnnotationEdit, FixIntent
from jobguard.jobs import JobDoc

ARGOCD_HOOK = "argocd-hook"
ARGOCD_HOOK_GENERATE_NAME = "argocd-hook-generate-name"
ARGOCD_FORCE = "argocd-force"
ARGOCD_FORCE_REPLACE = "argocd-force-replace"
FLUX_FORCE_STRATEGY = "flux-force"  # a strategy id, not the annotation key `flux.FLUX_FORCE`
HELM_HOOK_STRATEGY = "helm-hook"  # a strategy id, not the annotation key `helm.HELM_HOOK`
ADD_BEFORE_HOOK_CREATION = "add-before-hook-creation"
CORRECT_HOOK_PHASE = "correct-hook-phase"
HOOK_FOR_GENERATE_NAME = "hook-for-generate-name"

STRATEGIES: dict[str, str] = {
    ARGOCD_HOOK: "Make the Job an Argo CD hook, deleted and re-created before each sync",
    ARGOCD_HOOK_GENERATE_NAME: "Make the Job an Argo CD hook with a generated name",
    ARGOCD_FORCE: "Let Argo CD delete and re-create the Job when an update is rejected",
    ARGOCD_FORCE_REPLACE: "Let Argo CD delete and re-create the Job on every sync",
    FLUX_FORCE_STRATEGY: "Let Flux delete and re-create the Job when an update is rejected",
    HELM_HOOK_STRATEGY: "Make the Job a Helm hook, deleted and re-created before each install or upgrade",
    ADD_BEFORE_HOOK_CREATION: "Add BeforeHookCreation to the hook's delete policy",
    CORRECT_HOOK_PHASE: "Correct the hook phase",
    HOOK_FOR_GENERATE_NAME: "Make the generateName Job an Argo CD hook",
}
"""Every strategy id (a public contract: `fix.prefer` in the config and `--strategy` name them)."""

_MIGRATION = re.compile(r"migrat|schema|flyway|liquibase|alembic|db[-_]?init|seed|upgrade", re.IGNORECASE)


def hook_phase_for(job: JobDoc, configured: str | None) -> str:
    """The configured phase, else PreSync for what looks like a migration (§7.A guidance), else Sync."""
    if configured:
        return configured
    words = [job.ref.name or job.ref.generate_name or ""]
    template = job.spec.get("template")
    pod = template.get("spec") if isinstance(template, dict) else None
    containers = pod.get("containers") if isinstance(pod, dict) else None
    for container in containers if isinstance(containers, list) else []:
        if isinstance(container, dict):
            for key in ("command", "args"):
                value = container.get(key)
                if isinstance(value, list):
                    words.extend(str(v) for v in value)
    return "PreSync" if any(_MIGRATION.search(w) for w in words) else "Sync"


def argocd_hook(phase: str) -> FixIntent:
    return FixIntent(
        ARGOCD_HOOK,
        f"Make it an Argo CD {phase} hook with BeforeHookCreation",
        "Runs on every sync operation, even when the Job did not change; hook-only edits do not trigger an "
        "auto-sync; a failing PreSync hook blocks the deploy.",
        annotations=(
            AnnotationEdit(argocd.ARGO_HOOK, phase),
            AnnotationEdit(argocd.ARGO_DELETE_POLICY, argocd.BEFORE_HOOK_CREATION),
        ),
    )


def argocd_hook_generate_name(phase: str) -> FixIntent:
    return FixIntent(
        ARGOCD_HOOK_GENERATE_NAME,
        f"Make it an Argo CD {phase} hook with metadata.generateName",
        "New name on every sync; nothing may refer to the Job by name (Kustomize patches, kubectl wait); "
        "failed runs pile up until ttlSecondsAfterFinished removes them.",
        annotations=(
            AnnotationEdit(argocd.ARGO_HOOK, phase),
            AnnotationEdit(argocd.ARGO_DELETE_POLICY, argocd.HOOK_SUCCEEDED),
        ),
        name_to_generate_name=True,
        spec_fields=(("ttlSecondsAfterFinished", 86400),),
    )


def argocd_force() -> FixIntent:
    return FixIntent(
        ARGOCD_FORCE,
        "Add the Argo CD sync option Force=true",
        "Re-creates the Job only when its spec changed (Argo CD >= 2.12, client-side apply only); the Job and "
        "its Pods are deleted and it runs again.",
        annotations=(AnnotationEdit(argocd.ARGO_SYNC_OPTIONS, argocd.SYNC_FORCE, "csv-append"),),
    )


def argocd_force_replace() -> FixIntent:
    return FixIntent(
        ARGOCD_FORCE_REPLACE,
        "Add the Argo CD sync options Force=true,Replace=true",
        "Deletes and re-creates the Job on every sync that includes it (Argo CD >= 2.12); set "
        "ApplyOutOfSyncOnly=true on the Application to limit re-runs.",
        annotations=(
            AnnotationEdit(argocd.ARGO_SYNC_OPTIONS, f"{argocd.SYNC_FORCE},{argocd.SYNC_REPLACE}", "csv-append"),
        ),
    )


def flux_force() -> FixIntent:
    return FixIntent(
        FLUX_FORCE_STRATEGY,
        f"Add {flux.FLUX_FORCE}: {flux.FLUX_FORCE_VALUE}",
        "Flux deletes and re-creates the Job only when an apply is rejected as immutable (kustomize-controller "
        ">= 0.33); it runs again, and its Pods and logs are deleted.",
        annotations=(AnnotationEdit(flux.FLUX_FORCE, flux.FLUX_FORCE_VALUE),),
    )


def helm_hook() -> FixIntent:
    """§8.3: inside a HelmRelease the Flux force annotation does nothing; a Helm hook is created anew."""
    return FixIntent(
        HELM_HOOK_STRATEGY,
        "Make it a Helm pre-install,pre-upgrade hook with before-hook-creation",
        "Helm deletes and re-creates the Job before every install and upgrade, even when it did not change; "
        "it is no longer part of the release, and a failing hook fails the upgrade.",
        annotations=(
            AnnotationEdit(HELM_HOOK, "pre-install,pre-upgrade"),
            AnnotationEdit(HELM_DELETE_POLICY, HELM_BEFORE_HOOK_CREATION),
        ),
    )


def add_before_hook_creation(*, helm: bool = False) -> FixIntent:
    """BeforeHookCreation in Argo CD's key, or `before-hook-creation` in Helm's key for Helm's own hooks (§9)."""
    key, value = (
        (HELM_DELETE_POLICY, HELM_BEFORE_HOOK_CREATION)
        if helm
        else (argocd.ARGO_DELETE_POLICY, argocd.BEFORE_HOOK_CREATION)
    )
    return FixIntent(
        ADD_BEFORE_HOOK_CREATION,
        f"Add {value} to the delete policy",
        f"The previous run's Job is deleted before each {'release' if helm else 'sync'}, so it always runs again; "
        f"keep {HELM_HOOK_SUCCEEDED if helm else argocd.HOOK_SUCCEEDED} to clean up successful runs.",
        annotations=(AnnotationEdit(key, value, "csv-append"),),
    )


def correct_hook_phase(wrong: str, right: str) -> FixIntent:
    """Replace the whole hook value `wrong` by its correction `right` (`presync;postsync` -> `PreSync,PostSync`)."""
    return FixIntent(
        CORRECT_HOOK_PHASE,
        f"Write {right} instead of {wrong or 'an empty value'}",
        "Hook values are case-sensitive; with the right value Argo CD runs the Job in that phase.",
        annotations=(AnnotationEdit(argocd.ARGO_HOOK, right),),
    )


def hook_for_generate_name(phase: str) -> FixIntent:
    return FixIntent(
        HOOK_FOR_GENERATE_NAME,
        f"Make it an Argo CD {phase} hook",
        "Argo CD creates a new Job with a generated name on every sync; HookSucceeded removes successful runs.",
        annotations=(
            AnnotationEdit(argocd.ARGO_HOOK, phase),
            AnnotationEdit(argocd.ARGO_DELETE_POLICY, argocd.HOOK_SUCCEEDED),
        ),
    )


def ordered(intents: Sequence[FixIntent], prefer: Sequence[str]) -> tuple[FixIntent, ...]:
    """Sort by the configured preference; strategies not named keep their order after the named ones."""
    rank = {s: i for i, s in enumerate(prefer)}
    indexed = list(enumerate(intents))
    indexed.sort(key=lambda p: (rank.get(p[1].strategy, len(rank)), p[0]))
    return tuple(i for _, i in indexed)
