"""Where a rendered finding goes: the changed line that caused it, so a maintainer can act where they edit.

The rendered Job is the text of no file. In order: the added line of the root's input files that carries the
rendered field's new value (`newTag: v2`, a values line, a patch line), a chart version bump (`version:` of
Chart.yaml, the Application's `targetRevision`), the first added line of the changed inputs (the Job's defining
file first, then generators' files, then the rest: a new patch), the Job in its defining file, the root's file.
The message names the root and the rendered field change old -> new, every value inert.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from jobguard.controllers.tool import GitOpsTool
from jobguard.diff import FileChange, is_manifest
from jobguard.findings import Finding, Location
from jobguard.inert import code_span
from jobguard.kube.paths import dotted
from jobguard.manifests import load
from jobguard.render.model import Root, RootKind
from jobguard.render.verdict import RootVerdict
from jobguard.rules.base import Deployment

SHOWN_CHANGES = 3
_VERSION = re.compile(r"^\s*version\s*:")
_TARGET_REVISION = re.compile(r"^\s*targetRevision\s*:")


@dataclass(frozen=True)
class Edited:
    """The input files of one root this change edits (hunks included), and the head side's bytes."""

    changes: tuple[FileChange, ...]
    head: Callable[[str], bytes | None]

    def added(self, change: FileChange) -> Iterator[tuple[int, str]]:
        """(line number, text) of each added head line of `change`, in order."""
        data = self.head(change.path) if change.new_path else None
        lines = (data or b"").decode("utf-8", "replace").split("\n")
        for number in sorted(change.added_lines):
            if 1 <= number <= len(lines):
                yield number, lines[number - 1]


@dataclass(frozen=True)
class Leaf:
    """One rendered field that differs between base and head."""

    path: str
    old: object
    new: object


def anchored(
    finding: Finding, verdict: RootVerdict, edited: Edited, root_file: str, deployment: Deployment | None = None
) -> Finding:
    """`finding` (located in the rendered text) moved to the line that caused it, its message naming the root."""
    base, head = verdict.sides(finding)
    leaves = field_changes(base.value if base else None, head.value if head else None, finding.fields)
    source = verdict.real_paths.get(finding.location.path, finding.location.path)
    location = (
        _by_value(leaves, edited)
        or _by_version(verdict.root, edited)
        or _first_added(source, edited)
        or _defining(source, finding, edited, root_file)
    )
    return replace(
        finding, location=location, message=finding.message + rendered_note(verdict.root, leaves, deployment)
    )


def field_changes(base: object, head: object, fields: Sequence[str]) -> list[Leaf]:
    """The leaves that differ under the finding's fields (a new Job's are its values; a deleted one has none)."""
    if not isinstance(head, dict):
        return []
    base = base if isinstance(base, dict) else {}
    return [leaf for leaf in _leaves(base, head, ()) if any(_under(leaf.path, f) for f in fields)]


def _leaves(base: object, head: object, path: tuple[Any, ...]) -> Iterator[Leaf]:
    if isinstance(base, dict) != isinstance(head, dict) and None in (base, head):  # a map added or removed whole
        base, head = base or {}, head or {}
    if isinstance(base, dict) and isinstance(head, dict):
        for key in [*base, *(k for k in head if k not in base)]:
            yield from _leaves(base.get(key), head.get(key), (*path, key))
    elif isinstance(base, list) and isinstance(head, list) and len(base) == len(head):
        for index, (old, new) in enumerate(zip(base, head, strict=True)):
            yield from _leaves(old, new, (*path, index))
    elif base != head:
        yield Leaf(dotted(path), base, head)


def _under(path: str, field: str) -> bool:
    return path == field or path.startswith((f"{field}.", f"{field}["))


def rendered_note(root: Root, leaves: Sequence[Leaf], deployment: Deployment | None = None) -> str:
    what = "kustomization" if root.kind is RootKind.KUSTOMIZE else "chart"
    if root.defined_by:
        flux = deployment is not None and deployment.tool is GitOpsTool.FLUX
        what = ("HelmRelease" if root.flux_helm else "Flux Kustomization") if flux else "Application"
    note = f" Rendered ({root.kind.value}) from {what} {code_span(root.name or root.path or '.')}"
    shown = [f"{code_span(leaf.path)} {_shown(leaf.old)} → {_shown(leaf.new)}" for leaf in leaves[:SHOWN_CHANGES]]
    if len(leaves) > SHOWN_CHANGES:
        shown.append(f"and {len(leaves) - SHOWN_CHANGES} more")
    return note + (f": {'; '.join(shown)}." if shown else ".")


def _shown(value: object) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return code_span(text, limit=80)


def _by_value(leaves: Sequence[Leaf], edited: Edited) -> Location | None:
    for leaf in leaves:
        for needle in _needles(leaf.new):
            pattern = re.compile(
                rf"(?<![\w.-]){re.escape(needle)}(?![\w.-])"
                if len(needle) > 1
                else rf"[:-]\s*[\"']?{re.escape(needle)}[\"']?\s*(#.*)?$"  # a one-character value: a whole value only
            )
            for change in edited.changes:
                for number, text in edited.added(change):
                    if pattern.search(text):
                        return Location(change.path, number, number)
    return None


def _needles(value: object) -> list[str]:
    """The value as written, then the parts an overlay writes alone: an image's tag or digest, its name."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return []
    text = str(value)
    parts = [text]
    if isinstance(value, str):
        parts += [text.rsplit("@", 1)[-1], text.rsplit(":", 1)[-1], text.rsplit(":", 1)[0]]
    return [p for p in dict.fromkeys(parts) if p == text or len(p) >= 2]


def _by_version(root: Root, edited: Edited) -> Location | None:
    wanted: Mapping[str, re.Pattern[str]] = {
        **({posixpath.join(root.path, "Chart.yaml"): _VERSION} if root.kind is RootKind.HELM else {}),
        **({root.defined_by: _TARGET_REVISION} if root.defined_by else {}),
    }
    for change in edited.changes:
        pattern = wanted.get(change.path)
        if pattern is None:
            continue
        for number, text in edited.added(change):
            if pattern.search(text):
                return Location(change.path, number, number)
    return None


def _first_added(source: str, edited: Edited) -> Location | None:
    def rank(change: FileChange) -> tuple[int, str]:
        return (0 if change.path == source else 1 if not is_manifest(change.path) else 2, change.path)

    for change in sorted(edited.changes, key=rank):
        for number, _ in edited.added(change):
            return Location(change.path, number, number)
    return None


def _defining(source: str, finding: Finding, edited: Edited, root_file: str) -> Location:
    """The Job in the file that defines it (its name line), else that file's first line, else the root's file."""
    data = edited.head(source) if source != root_file else None
    if data is None:
        return Location(root_file, 1, 1)
    name = finding.object.name if finding.object else None
    for manifest in load(source, data).manifests:
        metadata = manifest.value.get("metadata")
        own = metadata.get("name") if isinstance(metadata, dict) else None
        if isinstance(own, str) and name and own in name:
            line, end = manifest.span_of(("metadata", "name"))
            return Location(source, line, end)
    return Location(source, 1, 1)
