"""Walks the old and new objects in parallel with the head manifest, so every difference is reported on a path
head really has (where a review comment can anchor), in the head document's order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobguard.kube.merge import MERGE_KEYED, element_key, keyed
from jobguard.kube.paths import AFTER, has, key_index, rel_name
from jobguard.kube.report import Reporter, absent_reason, changed, list_change
from jobguard.kube.values import MISSING, fmt, same

__all__ = ["At", "Differ"]


@dataclass(frozen=True)
class At:
    """Where the differ is: the deepest head-side path and its position; `tail`, mapping keys below it that head
    does not have (reported as part of the path: `spec.podFailurePolicy` even when head lacks it); `rel`, what
    lies below those through a list (list indexes of a side head lacks are not head paths, so the report stays
    on `path + tail` and names `rel` in the reason)."""

    path: tuple[str | int, ...]
    pos: tuple[int, ...]
    rel: tuple[Any, ...] = ()
    tail: tuple[str, ...] = ()

    @property
    def report_path(self) -> tuple[str | int, ...]:
        return self.path + self.tail

    @property
    def field(self) -> Any:
        chain = self.path + self.tail + self.rel
        return chain[-1] if chain else None

    def child(self, key: Any, head: Any) -> tuple[At, Any]:
        """Step into map key `key`; `head` is the head node here (None once below head)."""
        if not self.rel and not self.tail and isinstance(key, str) and has(head, key):
            return At((*self.path, key), (*self.pos, key_index(head, key))), head[key]
        if not self.rel and isinstance(key, str):
            pos = self.pos if self.tail else (*self.pos, AFTER)
            return At(self.path, pos, (), (*self.tail, key)), None
        return self._below(key), None

    def item(self, index: int, head: Any) -> tuple[At, Any]:
        """Step into list index `index` (the same index in head for atomic lists)."""
        if not self.rel and not self.tail and isinstance(head, list) and 0 <= index < len(head):
            return At((*self.path, index), (*self.pos, index)), head[index]
        return self._below(index), None

    def _below(self, part: Any) -> At:
        pos = self.pos if (self.rel or self.tail) else (*self.pos, AFTER)
        return At(self.path, pos, (*self.rel, part), self.tail)

    def say(self, text: str) -> str:
        if not self.rel:
            return text
        chain = self.path + self.tail
        return f"{rel_name(chain[-1] if chain else None, self.rel)}: {text}"

    def leaf_reason(self, old: Any, new: Any) -> str:
        if not self.rel and not self.tail:
            return changed(old, new)
        chain = self.path + self.tail
        return absent_reason(self.rel, chain[-1] if chain else None, old, new)


class Differ:
    """Walks old/new objects in parallel with the head manifest so each report has a head-side path."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    def diff(self, old: Any, new: Any, head: Any, at: At) -> None:
        if same(old, new):
            return
        if isinstance(old, dict) and isinstance(new, dict):
            self._diff_maps(old, new, head, at)
        elif isinstance(old, list) and isinstance(new, list):
            self._diff_lists(old, new, head, at)
        else:
            self.reporter.add(at.report_path, at.pos, at.leaf_reason(old, new))

    def _diff_maps(self, old: dict[Any, Any], new: dict[Any, Any], head: Any, at: At) -> None:
        head_keys = list(head) if isinstance(head, dict) and not at.rel else []
        ordered = [k for k in head_keys if k in old or k in new]
        ordered += [k for k in new if k not in ordered] + [k for k in old if k not in ordered and k not in new]
        for key in ordered:
            before, after = old.get(key, MISSING), new.get(key, MISSING)
            if not same(before, after):
                child, head_child = at.child(key, head)
                self.diff(before, after, head_child, child)

    def _diff_lists(self, old: list[Any], new: list[Any], head: Any, at: At) -> None:
        field = at.field
        if isinstance(field, str) and field in MERGE_KEYED:
            merge_key = MERGE_KEYED[field].key
            old_keyed, new_keyed = keyed(old, merge_key), keyed(new, merge_key)
            if old_keyed is not None and new_keyed is not None:
                self._diff_keyed(old_keyed, new_keyed, head, at, field)
                return
        if len(old) != len(new):
            self.reporter.add(at.report_path, at.pos, at.say(list_change(old, new)))
            return
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            if not same(before, after):
                child, head_child = at.item(index, head)
                self.diff(before, after, head_child, child)

    def _diff_keyed(
        self, old: dict[tuple[str, Any], Any], new: dict[tuple[str, Any], Any], head: Any, at: At, field: str
    ) -> None:
        row = MERGE_KEYED[field]
        head_index = self._head_index(head, at, row.key)
        for key, after in new.items():
            index = head_index.get(key, -1)
            if key not in old:
                position = (*at.pos, index if index >= 0 else AFTER)
                self.reporter.add(at.path, position, at.say(f"{row.noun} {fmt(key[1])} added"))
            elif index >= 0:
                self.diff(old[key], after, head[index], At((*at.path, index), (*at.pos, index)))
            elif not same(old[key], after):
                self.reporter.add(at.report_path, (*at.pos, AFTER), at.say(f"{row.noun} {fmt(key[1])} changed"))
        if [k for k in old if k in new] != [k for k in new if k in old]:
            self.reporter.add(at.report_path, at.pos, at.say(f"order of {row.noun}s changed"))
        for key in old:
            if key not in new:
                self.reporter.add(at.report_path, (*at.pos, AFTER), at.say(f"{row.noun} {fmt(key[1])} removed"))

    @staticmethod
    def _head_index(head: Any, at: At, merge_key: str) -> dict[tuple[str, Any], int]:
        """Where each merge key first sits in head's list (nothing when the list is below head)."""
        head_index: dict[tuple[str, Any], int] = {}
        if isinstance(head, list) and not at.rel:
            for index, element in enumerate(head):
                key = element_key(element, merge_key)
                if key is not None:
                    head_index.setdefault(key, index)
        return head_index
