"""`jobguard review` and `jobguard fix --push` in GitLab merge request pipelines, end to end against the fake.

Each scenario runs the real CLI (or `jobguard.review`) with the pipeline's predefined variables, a real checkout and
the real python-gitlab client, and checks what a reviewer would see on the merge request and what the job
returns (review-apis.md C, testing.md §4 and §7). The API call figures asserted here are the ones reported in
docs/gitlab-ci.md.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from jobguard.cli import main
from jobguard.comments import SUMMARY_MARKER, fingerprint_of
from jobguard.platforms.gitlab import from_env
from jobguard.platforms.http import MAX_RETRY_WAIT
from jobguard.review import run_fix_command, run_review
from tests.fakes.gitlab import MergeRequest, parse_suggestions
from tests.test_gitlab_platform import (
    BASE_FILES,
    HEAD_FILES,
    HEAD_JOB,
    JOB,
    GitBackedGitLab,
    ci_env,
    record_waits,
    run_git,
)

IMMUTABLE = "job-immutable-field"
TTL = "job-ttl-after-finished"
REPORT = "gl-code-quality-report.json"


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[GitBackedGitLab]:
    with GitBackedGitLab(tmp_path / "repo") as server:
        yield server


@pytest.fixture
def mr(fake: GitBackedGitLab) -> MergeRequest:
    return fake.add_merge_request(BASE_FILES, HEAD_FILES)


def run_cli(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str], *argv: str) -> int:
    """`jobguard ARGV` as a GitLab job runs it: os.environ is the job's (and GitHub's marker is absent)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return main(list(argv))


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_waits(monkeypatch)


def rules_of(mr: MergeRequest) -> dict[str, str]:
    """rule id -> discussion id of jobguard's inline threads."""
    found = {}
    for d in mr.discussions:
        note = d.notes[0]
        if note.type == "DiffNote" and fingerprint_of(note.body):
            found[note.body.split("`")[1]] = d.id
    return found


def summaries(mr: MergeRequest) -> list[str]:
    return [n.body for n in mr.notes() if n.body.startswith(SUMMARY_MARKER)]


