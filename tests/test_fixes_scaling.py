"""A file with N changed Jobs costs N times one Job, not N squared (issue 14: 400 Jobs took 48 s, 1,000 took 277 s).

Timing would make a flaky test, so the work is counted instead: each fix compares the lines of its own document
(not every line of the file) and finds its Job through an index (not by scanning every Job of the file). The
wall-clock figures are in benchmarks/bench_check.py (`--jobs-in-one-file`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from jobguard import check as engine
from jobguard.findings import TextEdit
from jobguard.fixes import attach as attach_module
from jobguard.fixes import context
from jobguard.fixes.attach import attach
from jobguard.fixes.lines import apply
from tests.rule_cases import run_texts
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

JOBS = 20


def many(job: str) -> str:
    return "---\n".join(job.replace("name: migrate", f"name: job-{i}") for i in range(JOBS))


def test_each_fix_works_on_its_own_document_and_finds_its_job_by_index(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[int] = []
    lookups = 0
    line_edit, job_doc = attach_module.line_edit, context.job_doc

    def counting_line_edit(a: Sequence[str], b: Sequence[str]) -> TextEdit | None:
        compared.append(len(a))
        return line_edit(a, b)

    def counting_job_doc(manifest: context.Manifest) -> object:
        nonlocal lookups
        lookups += 1
        return job_doc(manifest)

    monkeypatch.setattr(attach_module, "line_edit", counting_line_edit)
    monkeypatch.setattr(context, "job_doc", counting_job_doc)
    head = many(SMALL_JOB_NEW_IMAGE)
    result = run_texts(many(SMALL_JOB), head, engine.CheckOptions(), "jobs.yaml")
    found = attach(result.findings, result.files, engine.CheckOptions())
    assert len(found) == JOBS and all(f.fixes for f in found)
    assert compared and max(compared) <= len(SMALL_JOB.splitlines()) + 2  # a document and the line above it
    assert lookups <= 3 * JOBS
    for finding in (found[0], found[JOBS // 2], found[-1]):  # edits numbered in the whole file still apply there
        for fix in finding.fixes[:1]:
            fixed = run_texts(many(SMALL_JOB), apply(head, fix.edit), engine.CheckOptions(), "jobs.yaml")
            assert finding.fingerprint not in {f.fingerprint for f in fixed.findings}
