"""Annotation values after an edit: one function computes both the text edit and the expected parse, so the
two cannot disagree."""

from __future__ import annotations

from jobguard.controllers.annotations import csv_items
from jobguard.findings import AnnotationEdit
from jobguard.fixes.source import NoFix


def annotation_value(old: str | None, edit: AnnotationEdit) -> str | None:
    """The annotation's new value, or None when it already says what the edit wants.

    csv-append keeps the user's items and separator style and adds only what is missing (argocd-hooks.md §7.D:
    never a second key); csv-replace-item swaps one mistyped item in place. Items are read as the controllers
    read them (jobguard.controllers.annotations.csv_items).
    """
    if edit.mode == "set":
        return None if old == edit.value else edit.value
    items = csv_items(old)
    if edit.mode == "csv-append":
        return _appended(old, items, edit) if old is not None and items else edit.value
    if edit.mode == "csv-replace-item":
        return _replaced(old, items, edit) if old is not None and items else edit.value
    raise NoFix(f"unknown annotation edit mode {edit.mode!r}")


def _appended(old: str, items: tuple[str, ...], edit: AnnotationEdit) -> str | None:
    missing = [item for item in csv_items(edit.value) if item not in items]
    if not missing:
        return None
    joiner = ", " if ", " in old else ","
    kept = old.rstrip().rstrip(",").rstrip()
    return kept + joiner + joiner.join(missing)


def _replaced(old: str, items: tuple[str, ...], edit: AnnotationEdit) -> str:
    if (edit.replaces or "") not in items:
        raise NoFix(f"{edit.replaces!r} is not an item of {old!r}")
    done = edit.value in items  # then the mistyped item only goes away
    parts = []
    for part in old.split(","):
        if part.strip() != edit.replaces:
            parts.append(part)
        elif not done:
            lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
            parts.append(lead + edit.value + trail)
            done = True
    return ",".join(parts).strip() if len(parts) < len(old.split(",")) else ",".join(parts)
