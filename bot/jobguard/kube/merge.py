"""The three-way strategic merge `kubectl apply` (client-side, the Argo CD default) makes (spec §1.2).

original = the previous git manifest (last-applied-configuration), modified = the new one, current = the live
object: head wins, fields only in the previous manifest are deleted, fields only in the live object (server
defaults, generated labels) are kept, and the lists of `table.MERGE_LISTS` merge element by element.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobguard.kube.table import MERGE_LISTS, MergeList
from jobguard.kube.values import MISSING

__all__ = ["MERGE_KEYED", "element_key", "keyed", "merge3"]

MERGE_KEYED: Mapping[str, MergeList] = {row.field: row for row in MERGE_LISTS}


def element_key(element: Any, merge_key: str) -> tuple[str, Any] | None:
    """The merge key of a list element, typed so `1` and `"1"` stay apart; None when it has no usable key."""
    if not isinstance(element, dict):
        return None
    value = element.get(merge_key, MISSING)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return (type(value).__name__, value)
    return None


def keyed(items: Any, merge_key: str) -> dict[tuple[str, Any], Any] | None:
    """Elements by merge key, or None when the list cannot be merged by key (then it is atomic)."""
    if not isinstance(items, list):
        return None
    out: dict[tuple[str, Any], Any] = {}
    for element in items:
        key = element_key(element, merge_key)
        if key is None or key in out:  # missing or duplicate keys: SMP behaviour is ill-defined, stay atomic
            return None
        out[key] = element
    return out


def merge3(original: Any, modified: Any, current: Any, field: Any) -> Any:
    """Three-way strategic merge: head (`modified`) wins, keys only in `original` are deleted, keys only
    in `current` (server defaults, generated labels) are kept."""
    if isinstance(modified, dict):
        if not isinstance(current, dict):
            return modified
        orig = original if isinstance(original, dict) else {}
        result = dict(current)
        for key, value in modified.items():
            result[key] = merge3(orig.get(key, MISSING), value, current.get(key, MISSING), key)
        for key in orig:
            if key not in modified:
                result.pop(key, None)
        return result
    if isinstance(modified, list) and isinstance(field, str) and field in MERGE_KEYED:
        return _merge_keyed_list(original, modified, current, MERGE_KEYED[field])
    return modified


def _merge_keyed_list(original: Any, modified: list[Any], current: Any, row: MergeList) -> Any:
    mod = keyed(modified, row.key)
    cur = keyed(current, row.key)
    orig = {} if original is MISSING else keyed(original, row.key)
    if mod is None or cur is None or orig is None:
        return modified
    result: list[Any] = []
    for key, element in mod.items():  # $setElementOrder: head's order
        merged = merge3(orig.get(key, MISSING), element, cur.get(key, MISSING), None)
        if row.retain_keys and isinstance(merged, dict):
            merged = {k: v for k, v in merged.items() if k in element}
        result.append(merged)
    result.extend(element for key, element in cur.items() if key not in mod and key not in orig)
    return result
