"""`jobguard review` on GitHub, end to end: jobguard.review.run_review (and the CLI) with the GitHub adapter, the real
PyGithub client, the real webhook payloads (SHAs patched) and the fake GitHub.

Each scenario checks what a reviewer would see on the pull request, what the job returns, and how many API calls
it took (reads, writes), as the fake server counted them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from jobguard.comments import SUMMARY_MARKER, fingerprint_of
from jobguard.findings import Severity
from jobguard.pipeline import RunOptions
from jobguard.platforms import github as github_platform
from jobguard.platforms.github import ClientSettings, GitHubPlatform
from jobguard.review import ReviewOutcome, ReviewSettings, run_fix_command, run_review
from tests.fakes.github import FakeGitHub, api_data_path, fake_github, github_contract
from tests.test_action import OUTPUTS, evaluated_args
from tests.test_github_platform import FAST, NUMBER, PR, REPO, TOKEN, diff_source, git, open_pr
from tests.test_gitlab_platform import record_waits

__all__ = ["fake_github", "github_contract"]

DEMO = Path(__file__).resolve().parents[1] / "bot" / "jobguard" / "demo"
BILLING = "apps/billing/migrate-job.yaml"
REPORTS = "apps/reports/jobs.yaml"
IMMUTABLE, UNKNOWN_PHASE, REPLACE = "job-immutable-field", "job-hook-unknown-phase", "job-replace-without-force"
TTL = "job-ttl-after-finished"


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()
    }


BASE = {**tree(DEMO / "base"), "README.md": "# gitops\n"}
HEAD = {**tree(DEMO / "head"), "README.md": "# gitops\n"}
HOOK_FIXED = {**HEAD, REPORTS: HEAD[REPORTS].replace("hook: postsync", "hook: PostSync")}
WITH_TTL = {
    **HEAD,
    BILLING: HEAD[BILLING].replace("  backoffLimit: 3\n", "  backoffLimit: 3\n  ttlSecondsAfterFinished: 60\n"),
}


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.token = TOKEN
    fake_github.default_repo = fake_github.add_repo(REPO, default_branch="master").full_name
    return fake_github


class Scenario:
    """A pull request with a checkout (fetch-depth: 0) that later pushes keep in step with the fake."""

    def __init__(self, fake: FakeGitHub, tmp: Path, *, local: bool = True, **kwargs: Any) -> None:
        self.fake = fake
        self.local = local
        self.pr: PR = open_pr(fake, tmp, BASE, kwargs.pop("head", HEAD), local=local, **kwargs)
        self.platform: GitHubPlatform | None = None

    def run(self, fail_on: str | None = None) -> ReviewOutcome:
        """One `jobguard review` run, with the fake's log reset so its counters are this run's alone."""
        self.fake.reset_log()
        self.pr.stdout.truncate(0)
        self.platform = self.pr.platform()
        sarif = self.pr.tmp / "workspace" / "jobguard.sarif"
        return run_review(self.platform, RunOptions(fail_on=fail_on), ReviewSettings(sarif_path=sarif))

    @property
    def calls(self) -> tuple[int, int]:
        """(reads, writes) of the last run, as the server counted them."""
        return (self.fake.reads, self.fake.writes)

    def push(self, files: Mapping[str, str]) -> str:
        """A new commit on the PR branch (locally and on the fake, same SHA) and the synchronize payload."""
        sha = None
        if self.local:
            workspace = self.pr.tmp / "workspace"
            for rel in [p for p in workspace.rglob("*") if p.is_file() and ".git" not in p.parts]:
                rel.unlink()
            for rel, text in files.items():
                (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
                (workspace / rel).write_text(text, encoding="utf-8")
            git(workspace, "add", "-A")
            git(workspace, "commit", "-q", "-m", "update")
            sha = git(workspace, "rev-parse", "HEAD")
        before = self.pr.head_sha
        after = self.fake.push(NUMBER, files, sha=sha)
        event = json.loads(api_data_path("events/pull_request.synchronize.json").read_text(encoding="utf-8"))
        event["pull_request"] = {**self.pr.event["pull_request"], "head": {**self.pr.event["pull_request"]["head"]}}
        event["pull_request"]["head"]["sha"] = after
        event["pull_request"]["changed_files"] = len(self.fake.files(NUMBER))
        event["before"], event["after"] = before, after
        self.pr.event = event
        self.pr.write_event()
        return after

    def inline(self) -> dict[str, Any]:
        """fingerprint -> the review comment jobguard left (thread roots)."""
        found = {}
        for c in self.fake.comments_of(NUMBER):
            fp = fingerprint_of(c.body)
            if fp and c.in_reply_to_id is None:
                assert fp not in found, "posted twice"
                found[fp] = c
        return found

    def summaries(self) -> list[str]:
        return [c.body for c in self.fake.issue_comments.values() if c.body.startswith(SUMMARY_MARKER)]

    def outputs(self) -> dict[str, str]:
        text = Path(self.pr.env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and "<<" not in line)


def by_rule(outcome: ReviewOutcome) -> dict[str, str]:
    return {f.rule: f.fingerprint for f in outcome.findings}


# ------------------------------------------------------------------------------------------------ scenarios


def test_first_run_then_unchanged_rerun(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = Scenario(fake, tmp_path)
    first = pr.run()
    rules = by_rule(first)
    assert set(rules) == {IMMUTABLE, UNKNOWN_PHASE, REPLACE} and first.exit_code == 1
    assert set(pr.inline()) == set(rules.values())  # every finding sits on a diff line
    (review,) = fake.reviews.values()
    assert review.state == "COMMENTED" and review.commit_id == pr.pr.head_sha
    suggestion = pr.inline()[rules[UNKNOWN_PHASE]]
    assert "```suggestion\n    argocd.argoproj.io/hook: PostSync\n```" in suggestion.body and suggestion.line == 7
    (summary,) = pr.summaries()
    assert "**3** errors." in summary  # Replace=true on a Job the base already has: an error (issue 15)
    assert first.report.summary_written and len(first.report.inline_posted) == 3
    assert pr.calls == (2, 2)  # the figures in the report: the checkout gives the diff and the files
    assert [r.operation for r in fake.requests] == [
        "pulls/list-review-comments",
        "issues/list-comments",
        "pulls/create-review",  # one review carrying the three comments
        "issues/create-comment",
    ]
    outputs = pr.outputs()
    assert set(outputs) >= OUTPUTS  # every output action.yml declares is set
    assert (outputs["findings"], outputs["errors"], outputs["warnings"], outputs["infos"]) == ("3", "3", "0", "0")
    assert Path(outputs["sarif"]).is_file()
    assert json.loads(Path(outputs["sarif"]).read_text())["version"] == "2.1.0"
    assert "### jobguard" in pr.pr.summary_text()

    again = pr.run()
    assert again.exit_code == 1 and set(again.report.already_posted) == set(rules.values())
    assert pr.calls == (4, 0)  # an unchanged re-run writes nothing (one read: whose comments are jobguard's)
    assert [r.operation for r in fake.requests] == [
        "pulls/list-review-comments",
        "users/get-authenticated",  # 403 for GITHUB_TOKEN: its comments are github-actions[bot]'s
        "graphql/query",
        "issues/list-comments",
    ]
    assert len(fake.reviews) == 1 and len(pr.summaries()) == 1


def test_fixed_finding_is_resolved_and_new_one_is_posted(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = Scenario(fake, tmp_path)
    rules = by_rule(pr.run())
    pr.push(HOOK_FIXED)
    second = pr.run()
    assert UNKNOWN_PHASE not in by_rule(second) and second.report.resolved == [rules[UNKNOWN_PHASE]]
    fixed = pr.inline()[rules[UNKNOWN_PHASE]]
    assert fake.threads[fixed.id].resolved
    (summary,) = pr.summaries()
    assert "2 errors" in summary.replace("**", "") and UNKNOWN_PHASE not in summary
    assert pr.calls == (4, 2)  # resolve the thread, edit the summary
    pr.push({**HOOK_FIXED, BILLING: WITH_TTL[BILLING]})
    third = pr.run()
    assert TTL in by_rule(third) and third.report.inline_posted == [by_rule(third)[TTL]]
    assert sorted(third.report.already_posted) == sorted([rules[IMMUTABLE], rules[REPLACE]])
    assert len(fake.reviews) == 2 and len(pr.summaries()) == 1
    assert pr.inline()[by_rule(third)[TTL]].commit_id == pr.pr.head_sha


def test_a_comment_made_outdated_by_a_push_is_posted_again(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = Scenario(fake, tmp_path)
    rules = by_rule(pr.run())
    old = pr.inline()[rules[REPLACE]]
    moved = {**HEAD, REPORTS: HEAD[REPORTS].replace("sync-options: Replace=true", "sync-options: 'Replace=true'")}
    pr.push(moved)
    second = pr.run()
    assert by_rule(second)[REPLACE] == rules[REPLACE]  # the same finding, on a line the push rewrote
    assert second.report.inline_posted == [rules[REPLACE]]
    assert fake.threads[old.id].resolved
    current = [c for c in fake.comments_of(NUMBER) if fingerprint_of(c.body) == rules[REPLACE] and not c.outdated]
    assert len(current) == 1 and current[0].id != old.id
    third = pr.run()
    assert third.report.inline_posted == [] and pr.calls[1] == 0


def test_without_a_checkout_the_api_gives_the_change(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = Scenario(fake, tmp_path, local=False)
    first = pr.run()
    assert len(first.report.inline_posted) == 3 and pr.platform is not None and diff_source(pr.platform) == "api"
    # 4 config names looked up at the base, the file list, the merge base, one GraphQL query for both sides of
    # the 2 changed manifests, then the bot's comments listed
    assert pr.calls == (9, 2) and len(fake.calls("GET", "/contents/")) == 4
    pr.run()
    assert pr.calls == (11, 0)  # the same reads, plus the bot identity (GET /user) to trust its own comments


def test_fork_pull_request_reports_without_writing(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = Scenario(fake, tmp_path, fork="mallory/Hello-World")
    outcome = pr.run()
    assert outcome.exit_code == 1 and outcome.report.channel == "fallback"
    assert pr.calls[1] == 0 and pr.calls[0] == 0  # read-only known up front; the checkout gives the diff
    annotations = pr.pr.stdout.getvalue().splitlines()
    assert len(annotations) == 3 and annotations[0].startswith(f"::error file={BILLING},line=16,")
    assert "jobguard" in pr.pr.summary_text() and pr.outputs()["errors"] == "3"
    assert json.loads(Path(pr.outputs()["sarif"]).read_text())["runs"][0]["results"]


def test_warnings_only_pass_unless_fail_on_says_so(fake: FakeGitHub, tmp_path: Path) -> None:
    new_job = HOOK_FIXED[REPORTS].replace("name: warm-cache", "name: warm-cache-v2")  # new: Replace=true warns
    pr = Scenario(fake, tmp_path, head={**HOOK_FIXED, REPORTS: new_job, BILLING: BASE[BILLING]})
    assert [f.severity for f in pr.run().findings] == [Severity.WARNING]
    assert pr.run().exit_code == 0 and pr.run(fail_on="warning").exit_code == 1


def test_5xx_then_success(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = Scenario(fake, tmp_path, local=False)
    fake.fail_next("GET", r"/pulls/\d+/files$", 502, times=2)
    fake.fail_next("POST", r"/pulls/\d+/reviews$", 502)
    outcome = pr.run()
    assert len(outcome.report.inline_posted) == 3 and len(pr.inline()) == 3 and len(fake.reviews) == 1
    assert [r.status for r in fake.calls("POST", r"/reviews$")] == [502, 200]
    assert pr.calls[1] == 3  # the failed POST, the re-post, the summary


def test_secondary_rate_limit_with_retry_after(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = Scenario(fake, tmp_path)
    fake.fail_next_secondary_rate_limit("POST", r"/issues/\d+/comments$", retry_after=1)
    outcome = pr.run()
    assert outcome.report.summary_written and len(pr.summaries()) == 1
    blocked, accepted = fake.calls("POST", r"/issues/\d+/comments$")
    assert (blocked.status, accepted.status) == (403, 201) and accepted.at - blocked.at >= 0.9


@pytest.mark.parametrize("status", [403, 429])
def test_a_retry_after_past_the_cap_fails_the_call_not_the_findings(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """`Retry-After: 100000` (issue 14): nothing waits past `max_rate_limit_wait`; the review fails, and every
    finding still reaches the annotations and the job summary."""
    waits = record_waits(monkeypatch)
    pr = Scenario(fake, tmp_path)
    if status == 403:
        fake.fail_next_secondary_rate_limit("POST", r"/pulls/\d+/reviews$", retry_after=100_000)
    else:
        fake.fail_next("POST", r"/pulls/\d+/reviews$", 429, headers={"Retry-After": "100000"})
    outcome = pr.run()
    assert max(waits, default=0) <= FAST.max_rate_limit_wait
    assert outcome.exit_code == 1 and outcome.report.channel == "fallback" and not fake.reviews
    assert "rate limit" in outcome.report.notes[0]
    step_summary = pr.pr.summary_text()
    assert all(f"{f.location.path}:{f.location.line}" in step_summary for f in outcome.findings)


def test_an_outage_on_the_notes_listing_falls_back_to_annotations(fake: FakeGitHub, tmp_path: Path) -> None:
    """The API fails past its retries (500s listing the review comments): every finding still reaches a channel,
    and the exit code still comes from the findings alone."""
    pr = Scenario(fake, tmp_path)
    fake.fail_next("GET", r"/pulls/\d+/comments$", 500, times=FAST.retries + 1)
    outcome = pr.run()
    assert outcome.report.channel == "fallback" and outcome.exit_code == 1
    assert "500" in outcome.report.notes[0] and TOKEN not in outcome.report.notes[0]
    assert [r.status for r in fake.calls("GET", r"/pulls/\d+/comments$")] == [500] * (FAST.retries + 1)
    assert pr.calls[1] == 0 and not fake.reviews and not fake.issue_comments  # nothing half-posted
    annotations = pr.pr.stdout.getvalue().splitlines()
    assert len(annotations) == 3 and all(line.startswith("::") for line in annotations)
    assert "### jobguard" in pr.pr.summary_text()
    fake.fail_next("GET", r"/pulls/\d+/comments$", 500, times=FAST.retries + 1)
    again = pr.run(fail_on="never")  # the exit code follows the findings (and fail-on), never the outage
    assert again.report.channel == "fallback" and again.exit_code == 0


def test_422_on_one_anchor_moves_it_to_the_summary(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub refuses an anchor our diff allows (B3); the others still land, the refused one is summarised."""
    anchor = fake._anchor

    def refuse_line_7(files: Any, item: Mapping[str, Any], operation: str) -> Any:
        if item.get("path") == REPORTS and item.get("line") == 7:
            return anchor(files, {**item, "line": 10_000}, operation)
        return anchor(files, item, operation)

    monkeypatch.setattr(fake, "_anchor", refuse_line_7)
    pr = Scenario(fake, tmp_path)
    outcome = pr.run()
    rules = by_rule(outcome)
    assert outcome.report.moved_to_summary == [rules[UNKNOWN_PHASE]]
    assert set(pr.inline()) == {rules[IMMUTABLE], rules[REPLACE]}
    (summary,) = pr.summaries()
    assert f"`{REPORTS}:7` (here only)" in summary
    statuses = [r.status for r in fake.calls("POST", r"/reviews$")]
    assert statuses.count(422) >= 1 and statuses[-1] == 200


