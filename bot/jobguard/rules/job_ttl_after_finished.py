"""job-ttl-after-finished: a non-hook Job with `ttlSecondsAfterFinished` under a GitOps controller.

The TTL controller deletes the finished Job. The Job is still in git, so Argo CD shows the application OutOfSync
(the Job is Missing) and self-heal or the next sync creates it again: the Job runs again and again. Flux's drift
correction does the same, and so does helm-controller for a Job a HelmRelease installs. Make it a hook (Argo CD's, or
Helm's under a HelmRelease: hooks' runs are meant to repeat) or drop the TTL.

Failing:

    metadata:
      name: report
    spec:
      ttlSecondsAfterFinished: 600

Fixed:

    metadata:
      name: report
      annotations:
        argocd.argoproj.io/hook: Sync
        argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
    spec:
      ttlSecondsAfterFinished: 600
"""

from __future__ import annotations

from collections.abc import Iterator

from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import FixIntent, Severity
from jobguard.fixes import strategies
from jobguard.inert import code_span
from jobguard.jobs import JobChange
from jobguard.rules.base import EVERY_TOOL, Hit, RuleContext, hit

ID = "job-ttl-after-finished"
SEVERITY = Severity.WARNING
SUMMARY = "A non-hook Job with ttlSecondsAfterFinished: it disappears, the app goes OutOfSync and it runs again."
TOOLS = EVERY_TOOL


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched or head.spec.get("ttlSecondsAfterFinished") is None:
        return
    tool = ctx.tool_for(head)
    intents: tuple[FixIntent, ...] = ()
    if tool is GitOpsTool.ARGOCD:
        if not head.argo.is_normal:
            return
        effect = "Argo CD then shows the application OutOfSync (Job Missing) and self-heal or the next sync"
        intents = (strategies.argocd_hook(strategies.hook_phase_for(head, ctx.hook_phase)),)
    elif tool is GitOpsTool.FLUX_HELM:
        if head.helm.key_present:
            return  # a Helm hook (or a Job Helm skips) is not part of the release (argocd-hooks.md §9)
        effect = "Flux's helm-controller (drift correction, or the next upgrade) then"
        intents = (strategies.helm_hook(),)
    else:
        effect = "Flux's drift correction then"
    message = (
        f"Job {code_span(head.ref.display())} sets `spec.ttlSecondsAfterFinished`: Kubernetes deletes it "
        f"after it finishes; "
        f"{effect} creates it again, so it runs again and again. Make it a hook or remove the TTL."
    )
    yield hit(("spec", "ttlSecondsAfterFinished"), message, intents)
