"""job-replace-without-force: `Replace=true` on a Job without `Force=true`.

`Replace=true` makes Argo CD send the whole manifest with `kubectl replace` (an HTTP PUT). The API server runs the
same immutability checks, and a git manifest lacks the selector and template labels the server generated when it
created the Job, so the replace is rejected on `spec.selector` and `spec.template.metadata.labels` on every sync
(Argo CD applies every resource of the app on each sync), changed or not. `Force=true,Replace=true` deletes and
re-creates the Job instead.

Severity: the configured severity (default error) when the Job exists on the base side, since its next sync fails;
one level lower for a new Job, whose first sync creates it and whose second sync fails. Silent when the manifest
itself carries `manualSelector: true` with a `selector.matchLabels` its template labels match and nothing immutable
changes (then the PUT is valid).

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

from collections.abc import Iterator, Mapping
from typing import Any

from jobguard.controllers import argocd
from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import Severity
from jobguard.fixes import strategies
from jobguard.inert import code_span
from jobguard.jobs import JobChange, JobDoc
from jobguard.kube.immutability import immutable_changes
from jobguard.kube.refusal import get
from jobguard.rules.base import Hit, RuleContext

ID = "job-replace-without-force"
SEVERITY = Severity.ERROR
_ANCHOR = ("metadata", "annotations", argocd.ARGO_SYNC_OPTIONS)
SUMMARY = "`Replace=true` on a Job without `Force=true`: the replace is rejected as immutable on every sync."
TOOLS = frozenset({GitOpsTool.ARGOCD})  # Argo CD only: the engine skips Jobs another tool applies


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched or head.ref.name is None:
        return
    if not head.argo.is_normal or not ctx.sync_options(head).replace_without_force:
        return
    if _own_selector_valid(head.spec):
        fields = () if change.base is None else _immutable_changes(change.base, head, ctx)
        if not fields:
            return  # the PUT carries a selector and labels the server accepts, and nothing immutable changes
        reason = f" on {', '.join(code_span(f) for f in fields)}."
    else:
        fields = ("spec.selector", "spec.template.metadata.labels")
        reason = " on `spec.selector` and `spec.template.metadata.labels`: the manifest lacks the generated ones."
    when = "on its next sync" if change.base is not None else "on its second sync (the first one creates it)"
    message = (
        f"Job {code_span(head.ref.display())} has `{argocd.ARGO_SYNC_OPTIONS}: Replace=true` without "
        f"`Force=true`: {when} "
        f"Argo CD replaces the Job with a PUT, which the API server rejects as `field is immutable`{reason}"
        " `Replace=true` does not help Jobs; `Force=true,Replace=true` deletes and re-creates them."
    )
    intents = (strategies.argocd_force_replace(),)
    yield Hit(_ANCHOR, fields, message, intents, one_level_lower=change.base is None)


def _own_selector_valid(spec: Mapping[str, Any]) -> bool:
    """`manualSelector: true` with plain matchLabels the template labels carry: the PUT keeps a valid selector."""
    selector, labels = spec.get("selector"), get(spec, "template", "metadata", "labels")
    if spec.get("manualSelector") is not True or not isinstance(selector, dict) or not isinstance(labels, dict):
        return False
    match = selector.get("matchLabels")
    if set(selector) != {"matchLabels"} or not isinstance(match, dict) or not match:
        return False
    return all(labels.get(k) == v for k, v in match.items())


def _immutable_changes(base: JobDoc, head: JobDoc, ctx: RuleContext) -> tuple[str, ...]:
    """The fields the API server names when it refuses the PUT of `head` over `base` (none: it accepts it)."""
    verdict = immutable_changes(base.value, head.value, version=ctx.kubernetes_version, semantics="replace")
    return tuple(c.dotted for c in verdict.changes)