def test_more_than_3000_files(fake: FakeGitHub, tmp_path: Path) -> None:
    bulk = {f"static/{i:04}.txt": f"{i}\n" for i in range(3005)}
    pr = Scenario(fake, tmp_path, local=False, head={**HEAD, **bulk})
    outcome = pr.run()
    assert set(by_rule(outcome)) == {IMMUTABLE, UNKNOWN_PHASE, REPLACE}
    assert pr.platform is not None and diff_source(pr.platform) == "api-trees"
    assert len(pr.inline()) == 3 and pr.calls[1] == 2
    assert not fake.calls("GET", r"/pulls/\d+/files")


def comment_env(pr: Scenario, body: str, association: str) -> dict[str, str]:
    event = {
        "action": "created",
        "issue": {"number": NUMBER, "pull_request": {"url": "x"}},
        "comment": {"id": 9, "body": body, "user": {"login": "octocat"}, "author_association": association},
        "repository": pr.pr.event["repository"],
        "sender": pr.pr.event["sender"],
    }
    path = pr.pr.tmp / "comment.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return {**pr.pr.env, "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": str(path)}


@pytest.mark.parametrize("association", ["MEMBER", "CONTRIBUTOR"])
def test_fix_command(fake: FakeGitHub, tmp_path: Path, association: str) -> None:
    pr = Scenario(fake, tmp_path, local=False)
    pr.run()
    head = fake.pull(NUMBER).head_sha
    fake.reset_log()
    platform = github_platform.from_env(comment_env(pr, "/jobguard fix", association), settings=FAST)
    request = platform.fix_command()
    assert request is not None
    author, authorised = request.author, request.authorised
    message = run_fix_command(platform, requested_by=author, authorised=authorised)
    replies = [c.body for c in fake.issue_comments.values() if not c.body.startswith(SUMMARY_MARKER)]
    assert replies == [message]
    if association == "CONTRIBUTOR":
        assert not authorised and "needs write access" in message
        assert fake.pull(NUMBER).head_sha == head and not fake.calls("PATCH", "/git/refs/")
        return
    new_head = fake.pull(NUMBER).head_sha
    assert new_head != head and new_head in message and "applied 3 fixes" in message
    assert "argocd.argoproj.io/hook: PostSync" in (fake.file_text(new_head, REPORTS) or "")
    pr.pr.event["pull_request"]["head"]["sha"] = new_head
    pr.pr.write_event()
    after = pr.run()
    assert after.findings == () and after.exit_code == 0
    assert sorted(after.report.resolved) == sorted(pr.inline())  # every thread resolved on the fixed head


