"""Shared helpers of the render tests: the chart fixture, a parsed view of rendered documents, the tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jobguard.render import tools
from jobguard.render.model import Render, RenderSettings
from jobguard.render.snapshots import DirSnapshot, MappingSnapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "render"
SETTINGS = RenderSettings(workers=2)
HELM = tools.locate(SETTINGS).helm
needs_helm = pytest.mark.skipif(
    not tools.usable(HELM), reason="helm not installed (.ci/install-helm puts the pinned one into the venv's bin)"
)


def chart_files(prefix: str = "charts/chart-job") -> dict[str, bytes]:
    """The fixture chart's files as repository paths below `prefix`."""
    snapshot = DirSnapshot(FIXTURES / "chart-job")
    return {f"{prefix}/{path}": snapshot.read(path) or b"" for path in snapshot.paths()}


def snapshot_of(files: dict[str, str | bytes]) -> MappingSnapshot:
    return MappingSnapshot({path: data.encode() if isinstance(data, str) else data for path, data in files.items()})


def objects(render: Render) -> list[tuple[str, str, str | None, Any]]:
    """(kind, name, source, object) of each rendered document."""
    found = []
    for doc in render.documents:
        obj = yaml.safe_load(doc.text)
        metadata = obj["metadata"]
        found.append((obj["kind"], metadata.get("name") or metadata["generateName"], doc.source, obj))
    return found


def jobs(render: Render) -> dict[str, tuple[str | None, Any]]:
    return {name: (source, obj) for kind, name, source, obj in objects(render) if kind == "Job"}
