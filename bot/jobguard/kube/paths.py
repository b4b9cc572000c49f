"""Paths as the API server prints them, and where a changed field sits in the head manifest.

Reports anchor on the head document (that is where a review comment goes), so every path here is head-side:
`locate` finds the deepest part of a path head really has and a position that orders reports as head does.
"""

from __future__ import annotations

import re
from typing import Any

from jobguard.kube.values import DATA_MAPS

__all__ = ["AFTER", "dotted", "has", "key_index", "locate", "name", "rel_name"]

AFTER = 10**9  # a position after every real key or index: sorts a report after the children of its node
_IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def dotted(parts: tuple[Any, ...], previous: Any = None) -> str:
    """Path parts as the API server prints them: `a.b[0]`, and keys of free-form maps in brackets
    (`metadata.annotations[argocd.argoproj.io/hook]`)."""
    out = ""
    for part in parts:
        data_key = isinstance(previous, str) and previous in DATA_MAPS
        if isinstance(part, int) or data_key or not (isinstance(part, str) and _IDENT_RE.fullmatch(part)):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
        previous = part
    return out


def name(key: Any, parent: Any) -> str:
    """How a key is named in a reason: field names bare, data keys and odd names quoted."""
    if isinstance(parent, str) and parent in DATA_MAPS:
        return repr(str(key))
    return str(key) if isinstance(key, str) and _IDENT_RE.fullmatch(key) else repr(key)


def rel_name(parent: Any, rel: tuple[Any, ...]) -> str:
    """Name of a field below the deepest head node: `imagePullPolicy`, `'app'`, `metadata.labels[app]`."""
    if len(rel) == 1:
        return name(rel[0], parent)
    return dotted(rel, parent)


def key_index(node: Any, key: Any) -> int:
    """Position of `key` among the keys of `node` (exact type, so `1` is not `True`), else AFTER."""
    if isinstance(node, dict):
        for index, candidate in enumerate(node):
            if candidate == key and type(candidate) is type(key):
                return index
    return AFTER


def has(node: Any, key: Any) -> bool:
    """Whether map `node` has exactly `key` (YAML keys may be ints or bools)."""
    return isinstance(node, dict) and any(k == key and type(k) is type(key) for k in node)


def locate(head: Any, path: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], tuple[int, ...], bool]:
    """Deepest prefix of `path` present in `head`, its position, and whether all of `path` was found."""
    node: Any = head
    found_path: tuple[str | int, ...] = ()
    position: tuple[int, ...] = ()
    for part in path:
        if isinstance(part, str) and has(node, part):
            position += (key_index(node, part),)
            node = node[part]
        elif isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            position += (part,)
            node = node[part]
        else:
            return found_path + _leading_keys(path[len(found_path) :]), (*position, AFTER), False
        found_path += (part,)
    return found_path, position, True


def _leading_keys(rest: tuple[str | int, ...]) -> tuple[str, ...]:
    """Mapping keys head lacks are still named in the path; a list index of a missing list is not."""
    keys: list[str] = []
    for part in rest:
        if not isinstance(part, str):
            break
        keys.append(part)
    return tuple(keys)
