"""One root's rendered Jobs judged by THE engine (`jobguard.check`): a rendered verdict cannot drift from a plain one.

Each side's documents are grouped by the file that defines them (kustomize's origin, Helm's `# Source:`) into
virtual files a reader serves: the engine pairs base and head Jobs by identity inside a file, exactly as for plain
files, and path-based settings (`paths`, `overrides`) apply to the defining file. Documents no file defines
(generated ones) sit in the root's own file. The root's Application or Flux object reaches the rules as a
`Deployment`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from jobguard import check as engine
from jobguard.diff import FileChange, Status, is_manifest
from jobguard.findings import Finding, fingerprint
from jobguard.manifests import Manifest
from jobguard.render.model import Render, RenderedDoc, Root
from jobguard.rules.base import Deployment

NOT_JUDGED = frozenset({"manifest-invalid"})
"""Tool output is never the user's YAML: a guard refusing it is no finding about the change."""


@dataclass(frozen=True)
class RootVerdict:
    """The engine's findings on one root (locations in the rendered texts, paths the defining files) and the Jobs
    it saw, both sides, for anchoring and for dropping the raw findings it covers."""

    root: Root
    findings: tuple[Finding, ...]
    files: tuple[engine.LoadedFile, ...] = field(repr=False)
    real_paths: Mapping[str, str] = field(default_factory=dict, repr=False)  # virtual path -> repository path

    def jobs(self) -> frozenset[tuple[str, str]]:
        """(kind, name) of every rendered Job, either side (generateName Jobs count by their prefix)."""
        found = set()
        for file in self.files:
            for manifest in (*file.base.manifests, *file.head.manifests):
                metadata = manifest.value.get("metadata")
                meta = metadata if isinstance(metadata, dict) else {}
                name = meta.get("name") or meta.get("generateName")
                if isinstance(name, str):
                    found.add((str(manifest.value.get("kind")), name))
        return frozenset(found)

    def sides(self, finding: Finding) -> tuple[Manifest | None, Manifest | None]:
        """The base and head rendered Job a finding is about (None where absent)."""
        for file in self.files:
            if file.change.path == finding.location.path:
                return _same(file.base.manifests, finding), _same(file.head.manifests, finding)
        return None, None


def judge_root(
    base: Render, head: Render, options: engine.CheckOptions, deployment: Deployment, root_file: str
) -> RootVerdict:
    """Run the engine on the two renders of one root. `root_file` holds the documents without a defining file."""
    base_files, head_files = _virtual(base.documents, root_file), _virtual(head.documents, root_file)
    paths = sorted(base_files.keys() | head_files.keys())
    changes = [_change(p, p in base_files, p in head_files) for p in paths]

    def read(path: str, side: engine.Side) -> bytes | None:
        text = (base_files if side == "base" else head_files).get(path)
        return None if text is None else text.encode("utf-8")

    everything = replace(options.config, include=(), exclude=())  # virtual paths: selected below by real path
    result = engine.run(changes, read, replace(options, config=everything, deployment=deployment))
    real = {_virtual_path(p): p for p in _sources(base.documents, head.documents, root_file)}
    findings = tuple(
        replace(f, fingerprint=fingerprint(f.fingerprint, head.root.key))
        for f in result.findings
        if f.rule not in NOT_JUDGED and options.selects(real.get(f.location.path, f.location.path))
    )
    return RootVerdict(head.root, findings, result.files, real)


def _virtual(documents: Sequence[RenderedDoc], root_file: str) -> dict[str, str]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for doc in documents:
        grouped[_virtual_path(doc.source or root_file)].append(f"---\n{doc.text.rstrip()}\n")
    return {path: "".join(texts) for path, texts in grouped.items()}


def _virtual_path(source: str) -> str:
    """The engine reads manifests only (`.yaml`): a template named otherwise gets the suffix, mapped back later."""
    return source if is_manifest(source) else f"{source}.yaml"


def _sources(base: Sequence[RenderedDoc], head: Sequence[RenderedDoc], root_file: str) -> set[str]:
    return {doc.source or root_file for doc in (*base, *head)}


def _change(path: str, in_base: bool, in_head: bool) -> FileChange:
    status = Status.MODIFIED if in_base and in_head else Status.ADDED if in_head else Status.REMOVED
    return FileChange(path if in_base else None, path if in_head else None, status)


def _same(manifests: Sequence[Manifest], finding: Finding) -> Manifest | None:
    ref = finding.object
    if ref is None:
        return None
    for manifest in manifests:
        metadata = manifest.value.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if manifest.value.get("kind") == ref.kind and name == ref.name:
            return manifest
    return None
