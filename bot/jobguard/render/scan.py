"""What a kustomize build would load, checked before anything runs: remote bases, unvendored charts, KRM functions.

Starting at the root's kustomization, every local `resources`/`bases`/`components` folder and every
`generators`/`transformers`/`validators` entry is visited. A remote entry (a URL, `github.com/...`, `git::`, a
`?ref=`), a file given by URL (a patch, a generator's file, a chart's values) or a `helmCharts` chart not vendored
below the kustomization's chart home cannot render offline: the root is skipped, naming the entry. A generator,
transformer or validator that is a KRM function (an `exec`, `container` or `starlark` function annotation) would run
code from the pull request: the root is refused and nothing is run.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jobguard.render.kustomization import documents, is_remote, kustomization_file, load, remote_file, strings

FUNCTION_ANNOTATIONS = ("config.kubernetes.io/function", "config.k8s.io/function")
PLUGIN_FIELDS = ("generators", "transformers", "validators")


@dataclass(frozen=True)
class Scan:
    """The verdict on a root before rendering: `skipped` or `refused` (one line each), and whether Helm is needed."""

    skipped: str | None = None
    refused: str | None = None
    helm: bool = False


class _Stop(Exception):
    def __init__(self, scan: Scan) -> None:
        super().__init__(scan.skipped or scan.refused)
        self.scan = scan


def scan(files: Mapping[str, bytes], root: str) -> Scan:
    """Visit every kustomization the build of `root` loads (from `files`, the render's inputs)."""
    walker = _Walker(files)
    try:
        walker.visit(root)
    except _Stop as stop:
        return stop.scan
    return Scan(helm=walker.helm)


class _Walker:
    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files
        self.seen: set[str] = set()
        self.helm = False

    def visit(self, folder: str) -> None:
        path = kustomization_file(self.files, folder)
        if path is None or folder in self.seen:
            return
        self.seen.add(folder)
        kustomization = load(self.files[path])
        if not isinstance(kustomization, dict):
            return  # kustomize reports it when it builds
        for field in ("resources", "bases", "components"):
            for entry in strings(kustomization.get(field)):
                self._entry(folder, field, entry)
        for field in PLUGIN_FIELDS:
            for entry in strings(kustomization.get(field)):
                self._plugin(folder, field, entry)
        self._charts(folder, path, kustomization)
        remote = remote_file(kustomization)
        if remote is not None:
            raise _Stop(
                Scan(skipped=f"{remote[0]} entry {remote[1]!r} in {path} is remote (no network while rendering)")
            )

    def _entry(self, folder: str, field: str, entry: str) -> None:
        local = _join(folder, entry)
        if local is not None and (local in self.files or self._is_folder(local)):
            if self._is_folder(local):
                self.visit(local)
            return
        if is_remote(entry):
            raise _Stop(
                Scan(skipped=f"{field} entry {entry!r} in {folder or '.'} is remote (no network while rendering)")
            )

    def _plugin(self, folder: str, field: str, entry: str) -> None:
        if "\n" in entry:
            self._check_functions(folder, field, entry, entry)
            return
        local = _join(folder, entry)
        if local is None:
            return
        if local in self.files:
            self._check_functions(folder, field, entry, self.files[local].decode("utf-8", "replace"))
        elif self._is_folder(local):
            self.visit(local)
        elif is_remote(entry):
            raise _Stop(
                Scan(skipped=f"{field} entry {entry!r} in {folder or '.'} is remote (no network while rendering)")
            )

    def _check_functions(self, folder: str, field: str, entry: str, text: str) -> None:
        for obj in _objects(text):
            kind = _function_kind(obj)
            if kind is not None:
                name = f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"
                where = entry if "\n" not in entry else "an inline entry"
                raise _Stop(
                    Scan(refused=f"{field} {where} in {folder or '.'}: {name} is a KRM {kind} function, never run")
                )

    def _charts(self, folder: str, path: str, kustomization: dict[str, Any]) -> None:
        charts = [c for c in kustomization.get("helmCharts") or () if isinstance(c, dict)]
        if not charts:
            return
        home_entry = (kustomization.get("helmGlobals") or {}).get("chartHome") or "charts"
        home = _join(folder, str(home_entry))
        for chart in charts:
            name, version = str(chart.get("name", "")), str(chart.get("version") or "")
            candidates = [f"{name}-{version}/{name}", name] if version else [name]
            if home is None or not any(f"{home}/{c}/Chart.yaml" in self.files for c in candidates):
                where = f"{home_entry}/{name}"
                raise _Stop(Scan(skipped=f"helmCharts entry {name!r} in {path} is not vendored under {where}"))
        self.helm = True

    def _is_folder(self, path: str) -> bool:
        prefix = f"{path}/" if path else ""
        return any(p.startswith(prefix) for p in self.files)


def _join(folder: str, entry: str) -> str | None:
    joined = posixpath.normpath(posixpath.join(folder, entry)) if folder else posixpath.normpath(entry)
    if joined.startswith(("../", "/")) or joined == "..":
        return None
    return "" if joined == "." else joined


def _objects(text: str) -> Iterator[dict[str, Any]]:
    yield from (doc for doc in documents(text) if isinstance(doc, dict))


def _function_kind(obj: dict[str, Any]) -> str | None:
    """`exec`, `container` or `starlark` when the object declares a KRM function, else None."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    for key in FUNCTION_ANNOTATIONS:
        spec = annotations.get(key) if isinstance(annotations, dict) else None
        if spec is None:
            continue
        parsed = next(documents(spec), None) if isinstance(spec, str) else spec
        kinds = [k for k in ("exec", "container", "starlark") if isinstance(parsed, dict) and k in parsed]
        return kinds[0] if kinds else "unknown"
    return None
