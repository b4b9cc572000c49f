"""Tests for jobguard.controllers: table-driven cases from fixtures/rules/spec-tables/hooks.yaml plus the real corpus.

The fixture carries the spec rows (spec/argocd-hooks.md §2, §2.1 consequences 1-8, §2.2, §4, §4.1, §6, §8.2,
§9); `test_fixture_covers_every_spec_row` fails if a row loses its last case.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jobguard.controllers import argocd
from jobguard.controllers.annotations import csv_items
from jobguard.controllers.argocd import (
    ARGO_SYNC_PHASES,
    SyncOptions,
    classify_argocd,
    correct_hook_annotation,
    correct_hook_value,
    sync_options,
)
from jobguard.controllers.flux import flux_force_enabled
from jobguard.controllers.helm import (
    HELM_DELETE_POLICIES,
    HELM_DELETE_POLICY,
    HELM_EVENTS,
    HELM_HOOK,
    HelmHook,
    classify_helm,
)

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "spec-tables" / "hooks.yaml"
CASES: dict[str, Any] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
CORPUS = Path(os.environ.get("JOBGUARD_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))

REQUIRED_TAGS = {
    *(f"2:{v}" for v in ("PreSync", "Sync", "PostSync", "SyncFail", "Skip", "PostDelete", "PreDelete", "invalid")),
    "2.3",
    *(f"c{n}{sign}" for n in range(1, 9) for sign in "+-"),
    *(
        f"2.2:{v}"
        for v in (
            "pre-install",
            "pre-upgrade",
            "post-install",
            "post-upgrade",
            "pre-delete",
            "post-delete",
            "crd-install",
            "test",
            "test-success",
            "test-failure",
            "pre-rollback",
            "post-rollback",
            "hook-weight",
            "delete-policy",
            "hook-delete-timeout",
            "resource-policy",
        )
    ),
    *(f"4:{v}" for v in ("BeforeHookCreation", "HookSucceeded", "HookFailed", "union", "default", "invalid")),
    "4:non-hook",
    *(f"4.1:{v}" for v in ("none", "bhc", "hs", "hf", "bhc+hs", "bhc+hf", "hs+hf", "bhc+hs+hf")),
    *(f"6:{v}" for v in ("none", "replace", "force", "force+replace", "ssa", "ApplyOutOfSyncOnly")),
    *(f"6:{v}" for v in ("PrunePropagationPolicy", "case", "app")),
    *(f"8.2:{v}" for v in ("annotation", "label", "case", "negative")),
    "8.1",
    *(f"9:{v}" for v in ("none", "event", "case", "unknown", "policy", "invalid-policy", "argo")),
    "nonstring",
}


def _ids(section: str) -> list[str]:
    return [case["id"] for case in CASES[section]]


def _plain(value: object) -> object:
    """Tuples (also nested) -> lists so that fixture lists compare equal; frozensets stay sets."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _assert_expected(obj: object, expect: Mapping[str, Any], case_id: str) -> None:
    assert expect, f"{case_id}: a case must expect at least one field"
    for name, want in expect.items():
        got = getattr(obj, name)
        if isinstance(got, frozenset):
            assert isinstance(want, list), f"{case_id}.{name}: fixture must give a list"
            assert got == frozenset(want), f"{case_id}.{name}: got {sorted(got)}, want {sorted(want)}"
        else:
            assert _plain(got) == want, f"{case_id}.{name}: got {got!r}, want {want!r}"
            assert type(_plain(got)) is type(want), f"{case_id}.{name}: type {type(got)} vs {type(want)}"


# ---- table-driven cases -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES["argocd"], ids=_ids("argocd"))
def test_argocd_case(case: dict[str, Any]) -> None:
    _assert_expected(classify_argocd(case["annotations"]), case["expect"], case["id"])


@pytest.mark.parametrize("case", CASES["helm"], ids=_ids("helm"))
def test_helm_case(case: dict[str, Any]) -> None:
    _assert_expected(classify_helm(case["annotations"]), case["expect"], case["id"])


@pytest.mark.parametrize("case", CASES["sync_options"], ids=_ids("sync_options"))
def test_sync_options_case(case: dict[str, Any]) -> None:
    result = sync_options(case["annotations"], app_items=case.get("app_items", ()))
    _assert_expected(result, case["expect"], case["id"])


