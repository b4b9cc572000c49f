"""Reading a pull request's kustomization files for the scan: which file a folder uses, its values (guarded like
every other YAML from a pull request), whether an entry is remote, and every file path a kustomization loads."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from jobguard import config_yaml, kustomize_patches
from jobguard.kustomize_patches import KUSTOMIZATION_NAMES
from jobguard.manifest_guards import Unusable, check_size, refusal

REMOTE_MARKS = ("://", "git::", "git@", "?ref=", "?version=", "?submodules=", "?timeout=")
URL_MARKS = ("://", "git::")
"""A file entry kustomize's loader fetches (it GETs http(s) URLs); a local file name never has these."""
FILE_LISTS = ("crds", "configurations", "patchesStrategicMerge")
ENTRY_PATHS = ("patches", "patchesJson6902", "replacements")
GENERATOR_FILES = ("files", "envs")


def kustomization_file(files: Mapping[str, bytes], folder: str) -> str | None:
    """The kustomization file kustomize would read in a folder, in its order of names."""
    for name in KUSTOMIZATION_NAMES:
        path = posixpath.join(folder, name) if folder else name
        if path in files:
            return path
    return None


def load(data: bytes) -> Any:
    """A kustomization as plain values (YAML 1.2, alias-guarded), or None when it cannot be read: read exactly as
    the engine reads one to find its patches."""
    return kustomize_patches.parsed(data)


def generated(files: Mapping[str, bytes], folder: str) -> dict[str, Any]:
    """The kustomization kustomize-controller writes for a folder without one (fluxcd/pkg `generateKustomization`):
    every `.yaml`/`.yml` file below it, except that a subfolder with its own kustomization is one resource."""
    prefix = f"{folder}/" if folder else ""
    below = sorted(path[len(prefix) :] for path in files if path.startswith(prefix))
    bases = sorted({posixpath.dirname(p) for p in below if posixpath.basename(p) in KUSTOMIZATION_NAMES} - {""})
    resources = [f"./{base}" for base in bases if not any(base.startswith(f"{other}/") for other in bases)]
    for path in below:
        inside = any(path.startswith(f"{base}/") for base in bases)
        if not inside and path.endswith((".yaml", ".yml")):
            resources.append(f"./{path}")
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}


def read_root(data: bytes, path: str) -> dict[str, Any] | str:
    """The root kustomization's values to rewrite with overrides, or the one-line reason it cannot be: a file with
    duplicate keys or foreign tags would lose them in the rewrite, so it is refused as kustomize refuses it."""
    problem = refusal(data)
    if problem is not None:
        return f"{path}: {problem}"
    try:
        read = config_yaml.read(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return f"{path}: not UTF-8 text"
    if isinstance(read, config_yaml.Problem):
        return read.format(path)
    values, doc = read
    if doc.problems:
        return doc.problems[0].format(path)
    if not isinstance(values, dict):
        return f"{path}: not a kustomization (a mapping)"
    return values


def documents(text: str) -> Iterator[Any]:
    """Every document of a pull request's YAML, each checked against alias bombs before it is built."""
    if refusal(text.encode("utf-8", "replace")) is not None:
        return
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_size(node)
            yield loader.construct_document(node)
    except (yaml.YAMLError, Unusable):
        return
    finally:
        loader.dispose()


def is_remote(entry: str) -> bool:
    """A resource/base/component kustomize would fetch: a URL, a git address, or a `host.tld/...` path."""
    if any(mark in entry for mark in REMOTE_MARKS):
        return True
    first = entry.split("/", 1)[0]
    return "." in first.strip(".") and "/" in entry and not entry.startswith(".")


def remote_file(kustomization: dict[str, Any]) -> tuple[str, str] | None:
    """(field, entry) of the first file the kustomization would download, or None."""
    return next(((field, entry) for field, entry in _file_entries(kustomization) if _is_url(entry)), None)


def _is_url(entry: str) -> bool:
    return any(mark in entry for mark in URL_MARKS)


def _file_entries(kustomization: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for field in FILE_LISTS:
        yield from ((field, entry) for entry in strings(kustomization.get(field)) if "\n" not in entry)
    for field in ENTRY_PATHS:
        yield from (
            (field, entry["path"]) for entry in _dicts(kustomization.get(field)) if isinstance(entry.get("path"), str)
        )
    openapi = kustomization.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield "openapi", openapi["path"]
    for field in ("configMapGenerator", "secretGenerator"):
        for generator in _dicts(kustomization.get(field)):
            for key in GENERATOR_FILES:
                yield from ((field, entry.split("=", 1)[-1]) for entry in strings(generator.get(key)))
            if isinstance(generator.get("env"), str):
                yield field, generator["env"]
    for chart in _dicts(kustomization.get("helmCharts")):
        if isinstance(chart.get("valuesFile"), str):
            yield "helmCharts", chart["valuesFile"]
        yield from (("helmCharts", entry) for entry in strings(chart.get("additionalValuesFiles")))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))
