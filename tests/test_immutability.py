"""jobguard.kube.immutability: the data-driven cases in fixtures/rules/spec-tables/immutability.yaml plus direct tests
of the public API (version parsing, dotted paths) and of robustness on odd input."""

from __future__ import annotations

import copy
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobguard.kube.immutability import FieldChange, Verdict, immutable_changes
from jobguard.kube.version import DEFAULT as DEFAULT_KUBERNETES_VERSION
from jobguard.kube.version import OLDEST as OLDEST_SUPPORTED
from jobguard.kube.version import KubeVersion

CASES_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "spec-tables" / "immutability.yaml"
_DATA = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
_TEMPLATES: dict[str, Any] = _DATA["templates"]
_CASES: list[dict[str, Any]] = _DATA["cases"]
_DELETE = "<delete>"
_KEEP = re.compile(r"<keep(\d+)>")
_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


# ---- helpers that build a case's manifests -----------------------------------------------------------------


def _parse_path(dotted: str) -> list[str | int]:
    """The inverse of FieldChange.dotted: `a.b[0].labels[app.kubernetes.io/name]`."""
    parts: list[str | int] = []
    for match in _TOKEN.finditer(dotted):
        name, bracket = match.groups()
        if name is not None:
            parts.append(name)
        elif bracket is not None and bracket.isdigit():
            parts.append(int(bracket))
        else:
            parts.append(bracket)
    return parts


def _expand_keeps(value: Any, previous: Any) -> Any:
    """`<keepN>` in a list value stands for element N of the list being replaced (saves repetition)."""
    if not isinstance(value, list):
        return value
    out = []
    for item in value:
        match = _KEEP.fullmatch(item) if isinstance(item, str) else None
        out.append(copy.deepcopy(previous[int(match.group(1))]) if match else item)
    return out


def _apply_edit(doc: dict[str, Any], dotted: str, value: Any) -> None:
    parts = _parse_path(dotted)
    node: Any = doc
    for part, following in itertools.pairwise(parts):
        if isinstance(part, int):
            node = node[part]
            continue
        if not isinstance(node.get(part), (dict, list)):
            node[part] = [] if isinstance(following, int) else {}
        node = node[part]
    last = parts[-1]
    if value == _DELETE:
        del node[last]
    elif isinstance(last, int) and last == len(node):
        node.append(copy.deepcopy(value))
    else:
        previous = node.get(last) if isinstance(node, dict) else node[last]
        node[last] = copy.deepcopy(_expand_keeps(value, previous))


def _manifest(spec: Any) -> dict[str, Any]:
    return copy.deepcopy(_TEMPLATES[spec] if isinstance(spec, str) else spec)


