"""Benchmark: jobguard's renders against the bare tools on the same roots.

Renders every kustomize root of the real corpus (`$JOBGUARD_CORPUS/kustomize`, default ../shared/corpus) and the
fixture chart, as base and head with identical inputs (so each renders once), and prints from one run:

- bare: `kubectl kustomize` / `helm template` of each root on a plain copy of its tree, one after another (the
  sum of their wall times),
- jobguard cold: `render_all` of base+head with an empty cache (wall time; per root: the sum of Render.seconds),
- jobguard warm: the same call again (every answer from the input-hash cache),

and the per-root overhead: (sum of Render.seconds of one side − bare sum) / roots. That overhead is what jobguard
adds around the tool: reading the snapshot, hashing, the scan, copying the files, the sandbox and the splitting.

Usage: python benchmarks/bench_render.py [--repeat 3] [--workers 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bot"))

from jobguard.render import run, tools  # noqa: E402
from jobguard.render.model import RenderSettings, Root, RootKind  # noqa: E402
from jobguard.render.run import RenderRequest, render_all  # noqa: E402
from jobguard.render.snapshots import DirSnapshot  # noqa: E402

CORPUS = Path(os.environ.get("JOBGUARD_CORPUS", ROOT.parent / "shared" / "corpus")) / "kustomize"
CHART = ROOT / "fixtures" / "render"


def requests() -> list[tuple[RenderRequest, Path]]:
    """Every root that renders, with the folder the bare tool runs on."""
    found = []
    for tree in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        snapshot = DirSnapshot(tree)
        for path in snapshot.paths():
            if path.endswith("/kustomization.yaml"):
                folder = path.rsplit("/", 1)[0]
                root = Root(RootKind.KUSTOMIZE, folder, folder)
                found.append((RenderRequest(root, snapshot, frozenset(snapshot.paths()), "base"), tree / folder))
    chart = DirSnapshot(CHART)
    root = Root(RootKind.HELM, "chart-job", "chart-job")
    found.append((RenderRequest(root, chart, frozenset(chart.paths()), "base"), CHART / "chart-job"))
    return found


def bare(items: list[tuple[RenderRequest, Path]], found: tools.Tools, settings: RenderSettings) -> float:
    started = time.monotonic()
    for request, folder in items:
        if request.root.kind is RootKind.HELM:
            argv = [
                str(found.helm),
                "template",
                "chart-job",
                str(folder),
                "--kube-version",
                settings.kubernetes_version,
            ]
        else:
            argv = [str(found.kubectl), "kustomize", str(folder)]
        subprocess.run(argv, capture_output=True, check=False)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    settings = RenderSettings(workers=args.workers)
    found = tools.locate(settings)
    items = [(r, f) for r, f in requests() if r.root.kind is RootKind.KUSTOMIZE or tools.usable(found.helm)]
    both = [RenderRequest(r.root, r.snapshot, r.files, side) for r, _ in items for side in ("base", "head")]
    rows: dict[str, list[float]] = {"bare": [], "cold": [], "cold_root_sum": [], "warm": []}
    for _ in range(args.repeat):
        rows["bare"].append(bare(items, found, settings))
        run.CACHE.clear()
        started = time.monotonic()
        renders = render_all(both, settings)
        rows["cold"].append(time.monotonic() - started)
        rows["cold_root_sum"].append(sum(r.seconds for r in renders if r.side == "base"))
        started = time.monotonic()
        render_all(both, settings)
        rows["warm"].append(time.monotonic() - started)
    failed = sum(1 for r in renders if r.side == "base" and (r.error or r.skipped))
    median = {name: statistics.median(values) for name, values in rows.items()}
    print(f"roots: {len(items)} ({failed} fail or skip offline), requests: {len(both)} (base+head, identical inputs)")
    print(f"workers: {settings.workers or os.cpu_count()}, repeat: {args.repeat} (medians below)")
    print(f"bare tools, sequential:             {median['bare']:.2f} s")
    print(f"jobguard cold, base+head, wall:     {median['cold']:.2f} s")
    print(f"jobguard cold, sum of Render.seconds: {median['cold_root_sum']:.2f} s")
    print(f"jobguard warm (cache), wall:        {median['warm'] * 1000:.1f} ms")
    overhead = (median["cold_root_sum"] - median["bare"]) / len(items)
    print(f"overhead per root over the bare tool: {overhead * 1000:.0f} ms")


if __name__ == "__main__":
    main()