def test_first_run(fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    code = run_cli(monkeypatch, ci_env(fake, mr, fake.repo), "review")
    assert code == 1  # an error-level finding fails the job
    assert set(rules_of(mr)) == {IMMUTABLE, TTL}
    blocks = []
    for note in (d.notes[0] for d in mr.discussions if d.notes[0].type == "DiffNote"):
        assert note.position is not None and note.position["head_sha"] == mr.head_sha
        blocks.extend(parse_suggestions(note.body))  # one-click fixes, anchored on lines of the diff
    # both findings share the preferred fix; it is suggested once (applying one would outdate its twin)
    assert len(blocks) == 1
    (summary,) = summaries(mr)
    assert "**1** error, **1** warning" in summary and "jobguard-fix" in summary
    report = json.loads((fake.repo / REPORT).read_text())
    assert {r["check_name"] for r in report} == {IMMUTABLE, TTL}
    assert (fake.reads, fake.writes) == (2, 3)  # MR + discussions; 2 discussions + 1 summary note


def test_unchanged_rerun_writes_nothing(
    fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = ci_env(fake, mr, fake.repo)
    run_cli(monkeypatch, env, "review")
    (fake.repo / REPORT).unlink()
    fake.reset_log()
    assert run_cli(monkeypatch, env, "review") == 1
    assert (fake.reads, fake.writes) == (3, 0)  # GET /user: whose notes are jobguard's
    assert (fake.repo / REPORT).exists()  # the token-free report is written on every run
    assert len(mr.discussions) == 3


def test_fixed_finding_is_resolved(fake: GitBackedGitLab, mr: MergeRequest) -> None:
    platform = from_env(ci_env(fake, mr, fake.repo))
    run_review(platform)
    platform.close()
    fake.push(mr, {**HEAD_FILES, JOB: HEAD_JOB.replace("app:1.1", "app:1.0")}, message="revert the image")
    fake.reset_log()
    platform = from_env(ci_env(fake, mr, fake.repo))
    outcome = run_review(platform)
    platform.close()
    assert outcome.exit_code == 0  # only the TTL warning is left
    threads = {d.id: d for d in mr.discussions}
    fixed = threads[rules_of(mr)[IMMUTABLE]].notes[0]
    assert fixed.resolved and fixed.body.startswith("**Fixed in a later commit.**")
    assert not threads[rules_of(mr)[TTL]].notes[0].resolved
    (summary,) = summaries(mr)
    assert "**1** warning." in summary and IMMUTABLE not in summary
    assert (fake.reads, fake.writes) == (3, 3)  # resolve, mark the note, update the summary


def test_job_token_only(fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    env = ci_env(fake, mr, fake.repo, token=None)
    assert run_cli(monkeypatch, env, "review") == 1  # the exit code still follows the findings
    assert fake.requests == [] and mr.discussions == []
    assert {r["check_name"] for r in json.loads((fake.repo / REPORT).read_text())} == {IMMUTABLE, TTL}


def test_5xx_then_success(
    fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch, no_sleep: list[float]
) -> None:
    fake.fail_next("GET", r"/discussions$", 502)
    fake.fail_next("POST", r"/discussions$", 503)
    fake.fail_next("POST", r"/notes$", 500)
    assert run_cli(monkeypatch, ci_env(fake, mr, fake.repo), "review") == 1
    assert set(rules_of(mr)) == {IMMUTABLE, TTL} and len(summaries(mr)) == 1  # nothing twice
    assert [r.status for r in fake.requests].count(201) == 3


def test_429_is_waited_out(
    fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch, no_sleep: list[float]
) -> None:
    fake.fail_next("POST", r"/discussions$", 429, headers={"Retry-After": "30"}, times=2)
    started = time.monotonic()
    assert run_cli(monkeypatch, ci_env(fake, mr, fake.repo), "review") == 1
    assert no_sleep == [30, 30] and time.monotonic() - started < 5
    assert set(rules_of(mr)) == {IMMUTABLE, TTL}


def test_a_retry_after_past_the_cap_fails_the_call_not_the_findings(
    fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch, no_sleep: list[float]
) -> None:
    """`Retry-After: 100000` (issue 14): nothing waits past the cap; that call fails, and every finding still
    reaches the Code Quality report and the job log."""
    fake.fail_next("POST", r"/discussions$", 429, headers={"Retry-After": "100000"})
    assert run_cli(monkeypatch, ci_env(fake, mr, fake.repo), "review") == 1
    assert max(no_sleep, default=0) <= MAX_RETRY_WAIT
    assert {r["check_name"] for r in json.loads((fake.repo / REPORT).read_text())} == {IMMUTABLE, TTL}
    assert not rules_of(mr)


def test_merged_results_pipeline(fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = run_git(fake.repo, "rev-parse", f"{mr.head_sha}^{{tree}}")
    merge = run_git(fake.repo, "commit-tree", tree, "-p", mr.base_sha, "-p", mr.head_sha, "-m", "merged result")
    env = ci_env(fake, mr, fake.repo, CI_COMMIT_SHA=merge, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=mr.head_sha)
    env["CI_MERGE_REQUEST_EVENT_TYPE"] = "merged_result"
    assert run_cli(monkeypatch, env, "review") == 1
    assert set(rules_of(mr)) == {IMMUTABLE, TTL}  # positions on the source head, not the merge commit


def test_manual_fix_job(fake: GitBackedGitLab, mr: MergeRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    env = ci_env(fake, mr, fake.repo, GITLAB_USER_LOGIN="dev")
    assert run_cli(monkeypatch, env, "fix", "--push") == 0
    fixed = fake.file_at("feature", JOB) or ""
    assert "argocd.argoproj.io/hook: PreSync" in fixed and "argocd.argoproj.io/hook-delete-policy" in fixed
    (reply,) = [n.body for n in mr.notes() if n.type is None and not n.system]
    assert reply.startswith("@dev: jobguard applied") and mr.head_sha in reply
    fake.reset_log()
    # the fix commit starts a new pipeline: its review finds nothing left at error level
    platform = from_env(ci_env(fake, mr, fake.repo))
    assert run_review(platform).exit_code == 0
    platform.close()


def test_fix_job_on_a_closed_fork_explains(fake: GitBackedGitLab) -> None:
    mr = fake.add_merge_request(BASE_FILES, HEAD_FILES, fork=True, source_branch="contrib")
    platform = from_env(ci_env(fake, mr, fake.repo))
    message = run_fix_command(platform, requested_by="dev", authorised=True)
    platform.close()
    assert "allow_collaboration" in message
    assert [n.body for n in mr.notes() if not n.system] == [message]
    assert fake.file_at("contrib", JOB, project=mr.source_project) == HEAD_JOB
