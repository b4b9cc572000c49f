"""How Argo CD (gitops-engine + the argo-cd controller) treats a Job: hooks, delete policies, sync options.

The bot predicts from annotations only whether a changed Job is a hook, in which sync phases it runs, whether it
is silently ignored, whether it is deleted before being recreated, and whether a sync option recreates it. Every
rule mirrors the controller code cited in `spec/argocd-hooks.md` (section numbers in comments), quirks included:
items are exact and case-sensitive, and `helm.sh/*` keys count as Argo CD maps them (`helm` holds the tables).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jobguard.controllers.annotations import annotation_text, csv_items, dedupe, go_trim, text_of
from jobguard.controllers.helm import (
    HELM_CRD_INSTALL,
    HELM_DELETE_POLICIES,
    HELM_DELETE_POLICY,
    HELM_HOOK,
    HELM_TO_ARGO_DELETE,
    HELM_TO_ARGO_DELETE_POLICY,
    HELM_TO_ARGO_PHASE,
)

ARGOCD_PREFIX = "argocd.argoproj.io/"
"""§8.1: any key under it names Argo CD as the Job's tool."""
ARGO_API_VERSION = r"^apiVersion:[[:space:]]*[\"']?argoproj\.io/"
"""§10: a manifest line declaring an Argo CD object (Application, ApplicationSet, AppProject); POSIX ERE."""
ARGO_API_GROUP = "argoproj.io/"
"""How an Argo CD object's apiVersion begins (jobguard.render reads Applications and ApplicationSets)."""
ARGO_HOOK = "argocd.argoproj.io/hook"
ARGO_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
ARGO_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"

# §2: gitops-engine `common.NewHookType` recognises exactly these (case-sensitive).
ARGO_SYNC_PHASES = ("PreSync", "Sync", "PostSync", "SyncFail")
ARGO_SKIP = "Skip"
ARGO_HOOK_TYPES = (*ARGO_SYNC_PHASES, ARGO_SKIP)
# §2: handled by the argo-cd controller (controller/hook.go), not by gitops-engine.
ARGO_DELETE_TYPES = ("PreDelete", "PostDelete")
ARGO_HOOK_VALUES = (*ARGO_HOOK_TYPES, *ARGO_DELETE_TYPES)

# §4: delete policies, in the order of Helm's equivalents.
BEFORE_HOOK_CREATION = "BeforeHookCreation"
HOOK_SUCCEEDED = "HookSucceeded"
HOOK_FAILED = "HookFailed"
ARGO_DELETE_POLICIES = (BEFORE_HOOK_CREATION, HOOK_SUCCEEDED, HOOK_FAILED)

# §6: the sync options this module interprets (exact strings).
SYNC_FORCE = "Force=true"
SYNC_REPLACE = "Replace=true"
SYNC_SSA = "ServerSideApply=true"
SYNC_SSA_OFF = "ServerSideApply=false"


@dataclass(frozen=True)
class ArgoHook:
    """What Argo CD (gitops-engine + argo-cd controller) makes of one object's hook annotations.

    Fields hold what the annotations say, properties what follows from them (§2.1 model). `is_ignored` also
    covers deliberate cases (delete hooks, Helm test hooks): a typo shows up in `unknown_values` /
    `invalid_delete_policies`.
    """

    key_present: bool
    types: tuple[str, ...]
    is_hook: bool
    delete_hook: bool
    """A `PreDelete`/`PostDelete` item in either annotation (Helm `pre-delete`/`post-delete` mapped, §2)."""
    unknown_values: tuple[str, ...]
    explicit_delete_policies: frozenset[str]
    """§4: valid Argo items UNION valid Helm items (mapped), whatever the hook types say."""
    invalid_delete_policies: tuple[str, ...]
    helm_phase_items: tuple[str, ...] = ()
    """`helm.sh/hook` items that map to an Argo CD sync phase (§2.2)."""
    types_from_helm: bool = False
    """No valid Argo type, so `types` came from `helm.sh/hook` (§2.1 #3)."""

    @property
    def is_skip(self) -> bool:
        """§2.1 #5: Skip counts only as the only recognised type."""
        return self.types == (ARGO_SKIP,)

    @property
    def is_ignored(self) -> bool:
        """gitops-engine `ignore.Ignore`: a hook without a recognised type is never applied nor diffed."""
        return self.is_hook and not self.types

    @property
    def sync_phases(self) -> frozenset[str]:
        """§2.1 `sync_phases`: nothing for Skip, the hook's sync types for hooks, `Sync` for normal resources."""
        if self.is_skip:
            return frozenset()
        if self.is_hook:
            return frozenset(t for t in self.types if t in ARGO_SYNC_PHASES)
        return frozenset({"Sync"})

    @property
    def delete_policies(self) -> frozenset[str]:
        """§4: the explicit policies, BeforeHookCreation when there is none."""
        return self.explicit_delete_policies or frozenset({BEFORE_HOOK_CREATION})

    @property
    def helm_types_used(self) -> tuple[str, ...]:
        """`helm.sh/hook` items that produced `types` (only when no valid Argo type exists, §2.1 #3)."""
        return self.helm_phase_items if self.types_from_helm else ()

    @property
    def helm_values_overridden(self) -> tuple[str, ...]:
        """Mappable `helm.sh/hook` items ignored for typing because a valid Argo type exists (§2.1 #4)."""
        return () if self.types_from_helm else self.helm_phase_items

    @property
    def recreated_before_sync(self) -> bool:
        """§4.1: a named hook Job survives template changes only with BeforeHookCreation in effect."""
        return BEFORE_HOOK_CREATION in self.delete_policies

    @property
    def deleted_after_every_run(self) -> bool:
        """§4.1 `HookSucceeded,HookFailed`: no Job is left behind, so the next sync creates it anew."""
        return {HOOK_SUCCEEDED, HOOK_FAILED} <= self.delete_policies

    @property
    def is_normal(self) -> bool:
        """Applied and diffed like any resource (plain `kubectl apply`, §1)."""
        return not self.is_hook and not self.is_skip


