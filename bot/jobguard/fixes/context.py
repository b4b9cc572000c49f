"""One changed file as the engine parsed it, and what the verifications of its fixes share.

Each `Manifest` knows its document's character range, so only the target's document is composed again while
editing and checking, and the engine is re-run on that document alone.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from jobguard import check as engine
from jobguard import ignores
from jobguard.diff import FileChange, split_lines
from jobguard.findings import Finding, ObjectRef
from jobguard.fixes.lines import BOM
from jobguard.fixes.source import NoFix, Window
from jobguard.jobs import Identity, job_doc
from jobguard.manifests import Manifest, ManifestFile, load

if TYPE_CHECKING:
    from jobguard.check import CheckOptions, LoadedFile


@dataclass(frozen=True)
class Text:
    """A text (without BOM) split into lines once, with the index each line starts at."""

    text: str
    lines: list[str]
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> Text:
        lines = split_lines(text)
        return cls(text, lines, [0, *itertools.accumulate(len(line) for line in lines)])

    def header(self, lo: int) -> int:
        """Where the comment lines right above the line at `lo` begin: inline ignores of the whole object sit
        there (`ignores.top_lines`). A `...` ending the document before is left out: no text starts with one."""
        number = bisect.bisect_right(self.starts, lo)
        first = min(ignores.top_lines(self.lines, number), default=number)
        if first < number and self.lines[first - 1].strip().startswith("..."):
            first += 1
        return self.starts[first - 1]


@dataclass(frozen=True)
class Target:
    """The head object a finding is about, and the base the engine judges its edits against."""

    manifest: Manifest
    window: Window
    header: int  # where its reduced text (its document and the comment lines above it) begins
    base: ManifestFile  # the base document holding the same Job, else the whole base file
    base_key: tuple[int, int] | None  # that document's range, None for the whole file


@dataclass
class FileContext:
    """One changed file, parsed once by the engine, and what its verifications share.

    The engine is re-run on the target's document alone, paired with the base document of the same identity:
    rules judge one Job's base and head (jobguard.jobs pairs by identity within a file), so the other documents of a
    large file cannot change the verdict, only the time it takes. A finding the reduced run does not reproduce
    (a Job moved between files) is verified on the whole change instead, with the engine's own findings as the
    state before the fix.
    """

    file: LoadedFile
    head: Text
    options: CheckOptions
    findings: Sequence[Finding]  # the engine's findings on the whole, unedited change
    files: Sequence[LoadedFile]  # every file of the change, as the engine parsed it
    before: dict[tuple[tuple[int, int], tuple[int, int] | None], tuple[Finding, ...]] = field(default_factory=dict)
    bases: dict[tuple[int, int], ManifestFile] = field(default_factory=dict)

    @functools.cached_property
    def raw_lines(self) -> list[str]:
        """The head's lines as the file holds them (a BOM opens the first): what edits and diffs count."""
        lines = self.head.lines
        return [BOM + lines[0], *lines[1:]] if self.file.head.bom and lines else lines

    @functools.cached_property
    def base_documents(self) -> dict[Identity, list[tuple[int, int]]]:
        """Identity -> ranges of the base documents holding a Job with it."""
        found: dict[Identity, list[tuple[int, int]]] = defaultdict(list)
        for manifest in self.file.base.manifests:
            identity = job_doc(manifest).identity
            if identity is not None and manifest.document not in found[identity]:
                found[identity].append(manifest.document)
        return found

    @functools.cached_property
    def head_by_ref(self) -> dict[ObjectRef, list[Manifest]]:
        """Ref -> the head Jobs with it, in file order: one pass, not one per finding (a file of N changed Jobs)."""
        found: dict[ObjectRef, list[Manifest]] = defaultdict(list)
        for manifest in self.file.head.manifests:
            found[job_doc(manifest).ref].append(manifest)
        return found

    @functools.cached_property
    def base_text(self) -> Text:
        return Text.of(self.file.base.text)

    def target(self, finding: Finding) -> Target:
        """Which object of the head file a finding is about (same identity, preferring the one at its line)."""
        ref = finding.object
        matches = self.head_by_ref.get(ref, []) if ref is not None else []
        chosen = [m for m in matches if m.start_line <= finding.location.line <= m.end_line] or matches
        if ref is None or not chosen:
            raise NoFix(f"object {ref} not found in the head file")
        manifest = chosen[0]
        window = Window.of(manifest)
        docs = self.base_documents.get((ref.group, ref.kind, ref.namespace, ref.name)) if ref.name else None
        if docs is None or len(docs) != 1:
            return Target(manifest, window, self.head.header(window.lo), self.file.base, None)
        return Target(manifest, window, self.head.header(window.lo), self.base_document(docs[0]), docs[0])

    def base_document(self, document: tuple[int, int]) -> ManifestFile:
        """One base document with the comment lines above it, parsed once."""
        if document not in self.bases:
            lo, hi = document
            text = self.base_text.text[self.base_text.header(lo) : hi]
            self.bases[document] = load(self.file.base.path, text.encode("utf-8"), jobs_only=True)
        return self.bases[document]

    def judge(self, head_text: str, base: ManifestFile) -> tuple[Finding, ...]:
        """The engine's findings on this file's change with these texts (the other files left out)."""
        change = self.file.change
        head = load(change.new_path or "", head_text.encode("utf-8"))
        reduced = FileChange(change.old_path, change.new_path, change.status)
        return engine.judge([engine.LoadedFile(reduced, base, head, self.file.kustomize_patch)], self.options)

    def whole(self, new: str) -> tuple[Finding, ...]:
        """The engine's findings on the whole change, with `new` as this file's head text."""
        head = load(self.file.head.path, new.encode("utf-8"))
        return engine.judge([replace(f, head=head) if f is self.file else f for f in self.files], self.options)
