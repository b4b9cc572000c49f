"""job-replace-without-force: `Replace=true` on a Job without `Force=true`.

`Replace=true` makes Argo CD send the whole manifest with `kubectl replace` (an HTTP PUT). The API server runs the
same immutability checks, and a git manifest lacks the selector and template labels the server generated when it
created the Job, so the replace is rejected on every sync, changed or not. `Force=true,Replace=true` deletes and
re-creates the Job instead.

Failing:

    metadata:
      annotations:
        argocd.argoproj.io/sync-options: Replace=true

Fixed:

    metadata:
      annotations:
        argocd.argoproj.io/sync-options: Replace=true,Force=true
"""

from __future__ import annotations

from collections.abc import Iterator

from jobguard.controllers import argocd
from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import Severity
from jobguard.fixes import strategies
from jobguard.jobs import JobChange
from jobguard.rules.base import Hit, RuleContext, hit

ID = "job-replace-without-force"
SEVERITY = Severity.WARNING
SUMMARY = "`Replace=true` on a Job without `Force=true`: the replace is rejected as immutable on every change."
TOOLS = frozenset({GitOpsTool.ARGOCD})  # Argo CD only: the engine skips Jobs another tool applies


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched or head.ref.name is None:
        return
    if not head.argo.is_normal or not head.sync_options.replace_without_force:
        return
    manual = head.spec.get("manualSelector") is True
    message = (
        f"Job `{head.ref.display()}` has `{argocd.ARGO_SYNC_OPTIONS}: Replace=true` without `Force=true`: Argo CD "
        f"replaces the Job with a PUT, which the API server rejects as `field is immutable`"
        + (
            " as soon as the template changes."
            if manual
            else " even when nothing changed, because the manifest lacks the generated selector and labels."
        )
        + " `Replace=true` does not help Jobs; `Force=true,Replace=true` deletes and re-creates them."
    )
    yield hit(("metadata", "annotations", argocd.ARGO_SYNC_OPTIONS), message, (strategies.argocd_force_replace(),))
