"""job-hook-unknown-phase: `argocd.argoproj.io/hook` holds a value Argo CD does not recognise.

Argo CD matches hook values exactly and case-sensitively. An object whose hook annotation holds no valid value
is still treated as a hook but has no phase, so Argo CD never applies it and never reports it OutOfSync: the Job
silently never runs. A wrong item next to valid ones is dropped just as silently.

Failing:

    metadata:
      name: db-migrate
      annotations:
        argocd.argoproj.io/hook: presync

Fixed:

    metadata:
      name: db-migrate
      annotations:
        argocd.argoproj.io/hook: PreSync
"""

from __future__ import annotations

from collections.abc import Iterator

from jobguard.controllers import argocd
from jobguard.controllers.annotations import csv_items
from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import Severity
from jobguard.fixes import strategies
from jobguard.inert import code_span
from jobguard.jobs import JobChange
from jobguard.rules.base import Hit, RuleContext, hit

ID = "job-hook-unknown-phase"
SEVERITY = Severity.ERROR
SUMMARY = "A hook annotation value Argo CD does not recognise (e.g. `presync`): the Job is silently never applied."
TOOLS = frozenset({GitOpsTool.ARGOCD})  # Argo CD only: the engine skips Jobs another tool applies

VALID = ", ".join(argocd.ARGO_HOOK_VALUES)


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched:
        return
    hook = head.argo
    if not hook.unknown_values:
        return
    shown = ", ".join(code_span(v) if v else "an empty value" for v in hook.unknown_values)
    if hook.is_ignored:
        effect = "no valid phase remains, so Argo CD never applies this Job and never reports it as OutOfSync"
    else:
        effect = f"Argo CD silently drops it and runs the Job only in {', '.join(sorted(hook.sync_phases)) or 'no'}"
        effect += " phase"
    message = (
        f"Job {code_span(head.ref.display())}: `{argocd.ARGO_HOOK}` has {shown}, which Argo CD does not "
        f"recognise (values "
        f"are case-sensitive: {VALID}); {effect}."
    )
    value = head.annotations.get(argocd.ARGO_HOOK, "")
    if csv_items(value):  # the whole value or nothing: never a half-corrected list
        right = argocd.correct_hook_annotation(value)
    else:
        right = strategies.hook_phase_for(head, ctx.hook_phase)
    intents = (strategies.correct_hook_phase(value, right),) if right is not None else ()
    yield hit(("metadata", "annotations", argocd.ARGO_HOOK), message, intents)
