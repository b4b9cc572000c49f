"""A tool's rendered stream -> RenderedDoc per object, each with the repository file that defines it.

kustomize tells the origin through the `config.kubernetes.io/origin` annotation it adds when asked
(`buildMetadata: [originAnnotations]`): a `path` (a resource file) or a `configuredIn` (the kustomization of a
generator), relative to the root's folder. That annotation is jobguard's, not the user's, so it is cut out of the
text (and `annotations:` with it when it was the only one) before anything judges the object. Helm writes a
`# Source: <chart>/templates/x.yaml` comment above each document; the chart's name is replaced by its folder.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from jobguard.render.model import RenderedDoc

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The tool's output is parsed once per document: the C loader when PyYAML has it (same nodes and marks)."""
ORIGIN = "config.kubernetes.io/origin"
SOURCE_PREFIX = "# Source: "


@dataclass(frozen=True)
class Result:
    """One render's outcome, the same for both sides when the inputs are (what the cache keeps)."""

    documents: tuple[RenderedDoc, ...] = ()
    error: str | None = None
    skipped: str | None = None


def documents(text: str) -> Iterator[str]:
    """The documents of a YAML stream as text, split on `---` lines; empty ones (or only comments) dropped."""
    chunk: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.rstrip() == "---" or line.startswith("--- "):
            yield from _kept("".join(chunk))
            chunk = []
        else:
            chunk.append(line)
    yield from _kept("".join(chunk))


def _kept(doc: str) -> Iterator[str]:
    if any(line.strip() and not line.lstrip().startswith("#") for line in doc.splitlines()):
        yield doc


def kustomize_docs(text: str, root: str) -> tuple[RenderedDoc, ...]:
    """`kubectl kustomize` output: the origin of each object resolved against the root folder, and cut out."""
    return tuple(_kustomize_doc(doc, root) for doc in documents(text))


def _kustomize_doc(doc: str, root: str) -> RenderedDoc:
    try:
        node = yaml.compose(doc, Loader=LOADER)
    except yaml.YAMLError:
        return RenderedDoc(doc, None)
    spot = _origin_spot(node)
    if spot is None:
        return RenderedDoc(doc, None)
    annotations, key, value = spot
    source = _origin_path(value.value if isinstance(value, ScalarNode) else "", root)
    lines = doc.splitlines(keepends=True)
    first = key.start_mark.line
    last = value.end_mark.line if value.end_mark.column else value.end_mark.line - 1
    if len(annotations.value) == 1:  # the only annotation: `annotations:` goes too
        first = annotations.start_mark.line - 1
    if lines[first].lstrip().startswith(("annotations:", ORIGIN)):
        return RenderedDoc("".join(lines[:first] + lines[last + 1 :]), source)
    return RenderedDoc(doc, source)  # not laid out as kustomize writes it: leave the text alone


def _origin_spot(node: Node | None) -> tuple[MappingNode, Node, Node] | None:
    """(the annotations mapping, the origin key, its value) of a top-level object, or None."""
    metadata = _child(node, "metadata")
    annotations = _child(metadata, "annotations")
    if not isinstance(annotations, MappingNode):
        return None
    for key, value in annotations.value:
        if isinstance(key, ScalarNode) and key.value == ORIGIN:
            return annotations, key, value
    return None


def _child(node: Node | None, name: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == name), None)


def _origin_path(annotation: str, root: str) -> str | None:
    """The repository path in an origin annotation: a local `path`, or a generator's `configuredIn`."""
    try:
        origin: Any = yaml.load(annotation, Loader=LOADER)  # a safe loader (the C one when present)
    except yaml.YAMLError:
        return None
    if not isinstance(origin, dict) or origin.get("repo"):
        return None  # from a remote base: no file of this repository
    path = origin.get("path") or origin.get("configuredIn")
    return repo_path(root, path) if isinstance(path, str) else None


def repo_path(root: str, relative: str) -> str | None:
    """`relative` (to the root folder) as a repository path, or None when it leaves the repository."""
    joined = posixpath.normpath(posixpath.join(root, relative)) if root else posixpath.normpath(relative)
    if joined.startswith(("../", "/")) or joined in ("..", "."):
        return None
    return joined


def helm_docs(text: str, chart_root: str, known: frozenset[str]) -> tuple[RenderedDoc, ...]:
    """`helm template` output: `# Source: <chart>/x` -> `<chart_root>/x` when that file is one of the inputs."""
    docs = []
    for doc in documents(text):
        source = None
        for line in doc.splitlines():
            if line.startswith(SOURCE_PREFIX):
                _, _, inside = line[len(SOURCE_PREFIX) :].strip().partition("/")
                path = repo_path(chart_root, inside)
                source = path if path in known else None
                break
        docs.append(RenderedDoc(doc, source))
    return tuple(docs)
