"""Helm's own hook semantics (plain Helm and Flux helm-controller, §8.3, §9), and its vocabulary as Argo CD maps it.

Helm (`releaseutil.SortManifests`, `action/hooks.go`) lower-cases CSV items and keeps empty ones; one unknown
event makes it skip the object entirely. Argo CD reads the same keys differently (exact items, a fixed mapping
to its own phases and policies, §2.2, §4): the mapping tables below are Argo CD's, applied in `argocd`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jobguard.controllers.annotations import annotation_text, dedupe, go_trim, text_of

HELM_HOOK = "helm.sh/hook"
HELM_DELETE_POLICY = "helm.sh/hook-delete-policy"

# §9: Helm 3/4 `releaseutil` events; `test-success` is Helm's Helm-2 compatibility alias of `test`.
HELM_EVENTS = (
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
)
HELM_EVENT_ALIASES: Mapping[str, str] = {"test-success": "test"}
# §2.1 #8: compared as a whole string by gitops-engine `helm.IsHook`, not per CSV item.
HELM_CRD_INSTALL = "crd-install"

# §9: delete policies, in the order of Argo CD's equivalents (§4).
HELM_BEFORE_HOOK_CREATION = "before-hook-creation"
HELM_HOOK_SUCCEEDED = "hook-succeeded"
HELM_HOOK_FAILED = "hook-failed"
HELM_DELETE_POLICIES = (HELM_BEFORE_HOOK_CREATION, HELM_HOOK_SUCCEEDED, HELM_HOOK_FAILED)

# Argo CD's mapping (values in Argo CD's spelling, checked against `argocd` by tests/test_controllers.py).
# §2.1 / §2.2: the only Helm events gitops-engine maps to an Argo CD sync phase.
HELM_TO_ARGO_PHASE: Mapping[str, str] = {
    "pre-install": "PreSync",
    "pre-upgrade": "PreSync",
    "post-install": "PostSync",
    "post-upgrade": "PostSync",
}
# §2: controller/hook.go treats these Helm items as delete hooks.
HELM_TO_ARGO_DELETE: Mapping[str, str] = {"pre-delete": "PreDelete", "post-delete": "PostDelete"}
# §4: gitops-engine `helm.DeletePolicies`.
HELM_TO_ARGO_DELETE_POLICY: Mapping[str, str] = {
    HELM_BEFORE_HOOK_CREATION: "BeforeHookCreation",
    HELM_HOOK_SUCCEEDED: "HookSucceeded",
    HELM_HOOK_FAILED: "HookFailed",
}


@dataclass(frozen=True)
class HelmHook:
    """What Helm itself (`releaseutil.SortManifests`, `action/hooks.go`) makes of an object.

    Unlike Argo CD, Helm lower-cases items and keeps empty ones; one unknown event makes Helm skip the
    object entirely (`skipping unknown hook`): it is then neither a hook nor part of the release.
    """

    events: tuple[str, ...]
    is_hook: bool
    delete_policies: frozenset[str]
    key_present: bool = False
    is_dropped: bool = False
    """`helm.sh/hook` holds an unknown item (e.g. `crd-install`, `""`, a typo): Helm installs nothing."""
    unknown_events: tuple[str, ...] = ()
    explicit_delete_policies: frozenset[str] = frozenset()
    invalid_delete_policies: tuple[str, ...] = ()
    """Items Helm keeps but never acts on; they still suppress the before-hook-creation default."""

    @property
    def recreated_before_upgrade(self) -> bool:
        """§9: Helm creates hooks, so an old Job of the same name must be deleted first."""
        return HELM_BEFORE_HOOK_CREATION in self.delete_policies

    @property
    def runs_on_upgrade(self) -> bool:
        return "pre-upgrade" in self.events or "post-upgrade" in self.events

    @property
    def runs_on_install(self) -> bool:
        return "pre-install" in self.events or "post-install" in self.events

    @property
    def deleted_after_every_run(self) -> bool:
        """`hook-succeeded,hook-failed`: no Job is left behind, so the next release creates it anew (§9)."""
        return {HELM_HOOK_SUCCEEDED, HELM_HOOK_FAILED} <= self.delete_policies


def _helm_items(value: object) -> tuple[tuple[str, str], ...]:
    """Helm `manifest_sorter.go`: split on ",", trim, lower-case; empty items are KEPT (and are unknown).

    Pairs of (as written after trimming, as Helm compares it), so messages can quote the user's text.
    """
    return tuple((item, item.lower()) for item in (go_trim(raw) for raw in annotation_text(value).split(",")))


def _helm_delete_policies(raw: str | None) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(effective, explicit, invalid) per Helm: any item, even "" or a typo, suppresses the default."""
    items = _helm_items(raw) if raw is not None else ()
    valid = frozenset(low for _, low in items if low in HELM_DELETE_POLICIES)
    invalid = dedupe(text for text, low in items if low not in HELM_DELETE_POLICIES)
    return (valid if items else frozenset({HELM_BEFORE_HOOK_CREATION})), valid, invalid


def classify_helm(annotations: Mapping[str, object] | None) -> HelmHook:
    """Classify one object as Helm 3/4 does (§9); Argo CD annotations are meaningless here (§8.1)."""
    raw = text_of(annotations, HELM_HOOK)
    effective, explicit, invalid = _helm_delete_policies(text_of(annotations, HELM_DELETE_POLICY))
    if raw is None:
        return HelmHook((), False, effective, explicit_delete_policies=explicit, invalid_delete_policies=invalid)
    items = _helm_items(raw)
    unknown = dedupe(text for text, low in items if low not in HELM_EVENTS and low not in HELM_EVENT_ALIASES)
    events = () if unknown else dedupe(HELM_EVENT_ALIASES.get(low, low) for _, low in items)
    return HelmHook(
        events=events,
        is_hook=not unknown,
        delete_policies=effective,
        key_present=True,
        is_dropped=bool(unknown),
        unknown_events=unknown,
        explicit_delete_policies=explicit,
        invalid_delete_policies=invalid,
    )
