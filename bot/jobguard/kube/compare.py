"""One comparison of the stored Job with the updated one, field by field as ValidateJobSpecUpdate goes (§2, §3).

`Inputs` holds what the old object decides once; `Compare` the two defaulted specs and what was found; the
`check_*` functions are the rows of `table.IMMUTABLE_SPEC_FIELDS` that need more than an equality test.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jobguard.kube.defaults import generated_labels
from jobguard.kube.differ import At, Differ
from jobguard.kube.paths import has, locate
from jobguard.kube.report import Reporter, absent_reason, changed
from jobguard.kube.suspended import allow_exceptions, exception_applies
from jobguard.kube.table import ImmutableField
from jobguard.kube.values import MISSING, child_map, clean, fmt, same, was
from jobguard.kube.version import KubeVersion

__all__ = ["CHECKS", "Compare", "Inputs", "Semantics", "check_equal"]

Semantics = Literal["apply", "replace"]


@dataclass(frozen=True)
class Inputs:
    """The cleaned manifests and what the old object decides once: the server generated the selector unless
    `manualSelector: true`, and `suspend: true` is read as "never started" (§3, §4.1)."""

    base: dict[Any, Any]
    head: dict[Any, Any]
    head_raw: Mapping[Any, Any]
    version: KubeVersion
    semantics: Semantics
    generated_selector: bool
    suspended: bool
    name: str

    @classmethod
    def of(
        cls, base: dict[Any, Any], head_raw: Mapping[Any, Any], version: KubeVersion, semantics: Semantics
    ) -> Inputs:
        spec = child_map(base, "spec") or {}
        name = (child_map(base, "metadata") or {}).get("name")
        return cls(
            base,
            clean(dict(head_raw)),
            head_raw,
            version,
            semantics,
            generated_selector=spec.get("manualSelector") is not True,
            suspended=spec.get("suspend") is True,
            name=name if isinstance(name, str) else "",
        )

    @property
    def generated_labels(self) -> dict[str, str]:
        return generated_labels(self.name, self.version)


@dataclass(frozen=True)
class Compare:
    """One comparison: the inputs, both defaulted specs, and what it found so far."""

    inputs: Inputs
    live_spec: dict[Any, Any]
    new_spec: dict[Any, Any]
    reporter: Reporter
    notes: list[str]

    def values(self, field: str) -> tuple[Any, Any]:
        return self.live_spec.get(field, MISSING), self.new_spec.get(field, MISSING)

    def head_has(self, field: str) -> bool:
        return has(self.inputs.head_raw.get("spec"), field)

    def report_spec_field(self, field: str, before: Any, after: Any, *, why: str = "") -> None:
        """Report `spec.<field>`; when head lacks it the path still names it and the reason says why."""
        reason = changed(before, after) if self.head_has(field) else absent_reason((), "spec", before, after)
        self.reporter.add_at(("spec", field), f"{reason}: {why}" if why else reason)


def check_equal(check: Compare, row: ImmutableField) -> None:
    """ValidateImmutableField: any difference is rejected."""
    before, after = check.values(row.field)
    if not same(before, after):
        check.report_spec_field(row.field, before, after)


def check_completions(check: Compare, row: ImmutableField) -> None:
    """§2 completions: immutable, except elastic Indexed Jobs where completions == parallelism."""
    before, after = check.values(row.field)
    if same(before, after):
        return
    indexed = check.new_spec.get("completionMode") == "Indexed"
    if not indexed or row.relaxed is None or check.inputs.version < row.relaxed.since:
        check.report_spec_field(row.field, before, after)
        return
    parallelism = check.new_spec.get("parallelism", MISSING)
    if after is MISSING:
        check.report_spec_field(row.field, before, after, why="required for Indexed Jobs")
    elif not same(after, parallelism):
        reason = (
            f"can only be modified in tandem with spec.parallelism (changed from {fmt(before)} to "
            f"{fmt(after)} while parallelism is {fmt(parallelism)})"
        )
        check.reporter.add_at(("spec", row.field), reason)
    else:
        check.notes.append(
            "spec.completions changes together with spec.parallelism on an Indexed Job: allowed as an "
            f"elastic Indexed Job (Kubernetes {row.relaxed.since}+)"
        )


def _selector_reason(check: Compare, before: Any, after: Any) -> tuple[str, bool]:
    """Why the selector differs, and whether only replace (which drops the generated one) makes it differ."""
    if after is MISSING and check.inputs.semantics == "replace" and check.inputs.generated_selector:
        return "missing: replace does not re-add the generated selector", True
    if after is MISSING:
        return f"removed{was(before)}", False
    if check.inputs.generated_selector:
        return "differs from the selector the API server generated at creation", False
    return changed(before, after), False


def check_selector(check: Compare, row: ImmutableField) -> None:
    """§2 selector: any difference is rejected; a manualSelector flip counts as a selector change."""
    before, after = check.values(row.field)
    manual_before = check.live_spec.get("manualSelector", False)
    manual_after = check.new_spec.get("manualSelector", False)
    reasons = []
    replace_only = False
    if not same(before, after):
        reason, replace_only = _selector_reason(check, before, after)
        reasons.append(reason)
    manual_flipped = not same(manual_before, manual_after)
    if manual_flipped:
        reasons.append(
            f"manualSelector changed from {fmt(manual_before)} to {fmt(manual_after)}: the selector and "
            "template labels are not regenerated on update, so this counts as a spec.selector change"
        )
        replace_only = False
    if not reasons:
        return
    on_flag = manual_flipped and len(reasons) == 1 and not check.head_has(row.field)
    path = ("spec", "manualSelector") if on_flag and check.head_has("manualSelector") else ("spec", row.field)
    check.reporter.add_at(path, "; ".join(reasons), replace_only=replace_only)


def check_template(check: Compare, row: ImmutableField) -> None:
    """§2/§3 template: immutable except the scheduling directives (and resources) of a suspended Job."""
    inputs = check.inputs
    old_template, new_template = check.values(row.field)
    if inputs.semantics == "replace":
        new_template = _restore_generated_labels(old_template, new_template, check)
    if same(old_template, new_template):
        return
    if inputs.suspended and isinstance(old_template, dict) and isinstance(new_template, dict):
        old_template = allow_exceptions(old_template, new_template, inputs.version, check.notes)
    found, position, complete = locate(inputs.head_raw, ("spec", row.field))
    if complete:
        at = At(found, position)
        Differ(check.reporter).diff(old_template, new_template, inputs.head_raw["spec"][row.field], at)
    elif not same(old_template, new_template):
        check.reporter.add(found, position, absent_reason((), "spec", old_template, new_template))


def _restore_generated_labels(old_template: Any, new_template: Any, check: Compare) -> Any:
    """§6: replace loses the generated template labels; report that once on spec.template (unless a
    suspended never-started Job may change its labels) and compare the rest of the template as usual."""
    inputs = check.inputs
    old_labels = child_map(child_map(old_template, "metadata"), "labels")
    if not inputs.generated_selector or old_labels is None or not isinstance(new_template, dict):
        return new_template
    restored = copy.deepcopy(new_template)
    metadata = restored.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        return new_template
    labels = metadata.setdefault("labels", {})
    if not isinstance(labels, dict):
        return new_template
    lost = [key for key in inputs.generated_labels if key in old_labels and key not in labels]
    for key in lost:
        labels[key] = old_labels[key]
    exempt = inputs.suspended and exception_applies(("metadata", "labels"), inputs.version)
    if lost and not exempt:
        reason = "loses the generated labels " + ", ".join(repr(k) for k in lost) + ": replace does not re-add them"
        check.reporter.add_at(("spec", "template"), reason, replace_only=True)
    return restored


def check_replacement_policy(check: Compare) -> None:
    """§2 podFailurePolicy row: adding it to a Job created without it also fails on podReplacementPolicy,
    because apply keeps the stored default `TerminatingOrFailed`, which is invalid next to it."""
    if "podFailurePolicy" in check.live_spec or "podFailurePolicy" not in check.new_spec:
        return
    policy = check.new_spec.get("podReplacementPolicy", MISSING)
    if policy is MISSING or same(policy, "Failed"):
        return
    if check.head_has("podReplacementPolicy"):
        reason = f"{fmt(policy)} is not supported next to a podFailurePolicy (only 'Failed' is)"
    else:
        reason = f"the stored {fmt(policy)} stays and is not supported next to a podFailurePolicy"
    check.reporter.add_at(("spec", "podReplacementPolicy"), reason)


CHECKS: Mapping[str, Callable[[Compare, ImmutableField], None]] = {
    "completions": check_completions,
    "selector": check_selector,
    "template": check_template,
}
