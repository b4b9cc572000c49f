"""The interpreter of `kube.validation`: what the API server would answer to a create or update of this Job.

A decode error ends the request before validation, so only the first one is reported (as the server does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jobguard.kube import validation as rows
from jobguard.kube.refusal import Path, Raw, Refusal, get, invalid, required, unsupported
from jobguard.kube.validate_pod import LABEL, POD_CHECKERS

_INT_RANGE = {"int32": 2**31, "int64": 2**63}
MAX_INDEXED_PARALLELISM = 100000


def refusals(job: Any) -> tuple[Refusal, ...]:
    """Everything the server refuses in `job` (a decoded YAML document): one decode error, or validation errors."""
    if not isinstance(job, dict):
        return ()
    for typed in rows.TYPED_FIELDS:
        for path, value in _walk(job, typed.path):
            mismatch = _mismatch(value, typed.go_type)
            if mismatch is not None:
                what, go_type = mismatch
                go_path = ".".join(p for p in typed.path if p != "*")
                into = f"Go struct field {typed.struct}.{go_path} of type {go_type}"
                text = f"json: cannot unmarshal {what} into {into}"
                return (Refusal(path, text, decode=True),)
    return tuple(r for check in rows.CHECKS for r in _CHECKERS[type(check)](check, job))


def _walk(node: Any, steps: tuple[str, ...], at: Path = ()) -> Iterator[tuple[Path, Any]]:
    if not steps:
        yield at, node
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        for i, item in enumerate(node if isinstance(node, list) else ()):
            yield from _walk(item, rest, (*at, i))
    elif isinstance(node, dict) and step in node:
        yield from _walk(node[step], rest, (*at, step))


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    return "array" if isinstance(value, list) else "string"  # dates stay strings in kubectl's YAML -> JSON


def _mismatch(value: Any, go_type: str) -> tuple[str, str] | None:
    """What encoding/json cannot unmarshal into `go_type`, and the Go type it names (None: it decodes)."""
    what = _kind_mismatch(value, go_type)
    if what is None:
        return None
    in_value = go_type == "map[string]string" and isinstance(value, dict)  # the map is fine, one value is not
    return (what, "string" if in_value else go_type)


def _kind_mismatch(value: Any, go_type: str) -> str | None:
    if value is None:
        return None
    kind = _json_kind(value)
    if go_type in _INT_RANGE:
        if kind != "number":
            return kind
        integral = isinstance(value, int) or float(value).is_integer()  # YAML 2.0 becomes JSON 2
        limit = _INT_RANGE[go_type]
        return None if integral and -limit <= int(value) < limit else f"number {value}"
    if go_type == "map[string]string":
        if kind != "object":
            return kind
        bad = [_json_kind(v) for v in value.values() if v is not None and _json_kind(v) != "string"]
        return bad[0] if bad else None
    expected = {"bool": "bool", "string": "string"}.get(go_type, "array")
    return None if kind == expected else kind


def _indexed(job: Any) -> bool:
    return bool(get(job, "spec", "completionMode") == "Indexed")


def _nonnegative(row: rows.Nonnegative, job: Any) -> Iterator[Refusal]:
    value = get(job, "spec", row.field)
    if isinstance(value, int) and value < 0:
        yield invalid(("spec", row.field), value, "must be greater than or equal to 0")


def _supported(row: rows.Supported, job: Any) -> Iterator[Refusal]:
    value = get(job, *row.path)
    value = row.default if value is None else value
    if value is not None and value not in row.values:
        yield unsupported(row.path, value, row.values)


def _needs_indexed(row: rows.NeedsIndexed, job: Any) -> Iterator[Refusal]:
    value = get(job, "spec", row.field)
    if value is not None and not _indexed(job):
        shown = value if isinstance(value, int) else Raw("batch.SuccessPolicy{...}")
        yield invalid(("spec", row.field), shown, "requires indexed completion mode")


def _max_failed_indexes(row: rows.MaxFailedIndexes, job: Any) -> Iterator[Refusal]:
    value = get(job, "spec", "maxFailedIndexes")
    if value is None:
        return
    if get(job, "spec", "backoffLimitPerIndex") is None:
        yield required(("spec", "backoffLimitPerIndex"), "when maxFailedIndexes is specified")
    if _indexed(job) and isinstance(value, int) and value > row.limit:
        yield invalid(("spec", "maxFailedIndexes"), value, f"must be less than or equal to {row.limit}")


def _restart_policy(row: rows.RestartPolicy, job: Any) -> Iterator[Refusal]:
    at = ("spec", "template", "spec", "restartPolicy")
    policy = get(job, *at)
    if policy in (None, "", "Always"):  # unset is defaulted to Always (SetDefaults_PodSpec)
        yield required(at, "valid values: " + ", ".join(f'"{v}"' for v in row.allowed))
    elif policy not in row.allowed:
        yield unsupported(at, policy, row.allowed)
    elif get(job, "spec", "podFailurePolicy") is not None and policy != "Never":
        yield invalid(at, policy, 'only "Never" is supported when podFailurePolicy is specified')


def _indexed_hostname(row: rows.IndexedHostname, job: Any) -> Iterator[Refusal]:
    name, completions = get(job, "metadata", "name"), get(job, "spec", "completions")
    if not _indexed(job) or not isinstance(name, str) or not isinstance(completions, int) or completions <= 0:
        return
    hostname = f"{name}-{completions - 1}"
    if len(hostname) > 63 or not LABEL.fullmatch(hostname):
        yield invalid(("metadata", "name"), name, f"will not able to create pod with invalid DNS label: {hostname}")


def _indexed_limits(row: rows.IndexedLimits, job: Any) -> Iterator[Refusal]:
    if not _indexed(job):
        return
    completions, parallelism = get(job, "spec", "completions"), get(job, "spec", "parallelism")
    max_failed = get(job, "spec", "maxFailedIndexes")
    if completions is None:
        yield required(("spec", "completions"), "when completion mode is Indexed")
    if isinstance(parallelism, int) and parallelism > MAX_INDEXED_PARALLELISM:
        limit = f"must be less than or equal to {MAX_INDEXED_PARALLELISM} when completion mode is Indexed"
        yield invalid(("spec", "parallelism"), parallelism, limit)
    if isinstance(completions, int) and isinstance(max_failed, int) and max_failed > completions:
        yield invalid(("spec", "maxFailedIndexes"), max_failed, "must be less than or equal to completions")


_CHECKERS: dict[type, Callable[[Any, Any], Iterator[Refusal]]] = {
    rows.Nonnegative: _nonnegative,
    rows.Supported: _supported,
    rows.NeedsIndexed: _needs_indexed,
    rows.IndexedLimits: _indexed_limits,
    rows.MaxFailedIndexes: _max_failed_indexes,
    rows.RestartPolicy: _restart_policy,
    rows.IndexedHostname: _indexed_hostname,
    **POD_CHECKERS,
}
