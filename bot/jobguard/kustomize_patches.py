"""Which changed files are Kustomize patches: partial objects merged into a base, never applied as they are.

A strategic-merge patch of a Job (`patches: [{path: job-patch.yaml}]`) holds only the fields it changes, so judged
as a whole Job it would lack its containers or restartPolicy. Rules that judge a Job as the API server would receive
it (`job-invalid`) must skip such a file: the object the API server sees is the render, which jobguard does not
build yet. A file is a patch when a kustomization in its folder or a folder above lists it in `patches`,
`patchesStrategicMerge` or `patchesJson6902`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jobguard import config_yaml
from jobguard.manifest_guards import refusal

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""The file names kustomize looks for in a folder, in its order."""

Read = Callable[[str], bytes | None]


def patch_files(paths: Iterable[str], read: Read) -> frozenset[str]:
    """The paths among `paths` that a kustomization at or above their folder lists as a patch file."""
    listed: dict[str, frozenset[str]] = {}
    found = set()
    for path in paths:
        for folder in _folders(path):
            if folder not in listed:
                listed[folder] = _listed_patches(folder, read)
            if path in listed[folder]:
                found.add(path)
                break
    return frozenset(found)


def _folders(path: str) -> Iterator[str]:
    folder = posixpath.dirname(path)
    while True:
        yield folder
        if not folder:
            return
        folder = posixpath.dirname(folder)


def _listed_patches(folder: str, read: Read) -> frozenset[str]:
    """The patch files the folder's kustomization names, relative to the repository root."""
    for name in KUSTOMIZATION_NAMES:
        data = read(posixpath.join(folder, name))
        if data is not None:
            return frozenset(posixpath.normpath(posixpath.join(folder, p)) for p in _patch_entries(parsed(data)))
    return frozenset()


def parsed(data: bytes) -> Any:
    """The kustomization as plain values (kustomize reads YAML 1.2, as the config reader does, with the same alias
    guard), or None when jobguard cannot read it: then nothing in its folder counts as a patch."""
    if refusal(data) is not None:
        return None
    try:
        read = config_yaml.read(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None
    return None if isinstance(read, config_yaml.Problem) else read[0]


def _patch_entries(kustomization: Any) -> Iterator[str]:
    if not isinstance(kustomization, dict):
        return
    for entry in kustomization.get("patchesStrategicMerge") or ():
        if isinstance(entry, str) and "\n" not in entry:  # a file name, not an inline patch
            yield entry
    for key in ("patches", "patchesJson6902"):
        for entry in kustomization.get(key) or ():
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield entry["path"]
