"""Access to the real corpus in ../shared/corpus (edits of real Job manifests, real files)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jobguard import check as engine
from tests.rule_cases import run_texts

CORPUS = Path(os.environ.get("JOBGUARD_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


@dataclass(frozen=True)
class Edit:
    name: str
    base: str
    head: str
    meta: dict[str, Any]

    @property
    def path(self) -> str:
        return str(self.meta["path"])

    def run(self, options: engine.CheckOptions | None = None) -> engine.CheckResult:
        return run_texts(self.base, self.head, options or engine.CheckOptions(), self.path)


def edits() -> Iterator[Edit]:
    if not CORPUS.is_dir():
        return
    for folder in sorted((CORPUS / "edits").iterdir()):
        if folder.is_dir():
            yield Edit(
                folder.name,
                (folder / "base.yaml").read_text(encoding="utf-8"),
                (folder / "head.yaml").read_text(encoding="utf-8"),
                json.loads((folder / "meta.json").read_text(encoding="utf-8")),
            )


def files() -> list[Path]:
    return sorted((CORPUS / "files").glob("*.yaml")) if CORPUS.is_dir() else []
