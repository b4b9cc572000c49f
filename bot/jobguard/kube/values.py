"""Decoded YAML values as the API server sees them (spec job-immutability.md §1.4): quantities by value, null,
empty and zero-default fields equal to absent, semantic equality, and short renderings for reasons.

Null, empty and absent are treated as equal (conservative: the decoder normalises most of them, and a false
alarm costs a reviewer more than the rare real difference).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jobguard.kube.table import VALUE_FIELDS, Kind

__all__ = [
    "DATA_MAPS", "MISSING", "Quantity", "child_map", "child_maps", "clean", "fmt", "plain", "pod_spec", "quantity",
    "same", "was",
]  # fmt: skip


class _Missing:
    """Marker for an absent field (distinct from every YAML value)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()

DATA_MAPS = frozenset(row.name for row in VALUE_FIELDS if row.kind in (Kind.DATA_MAP, Kind.RESOURCE_LIST))
_RESOURCE_LISTS = frozenset(row.name for row in VALUE_FIELDS if row.kind is Kind.RESOURCE_LIST)
_QUANTITY_FIELDS = frozenset(row.name for row in VALUE_FIELDS if row.kind is Kind.QUANTITY)
_ZERO_IS_ABSENT: Mapping[str, object] = {row.name: row.zero for row in VALUE_FIELDS if row.kind is Kind.ZERO_OMITTED}


@dataclass(frozen=True, eq=False)
class Quantity:
    """A resource.Quantity: equal by value (§1.4, `100m` == `0.1`), printed as written."""

    value: Fraction
    text: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quantity) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


_QUANTITY_RE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))((?:[eE][+-]?\d+)|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|)")
_SUFFIX = {
    "": Fraction(1), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18), "Ki": Fraction(2**10), "Mi": Fraction(2**20),
    "Gi": Fraction(2**30), "Ti": Fraction(2**40), "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}  # fmt: skip
_MAX_EXPONENT = 100  # larger decimal exponents stay literal rather than building huge fractions


def _amount(text: str) -> Fraction | None:
    """The value of a Quantity string, or None when it does not parse."""
    match = _QUANTITY_RE.fullmatch(text)
    if match is None:
        return None
    number, suffix = match.groups()
    if suffix[:1] in ("e", "E") and len(suffix) > 1:
        exponent = int(suffix[1:])
        if abs(exponent) > _MAX_EXPONENT:
            return None
        return Fraction(number) * Fraction(10) ** exponent
    return Fraction(number) * _SUFFIX[suffix]


def quantity(value: Any, *, milli_round_up: bool) -> Any:
    """Parse a Quantity; anything unparsable stays as written (it then compares literally)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        text = repr(value)
        amount: Fraction | None = Fraction(text)
    else:
        text = str(value)
        amount = _amount(text)
    if amount is None:
        return value
    if milli_round_up:
        # SetDefaults_ResourceList rounds every quantity up to milli precision.
        amount = Fraction(math.ceil(amount * 1000), 1000)
    return Quantity(amount, text)


def _is_empty(value: Any) -> bool:
    return value is None or value is MISSING or (isinstance(value, (dict, list, str)) and len(value) == 0)


def clean(value: Any, key: Any = None, *, free: bool = False, seen: frozenset[int] = frozenset()) -> Any:
    """Copy `value` with null/empty/zero-default fields dropped and quantities parsed (§1.4)."""
    if isinstance(value, (dict, list)):
        if id(value) in seen:  # a recursive YAML alias: break the cycle deterministically
            return "<recursive>"
        seen = seen | {id(value)}
    if isinstance(value, dict):
        return _clean_map(value, key, seen)
    if isinstance(value, list):
        return [clean(v, None, seen=seen) for v in value]
    if not free and isinstance(key, str) and key in _QUANTITY_FIELDS:
        return quantity(value, milli_round_up=False)
    return value


def _clean_map(value: dict[Any, Any], key: Any, seen: frozenset[int]) -> dict[Any, Any]:
    """A map's fields cleaned; a data map (labels, resource lists) keeps its "" values."""
    inner_free = isinstance(key, str) and key in DATA_MAPS
    resources = inner_free and key in _RESOURCE_LISTS
    out: dict[Any, Any] = {}
    for k, v in value.items():
        item = quantity(v, milli_round_up=True) if resources else clean(v, k, free=inner_free, seen=seen)
        if item is None or (not inner_free and _is_empty(item)):
            continue
        if not inner_free and isinstance(k, str) and k in _ZERO_IS_ABSENT and same(item, _ZERO_IS_ABSENT[k]):
            continue
        out[k] = item
    return out


def same(a: Any, b: Any) -> bool:
    """Semantic equality: quantities by value, bool never equal to int, dicts ignore key order."""
    if a is b:
        return True
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return _same_collection(a, b)
    return _same_scalar(a, b)


def _same_collection(a: Any, b: Any) -> bool:
    """Dicts by keys and values, lists item by item; a collection never equals anything else."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return False


def _same_scalar(a: Any, b: Any) -> bool:
    if isinstance(a, Quantity) or isinstance(b, Quantity):
        return isinstance(a, Quantity) and isinstance(b, Quantity) and a.value == b.value
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # exotic objects: compare identity only
        return False


def plain(value: Any) -> Any:
    """A JSON-friendly copy for messages (quantities as written)."""
    if isinstance(value, Quantity):
        return value.text
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def fmt(value: Any, limit: int = 100) -> str:
    """Short rendering for reasons: 'text', 3, true, {"a": 1} (truncated)."""
    if value is MISSING or value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Quantity):
        return repr(value.text)
    if isinstance(value, str):
        text, limit = repr(value), max(limit, 160)  # image references are long and their end matters
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        try:
            text = json.dumps(plain(value), separators=(", ", ": "), sort_keys=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def was(value: Any) -> str:
    """` (was X)` for reasons, left out when X is a structure too big to read in one line."""
    text = fmt(value)
    return "" if isinstance(value, (dict, list)) and text.endswith("...") else f" (was {text})"


def child_map(parent: Any, key: str) -> dict[Any, Any] | None:
    """`parent[key]` when both are maps, else None (odd input is never an error)."""
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else None


def child_maps(parent: Any, key: str) -> Iterator[dict[Any, Any]]:
    """The map elements of the list `parent[key]`."""
    value = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def pod_spec(job: Any) -> dict[Any, Any] | None:
    """`spec.template.spec` of a Job, when every step is a map."""
    return child_map(child_map(child_map(job, "spec"), "template"), "spec")
