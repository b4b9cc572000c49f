"""job-hook-not-recreated: a named hook Job whose delete policies lack BeforeHookCreation.

Argo CD applies hooks like any other object. A hook Job with a fixed `metadata.name` that is not deleted before
the next sync is patched in place: after a failed run with `HookSucceeded` only, every later sync fails again;
after a successful run with `HookFailed` only, the Job never runs again; and a changed template fails with
`field is immutable`. With no policy at all Argo CD uses BeforeHookCreation, so only explicit policies can lose it.

Failing:

    metadata:
      name: db-migrate
      annotations:
        argocd.argoproj.io/hook: PreSync
        argocd.argoproj.io/hook-delete-policy: HookSucceeded

Fixed:

    metadata:
      name: db-migrate
      annotations:
        argocd.argoproj.io/hook: PreSync
        argocd.argoproj.io/hook-delete-policy: HookSucceeded,BeforeHookCreation
"""

from __future__ import annotations

from collections.abc import Iterator

from bot import hooks, strategies
from bot.findings import Severity
from bot.jobs import JobChange
from bot.rules.base import Hit, RuleContext

ID = "job-hook-not-recreated"
SEVERITY = Severity.WARNING
SUMMARY = "A named hook Job whose delete policies lack BeforeHookCreation: later syncs fail or never re-run it."


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched or head.ref.name is None or ctx.tool_for(head) != "argocd":
        return
    hook = hooks.classify_argocd(head.annotations)
    if not hook.is_hook or not hook.sync_phases or hook.recreated_before_sync:
        return
    if {"HookSucceeded", "HookFailed"} <= hook.delete_policies:
        return  # deleted after every run, so the next sync creates it anew (spec argocd-hooks.md §4.1)
    policies = ", ".join(sorted(hook.explicit_delete_policies))
    message = (
        f"Hook Job `{head.ref.display()}` has a fixed name and delete policy {policies} without "
        f"BeforeHookCreation: the previous run's Job stays in the cluster, so "
        + (
            "a failed run makes every later sync fail, and an edited template fails with `field is immutable`."
            if "HookFailed" not in hook.delete_policies
            else "after a successful run it never runs again, and an edited template fails with `field is immutable`."
        )
    )
    if change.base is not None and change.base.value != head.value:
        message += " This change edits the Job, so the next sync may fail."
    key = hooks.ARGO_DELETE_POLICY if hooks.ARGO_DELETE_POLICY in head.annotations else hooks.HELM_DELETE_POLICY
    if key not in head.annotations:
        key = hooks.ARGO_HOOK
    yield Hit(
        ("metadata", "annotations", key),
        (f"metadata.annotations.{hooks.ARGO_DELETE_POLICY}",),
        message,
        (strategies.add_before_hook_creation(head),),
    )