def test_cli_review_with_the_actions_arguments(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobguard review` as the container runs it: the action's args, the runner's environment."""
    from jobguard.cli import main

    pr = Scenario(fake, tmp_path)
    for key, value in pr.pr.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path / "workspace")
    original = github_platform.from_env
    monkeypatch.setattr(github_platform, "from_env", lambda environ: original(environ, settings=FAST))
    code = main(["review", *evaluated_args({"fail-on": "error", "kubernetes-version": "1.31"})])
    assert code == 1 and len(pr.inline()) == 3
    assert pr.outputs()["sarif"] == "jobguard.sarif" and (tmp_path / "workspace" / "jobguard.sarif").is_file()
    err = capsys.readouterr().err
    assert "3 findings" in err and TOKEN not in err
    assert "/jobguard fix" in pr.summaries()[0]  # the CLI's hint for GitHub


def test_settings_are_fast_in_tests() -> None:
    """The suite's client settings only shrink waits; the defaults keep GitHub's recommended spacing (B12)."""
    default = ClientSettings()
    assert (default.seconds_between_writes, default.secondary_rate_wait) == (1.0, 60.0)
    assert FAST.post_attempts == default.post_attempts
    waits = ("backoff_factor", "seconds_between_requests", "seconds_between_writes", "secondary_rate_wait")
    assert all(getattr(FAST, name) <= 0.01 for name in waits)  # no test sleeps between calls or retries
    assert FAST.max_rate_limit_wait <= 5 and FAST.timeout <= 10
