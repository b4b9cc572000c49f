"""job-ttl-after-finished: a non-hook Job with `ttlSecondsAfterFinished` under a GitOps controller.

The TTL controller deletes the finished Job. The Job is still in git, so Argo CD shows the application OutOfSync
(the Job is Missing) and self-heal or the next sync creates it again: the Job runs again and again. Flux's drift
correction does the same. Make it a hook (whose runs are meant to repeat) or drop the TTL.

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

from bot import hooks, strategies
from bot.findings import FixIntent, Severity
from bot.jobs import JobChange
from bot.rules.base import Hit, RuleContext

ID = "job-ttl-after-finished"
SEVERITY = Severity.WARNING
SUMMARY = "A non-hook Job with ttlSecondsAfterFinished: it disappears, the app goes OutOfSync and it runs again."


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched or head.spec.get("ttlSecondsAfterFinished") is None:
        return
    tool = ctx.tool_for(head)
    if tool == "argocd":
        hook = hooks.classify_argocd(head.annotations)
        if hook.key_present or hook.is_hook or hook.is_skip:
            return
        effect = "Argo CD then shows the application OutOfSync (Job Missing) and self-heal or the next sync"
        intents: tuple[FixIntent, ...] = (strategies.argocd_hook(strategies.hook_phase_for(head, ctx.hook_phase)),)
    else:
        effect = "Flux's drift correction then"
        intents = ()
    message = (
        f"Job `{head.ref.display()}` sets `spec.ttlSecondsAfterFinished`: Kubernetes deletes it after it finishes; "
        f"{effect} creates it again, so it runs again and again. Make it a hook or remove the TTL."
    )
    yield Hit(("spec", "ttlSecondsAfterFinished"), ("spec.ttlSecondsAfterFinished",), message, intents)