@pytest.mark.parametrize("case", CASES["flux"], ids=_ids("flux"))
def test_flux_case(case: dict[str, Any]) -> None:
    assert flux_force_enabled(case["annotations"], case["labels"]) is case["expect"]


@pytest.mark.parametrize(("value", "want"), CASES["csv_items"])
def test_csv_items(value: object, want: list[str]) -> None:
    assert list(csv_items(value)) == want


CORRECTORS = {
    "hook_value": correct_hook_value,
    "hook_annotation": correct_hook_annotation,
}


def _correction_cases() -> Iterator[Any]:
    for kind, rows in CASES["corrections"].items():
        for value, want in rows:
            yield pytest.param(kind, value, want, id=f"{kind}:{value!r}")


@pytest.mark.parametrize(("kind", "value", "want"), list(_correction_cases()))
def test_correction(kind: str, value: Any, want: str | None) -> None:
    assert CORRECTORS[kind](value) == want


def test_corrections_are_valid_values() -> None:
    """A correction must itself classify as valid, or the suggested fix would be another silent no-op."""
    for value, want in CASES["corrections"]["hook_annotation"]:
        if want is not None:
            fixed = classify_argocd({argocd.ARGO_HOOK: want})
            assert fixed.unknown_values == () and not fixed.is_ignored, value


# ---- fixture hygiene --------------------------------------------------------------------------------------


def test_fixture_covers_every_spec_row() -> None:
    sections = ("argocd", "helm", "sync_options", "flux")
    tags = {tag for section in sections for case in CASES[section] for tag in case["tags"]}
    assert REQUIRED_TAGS - tags == set()
    ids = [case["id"] for section in sections for case in CASES[section]]
    assert sorted({i for i in ids if ids.count(i) > 1}) == [], "case ids must be unique"
    assert len(CASES["argocd"]) + len(CASES["helm"]) >= 80


def test_public_api_matches_contract() -> None:
    """Other modules are written against these names and fields; renaming one must fail here first."""
    assert argocd.ARGO_SYNC_PHASES == ("PreSync", "Sync", "PostSync", "SyncFail")
    assert list(inspect.signature(classify_argocd).parameters) == ["annotations"]
    assert list(inspect.signature(flux_force_enabled).parameters) == ["annotations", "labels"]
    hook = classify_argocd({})
    for name in (
        "key_present",
        "types",
        "is_hook",
        "is_skip",
        "is_ignored",
        "sync_phases",
        "delete_hook",
        "unknown_values",
        "delete_policies",
        "explicit_delete_policies",
        "invalid_delete_policies",
    ):
        assert hasattr(hook, name), name
    assert {"items", "force", "replace", "server_side_apply"} <= set(inspect.signature(SyncOptions).parameters)
    assert {"events", "is_hook", "delete_policies"} <= set(inspect.signature(HelmHook).parameters)


