"""Benchmark: `jobguard check` on a 2,000-file change against PyYAML's C loader just loading the same files.

Generates a base and a head directory of 2,000 manifest files (10% hold a Job, a fifth of those Jobs get an
immutable edit, every other file a harmless edit), then prints, from one run, side by side:

- the wall time and peak RSS of `jobguard check --base BASE --head HEAD --format json` (a fresh process),
- the time PyYAML's CSafeLoader takes to load every base and head file (in this process, files read from disk),
- the wall time of `jobguard --version` (start-up cost; platform libraries must be imported lazily).

With `--jobs-in-one-file N [N ...]` it times instead one file holding N Jobs, every one with an immutable edit
(one verified fix each): the cost must grow linearly with N (issue 14: 400 Jobs took 48 s, 1,000 took 277 s).

Usage: python benchmarks/bench_check.py [--files 2000] [--repeat 3] [--keep DIR] [--jobs-in-one-file N ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

DEPLOYMENT = """\
# {name}: service deployment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: team-{team}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: shop
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      serviceAccountName: {name}
      containers:
        - name: app
          image: registry.example.com/shop/{name}:1.{version}.0
          ports:
            - containerPort: 8080
              name: http
          env:
            - name: LOG_LEVEL
              value: info
            - name: DB_HOST
              valueFrom:
                secretKeyRef: {{name: db, key: host}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: "1", memory: 512Mi}}
          readinessProbe:
            httpGet: {{path: /healthz, port: http}}
            periodSeconds: 10
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: team-{team}
spec:
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - port: 80
      targetPort: http
"""

JOB = """\
# {name}: one-off task
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  namespace: team-{team}
  labels:
    app.kubernetes.io/name: {name}
spec:
  backoffLimit: {backoff}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      restartPolicy: Never
      containers:
        - name: task
          image: registry.example.com/shop/{name}:1.{version}.0
          args: ["run", "--once"]
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
"""


def generate(root: Path, files: int) -> tuple[int, int]:
    """Write base/ and head/; returns (jobs, immutable edits)."""
    jobs = immutable = 0
    for i in range(files):
        name = f"svc-{i:05d}"
        rel = Path(f"apps/team-{i % 40:02d}/{name}.yaml")
        if i % 10 == 0:
            jobs += 1
            edit = i % 50 == 0  # a fifth of the Jobs
            immutable += edit
            base = JOB.format(name=name, team=i % 40, backoff=3, version=1)
            head = JOB.format(name=name, team=i % 40, backoff=4, version=2 if edit else 1)
        else:
            base = DEPLOYMENT.format(name=name, team=i % 40, replicas=2, version=1)
            head = DEPLOYMENT.format(name=name, team=i % 40, replicas=3, version=2)
        for side, text in (("base", base), ("head", head)):
            target = root / side / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return jobs, immutable


def generate_one_file(root: Path, jobs: int) -> None:
    """base/jobs.yaml and head/jobs.yaml: `jobs` Jobs in one file, each with an immutable edit (its image)."""
    for side, version in (("base", 1), ("head", 2)):
        (root / side).mkdir(parents=True, exist_ok=True)
        documents = (JOB.format(name=f"job-{i:05d}", team=i % 7, backoff=3, version=version) for i in range(jobs))
        (root / side / "jobs.yaml").write_text("---\n".join(documents), encoding="utf-8")


def one_file(sizes: list[int], repeat: int) -> int:
    """Seconds per run and per Job for each size; the per-Job cost must stay flat as N grows."""
    print(f"{'Jobs in one file':<20}{'seconds (median)':>18}{'ms per Job':>12}{'found':>8}")
    for jobs in sizes:
        root = Path(tempfile.mkdtemp(prefix="jobguard-bench-one-"))
        try:
            generate_one_file(root, jobs)
            check = [*jobguard(), "check", "--base", str(root / "base"), "--head", str(root / "head"), "--format"]
            times, found = [], 0
            for _ in range(repeat):
                seconds, proc = timed_run([*check, "json"])
                times.append(seconds)
                found = sum(f["rule"] == "job-immutable-field" for f in json.loads(proc.stdout)["findings"])
            median = statistics.median(times)
            print(f"{jobs:<20}{median:>18.2f}{1000 * median / jobs:>12.1f}{found:>8}")
            if found != jobs:
                return 1
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return 0


def pyyaml_load_seconds(root: Path) -> float:
    start = time.perf_counter()
    for side in ("base", "head"):
        for path in sorted((root / side).rglob("*.yaml")):
            list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
    return time.perf_counter() - start


def jobguard() -> list[str]:
    exe = shutil.which("jobguard", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "jobguard"]


def timed_run(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    parser.add_argument("--jobs-in-one-file", type=int, nargs="+", metavar="N", help="time one file of N Jobs")
    args = parser.parse_args()
    if args.jobs_in_one_file:
        return one_file(args.jobs_in_one_file, args.repeat)
    root = args.keep or Path(tempfile.mkdtemp(prefix="jobguard-bench-"))
    try:
        jobs, immutable = generate(root, args.files)
        check = [*jobguard(), "check", "--base", str(root / "base"), "--head", str(root / "head"), "--format", "json"]
        check_times, load_times, version_times = [], [], []
        findings = 0
        for _ in range(args.repeat):
            load_times.append(pyyaml_load_seconds(root))
            seconds, proc = timed_run(check)
            if proc.returncode not in (0, 1):
                print(proc.stderr, file=sys.stderr)
                return 2
            check_times.append(seconds)
            findings = sum(f["rule"] == "job-immutable-field" for f in json.loads(proc.stdout)["findings"])
            version_times.append(timed_run([*jobguard(), "--version"])[0])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        check_s, load_s = statistics.median(check_times), statistics.median(load_times)
        print(f"change: {args.files} files, {jobs} with Jobs, {immutable} immutable edits; found {findings}")
        print(f"{'measure (median of ' + str(args.repeat) + ')':<38}{'seconds':>10}")
        print(f"{'jobguard check (whole process)':<38}{check_s:>10.3f}")
        print(f"{'PyYAML CSafeLoader, load base+head':<38}{load_s:>10.3f}")
        print(f"{'ratio jobguard / PyYAML load':<38}{check_s / load_s:>10.2f}x   (target <= 1.0x)")
        print(f"{'jobguard peak RSS':<38}{peak_mb:>9.0f}M   (target <= 200 MB)")
        print(f"{'jobguard --version':<38}{statistics.median(version_times):>10.3f}   (target < 0.3 s)")
        return 0 if findings == immutable else 1
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
