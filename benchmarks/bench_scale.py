"""Benchmark (issue 16): does the cost of `jobguard check` follow the change rather than the repository?

Prints one table, from one run, with ratios:

- `check` against PyYAML's C loader loading both sides of the changed files, at 1,000 and 10,000 changed files
  (CPU time; directory mode; target <= 1.0x);
- a 3-file change (one immutable Job edit) in a 1,000, 20,000 and 50,000-file repository, checked between git
  revisions as in CI (CPU time of jobguard and its git children; target 20,000 / 1,000 <= 1.2);
- K = 100, 200, 400 changed Jobs in one file (target: each doubling at most 2.2x the time);
- peak RSS at 50,000 changed files (target <= 200 MB), and 10,000 -> 50,000 changed files (target <= 5.5x).

Each `check` runs in a fresh wrapper process whose `resource.getrusage(RUSAGE_CHILDREN)` gives the CPU time and
peak RSS of that one run. The manifests are `bench_check.py`'s generators.

Usage: python benchmarks/bench_scale.py [--scale 1.0] [--repeat 1] [--keep DIR]
(`--scale 0.1` divides every size by ten, for a quick look.)
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

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import DEPLOYMENT, JOB, generate, jobguard

_WRAPPER = """\
import resource, subprocess, sys
done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if done.returncode not in (0, 1):
    sys.stderr.write(done.stderr.decode(errors="replace"))
