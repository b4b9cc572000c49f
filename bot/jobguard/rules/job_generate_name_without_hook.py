"""job-generate-name-without-hook: `metadata.generateName` on a Job that is not an Argo CD hook.

Argo CD applies ordinary resources with `kubectl apply`, which cannot use a generated name ("cannot use generate
name with apply"); with `Replace=true` every sync creates yet another Job and the application never becomes
Synced. Argo CD supports generateName only on hooks, where it computes the name itself.

Failing:

    metadata:
      generateName: db-migrate-

Fixed:

    metadata:
      generateName: db-migrate-
      annotations:
        argocd.argoproj.io/hook: Sync
        argocd.argoproj.io/hook-delete-policy: HookSucceeded
"""

from __future__ import annotations

from collections.abc import Iterator

from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import Severity
from jobguard.fixes import strategies
from jobguard.inert import code_span
from jobguard.jobs import JobChange
from jobguard.rules.base import Hit, RuleContext, hit

ID = "job-generate-name-without-hook"
SEVERITY = Severity.ERROR
SUMMARY = "generateName on a Job that is not an Argo CD hook, which Argo CD cannot apply."
TOOLS = frozenset({GitOpsTool.ARGOCD})  # Argo CD only: the engine skips Jobs another tool applies


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched or head.ref.name is not None:
        return
    if not head.argo.is_normal:
        return  # a hook (or a typo'd hook, reported by job-hook-unknown-phase)
    message = (
        f"Job {code_span(head.ref.display())} uses `metadata.generateName` but is not an Argo CD hook: `kubectl apply` "
        f'cannot create it ("cannot use generate name with apply"), so the sync fails. Argo CD supports '
        f"generateName only on hooks."
    )
    phase = strategies.hook_phase_for(head, ctx.hook_phase)
    yield hit(("metadata", "generateName"), message, (strategies.hook_for_generate_name(phase),))
