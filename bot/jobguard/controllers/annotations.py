"""Annotation and label values as the Go controllers read them.

Values may be YAML scalars that are not strings (`true`, `1`, `null`), so every value goes through
`annotation_text` first and nothing here raises on odd input. Trimming follows Go's `strings.TrimSpace`, not
Python's `str.strip`, because the two disagree on a few control characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Go's `unicode.IsSpace` set, which `strings.TrimSpace` strips (Python's `str.strip` also strips \x1c-\x1f).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def annotation_text(value: object) -> str:
    """The string a controller would see: None -> "", YAML booleans as written (`true`), else `str()`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def go_trim(text: str) -> str:
    """Go's `strings.TrimSpace`."""
    return text.strip(_GO_SPACE)


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Distinct items in first-seen order: a repeated item means nothing more to any controller."""
    return tuple(dict.fromkeys(items))


def csv_items(value: object) -> tuple[str, ...]:
    """gitops-engine `GetAnnotationCSVs` (§2): split on ",", trim, drop empty items, dedupe keeping order."""
    return dedupe(item for item in (go_trim(raw) for raw in annotation_text(value).split(",")) if item)


def text_of(mapping: Mapping[str, object] | None, key: str) -> str | None:
    """The annotation's text, or None when the key is absent (presence matters for Argo CD, §2.1)."""
    if not mapping or key not in mapping:
        return None
    return annotation_text(mapping[key])
