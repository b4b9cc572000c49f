"""benchmarks/bench_bigpr.py keeps measuring what it says: one finding per changed Job, reads and writes counted."""

from __future__ import annotations

from pathlib import Path

from benchmarks import bench_bigpr


def test_the_benchmark_counts_a_first_run_and_a_quiet_re_run(tmp_path: Path) -> None:
    for local in (True, False):
        first, again = bench_bigpr.bench(2, local, tmp_path / str(local))
        assert first.findings == again.findings == 2
        assert first.writes == 2 and again.writes == 0  # one review + the summary, then nothing
        assert first.graphql == (0 if local else 1)  # without a checkout both sides come in one query


def test_the_gitlab_benchmark_counts_the_same_way(tmp_path: Path) -> None:
    for local in (True, False):
        first, again = bench_bigpr.bench_gitlab(2, local, tmp_path / str(local))
        assert first.findings == again.findings == 2
        # a thread per finding (both rules of each Job are one click on GitLab, so both go inline) and the summary note,
        # then nothing
        assert first.writes == 5 and again.writes == 0