print(done.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def measure(args: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, peak RSS MiB) of one run of `args`, in a fresh wrapper process."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, str(cwd), *args], capture_output=True, text=True, check=False)
    code, cpu, rss = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {code}: {out.stderr}")
    return float(cpu), int(rss) / 1024


def best(args: list[str], cwd: Path, repeat: int) -> tuple[float, float]:
    runs = [measure(args, cwd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def load_cpu(root: Path) -> float:
    """CPU seconds PyYAML's C loader needs to read and load every base and head file."""
    start = time.process_time()
    for side in ("base", "head"):
        for path in sorted((root / side).rglob("*.yaml")):
            list(yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader))
    return time.process_time() - start


def check_dirs(root: Path) -> list[str]:
    return [*jobguard(), "check", "--base", str(root / "base"), "--head", str(root / "head"), "--format", "json"]


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-01-01T00:00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def small_change_repo(repo: Path, files: int) -> None:
    """A repository of `files` manifests (a tenth hold a Job), then a commit changing three of them."""
    for i in range(files):
        name = f"svc-{i:05d}"
        target = repo / f"apps/team-{i % 40:02d}/{name}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = JOB.format(name=name, team=i % 40, backoff=3, version=1) if i % 10 == 0 else ""
        target.write_text(text or DEPLOYMENT.format(name=name, team=i % 40, replicas=2, version=1), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "gc.auto=0", "-c", "user.name=b", "-c", "user.email=b@example.com", "add", "-A")
    git(repo, "-c", "gc.auto=0", "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-q", "-m", "base")
    for i in (0, 1, 2):
        name = f"svc-{i:05d}"
        target = repo / f"apps/team-{i % 40:02d}/{name}.yaml"
        head = JOB.format(name=name, team=0, backoff=4, version=2) if i == 0 else ""
        target.write_text(head or DEPLOYMENT.format(name=name, team=i, replicas=3, version=2), encoding="utf-8")
    git(repo, "-c", "gc.auto=0", "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-q", "-am", "change")
    git(repo, "gc", "-q")  # packed, as a CI clone is (a background auto-gc would otherwise pack it mid-run)


def many_jobs(root: Path, jobs: int) -> None:
    """One file of `jobs` Jobs, each with an immutable edit (a new image) on the head side."""
    for side, version in (("base", 1), ("head", 2)):
        docs = [JOB.format(name=f"job-{i:04d}", team=i % 40, backoff=3, version=version) for i in range(jobs)]
        target = root / side / "jobs.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("---\n".join(docs), encoding="utf-8")


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def add(self, what: str, value: str, note: str = "") -> None:
        self.rows.append((what, value, note))
        print(f"{what:<52}{value:>12}  {note}", flush=True)


def bench_vs_loader(work: Path, table: Table, sizes: list[int], repeat: int) -> None:
    for files in sizes:
        root = work / f"changed-{files}"
        generate(root, files)
        cpu, _ = best(check_dirs(root), root, repeat)
        load = statistics.median(load_cpu(root) for _ in range(repeat))
        table.add(f"check, {files:,} changed files (CPU s)", f"{cpu:.2f}")
        table.add(f"C loader, both sides of {files:,} files (CPU s)", f"{load:.2f}")
        table.add(f"ratio check / C loader at {files:,}", f"{cpu / load:.2f}x", "target <= 1.0x")
        shutil.rmtree(root)


def bench_small_change(work: Path, table: Table, sizes: list[int], repeat: int) -> None:
    cpus = []
    for files in sizes:
        repo = work / f"repo-{files}"
        small_change_repo(repo, files)
        cpu, _ = best([*jobguard(), "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"], repo, repeat)
        cpus.append(cpu)
        table.add(f"3-file change in a {files:,}-file repository (CPU s)", f"{cpu:.2f}")
        shutil.rmtree(repo)
    for files, cpu in zip(sizes[1:], cpus[1:], strict=True):
        target = "target <= 1.2" if files == sizes[1] else ""
        table.add(f"ratio {files:,} / {sizes[0]:,}-file repository", f"{cpu / cpus[0]:.2f}x", target)


def bench_many_jobs(work: Path, table: Table, counts: list[int], repeat: int) -> None:
    cpus = []
    for jobs in counts:
        root = work / f"jobs-{jobs}"
        many_jobs(root, jobs)
        cpu, _ = best(check_dirs(root), root, repeat)
        cpus.append(cpu)
        table.add(f"K = {jobs} changed Jobs in one file (CPU s)", f"{cpu:.2f}")
        shutil.rmtree(root)
    for i in range(1, len(counts)):
        table.add(f"ratio K = {counts[i]} / K = {counts[i - 1]}", f"{cpus[i] / cpus[i - 1]:.2f}x", "target <= 2.2x")


def bench_memory(work: Path, table: Table, small: int, large: int) -> None:
    cpus = []
    for files in (small, large):
        root = work / f"changed-{files}"
        generate(root, files)
        cpu, rss = measure(check_dirs(root), root)
        cpus.append(cpu)
        table.add(f"check, {files:,} changed files (CPU s)", f"{cpu:.2f}")
        target = "target <= 200 MB" if files == large else ""
        table.add(f"peak RSS, {files:,} changed files (MiB)", f"{rss:.0f}", target)
        shutil.rmtree(root)
    target = f"target <= {large / small * 1.1:.1f}x"
    table.add(f"ratio {large:,} / {small:,} changed files", f"{cpus[1] / cpus[0]:.2f}x", target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size by this (0.1: a quick look)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measure (the median is reported)")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    parser.add_argument("--only", choices=("loader", "small", "jobs", "memory"), action="append")
    args = parser.parse_args()

    def n(size: int) -> int:
        return max(3, int(size * args.scale))

    work = args.keep or Path(tempfile.mkdtemp(prefix="jobguard-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    table = Table()
    only = set(args.only or ("loader", "small", "jobs", "memory"))
    try:
        print(f"{'measure':<52}{'value':>12}  target", flush=True)
        if "loader" in only:
            bench_vs_loader(work, table, [n(1000), n(10000)], args.repeat)
        if "small" in only:
            bench_small_change(work, table, [n(1000), n(20000), n(50000)], args.repeat)
        if "jobs" in only:
            bench_many_jobs(work, table, [n(100), n(200), n(400)], args.repeat)
        if "memory" in only:
            bench_memory(work, table, n(10000), n(50000))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
