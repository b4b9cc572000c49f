"""The pod-side half of the `kube.validation` interpreter: name, containers, resources, selector, failure policy."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from jobguard.kube import validation as rows
from jobguard.kube.refusal import (
    Path,
    Refusal,
    duplicate,
    get,
    int32s,
    invalid,
    invalid_omitted,
    required,
    string_map,
    unsupported,
)
from jobguard.kube.values import _amount

LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_POD = ("spec", "template", "spec")


def _too_long(limit: int) -> str:
    return f"must be no more than {limit} characters"


def _job_name(row: rows.JobName, job: Any) -> Iterator[Refusal]:
    name = get(job, "metadata", "name")
    if not isinstance(name, str) or not name:
        return  # a generateName Job gets a valid generated name
    if len(name) > row.max_length:
        yield invalid(("metadata", "name"), name, _too_long(row.max_length))
    if not _SUBDOMAIN.fullmatch(name):
        yield invalid(("metadata", "name"), name, SUBDOMAIN_MESSAGE)


def _job_name_label(row: rows.JobNameLabel, job: Any) -> Iterator[Refusal]:
    name = get(job, "metadata", "name")
    if not isinstance(name, str):
        return
    labels = get(job, "spec", "template", "metadata", "labels")
    own = isinstance(labels, dict) and "job-name" in labels  # generateSelector keeps a label the manifest sets
    if len(name) > row.max_label and get(job, "spec", "manualSelector") is not True and not own:
        yield invalid(("spec", "template", "labels"), name, _too_long(row.max_label))


def _containers(row: rows.Containers, job: Any) -> Iterator[Refusal]:
    pod = get(job, *_POD)
    if not get(pod, "containers"):
        yield required((*_POD, "containers"))
    seen: set[str] = set()
    for kind in ("containers", "initContainers"):  # validateContainers, then validateInitContainers
        items = get(pod, kind)
        for i, container in enumerate(items if isinstance(items, list) else ()):
            yield from _container((*_POD, kind, i), container, seen)


def _container(at: Path, container: Any, seen: set[str]) -> Iterator[Refusal]:
    name = get(container, "name")
    if not name:
        yield required((*at, "name"))
    elif isinstance(name, str):
        if len(name) > 63:
            yield invalid((*at, "name"), name, _too_long(63))
        if not LABEL.fullmatch(name):
            yield invalid((*at, "name"), name, LABEL_MESSAGE)
    if isinstance(name, str) and name in seen:
        yield duplicate((*at, "name"), name)
    elif isinstance(name, str):
        seen.add(name)
    if not get(container, "image"):
        yield required((*at, "image"))


def _requests(row: rows.RequestsWithinLimits, job: Any) -> Iterator[Refusal]:
    pod = get(job, *_POD)
    for kind in ("containers", "initContainers"):
        items = get(pod, kind)
        for i, container in enumerate(items if isinstance(items, list) else ()):
            requests, limits = get(container, "resources", "requests"), get(container, "resources", "limits")
            if not isinstance(requests, dict) or not isinstance(limits, dict):
                continue
            at = (*_POD, kind, i, "resources", "requests")
            for resource, request in requests.items():
                if _over(request, limits.get(resource)):
                    detail = f"must be less than or equal to {resource} limit of {limits[resource]}"
                    yield invalid(at, str(request), detail)


def _over(request: Any, limit: Any) -> bool:
    low, high = (_quantity(q) for q in (request, limit))
    return low is not None and high is not None and low > high


def _quantity(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return _amount(str(value))


def _manual_selector(row: rows.ManualSelector, job: Any) -> Iterator[Refusal]:
    if get(job, "spec", "manualSelector") is not True:
        return
    selector = get(job, "spec", "selector")
    labels = get(job, "spec", "template", "metadata", "labels")
    if not isinstance(selector, dict):
        yield required(("spec", "selector"))  # and a nil selector matches nothing (labels.Nothing())
    elif set(selector) - {"matchLabels"}:
        return  # matchExpressions: not judged here
    match = get(selector, "matchLabels")
    if not isinstance(selector, dict) or not _matches(match, labels):
        at = ("spec", "template", "metadata", "labels")
        yield invalid(at, string_map(labels), "`selector` does not match template `labels`")


def _matches(match: Any, labels: Any) -> bool:
    present = labels if isinstance(labels, dict) else {}
    return isinstance(match, dict) and all(present.get(k) == v for k, v in match.items())


def _pod_failure_policy(row: rows.PodFailurePolicy, job: Any) -> Iterator[Refusal]:
    rules = get(job, "spec", "podFailurePolicy", "rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else ()):
        yield from _failure_rule(row, job, ("spec", "podFailurePolicy", "rules", i), rule)


def _valid_values(values: tuple[str, ...]) -> str:
    return "valid values: [" + " ".join(f'"{v}"' for v in values) + "]"  # %q of a []string


def _failure_rule(row: rows.PodFailurePolicy, job: Any, at: Path, rule: Any) -> Iterator[Refusal]:
    action = get(rule, "action")
    if not action:
        yield required((*at, "action"), _valid_values(row.actions))
    elif action == "FailIndex":
        if get(job, "spec", "backoffLimitPerIndex") is None:
            yield invalid((*at, "action"), action, "requires the backoffLimitPerIndex to be set")
    elif action not in row.actions:
        yield unsupported((*at, "action"), action, row.actions)
    codes, conditions = get(rule, "onExitCodes"), get(rule, "onPodConditions")
    if isinstance(codes, dict):
        yield from _exit_codes(row, (*at, "onExitCodes"), codes)
    if codes is not None and conditions:
        yield invalid_omitted(at, "specifying both OnExitCodes and OnPodConditions is not supported")
    if codes is None and not conditions:
        yield invalid_omitted(at, "specifying one of OnExitCodes and OnPodConditions is required")


def _exit_codes(row: rows.PodFailurePolicy, at: Path, codes: dict[str, Any]) -> Iterator[Refusal]:
    operator = codes.get("operator")
    if not operator:
        yield required((*at, "operator"), _valid_values(row.operators))
    elif operator not in row.operators:
        yield unsupported((*at, "operator"), operator, row.operators)
    values = codes.get("values")
    values = values if isinstance(values, list) else None
    if not values:
        yield invalid((*at, "values"), int32s(values), "at least one value is required")
        return
    seen: set[int] = set()
    for i, value in enumerate(values):
        if operator == "In" and value == 0:
            yield invalid((*at, "values", i), 0, "must not be 0 for the In operator")
        if value in seen:
            yield duplicate((*at, "values", i), value)
        seen.add(value)
    if any(a > b for a, b in itertools.pairwise(values)):
        yield invalid((*at, "values"), int32s(values), "must be ordered")


def _replacement(row: rows.PodReplacementPolicy, job: Any) -> Iterator[Refusal]:
    policy = get(job, "spec", "podReplacementPolicy")
    allowed = row.values if get(job, "spec", "podFailurePolicy") is None else row.with_failure_policy
    if policy is not None and policy not in allowed:
        yield unsupported(("spec", "podReplacementPolicy"), policy, allowed)


POD_CHECKERS: dict[type, Callable[[Any, Any], Iterator[Refusal]]] = {
    rows.JobName: _job_name,
    rows.JobNameLabel: _job_name_label,
    rows.Containers: _containers,
    rows.RequestsWithinLimits: _requests,
    rows.ManualSelector: _manual_selector,
    rows.PodFailurePolicy: _pod_failure_policy,
    rows.PodReplacementPolicy: _replacement,
}
