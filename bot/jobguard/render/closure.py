"""The files one kustomize build reads: the kustomization of each directory it visits and every file they name.

Followed, relative to each kustomization's directory: `resources` and `bases` (files, or directories visited in
turn), `components`, `patches`/`patchesJson6902`/`replacements` (`path`), `patchesStrategicMerge` (file names),
`configMapGenerator`/`secretGenerator` (`files` incl. `key=path`, `envs`, `env`), `helmCharts` (the vendored chart
under `helmGlobals.chartHome`, `valuesFile`, `additionalValuesFiles`), `crds`, `openapi.path`, `configurations`, and
`generators`/`transformers`/`validators` (a file, or a directory visited in turn). Only the kustomization files are
parsed. A reference to another repository or a chart that is not vendored is recorded as why the root cannot
render offline; a name that is in neither place is left to kustomize, which fails on it.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from jobguard.kustomize_patches import KUSTOMIZATION_NAMES
from jobguard.render import yamlfiles as plain
from jobguard.render.model import Snapshot
from jobguard.render.tree import Tree, join

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|git::|[^/\s]+@[^/\s]+:)", re.IGNORECASE)
_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+/", re.IGNORECASE)  # a host name as the first segment
_MAX_DIRECTORIES = 2_000  # directories one build may visit: a tree a pull request makes huge must not stall us
_REFERENCES = ("resources", "bases", "components", "generators", "transformers", "validators")
_FILE_LISTS = ("crds", "configurations")
_PATH_ENTRIES = ("patches", "patchesJson6902", "replacements")


@dataclass
class Closure:
    """What a build of one root reads, gathered by visiting directories once each."""

    tree: Tree
    snapshot: Snapshot
    files: set[str] = field(default_factory=set)
    remote: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def visit(self, folder: str) -> None:
        if folder in self.seen or len(self.seen) >= _MAX_DIRECTORIES:
            return
        self.seen.add(folder)
        names = [p for p in (posixpath.join(folder, n) for n in KUSTOMIZATION_NAMES) if self.tree.is_file(p)]
        if not names:
            return  # kustomize refuses a directory without a kustomization: the render fails and says so
        self.files.update(names)
        doc = plain.one(self.snapshot, names[0])
        if doc is not None:
            self.kustomization(folder, doc)

    def kustomization(self, folder: str, doc: dict[str, Any]) -> None:
        for key in _REFERENCES:
            for entry in _strings(doc.get(key)):
                if "\n" not in entry:  # an inline plugin configuration holds newlines and names no file
                    self.reference(folder, entry)
        for key in _PATH_ENTRIES:
            for entry in plain.as_list(doc.get(key)):
                self.file(folder, plain.get(entry, "path"))
        for entry in _strings(doc.get("patchesStrategicMerge")):
            if "\n" not in entry:
                self.file(folder, entry)
        for key in _FILE_LISTS:
            for entry in _strings(doc.get(key)):
                self.file(folder, entry)
        self.file(folder, plain.get(doc, "openapi", "path"))
        for key in ("configMapGenerator", "secretGenerator"):
            for generator in plain.as_list(doc.get(key)):
                self.generator(folder, plain.as_dict(generator))
        self.helm_charts(folder, doc)

    def generator(self, folder: str, generator: dict[str, Any]) -> None:
        for entry in _strings(generator.get("files")):
            self.file(folder, entry.partition("=")[2] if "=" in entry else entry)
        for entry in _strings(generator.get("envs")):
            self.file(folder, entry)
        self.file(folder, generator.get("env"))

    def helm_charts(self, folder: str, doc: dict[str, Any]) -> None:
        home = plain.text(plain.get(doc, "helmGlobals", "chartHome")) or "charts"
        for chart in plain.as_list(doc.get("helmCharts")):
            name, version = plain.text(plain.get(chart, "name")), plain.text(plain.get(chart, "version"))
            if name is None:
                continue
            dirs = [
                join(folder, posixpath.join(home, d)) for d in (name, f"{name}-{version}" if version else None) if d
            ]
            vendored = [d for d in dirs if d is not None and self.tree.is_dir(d)]
            for chart_dir in vendored:
                self.files.update(self.tree.under(chart_dir))
            if not vendored:
                repo = plain.text(plain.get(chart, "repo")) or "no repo"
                self.remote.append(f"helm chart {name} ({repo}) is not vendored in {posixpath.join(folder, home)}")
            self.file(folder, plain.get(chart, "valuesFile"))
            for entry in _strings(plain.get(chart, "additionalValuesFiles")):
                self.file(folder, entry)

    def reference(self, folder: str, entry: str) -> None:
        """A resource, base, component or plugin entry: a file, a directory to visit, or another repository."""
        target = join(folder, entry) if not _URL.match(entry) else None
        if target is not None and self.tree.is_file(target):
            self.files.add(target)
        elif target is not None and self.tree.is_dir(target):
            self.visit(target)
        elif is_remote(entry):
            self.remote.append(f"remote {entry} in {folder or '.'}")

    def file(self, folder: str, entry: object) -> None:
        if isinstance(entry, str) and entry and not _URL.match(entry):
            target = join(folder, entry)
            if target is not None and self.tree.is_file(target):
                self.files.add(target)


def is_remote(entry: str) -> bool:
    """How kustomize tells a remote target: a URL, an SSH address, or a host name leading a path."""
    return bool(_URL.match(entry) or "?ref=" in entry or _HOST.match(entry))


def _strings(value: object) -> list[str]:
    return [v for v in plain.as_list(value) if isinstance(v, str) and v]
