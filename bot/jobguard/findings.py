"""The data every stage passes on: what was found, where, and how it can be fixed.

Data only (frozen dataclasses and enums), so that rules, fixes, renderers and platforms can share it
without importing each other.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Literal


class Severity(str, enum.Enum):
    """How bad a finding is; `rank` orders them (higher is worse)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 1, "warning": 2, "error": 3}[self.value]


@dataclass(frozen=True)
class ObjectRef:
    """The identity of a Kubernetes object as the API server sees it."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None
    generate_name: str | None = None

    @property
    def group(self) -> str:
        """API group: `batch` for `batch/v1`, empty for the core group (`v1`)."""
        return self.api_version.rpartition("/")[0]

    def display(self) -> str:
        """`namespace/name` (or `name`, or `generateName*`) for messages."""
        name = self.name if self.name is not None else f"{self.generate_name or ''}*"
        return f"{self.namespace}/{name}" if self.namespace else name


@dataclass(frozen=True)
class Location:
    """A 1-based, inclusive line range in the head version of a file (path relative to the head root)."""

    path: str
    line: int
    end_line: int


@dataclass(frozen=True)
class AnnotationEdit:
    """One annotation a fix sets. `csv-append` adds items to an existing comma list instead of a second key."""

    key: str
    value: str
    mode: Literal["set", "csv-append", "csv-replace-item"] = "set"
    replaces: str | None = None  # with csv-replace-item: the (mistyped) item to replace by `value`


@dataclass(frozen=True)
class FixIntent:
    """A structural fix a rule proposes; `jobguard.fixes` turns it into a verified text edit of the head file."""

    strategy: str
    title: str
    tradeoff: str
    annotations: tuple[AnnotationEdit, ...] = ()
    name_to_generate_name: bool = False
    spec_fields: tuple[tuple[str, int], ...] = ()  # e.g. (("ttlSecondsAfterFinished", 86400),), set if absent


@dataclass(frozen=True)
class TextEdit:
    """Replace head lines `start_line..end_line` (1-based, inclusive) by `new_text`.

    `end_line == start_line - 1` inserts `new_text` before `start_line` without replacing anything.
    `new_text` holds whole lines, each ending with the file's line ending.
    """

    start_line: int
    end_line: int
    new_text: str


@dataclass(frozen=True)
class Fix:
    """A verified fix: the text edit of the head file and its unified diff (each platform adapter decides where it
    can be a one-click suggestion)."""

    strategy: str
    title: str
    tradeoff: str
    edit: TextEdit
    diff: str


@dataclass(frozen=True)
class Finding:
    """One problem in the change under review."""

    rule: str
    severity: Severity
    location: Location
    object: ObjectRef | None
    fields: tuple[str, ...]
    message: str
    fingerprint: str
    fixes: tuple[Fix, ...] = ()
    intents: tuple[FixIntent, ...] = ()
    object_lines: tuple[int, int] | None = None
    """Head lines of the object the finding is about: where a review comment on it may sit (None: no object)."""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.location.path, self.location.line, self.rule, self.fingerprint)


def fingerprint(*parts: str | None) -> str:
    """A short stable id from what a finding is about (never from line numbers, so it survives moves)."""
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()
    return digest[:16]