def _build(case: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    base = _manifest(case["base"])
    for dotted, value in (case.get("base_edits") or {}).items():
        _apply_edit(base, dotted, value)
    head = _manifest(case["head"]) if "head" in case else copy.deepcopy(base)
    for dotted, value in (case.get("edits") or {}).items():
        _apply_edit(head, dotted, value)
    return base, head


def _run(case: dict[str, Any]) -> Verdict:
    base, head = _build(case)
    version = KubeVersion.parse(case["version"]) if "version" in case else DEFAULT_KUBERNETES_VERSION
    return immutable_changes(base, head, version=version, semantics=case.get("semantics", "apply"))


# ---- the data-driven cases ---------------------------------------------------------------------------------


def test_case_names_are_unique_and_well_formed() -> None:
    names = [case["name"] for case in _CASES]
    assert len(names) == len(set(names))
    allowed = {"name", "version", "semantics", "base", "base_edits", "head", "edits", "expected", "reasons", "notes"}
    for case in _CASES:
        assert set(case) <= allowed, case["name"]
        assert isinstance(case["expected"], list), case["name"]
        if "reasons" in case:
            assert len(case["reasons"]) == len(case["expected"]), case["name"]


@pytest.mark.parametrize("case", _CASES, ids=[case["name"] for case in _CASES])
def test_case(case: dict[str, Any]) -> None:
    verdict = _run(case)
    described = [f"{change.dotted}: {change.reason}" for change in verdict.changes]
    assert [change.dotted for change in verdict.changes] == case["expected"], described
    if "reasons" in case:
        for change, fragment in zip(verdict.changes, case["reasons"], strict=True):
            assert fragment in change.reason, described
    if "notes" in case:
        if not case["notes"]:
            assert verdict.notes == ()
        for fragment in case["notes"]:
            assert any(fragment in note for note in verdict.notes), verdict.notes


def test_cases_cover_many_scenarios() -> None:
    rejected = [case for case in _CASES if case["expected"]]
    accepted = [case for case in _CASES if not case["expected"]]
    assert len(_CASES) >= 100
    assert len(rejected) >= 40
    assert len(accepted) >= 40


def test_verdict_is_deterministic_and_inputs_are_not_mutated() -> None:
    case = next(case for case in _CASES if case["name"] == "several-changes-in-document-order")
    base, head = _build(case)
    snapshot = copy.deepcopy((base, head))
    first = immutable_changes(base, head)
    second = immutable_changes(base, head)
    assert first == second
    assert (base, head) == snapshot


@pytest.mark.parametrize("template", sorted(_TEMPLATES))
@pytest.mark.parametrize("minor", [20, 22, 23, 26, 27, 29, 31, 32, 35, 36, 37])
def test_unchanged_manifest_is_accepted_on_every_version(template: str, minor: int) -> None:
    job = _manifest(template)
    assert immutable_changes(job, copy.deepcopy(job), version=KubeVersion(minor)).changes == ()


def test_replace_and_apply_differ_for_an_unchanged_job() -> None:
    job = _manifest("basic")
    assert immutable_changes(job, job, semantics="apply").changes == ()
    replaced = immutable_changes(job, job, semantics="replace")
    assert [change.dotted for change in replaced.changes] == ["spec.template", "spec.selector"]
    assert all(change.replace_only for change in replaced.changes)


def test_replace_only_marks_just_the_lost_generated_fields() -> None:
    job = _manifest("basic")
    edited = copy.deepcopy(job)
    edited["spec"]["completions"] = 3
    replaced = immutable_changes(job, edited, semantics="replace")
    flags = {change.dotted: change.replace_only for change in replaced.changes}
    assert flags == {"spec.template": True, "spec.selector": True, "spec.completions": False}


def test_an_internal_error_is_never_reported_as_no_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even identical manifests: under Replace=true "identical" is still rejected, so hiding the error is wrong."""
    from jobguard.kube import immutability

    def broken(_inputs: Any) -> Verdict:
        raise RuntimeError("boom")

    monkeypatch.setattr(immutability, "_decide", broken)
    job = _manifest("basic")
    verdict = immutable_changes(job, copy.deepcopy(job))
    assert [change.dotted for change in verdict.changes] == ["spec"]
    assert not _compared(verdict)


# ---- KubeVersion -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1.30", 30), ("v1.30", 30), ("1.30.2", 30), (" 1.27 ", 27), ("1.20", 20), ("v1.37.0", 37)],
)
def test_kube_version_parse(text: str, minor: int) -> None:
    version = KubeVersion.parse(text)
    assert version == KubeVersion(minor)
    assert str(version) == f"1.{minor}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2.30", "invalid Kubernetes version"),
        ("1", "invalid Kubernetes version"),
        ("1.30.2.1", "invalid Kubernetes version"),
        ("latest", "invalid Kubernetes version"),
        ("1.x", "invalid Kubernetes version"),
        ("", "invalid Kubernetes version"),
        ("1.30-eks", "invalid Kubernetes version"),
        ("1.19", "unsupported Kubernetes version"),
        ("1.38", "unsupported Kubernetes version"),
    ],
)
def test_kube_version_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KubeVersion.parse(text)


def test_kube_version_order_and_constants() -> None:
    assert KubeVersion(27) < KubeVersion(30) <= DEFAULT_KUBERNETES_VERSION
    assert KubeVersion(20) == OLDEST_SUPPORTED
    assert KubeVersion(37) == DEFAULT_KUBERNETES_VERSION
    assert str(DEFAULT_KUBERNETES_VERSION) == "1.37"


# ---- FieldChange.dotted ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "dotted"),
    [
        (("spec", "completions"), "spec.completions"),
        (("spec", "template", "spec", "containers", 0, "image"), "spec.template.spec.containers[0].image"),
        (("spec", "template", "metadata", "labels", "app.kubernetes.io/name"),
         "spec.template.metadata.labels[app.kubernetes.io/name]"),
        (("spec", "template", "spec", "containers", 1, "resources", "limits", "cpu"),
         "spec.template.spec.containers[1].resources.limits[cpu]"),
        (("spec",), "spec"),
        ((), ""),
    ],
)  # fmt: skip
def test_field_change_dotted(path: tuple[str | int, ...], dotted: str) -> None:
    assert FieldChange(path, "changed").dotted == dotted


def test_dotted_round_trips_through_the_case_path_syntax() -> None:
    path = ("spec", "template", "spec", "nodeSelector", "kubernetes.io/os")
    assert tuple(_parse_path(FieldChange(path, "x").dotted)) == path


# ---- odd input ---------------------------------------------------------------------------------------------
# immutable_changes catches every exception and falls back to "could not compare", so "never raises" alone
# cannot fail: each test also asserts that the comparison itself ran (no fallback note).


def _compared(verdict: Verdict) -> bool:
    return isinstance(verdict, Verdict) and not any("could not compare" in note for note in verdict.notes)


_ODD_VALUES: list[Any] = [None, "x", 7, 1.5, True, [], {}, [None], [1, "a"], {"a": None}, float("nan")]
_ODD_PATHS = [
    "spec",
    "spec.template",
    "spec.template.spec",
    "spec.template.metadata",
    "spec.template.metadata.labels",
    "spec.template.spec.containers",
    "spec.template.spec.containers[0]",
    "spec.template.spec.containers[0].env",
    "spec.template.spec.containers[0].resources",
    "spec.template.spec.containers[0].resources.limits",
    "spec.template.spec.volumes",
    "spec.template.spec.affinity",
    "spec.selector",
    "spec.completions",
    "spec.suspend",
    "spec.podFailurePolicy",
    "metadata",
]


@pytest.mark.parametrize("dotted", _ODD_PATHS)
@pytest.mark.parametrize("semantics", ["apply", "replace"])
def test_odd_values_never_raise(dotted: str, semantics: str) -> None:
    base = _manifest("rich")
    base["spec"]["suspend"] = True
    for value in _ODD_VALUES:
        head = copy.deepcopy(base)
        _apply_edit(head, dotted, value)
        for old, new in ((base, head), (head, base), (head, head)):
            verdict = immutable_changes(old, new, semantics=semantics)  # type: ignore[arg-type]
            assert _compared(verdict), (value, verdict.notes)
            assert all(isinstance(change.reason, str) and change.reason for change in verdict.changes)


@pytest.mark.parametrize("odd", [None, "job", 3, [], [{"spec": {}}]])
def test_non_mapping_manifests_never_raise(odd: Any) -> None:
    job = _manifest("basic")
    for base, head in ((odd, job), (job, odd), (odd, odd)):
        assert _compared(immutable_changes(base, head))


def test_recursive_yaml_alias_never_raises() -> None:
    loop: list[Any] = []
    loop.append(loop)
    job = _manifest("basic")
    odd = copy.deepcopy(job)
    odd["spec"]["template"]["spec"]["containers"][0]["args"] = loop
    verdict = immutable_changes(job, odd)
    assert _compared(verdict)
    assert [change.dotted for change in verdict.changes] == ["spec.template.spec.containers[0].args"]


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "1Gi", "100m", "Indexed", "name"])
)
_keys = st.sampled_from(
    ["spec", "template", "metadata", "labels", "containers", "name", "image", "env", "value", "selector",
     "completions", "parallelism", "completionMode", "suspend", "resources", "limits", "cpu", "affinity",
     "nodeAffinity", "volumes", "emptyDir", "ports", "containerPort", "manualSelector", "tolerations"]
)  # fmt: skip
_trees = st.recursive(
    _leaves,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(_keys, children, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(base=_trees, head=_trees, minor=st.integers(20, 37), replace=st.booleans())
def test_random_trees_never_raise(base: Any, head: Any, minor: int, replace: bool) -> None:
    verdict = immutable_changes(
        {"spec": base}, {"spec": head}, version=KubeVersion(minor), semantics="replace" if replace else "apply"
    )
    assert _compared(verdict)
    assert all("could not be compared" not in change.reason for change in verdict.changes)
    assert immutable_changes({"spec": base}, {"spec": base}, version=KubeVersion(minor)).changes == ()
