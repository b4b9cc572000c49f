"""Reported changes: head-side paths, reasons in words, and a deterministic order (the head document's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobguard.kube.paths import dotted, locate, rel_name
from jobguard.kube.values import MISSING, fmt, same, was

__all__ = ["FieldChange", "Reporter", "absent_reason", "changed", "list_change"]


@dataclass(frozen=True)
class FieldChange:
    """One immutable field the update changes.

    `path` is the head-side path of the finest useful field (ints are list indexes in head). When the
    field is not in head (removed, or re-defaulted by the server) the path stops at the deepest ancestor
    head has and `reason` names the missing field, so a caller can always anchor a comment on it. Whole
    elements of merge-keyed lists (containers, env, volumes, ...) added or removed are reported on the list.
    """

    path: tuple[str | int, ...]
    reason: str
    replace_only: bool = False
    """Only because replace (PUT) drops the selector/labels the server generated (§6.1); apply would pass."""

    @property
    def dotted(self) -> str:
        """`spec.template.spec.containers[0].image`; data keys print as `labels[app.kubernetes.io/name]`."""
        return dotted(self.path)


@dataclass(frozen=True)
class _Report:
    position: tuple[int, ...]
    seq: int
    change: FieldChange


class Reporter:
    """Collects FieldChanges with their head document position for deterministic ordering."""

    def __init__(self, head_raw: Mapping[Any, Any]) -> None:
        self._head_raw = head_raw
        self._reports: list[_Report] = []

    def add(
        self, path: tuple[str | int, ...], position: tuple[int, ...], reason: str, *, replace_only: bool = False
    ) -> None:
        self._reports.append(_Report(position, len(self._reports), FieldChange(path, reason, replace_only)))

    def add_at(self, path: tuple[str | int, ...], reason: str, *, replace_only: bool = False) -> None:
        """Report `path` where head has it, else on its deepest head ancestor (`locate`)."""
        found, position, _ = locate(self._head_raw, path)
        self.add(found, position, reason, replace_only=replace_only)

    def changes(self) -> tuple[FieldChange, ...]:
        ordered = sorted(self._reports, key=lambda r: (r.position, r.seq))
        return tuple(report.change for report in ordered)


def changed(old: Any, new: Any) -> str:
    """`added`, `removed (was X)` or `changed from X to Y` (just `changed` when both are too big to print)."""
    if old is MISSING:
        return "added"
    if new is MISSING:
        return f"removed{was(old)}"
    before, after = fmt(old), fmt(new)
    if isinstance(old, (dict, list)) and isinstance(new, (dict, list)) and "..." in before + after:
        return "changed"
    return f"changed from {before} to {after}"


def list_change(old: list[Any], new: list[Any]) -> str:
    """Describe an atomic list edit by what was removed and added between the common prefix and suffix."""
    prefix = 0
    while prefix < min(len(old), len(new)) and same(old[prefix], new[prefix]):
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and same(old[-1 - suffix], new[-1 - suffix]):
        suffix += 1
    removed, added = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    parts = [f"{verb} {fmt(items[0] if len(items) == 1 else items)}"
             for verb, items in (("removed", removed), ("added", added)) if items]  # fmt: skip
    return f"{len(old)} -> {len(new)} items: " + ", ".join(parts)


def absent_reason(rel: tuple[Any, ...], parent: Any, old: Any, new: Any) -> str:
    """Reason for a change of a field that head does not contain (removed, or re-defaulted)."""
    name = rel_name(parent, rel) + " " if rel else ""
    if new is MISSING:
        return f"{name}removed{was(old)}"
    if old is MISSING:
        return f"{name}not set in the manifest: the API server now sets {fmt(new)}"
    return f"{name}not set in the manifest: reverts to the default {fmt(new)}{was(old)}"
