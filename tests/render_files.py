"""A mapping-backed snapshot for the render tests (until render/snapshots.py lands), and the real kustomize trees."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from tests.corpus import CORPUS

KUSTOMIZE = CORPUS / "kustomize"
needs_kustomize_corpus = pytest.mark.skipif(not KUSTOMIZE.is_dir(), reason=f"no kustomize trees at {KUSTOMIZE}")


class Files:
    """`model.Snapshot` over a dict of path -> text or bytes; counts reads so tests can see what a stage cost."""

    def __init__(self, files: Mapping[str, str | bytes]) -> None:
        self.files = {p: v.encode() if isinstance(v, str) else v for p, v in files.items()}
        self.reads: list[str] = []
        self.listings = 0

    def paths(self) -> list[str]:
        self.listings += 1
        return sorted(self.files)

    def read(self, path: str) -> bytes | None:
        self.reads.append(path)
        return self.files.get(path)


def corpus_sets() -> list[str]:
    if not KUSTOMIZE.is_dir():
        return []
    return [entry["set"] for entry in json.loads((KUSTOMIZE / "SETS.json").read_text(encoding="utf-8"))]


def corpus_set(name: str, extra: Mapping[str, str | bytes] | None = None) -> Files:
    """One set of ../shared/corpus/kustomize as a snapshot (paths are the repository's own), plus `extra` files."""
    root = KUSTOMIZE / name
    files: dict[str, str | bytes] = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
    files.update(extra or {})
    return Files(files)


def job_files(snapshot: Files) -> set[str]:
    return {p for p, data in snapshot.files.items() if b"\nkind: Job" in b"\n" + data}
