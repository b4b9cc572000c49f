"""What a suspended Job may change in its pod template: the `table.TEMPLATE_EXCEPTIONS` rows (spec §3).

validatePodTemplateUpdate compares the new template with a copy of the old one over which the allowed parts
of the new one were written first; this module builds that copy. The permission comes from the BASE manifest:
jobguard cannot see `status`, so `suspend: true` there reads as "never started", which also covers the rows
for a Job suspended after it ran (they arrive later, for the same parts: tests/test_kube_table.py checks it).
"""

from __future__ import annotations

import copy
from typing import Any

from jobguard.kube.table import TEMPLATE_EXCEPTIONS, Condition, TemplateException
from jobguard.kube.values import MISSING, same
from jobguard.kube.version import KubeVersion

__all__ = ["allow_exceptions", "exception_applies"]

_READ_AS = (Condition.NEVER_STARTED, Condition.SUSPENDED)  # what `suspend: true` in the base manifest means
_ACCEPTED = {
    Condition.NEVER_STARTED: "old manifest has suspend: true, treated as never started (jobguard cannot see "
    "status): its template labels, annotations, nodeSelector, tolerations, nodeAffinity and schedulingGates may "
    "change",
    Condition.SUSPENDED: "container resources of a suspended Job are accepted on Kubernetes {since}+ only "
    "(KEP-5440); Kubernetes {since.previous} and older reject them",
}
_REJECTED = {
    Condition.NEVER_STARTED: "scheduling directives of a suspended Job become mutable in Kubernetes {since}; "
    "they are immutable on {version}",
    Condition.SUSPENDED: "container resources of a suspended Job become mutable in Kubernetes {since} (KEP-5440); "
    "{version} rejects them",
}


def exception_applies(part: tuple[str, ...], version: KubeVersion) -> bool:
    """Whether a suspended base manifest may change this template part on `version`."""
    return any(row.part == part and row.condition in _READ_AS and version >= row.since for row in TEMPLATE_EXCEPTIONS)


def allow_exceptions(
    old_template: dict[Any, Any], new_template: dict[Any, Any], version: KubeVersion, notes: list[str]
) -> dict[Any, Any]:
    """The old template with the parts of the new one a suspended Job may change written over it."""
    old = old_template
    for condition in _READ_AS:
        rows = [row for row in TEMPLATE_EXCEPTIONS if row.condition is condition]
        if same(_written(old, new_template, rows), old):
            continue
        enabled = [row for row in rows if version >= row.since]
        since = min(row.since for row in rows)
        if enabled:
            old = _written(old, new_template, enabled)
            notes.append(_ACCEPTED[condition].format(since=since, version=version))
        else:
            notes.append(_REJECTED[condition].format(since=since, version=version))
    return old


def _written(old: dict[Any, Any], new: dict[Any, Any], rows: list[TemplateException]) -> dict[Any, Any]:
    """A copy of `old` with the rows' parts taken from `new`."""
    view = copy.deepcopy(old)
    metadata = [row.part[1] for row in rows if row.part[0] == "metadata"]
    if metadata:
        _write_metadata(view, new, metadata)
    old_pod, new_pod = view.get("spec"), new.get("spec")
    if isinstance(old_pod, dict) and isinstance(new_pod, dict):
        for row in rows:
            if row.part[0] == "spec":
                _write(old_pod, new_pod, row.part[1:])
    return view


def _set_or_drop(target: dict[Any, Any], key: str, source: Any) -> None:
    value = source.get(key, MISSING) if isinstance(source, dict) else MISSING
    if value is MISSING:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)


def _write_metadata(old: dict[Any, Any], new: dict[Any, Any], keys: list[str]) -> None:
    """ObjectMeta always exists on the server: create it to write into, drop it again if it stays empty."""
    old_meta = old.setdefault("metadata", {})
    if not isinstance(old_meta, dict):
        return
    for key in keys:
        _set_or_drop(old_meta, key, new.get("metadata"))
    if not old_meta:
        del old["metadata"]


def _write(old: dict[Any, Any], new: dict[Any, Any], part: tuple[str, ...]) -> None:
    """Write `part` (below the pod spec) of `new` into `old`: a field, a field of each list element (matched by
    index, as the server does), or a field of an optional struct."""
    if len(part) == 1:
        _set_or_drop(old, part[0], new)
    elif part[1] == "*":
        old_list, new_list = old.get(part[0]), new.get(part[0])
        if isinstance(old_list, list) and isinstance(new_list, list):
            for old_item, new_item in zip(old_list, new_list, strict=False):
                if isinstance(old_item, dict) and isinstance(new_item, dict):
                    _write(old_item, new_item, part[2:])
    else:
        _write_in_struct(old, new, part[0], part[1])


def _write_in_struct(old_pod: dict[Any, Any], new_pod: dict[Any, Any], struct: str, field: str) -> None:
    """The affinity switch of validatePodTemplateUpdate: only `field` may change; `struct` may be removed only
    if it held nothing but `field`. Odd (non-map) values get no exception."""
    old_struct, new_struct = old_pod.get(struct), new_pod.get(struct)
    if (old_struct is not None and not isinstance(old_struct, dict)) or (
        new_struct is not None and not isinstance(new_struct, dict)
    ):
        return
    if new_struct is None and old_struct is not None:
        rest = {k: v for k, v in old_struct.items() if k != field}
        if rest:
            old_pod[struct] = rest
        else:
            del old_pod[struct]
    elif new_struct is not None and old_struct is None:
        if field in new_struct:
            old_pod[struct] = {field: copy.deepcopy(new_struct[field])}
    elif new_struct is not None and old_struct is not None:
        _set_or_drop(old_struct, field, new_struct)
        if not old_struct:
            del old_pod[struct]