# ---- invariants over arbitrary input (fixed seed: deterministic) ------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(["", " ", ",", "PreSync", "Skip", "presync", "crd-install", "pre-install", "test"]),
    st.lists(
        st.sampled_from([*argocd.ARGO_HOOK_VALUES, *HELM_EVENTS, "crd-install", " ", "x", "Skip"]),
        max_size=4,
    ).map(",".join),
    st.text(max_size=12),
)
_KEYS = st.sampled_from(
    [
        argocd.ARGO_HOOK,
        HELM_HOOK,
        argocd.ARGO_DELETE_POLICY,
        HELM_DELETE_POLICY,
        argocd.ARGO_SYNC_OPTIONS,
    ]
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=5))
def test_argocd_invariants(annotations: dict[str, object]) -> None:
    """Consequences of §2.1/§4 that no single line of controllers/argocd.py states."""
    hook = classify_argocd(annotations)
    assert not (hook.is_skip and hook.is_hook)
    assert hook.key_present or not hook.is_skip  # Skip only comes from the Argo key
    assert (not hook.is_normal) == (hook.key_present or hook.is_hook)  # the rules' "leave it alone" test
    assert hook.is_ignored == (hook.is_hook and not hook.sync_phases)  # a hook with a type has a phase
    assert hook.sync_phases <= set(ARGO_SYNC_PHASES)
    assert not hook.is_normal or hook.sync_phases == {"Sync"}
    if argocd.ARGO_HOOK not in annotations and HELM_HOOK not in annotations:
        assert hook.is_normal
    argo_items = csv_items(annotations.get(argocd.ARGO_HOOK))
    if argo_items and set(argo_items) <= set(ARGO_SYNC_PHASES):  # §2.1 #4, #6: valid Argo types decide alone
        assert hook.is_hook and hook.sync_phases == set(argo_items) and hook.unknown_values == ()
        without_helm = {k: v for k, v in annotations.items() if k != HELM_HOOK}
        assert classify_argocd(without_helm).sync_phases == hook.sync_phases
    assert hook.key_present or hook.unknown_values == ()
    assert hook.delete_policies and hook.delete_policies <= set(argocd.ARGO_DELETE_POLICIES)
    assert hook.recreated_before_sync or hook.explicit_delete_policies  # §4 default
    argo_only = {k: v for k, v in annotations.items() if k != HELM_DELETE_POLICY}
    helm_only = {k: v for k, v in annotations.items() if k != argocd.ARGO_DELETE_POLICY}
    assert hook.explicit_delete_policies == (  # §4: the two keys are unioned
        classify_argocd(argo_only).explicit_delete_policies | classify_argocd(helm_only).explicit_delete_policies
    )
    opts = sync_options(annotations)
    assert opts.recreates_on_immutable_change <= opts.force
    assert not (opts.replace_without_force and opts.recreates_on_immutable_change)
    helm = classify_helm(annotations)
    assert not (helm.is_hook and helm.is_dropped)
    assert helm.delete_policies <= set(HELM_DELETE_POLICIES)


# ---- the real corpus (spec: every Job flagged argocd-hook / helm-hook is a hook) ----------------------------


def _corpus_jobs() -> Iterator[tuple[str, list[str], dict[str, Any]]]:
    index = json.loads((CORPUS / "files" / "INDEX.json").read_text(encoding="utf-8"))
    for entry in index:
        text = (CORPUS / "files" / entry["file"]).read_text(encoding="utf-8")
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            hooked = {"argocd-hook", "helm-hook"} & set(entry["features"])
            assert not hooked, f"{entry['file']}: a hook file must parse"
            continue
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "Job":
                yield entry["file"], entry["features"], doc


needs_corpus = pytest.mark.skipif(not (CORPUS / "files" / "INDEX.json").is_file(), reason="corpus not present")


def _annotations(job: Mapping[str, Any]) -> Mapping[str, object]:
    return (job.get("metadata") or {}).get("annotations") or {}


@needs_corpus
def test_corpus_flagged_jobs_are_hooks() -> None:
    checked = 0
    for name, features, job in _corpus_jobs():
        argo, helm = classify_argocd(_annotations(job)), classify_helm(_annotations(job))
        if "argocd-hook" in features or "helm-hook" in features:
            assert argo.is_hook and not argo.is_ignored and argo.sync_phases, name
            assert argo.unknown_values == () and argo.invalid_delete_policies == (), name
            checked += 1
        if "helm-hook" in features:
            assert helm.is_hook and helm.runs_on_upgrade and helm.recreated_before_upgrade, name
    assert checked >= 9


@needs_corpus
def test_corpus_other_jobs_are_not_hooks() -> None:
    for name, features, job in _corpus_jobs():
        if "argocd-hook" not in features and "helm-hook" not in features:
            hook = classify_argocd(_annotations(job))
            assert hook.is_normal and not classify_helm(_annotations(job)).key_present, name


@needs_corpus
def test_corpus_edit_metadata_agrees() -> None:
    """edits/*/meta.json records is_hook per Job for both sides; our classification must agree."""
    compared = 0
    for meta_file in sorted((CORPUS / "edits").glob("*/meta.json")):
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        for side, verdicts in (("hooks_head", meta["is_hook"]), ("hooks_base", meta["is_hook_base"])):
            for job, info in meta[side].items():
                if job in verdicts:
                    assert classify_argocd(info["hook_annotations"]).is_hook is verdicts[job], (
                        meta_file,
                        job,
                    )
                    compared += 1
    assert compared > 100
