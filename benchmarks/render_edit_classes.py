"""Measurement: the issue's edit classes on every kustomize root of the real corpus, raw check against rendered.

For each root of ../shared/corpus/kustomize that renders Jobs, a git repository holds the set as it is (base) and
one edit of the root's kustomization (head): five that reach the Jobs' pod templates (an `images:` newTag,
`commonLabels`, `labels` with `includeTemplates`, an inline JSON6902 patch, a new patch file) and three that do
not (`nameSuffix`, `namespace`, `labels` without `includeTemplates`). `jobguard check --format json` runs with
`--render off` and with rendering; a case counts as caught when a job-immutable-field finding is reported.

Usage: python benchmarks/render_edit_classes.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from jobguard.render import roots, run
from jobguard.render.model import RenderSettings, RootKind
from jobguard.render.snapshots import DirSnapshot

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "kustomize"
ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}
Edit = Callable[[dict[str, Any], list[dict[str, Any]]], dict[str, str]]


def _list(k: dict[str, Any], key: str, item: Any) -> None:
    k[key] = [*(k.get(key) or []), item]


def image_bump(k: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, str]:
    image = jobs[0]["spec"]["template"]["spec"]["containers"][0]["image"]
    name = image.split("@")[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image.split("@")[0]
    _list(k, "images", {"name": name, "newTag": "jobguard-bumped"})
    return {}


def common_labels(k: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, str]:
    k["commonLabels"] = {**(k.get("commonLabels") or {}), "jobguard-team": "payments"}
    return {}


def labels(include: bool) -> Edit:
    def edit(k: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, str]:
        entry: dict[str, Any] = {"pairs": {"jobguard-team": "payments"}}
        if include:
            entry["includeTemplates"] = True
        _list(k, "labels", entry)
        return {}

    return edit


def json6902(k: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, str]:
    name = jobs[0]["metadata"].get("name")
    patch = "- op: add\n  path: /spec/template/spec/terminationGracePeriodSeconds\n  value: 45\n"
    _list(k, "patches", {"target": {"kind": "Job", **({"name": name} if name else {})}, "patch": patch})
    return {}


def patch_file(k: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, str]:
    job = jobs[0]
    container = job["spec"]["template"]["spec"]["containers"][0]["name"]
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {k: v for k, v in job["metadata"].items() if k in ("name", "namespace")},
        "spec": {
            "template": {"spec": {"containers": [{"name": container, "resources": {"limits": {"memory": "1Gi"}}}]}}
        },
    }
    _list(k, "patches", {"path": "jobguard-limits.yaml"})
    return {"jobguard-limits.yaml": yaml.safe_dump(body)}


def name_suffix(k: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, str]:
    k["nameSuffix"] = (k.get("nameSuffix") or "") + "-v2"
    return {}


def namespace(k: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, str]:
    k["namespace"] = "jobguard-elsewhere"
    return {}


BREAKING: dict[str, Edit] = {
    "images newTag": image_bump,
    "commonLabels": common_labels,
    "labels includeTemplates": labels(True),
    "inline JSON6902 patch": json6902,
    "new patch file": patch_file,
}
HARMLESS: dict[str, Edit] = {"nameSuffix": name_suffix, "namespace": namespace, "labels (metadata only)": labels(False)}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **ENV})


def caught(repo: Path, *flags: str) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "jobguard", "check", "--base", "main", "--head", "edit", "--format", "json", *flags],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    found = json.loads(done.stdout or '{"findings": []}')["findings"]
    return any(f["rule"] == "job-immutable-field" for f in found)


def case(tmp: Path, source: Path, root: str, edit: Edit, jobs: list[dict[str, Any]]) -> tuple[bool, bool] | None:
    repo = tmp / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(source, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "edit")
    path = next(repo / root / n for n in ("kustomization.yaml", "kustomization.yml") if (repo / root / n).is_file())
    kustomization = yaml.safe_load(path.read_text()) or {}
    try:
        extra = edit(kustomization, jobs)
    except (KeyError, IndexError, TypeError):
        return None  # the edit does not apply to this root's Jobs (no named container, no name)
    path.write_text(yaml.safe_dump(kustomization, sort_keys=False))
    for name, text in extra.items():
        (repo / root / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "edit")
    return caught(repo, "--render", "off"), caught(repo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    totals: dict[str, list[int]] = {}
    settings = RenderSettings()
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted(p for p in args.corpus.iterdir() if p.is_dir()):
            snapshot = DirSnapshot(source)
            for root in roots.discover(snapshot):
                if root.kind is not RootKind.KUSTOMIZE:
                    continue
                render = run.render(root, snapshot, snapshot.paths(), settings, "head")
                jobs = [d for d in (yaml.safe_load(doc.text) for doc in render.documents) if d.get("kind") == "Job"]
                if not jobs:
                    continue
                for label, edit in {**BREAKING, **HARMLESS}.items():
                    result = case(Path(tmp), source, root.path, edit, jobs)
                    if result is None:
                        continue
                    row = totals.setdefault(label, [0, 0, 0])
                    row[0] += 1
                    row[1] += result[0]
                    row[2] += result[1]
                    print(
                        f"{source.name}:{root.path or '.'}: {label}: raw {result[0]}, rendered {result[1]}", flush=True
                    )
    print(f"\n{'edit':28} {'cases':>5} {'raw':>5} {'rendered':>8}")
    for label, (cases, raw, rendered) in totals.items():
        kind = "breaking" if label in BREAKING else "harmless"
        print(f"{label:28} {cases:5} {raw:5} {rendered:8}  ({kind})")


if __name__ == "__main__":
    main()
