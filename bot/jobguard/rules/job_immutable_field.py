"""job-immutable-field: a change edits a field Kubernetes does not let change on an existing Job.

Argo CD (and Flux) apply a Job that already exists as an update. The API server rejects updates to the pod
template, `selector`, `completions`, `completionMode`, `podFailurePolicy`, `backoffLimitPerIndex`,
`successPolicy` and `managedBy` (with the exceptions for suspended Jobs and elastic Indexed Jobs), so the sync
fails with `field is immutable` and the application stays OutOfSync until someone deletes the Job by hand.
Defaults, quantities written differently, comments and key order are compared as the API server compares them.
Under a Flux HelmRelease the Job follows Helm: a `helm.sh/hook` Job is created anew, never updated, and the
fix for any other Job is to make it a Helm hook (Flux's force annotation does nothing there).

Failing (base branch has `image: busybox:1.35`):

    apiVersion: batch/v1
    kind: Job
    metadata:
      name: db-migrate
    spec:
      template:
        spec:
          containers:
            - name: migrate
              image: busybox:1.36
          restartPolicy: Never

Fixed (the Job becomes a hook that Argo CD deletes and re-creates before each sync):

    metadata:
      name: db-migrate
      annotations:
        argocd.argoproj.io/hook: PreSync
        argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
"""

from __future__ import annotations

from collections.abc import Iterator

from jobguard.controllers.argocd import SyncOptions
from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import FixIntent, Severity
from jobguard.fixes import strategies
from jobguard.inert import code_span
from jobguard.jobs import JobChange, JobDoc
from jobguard.kube.immutability import Semantics, immutable_changes
from jobguard.rules.base import EVERY_TOOL, Hit, RuleContext

ID = "job-immutable-field"
SEVERITY = Severity.ERROR
SUMMARY = "An existing non-hook Job has an immutable field changed; the sync will fail with `field is immutable`."
TOOLS = EVERY_TOOL


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    base, head = change.base, change.head
    if base is None or head is None or not change.touched or head.ref.name is None:
        return  # new, deleted or generateName: a create, never an update (job-immutability.md §7.1)
    tool = ctx.tool_for(head)
    semantics = _update(tool, base, head, ctx)
    if semantics is None:
        return
    verdict = immutable_changes(base.value, head.value, version=ctx.kubernetes_version, semantics=semantics)
    if all(c.replace_only for c in verdict.changes):
        return  # only Replace=true's own failure: that is job-replace-without-force's one message
    fields = tuple(dict.fromkeys(c.dotted for c in verdict.changes))
    described = "; ".join(f"{code_span(c.dotted)} {c.reason}" for c in verdict.changes[:5])
    if len(verdict.changes) > 5:
        described += f"; and {len(verdict.changes) - 5} more"
    how = " with `Replace=true` (a PUT of the whole manifest, §6)" if semantics == "replace" else ""
    message = (
        f"Job {code_span(head.ref.display())} already exists on the base branch and this change edits fields "
        f"Kubernetes "
        f"does not allow to change: {described}. {tool.display} will fail the sync{how} with `field is immutable` "
        f"and the application will stay OutOfSync until the Job is deleted by hand."
    )
    if verdict.notes:
        message += " Note: " + " ".join(verdict.notes)
    yield Hit(verdict.changes[0].path, fields, message, _intents(head, ctx, tool))


def _update(tool: GitOpsTool, base: JobDoc, head: JobDoc, ctx: RuleContext) -> Semantics | None:
    """How `tool` sends the edited Job to the API server, or None when it never updates it in place."""
    if tool is GitOpsTool.ARGOCD:
        return _argocd_update(base, head, ctx.sync_options(head))
    if tool is GitOpsTool.FLUX_HELM:
        # Helm creates hooks, never patches them; an unknown event makes it skip the Job (§8.3, §9)
        return None if head.helm.key_present else "apply"
    if ctx.flux_force(head) or ctx.flux_force(base):
        return None  # kustomize-controller deletes and re-creates on an immutable error (§8.2)
    return "apply"


def _argocd_update(base: JobDoc, head: JobDoc, options: SyncOptions) -> Semantics | None:
    if not head.argo.is_normal:
        return None  # hooks, skipped and ignored Jobs are other rules' business (argocd-hooks.md §11)
    if not _live_in_argocd(base) or options.recreates_on_immutable_change:
        return None
    return "replace" if options.replace_without_force else "apply"


def _live_in_argocd(base: JobDoc) -> bool:
    """Whether the base Job exists in the cluster: not if Argo CD never applied it or always deletes it."""
    hook = base.argo
    if hook.is_skip or hook.is_ignored:
        return False
    return not (hook.is_hook and hook.deleted_after_every_run)


def _intents(head: JobDoc, ctx: RuleContext, tool: GitOpsTool) -> tuple[FixIntent, ...]:
    if tool is GitOpsTool.FLUX:
        return (strategies.flux_force(),)
    if tool is GitOpsTool.FLUX_HELM:
        return (strategies.helm_hook(),)  # the Flux force annotation does nothing inside a HelmRelease (§8.3)
    phase = strategies.hook_phase_for(head, ctx.hook_phase)
    intents = [strategies.argocd_hook(phase)]
    if not ctx.sync_options(head).server_side_apply:
        intents.append(strategies.argocd_force())
    intents.append(strategies.argocd_force_replace())
    intents.append(strategies.argocd_hook_generate_name(phase))
    return tuple(intents)
