"""job-hook-not-recreated: a named hook Job whose delete policies lack BeforeHookCreation.

Argo CD applies hooks like any other object. A hook Job with a fixed `metadata.name` that is not deleted before
the next sync is patched in place: after a failed run with `HookSucceeded` only, every later sync fails again;
after a successful run with `HookFailed` only, the Job never runs again; and a changed template fails with
`field is immutable`. With no policy at all Argo CD uses BeforeHookCreation, so only explicit policies can lose it.
Helm hooks of a Job a Flux HelmRelease installs are checked the same way: Helm creates hooks rather than updating
them, so a Job left behind makes the next install or upgrade fail with `already exists` (`before-hook-creation`
is Helm's spelling).

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

from jobguard.controllers import argocd, helm
from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import Severity
from jobguard.fixes import strategies
from jobguard.inert import code_span
from jobguard.jobs import JobChange, JobDoc
from jobguard.rules.base import Hit, RuleContext, hit

ID = "job-hook-not-recreated"
SEVERITY = Severity.WARNING
SUMMARY = "A named hook Job whose delete policies lack BeforeHookCreation: later syncs fail or never re-run it."
TOOLS = frozenset({GitOpsTool.ARGOCD, GitOpsTool.FLUX_HELM})  # kustomize-controller has no hooks


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched or head.ref.name is None:
        return
    tool = ctx.tool_for(head)
    edited = change.base is not None and change.base.value != head.value
    if tool is GitOpsTool.ARGOCD:
        yield from _argocd(head, edited)
    elif tool is GitOpsTool.FLUX_HELM:
        yield from _helm(head, edited)


def _argocd(head: JobDoc, edited: bool) -> Iterator[Hit]:
    hook = head.argo
    if not hook.is_hook or not hook.sync_phases or hook.recreated_before_sync:
        return
    if hook.deleted_after_every_run:
        return  # the next sync creates it anew (spec argocd-hooks.md §4.1)
    policies = ", ".join(sorted(hook.explicit_delete_policies))
    message = (
        f"Hook Job {code_span(head.ref.display())} has a fixed name and delete policy {policies} without "
        f"BeforeHookCreation: the previous run's Job stays in the cluster, so "
        + (
            "a failed run makes every later sync fail, and an edited template fails with `field is immutable`."
            if argocd.HOOK_FAILED not in hook.delete_policies
            else "after a successful run it never runs again, and an edited template fails with `field is immutable`."
        )
    )
    if edited:
        message += " This change edits the Job, so the next sync may fail."
    key = argocd.ARGO_DELETE_POLICY if argocd.ARGO_DELETE_POLICY in head.annotations else helm.HELM_DELETE_POLICY
    if key not in head.annotations:
        key = argocd.ARGO_HOOK
    yield hit(("metadata", "annotations", key), message, (strategies.add_before_hook_creation(),))


def _helm(head: JobDoc, edited: bool) -> Iterator[Hit]:
    """Spec argocd-hooks.md §9: Helm creates hooks; only before-hook-creation removes the previous run first."""
    hook = head.helm
    if not hook.is_hook or not (hook.runs_on_install or hook.runs_on_upgrade) or hook.recreated_before_upgrade:
        return
    if hook.deleted_after_every_run:
        return
    if helm.HELM_HOOK_SUCCEEDED in hook.delete_policies:
        left = "a failed run"
    else:
        left = "a successful run" if helm.HELM_HOOK_FAILED in hook.delete_policies else "every run"
    message = (
        f"Helm hook Job {code_span(head.ref.display())} has a fixed name and `{helm.HELM_DELETE_POLICY}: "
        f"{head.annotations.get(helm.HELM_DELETE_POLICY, '')}` without before-hook-creation: Helm creates hooks "
        f"instead of updating them, so after {left} the Job left in the cluster makes the next install or upgrade "
        f"fail with `already exists`."
    )
    if edited:
        message += " This change edits the Job, so the next upgrade may fail."
    yield hit(
        ("metadata", "annotations", helm.HELM_DELETE_POLICY),
        message,
        (strategies.add_before_hook_creation(helm=True),),
    )
