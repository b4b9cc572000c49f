"""One error of the API server's answer, formatted as field.Error prints it (apimachinery/pkg/util/validation/field)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jobguard.kube.paths import dotted

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Refusal:
    """One error of the server's answer: the field it names and its text (`spec.x: Invalid value: ...`)."""

    path: Path
    text: str
    decode: bool = False


class Raw(str):
    """A value field.Error prints with %#v (a Go struct, slice or map), already spelled as Go does."""


def go(value: Any) -> str:
    """A value as field.Error prints it (%q for strings, %v for numbers, Raw as written)."""
    if isinstance(value, Raw):
        return str(value)
    return json.dumps(value) if isinstance(value, str) else str(value)


def int32s(values: Any) -> Raw:
    """%#v of a []int32: `[]int32{1, 2}`, `[]int32(nil)` when absent."""
    if values is None:
        return Raw("[]int32(nil)")
    return Raw("[]int32{" + ", ".join(str(v) for v in values) + "}")


def string_map(value: Any) -> Raw:
    """%#v of a map[string]string: keys sorted, `map[string]string(nil)` when absent."""
    if not isinstance(value, dict):
        return Raw("map[string]string(nil)")
    return Raw(
        "map[string]string{" + ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(value.items())) + "}"
    )


def duplicate(path: Path, value: Any) -> Refusal:
    return Refusal(path, f"{dotted(path)}: Duplicate value: {go(value)}")


def invalid(path: Path, value: Any, detail: str) -> Refusal:
    return Refusal(path, f"{dotted(path)}: Invalid value: {go(value)}: {detail}")


def invalid_omitted(path: Path, detail: str) -> Refusal:
    """field.Invalid with field.OmitValueType{}: no value printed."""
    return Refusal(path, f"{dotted(path)}: Invalid value: {detail}")


def required(path: Path, detail: str = "") -> Refusal:
    return Refusal(path, f"{dotted(path)}: Required value" + (f": {detail}" if detail else ""))


def unsupported(path: Path, value: Any, values: tuple[str, ...]) -> Refusal:
    listed = ", ".join(json.dumps(v) for v in values)
    return Refusal(path, f"{dotted(path)}: Unsupported value: {go(value)}: supported values: {listed}")


def get(node: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and step < len(node) else None
        else:
            node = node.get(step) if isinstance(node, dict) else None
    return node
