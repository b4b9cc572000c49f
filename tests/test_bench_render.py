"""benchmarks/bench_render.py keeps working: its generated repository is what it says, and both timers run."""

from __future__ import annotations

from pathlib import Path

from benchmarks import bench_render


def test_the_generated_repository_builds_and_jobguard_time_reports_the_checks(tmp_path: Path) -> None:
    overlays = bench_render.generate(tmp_path, 3)
    assert [d.name for d in overlays] == ["env-00", "env-01", "env-02"]
    assert bench_render.kustomize_all(overlays, workers=2) > 0
    seconds, rules = bench_render.jobguard_time(tmp_path, "main", "base-change")
    assert seconds > 0 and rules.get("job-immutable-field", 0) >= 1  # the base Job's image; rendered: one per overlay
    assert bench_render.jobguard_time(tmp_path, "main", "no-root")[1] == {}
