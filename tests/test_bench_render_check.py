"""benchmarks/bench_render_check.py keeps measuring what it says: its repository's two changes are a base edit
every overlay renders and a file no root reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import bench_render_check
from tests.render_files import KUSTOMIZE, needs_kustomize_corpus

pytestmark = needs_kustomize_corpus


def findings(repo: Path, head: str) -> list[tuple[str, str]]:
    argv = [sys.executable, "-m", "jobguard", "check", "--base", "main", "--head", head, "--format", "json"]
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)["findings"]
    return sorted((f["path"], f["message"].split("`")[1]) for f in found if f["rule"] == "job-immutable-field")


def test_the_shared_change_is_rendered_by_every_overlay_and_the_unrelated_one_by_none(tmp_path: Path) -> None:
    repo = bench_render_check.build(tmp_path, 2, KUSTOMIZE)
    # one verdict for the Job both overlays render, named as the overlay renders it (the render won over the file)
    assert findings(repo, "shared") == [(bench_render_check.JOB, "env00-installplan-approver")]
    assert findings(repo, "unrelated") == []
    assert bench_render_check.jobguard(repo, "unrelated", "--render", "off") > 0
