"""jobguard.pipeline: the one pipeline behind check, review, fix and the fix command."""

from __future__ import annotations

import io

from jobguard import local, pipeline, review
from jobguard.platforms.local import LocalPlatform, Printer
from tests.conftest import RepoFactory
from tests.test_cli import BASE_JOB, HEAD_JOB

TTL_JOB = HEAD_JOB.replace("spec:\n  template", "spec:\n  ttlSecondsAfterFinished: 60\n  template")


def test_check_and_review_of_one_change_agree(make_repo: RepoFactory) -> None:
    """`check` reads two local trees and `review` a platform, but both go through `pipeline.analyse`."""
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": TTL_JOB})
    checked = local.check(pipeline.RunOptions(), repo, base="main")
    platform = LocalPlatform(
        local.resolve("main", repo, repo, "--base"), local.default_head(repo), Printer(io.StringIO())
    )
    try:
        reviewed = review.run_review(platform)
    finally:
        platform.close()
    assert sorted(f.rule for f in checked.analysis.findings) == ["job-immutable-field", "job-ttl-after-finished"]
    assert checked.analysis.findings == reviewed.findings
    assert (checked.exit_code, checked.analysis.files_checked) == (reviewed.exit_code, reviewed.files_checked) == (1, 1)


def test_run_options_override_the_config(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": TTL_JOB})
    run = local.check(pipeline.RunOptions(fail_on="never", kubernetes_version="1.30"), repo, base="main")
    assert run.exit_code == 0 and str(run.config.kubernetes_version) == "1.30"


def test_the_work_tree_is_the_checkout_of_a_local_check(make_repo: RepoFactory) -> None:
    """`gitops: auto` greps the files as they are now (an uncommitted Flux object counts), not the last commit."""
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    source = local.TreeSource(local.default_base(repo), local.default_head(repo))
    checkout = source.checkout()
    assert checkout is not None and checkout[1] is None
    single = local.TreeSource(
        local.resolve("job.yaml", repo, repo, "--base"), local.resolve("job.yaml", repo, repo, "x")
    )
    assert single.checkout() is None
