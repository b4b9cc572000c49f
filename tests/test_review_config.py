"""In review mode the configuration comes from the base revision: a change cannot switch off its own check."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jobguard import local, pipeline, review
from jobguard.errors import ConfigError, UsageError
from jobguard.fixes.apply import apply_all
from jobguard.pipeline import RunOptions
from jobguard.platforms.local import LocalPlatform, Printer
from tests.conftest import RepoFactory
from tests.test_cli import BASE_JOB, HEAD_JOB

OFF = 'rules:\n  job-immutable-field: "off"\n'


def outcome(repo: Path, config_path: Path | None = None) -> review.ReviewOutcome:
    platform = LocalPlatform(
        local.resolve("main", repo, repo, "--base"), local.default_head(repo), Printer(io.StringIO())
    )
    try:
        return review.run_review(platform, RunOptions(config_path=config_path))
    finally:
        platform.close()


def test_a_change_cannot_switch_off_its_own_check(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB, ".jobguard.yaml": OFF})
    result = outcome(repo)
    assert [f.rule for f in result.findings] == ["job-immutable-field"]
    assert result.exit_code == 1 and result.config.source is None


def test_the_base_config_applies(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": BASE_JOB, ".jobguard.yaml": OFF}, {"job.yaml": HEAD_JOB})
    result = outcome(repo)
    assert result.findings == () and result.exit_code == 0
    assert result.config.source == ".jobguard.yaml"


def test_the_base_config_may_allow_the_head_config(make_repo: RepoFactory) -> None:
    allow = "review:\n  allow-head-config: true\n"
    repo = make_repo({"job.yaml": BASE_JOB, ".jobguard.yaml": allow}, {"job.yaml": HEAD_JOB, ".jobguard.yaml": OFF})
    result = outcome(repo)
    assert result.findings == () and result.exit_code == 0


def test_an_explicit_config_file_wins(make_repo: RepoFactory) -> None:
    strict = "fail-on: warning\n"
    repo = make_repo({"job.yaml": BASE_JOB, ".jobguard.yaml": OFF, "ci/strict.yaml": strict}, {"job.yaml": HEAD_JOB})
    result = outcome(repo, Path("./ci/strict.yaml"))
    assert [f.rule for f in result.findings] == ["job-immutable-field"] and result.exit_code == 1
    assert result.config.source == "ci/strict.yaml"


def test_the_named_config_is_read_from_the_base_revision(make_repo: RepoFactory) -> None:
    named = "ci/jobguard.yaml"
    repo = make_repo({"job.yaml": BASE_JOB, named: "fail-on: error\n"}, {"job.yaml": HEAD_JOB, named: OFF})
    result = outcome(repo, Path(named))  # the checkout (head) switches the rule off; the base does not
    assert [f.rule for f in result.findings] == ["job-immutable-field"] and result.exit_code == 1


def test_a_named_config_only_the_pull_request_adds_is_an_error(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB, "mine.yaml": OFF})
    with pytest.raises(ConfigError, match=r"mine\.yaml:1:1: not in the base revision"):
        outcome(repo, Path("mine.yaml"))


def test_combined_fixes_are_checked_again_before_a_push(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    platform = LocalPlatform(
        local.resolve("main", repo, repo, "--base"), local.default_head(repo), Printer(io.StringIO())
    )
    try:
        config = pipeline.load_config(platform, None)
        analysis = pipeline.analyse(platform, config)
        good = apply_all(analysis.findings, lambda path: platform.read(path, "head")).texts
        assert pipeline.introduced(platform, analysis, good) == []
        bad = {"job.yaml": HEAD_JOB.replace("spec:\n  template", "spec:\n  ttlSecondsAfterFinished: 60\n  template")}
        assert pipeline.introduced(platform, analysis, bad) == ["job-ttl-after-finished at job.yaml:7"]
    finally:
        platform.close()


def test_discovery_in_the_base_revision_finds_github_yml_and_warns_about_two(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": BASE_JOB, ".github/jobguard.yml": OFF}, {"job.yaml": HEAD_JOB, ".jobguard.yaml": ""})
    result = outcome(repo)  # the head's .jobguard.yaml does not count, nor warn: only the base's files do
    assert (result.findings, result.config.source, result.config.warnings) == ((), ".github/jobguard.yml", ())


def test_two_config_files_in_the_base_revision_say_which_is_used(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": BASE_JOB, ".jobguard.yml": "", ".github/jobguard.yaml": OFF}, {"job.yaml": HEAD_JOB})
    result = outcome(repo)
    assert [f.rule for f in result.findings] == ["job-immutable-field"]  # .jobguard.yml (empty: defaults) wins
    assert result.config.warnings == (
        "several configuration files: .jobguard.yml, .github/jobguard.yaml; using .jobguard.yml (the first of "
        ".jobguard.yaml, .jobguard.yml, .github/jobguard.yaml, .github/jobguard.yml); remove the others",
    )


def test_a_pushed_fix_with_a_strategy_that_does_not_fit_pushes_nothing(make_repo: RepoFactory) -> None:
    """`jobguard fix --push --strategy S` (CI): as locally, never another fix than the one asked for."""
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    said = io.StringIO()
    platform = LocalPlatform(local.resolve("main", repo, repo, "--base"), local.default_head(repo), Printer(said))
    try:
        with pytest.raises(UsageError) as info:
            review.run_fix_command(platform, requested_by="ann", authorised=True, strategy="flux-force")
    finally:
        platform.close()
    miss = (
        "--strategy flux-force applies to none of the 1 fixable finding, so nothing was changed: job.yaml:12 "
        "job-immutable-field takes argocd-hook, argocd-force, argocd-force-replace, argocd-hook-generate-name"
    )
    assert str(info.value) == miss
    assert f"reply: @ann: jobguard did not push: {miss}." in said.getvalue()
    assert "would commit" not in said.getvalue()
