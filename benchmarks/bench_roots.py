"""Benchmark: finding roots, their inputs and the roots a change affects, with no tool run.

Builds an in-memory revision of a base shared by N overlays (each with its own patch), Applications claiming a few
of them, and many unrelated YAML files, then prints the best of R runs of:

- `discover` (every YAML file read once, the few naming Argo CD or Flux parsed, every kustomization parsed),
- `inputs_of` for every root (only the kustomization files of each closure parsed),
- `affected` for a change to the shared base (every overlay) and for a change no root reads (none).

Usage: python benchmarks/bench_roots.py [--overlays 18] [--files 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence

from jobguard.render.inputs import affected, inputs_of
from jobguard.render.roots import discover

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
APPLICATION = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app-{n}}}\n"
    "spec: {{source: {{path: overlays/o{n}}}}}\n"
)


class Revision:
    """A `model.Snapshot` over a dict, counting reads."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = {path: text.encode() for path, text in files.items()}
        self.reads = 0

    def paths(self) -> Sequence[str]:
        return sorted(self.files)

    def read(self, path: str) -> bytes | None:
        self.reads += 1
        return self.files.get(path)


def revision(overlays: int, unrelated: int) -> dict[str, str]:
    files = {
        "base/kustomization.yaml": KUSTOMIZATION + "resources: [job.yaml, config.yaml]\n",
        "base/job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\n",
        "base/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config}\n",
    }
    for n in range(overlays):
        overlay = f"overlays/o{n}"
        files[f"{overlay}/kustomization.yaml"] = KUSTOMIZATION + "resources: [../../base]\npatches: [{path: p.yaml}]\n"
        files[f"{overlay}/p.yaml"] = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\n"
    for n in range(min(5, overlays)):
        files[f"apps/app-{n}.yaml"] = APPLICATION.format(n=n)
    for n in range(unrelated):
        files[f"docs/d{n // 100}/f{n}.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{n}}}\n"
    return files


def run(files: Mapping[str, str]) -> dict[str, float]:
    snapshot = Revision(files)
    start = time.perf_counter()
    roots = discover(snapshot)
    found = time.perf_counter()
    inputs = [inputs_of(root, snapshot) for root in roots]
    read = time.perf_counter()
    shared = affected(inputs, ["base/config.yaml"])
    hit = time.perf_counter()
    untouched = affected(inputs, ["docs/d3/f300.yaml"])
    done = time.perf_counter()
    return {
        "roots": len(roots),
        "affected by the base": len(shared),
        "affected by an unread file": len(untouched),
        "reads": snapshot.reads,
        "discover ms": (found - start) * 1e3,
        "inputs_of (all roots) ms": (read - found) * 1e3,
        "affected (base) ms": (hit - read) * 1e3,
        "affected (unread file) ms": (done - hit) * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overlays", type=int, default=18)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = revision(args.overlays, args.files)
    best = min((run(files) for _ in range(args.repeat)), key=lambda r: r["discover ms"] + r["inputs_of (all roots) ms"])
    print(f"revision: {len(files)} files")
    for name, value in best.items():
        print(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