def _argo_types(argo_items: tuple[str, ...], helm_items: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """§2.1 `argo_types`; the flag says whether the types came from the Helm fallback."""
    argo = tuple(item for item in argo_items if item in ARGO_HOOK_TYPES)
    if argo:
        return argo, False
    return dedupe(HELM_TO_ARGO_PHASE[item] for item in helm_items if item in HELM_TO_ARGO_PHASE), True


def _argo_is_hook(argo_raw: str | None, helm_raw: str | None, is_skip: bool) -> bool:
    """§2.1 `is_hook` (gitops-engine `hook.IsHook` + `helm.IsHook`)."""
    if argo_raw is not None:
        return not is_skip
    return helm_raw is not None and helm_raw != HELM_CRD_INSTALL  # whole-string compare, §2.1 #8


def _is_delete_hook(argo_items: tuple[str, ...], helm_items: tuple[str, ...]) -> bool:
    """§2: controller/hook.go `isHookOfType`, per trimmed CSV item of either annotation."""
    return any(i in ARGO_DELETE_TYPES for i in argo_items) or any(i in HELM_TO_ARGO_DELETE for i in helm_items)


def _split_valid(items: tuple[str, ...], valid: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    allowed = set(valid)
    return tuple(i for i in items if i in allowed), tuple(i for i in items if i not in allowed)


def _argo_delete_policies(annotations: Mapping[str, object] | None) -> tuple[frozenset[str], tuple[str, ...]]:
    """gitops-engine `DeletePolicies` (§4): exact, case-sensitive items of both keys, the valid ones unioned
    (Helm spelling mapped) and the invalid ones, which Argo CD drops."""
    argo, bad_argo = _split_valid(csv_items(text_of(annotations, ARGO_DELETE_POLICY)), ARGO_DELETE_POLICIES)
    helm, bad_helm = _split_valid(csv_items(text_of(annotations, HELM_DELETE_POLICY)), HELM_DELETE_POLICIES)
    return frozenset((*argo, *(HELM_TO_ARGO_DELETE_POLICY[p] for p in helm))), (*bad_argo, *bad_helm)


def classify_argocd(annotations: Mapping[str, object] | None) -> ArgoHook:
    """Classify one object exactly as Argo CD does (§2.1 pseudo-code, §4 delete policies)."""
    argo_raw, helm_raw = text_of(annotations, ARGO_HOOK), text_of(annotations, HELM_HOOK)
    argo_items, helm_items = csv_items(argo_raw), csv_items(helm_raw)
    types, from_helm = _argo_types(argo_items, helm_items)
    unknown = tuple(item for item in argo_items if item not in ARGO_HOOK_VALUES)
    policies, invalid_policies = _argo_delete_policies(annotations)
    return ArgoHook(
        key_present=argo_raw is not None,
        types=types,
        is_hook=_argo_is_hook(argo_raw, helm_raw, is_skip=types == (ARGO_SKIP,)),
        delete_hook=_is_delete_hook(argo_items, helm_items),
        unknown_values=("",) if argo_raw is not None and not argo_items else unknown,
        explicit_delete_policies=policies,
        invalid_delete_policies=invalid_policies,
        helm_phase_items=tuple(item for item in helm_items if item in HELM_TO_ARGO_PHASE),
        types_from_helm=from_helm,
    )


def names_argocd(keys: Iterable[str]) -> bool:
    """Whether annotation or label keys belong to Argo CD (§8.1)."""
    return any(k.startswith(ARGOCD_PREFIX) for k in keys)


# --------------------------------------------------------------------------------------------------------
# Typo corrections (§2.1 consequence 1)


def _squash(value: str) -> str:
    """Compare spellings without case and separators: `Pre_Sync`, `pre-sync`, `PRESYNC` -> `presync`."""
    return re.sub(r"[\s_\-.]+", "", value).casefold()


_ARGO_HOOK_GUESSES: Mapping[str, str] = {
    **{_squash(v): v for v in ARGO_HOOK_VALUES},
    **{_squash(h): a for h, a in HELM_TO_ARGO_PHASE.items()},
    **{_squash(h): a for h, a in HELM_TO_ARGO_DELETE.items()},
}


def correct_hook_value(value: str) -> str | None:
    """Best valid `argocd.argoproj.io/hook` item for a typo, or None without a confident guess.

    Separators and case are ignored (`pre-sync`, `Pre_Sync`, `presync` -> `PreSync`) and Helm event names map
    as Argo CD would map them (`pre-install` -> `PreSync`, `post-delete` -> `PostDelete`); otherwise one close
    spelling (difflib ratio >= 0.85) is accepted. A valid value is returned unchanged.
    """
    text = go_trim(annotation_text(value))
    if text in ARGO_HOOK_VALUES:
        return text
    key = _squash(text)
    if not key:
        return None
    if key in _ARGO_HOOK_GUESSES:
        return _ARGO_HOOK_GUESSES[key]
    close = difflib.get_close_matches(key, list(_ARGO_HOOK_GUESSES), n=1, cutoff=0.85)
    return _ARGO_HOOK_GUESSES[close[0]] if close else None


def correct_hook_annotation(value: object) -> str | None:
    """A corrected whole `argocd.argoproj.io/hook` value (`presync;postsync` -> `PreSync,PostSync`).

    None when the value is blank or any item has no confident correction, so a fix is never half-guessed.
    """
    fixed: list[str] = []
    for item in csv_items(value):
        guess = correct_hook_value(item)
        pieces = [guess] if guess else [correct_hook_value(p) for p in re.split(r"[;|/\s]+", item) if p]
        if not pieces or any(p is None for p in pieces):
            return None
        fixed.extend(p for p in pieces if p)
    return ",".join(dedupe(fixed)) or None


# --------------------------------------------------------------------------------------------------------
# Sync options (§6, §6.1)


@dataclass(frozen=True)
class SyncOptions:
    """The sync options that decide how Argo CD writes an existing Job (§6).

    `items` are the resource annotation's items; the booleans are the effective result of them and the
    Application's options, as gitops-engine computes it.
    """

    items: tuple[str, ...]
    force: bool
    replace: bool
    server_side_apply: bool

    @property
    def recreates_on_immutable_change(self) -> bool:
        """§6: apply --force falls back to delete+create; SSA has no fallback unless Replace wins over it."""
        return self.force and (not self.server_side_apply or self.replace)

    @property
    def replace_without_force(self) -> bool:
        """§6.1: a PUT is validated like a PATCH, so Replace alone never fixes a Job."""
        return self.replace and not self.force


def sync_options(annotations: Mapping[str, object] | None, *, app_items: Iterable[object] = ()) -> SyncOptions:
    """Read `argocd.argoproj.io/sync-options` (exact, case-sensitive items, §6).

    `app_items` (Application `spec.syncPolicy.syncOptions`) contribute Replace and ServerSideApply the way
    controller/sync.go passes them to gitops-engine; an app-level `Force=true` is NOT honoured (§6.2: force
    only comes from the sync strategy), and `ServerSideApply=false` on the resource disables SSA
    (`shouldUseServerSideApply`).
    """
    items = csv_items(text_of(annotations, ARGO_SYNC_OPTIONS))
    app = dedupe(go_trim(annotation_text(i)) for i in app_items)
    return SyncOptions(
        items=items,
        force=SYNC_FORCE in items,
        replace=SYNC_REPLACE in items or SYNC_REPLACE in app,
        server_side_apply=SYNC_SSA_OFF not in items and (SYNC_SSA in items or SYNC_SSA in app),
    )
