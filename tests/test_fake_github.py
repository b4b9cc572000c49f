"""The GitHub fake, driven by the real PyGithub client: shapes, anchor rules, faults, paging, GraphQL, git data.

These tests pin the fake to the contract (shared/api/github-rest-subset.json, validated on every response by the
``fake_github`` fixture) and to review-apis.md part B, so the GitHub adapter's tests can trust it.
"""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import github
import pytest
import requests
from github import Auth, GithubException, GithubRetry, InputGitTreeElement
from github.PullRequest import PullRequest
from github.Repository import Repository

from tests.fakes.github import (
    ANCHOR_ERRORS,
    BODY_TOO_LONG,
    FORBIDDEN_MESSAGE,
    PENDING_REVIEW_ERROR,
    RATE_LIMIT_REPLAY_BODY,
    RATE_LIMIT_REPLAY_HEADERS,
    FakeGitHub,
    api_data_path,
    fake_github,
    git_blob_sha,
    github_contract,
    load_contract,
    to_sentence,
)
from tests.samples import annotated_and_bumped, migrate_job

__all__ = ["fake_github", "github_contract"]  # the fixtures, imported so pytest sees them here

TOKEN = "test-token"
JOB = "k8s/job.yaml"
BASE_JOB = migrate_job("prod")
# Two annotation lines after old line 5 (new 6-7) and an image bump (old 21 -> new 23): two hunks,
# hunk 0 = old 3-8 / new 3-10, hunk 1 = old 18-22 / new 20-24.
HEAD_JOB = annotated_and_bumped("prod")
BASE = {JOB: BASE_JOB, "README.md": "# demo\n", "old/cron.yaml": "kind: CronJob\n", "docs/a.md": "one\ntwo\n"}
HEAD = {JOB: HEAD_JOB, "README.md": "# demo\n", "new/job2.yaml": "kind: Job\n", "docs/b.md": "one\ntwo\n"}
SUGGESTION = (
    "Immutable field changed.\n"
    "```suggestion\n        - name: migrate\n          image: registry.example.com/app:1.0\n```"
)


def client(fake: FakeGitHub, retry: Any = None, per_page: int = 30, token: str = TOKEN) -> github.Github:
    """Real PyGithub against the fake; no throttling so the suite stays fast."""
    return github.Github(
        base_url=fake.url,
        auth=Auth.Token(token),
        retry=retry,
        per_page=per_page,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )


def fast_retry(**kwargs: Any) -> GithubRetry:
    return GithubRetry(total=3, backoff_factor=0, **kwargs)


@pytest.fixture
def repo(fake_github: FakeGitHub) -> Repository:
    fake_github.add_pull(base_files=BASE, head_files=HEAD)
    return client(fake_github).get_repo("octo/demo")


@pytest.fixture
def pr(repo: Repository) -> PullRequest:
    return repo.get_pull(1)


def review_comment(line: int, body: str = "note", **extra: Any) -> dict[str, Any]:
    return {"path": JOB, "line": line, "side": "RIGHT", "body": body, **extra}


# ------------------------------------------------------------------------------------------------ reads


def test_pull_from_webhook_payload(fake_github: FakeGitHub) -> None:
    event = json.loads(api_data_path("events/pull_request.opened.json").read_text())
    fake_github.add_pull_from_event(event, base_files=BASE, head_files=HEAD)
    pr = client(fake_github).get_repo("Codertocat/Hello-World").get_pull(event["number"])
    assert (pr.number, pr.title, pr.user.login) == (2, event["pull_request"]["title"], "Codertocat")
    assert (pr.base.ref, pr.base.sha) == ("master", event["pull_request"]["base"]["sha"])
    assert (pr.head.ref, pr.head.sha) == ("changes", event["pull_request"]["head"]["sha"])
    assert [c.sha for c in pr.get_commits()] == [event["pull_request"]["head"]["sha"]]
    assert pr.head.repo.full_name == "Codertocat/Hello-World" and not pr.head.repo.fork


def test_pull_files_statuses_and_patches(pr: PullRequest) -> None:
    files = {f.filename: f for f in pr.get_files()}
    assert {name: f.status for name, f in files.items()} == {
        JOB: "modified",
        "docs/b.md": "renamed",
        "new/job2.yaml": "added",
        "old/cron.yaml": "removed",
    }
    assert files["docs/b.md"].previous_filename == "docs/a.md" and files["docs/b.md"].patch is None
    job = files[JOB]
    assert (job.additions, job.deletions, job.changes) == (3, 1, 4)
    assert job.patch.split("\n")[0] == "@@ -3,6 +3,8 @@"
    assert "\n@@ -18,5 +20,5 @@\n       restartPolicy: Never\n" in job.patch
    assert files["new/job2.yaml"].patch == "@@ -0,0 +1 @@\n+kind: Job"
    assert pr.changed_files == 4 and (pr.additions, pr.deletions) == (4, 2)
    assert job.sha == git_blob_sha(HEAD_JOB.encode())


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env)
    return done.stdout


def test_patches_and_shas_match_real_git(fake_github: FakeGitHub, tmp_path: Path) -> None:
    """GitHub's `patch` is git's hunk text (3 context lines); blob and tree SHAs are git's."""
    base = {JOB: BASE_JOB, "tail.txt": "a\nb\nc", "gone.txt": "x\n"}
    head = {JOB: HEAD_JOB.replace("  backoffLimit: 2\n", "  backoffLimit: 3\n"), "tail.txt": "a\nB\nc", "n.txt": "y\n"}
    pull = fake_github.add_pull(base_files=base, head_files=head)
    _git(tmp_path, "init", "-q", "-b", "main")
    for snapshot in (base, head):
        for old in tmp_path.glob("*.txt"):
            old.unlink()
        for path, text in snapshot.items():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text)
        _git(tmp_path, "add", "-A")
        _git(tmp_path, "commit", "-q", "-m", "snapshot")
    assert fake_github.commits[pull.head_sha].tree == _git(tmp_path, "rev-parse", "HEAD^{tree}").strip()
    for fd in fake_github.files(pull):
        raw = _git(tmp_path, "diff", "-U3", "HEAD~1", "HEAD", "--", fd.filename)
        hunks = raw[raw.index("\n@@") + 1 :].rstrip("\n").split("\n")
        expected = "\n".join(line.split(" @@")[0] + " @@" if line.startswith("@@") else line for line in hunks)
        assert fd.patch == expected, fd.filename


def test_commit_and_compare(repo: Repository, pr: PullRequest) -> None:
    commit = repo.get_commit(pr.head.sha)
    assert commit.parents[0].sha == pr.base.sha
    assert {f.filename for f in commit.files} == {f.filename for f in pr.get_files()}
    comparison = repo.compare("main", "feature")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("ahead", 1, 0)
    assert comparison.merge_base_commit.sha == pr.base.sha


def test_contents_by_ref(repo: Repository, pr: PullRequest) -> None:
    assert repo.get_contents(JOB, ref="main").decoded_content.decode() == BASE_JOB
    head = repo.get_contents(JOB, ref=pr.head.sha)
    assert head.decoded_content.decode() == HEAD_JOB and head.encoding == "base64"
    assert requests.get(head.download_url, timeout=5).text == HEAD_JOB
    listing = repo.get_contents("k8s", ref="feature")
    assert isinstance(listing, list) and [c.path for c in listing] == [JOB]
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("k8s/missing.yaml", ref="main")


# ------------------------------------------------------------------------------------------------ reviews


def test_review_with_multiline_suggestion(pr: PullRequest, repo: Repository) -> None:
    comments = [
        review_comment(23, SUGGESTION, start_line=22, start_side="RIGHT"),
        review_comment(7, "annotation added"),
        {"path": JOB, "line": 21, "side": "LEFT", "body": "deleted line"},
        review_comment(9, "context line is commentable"),
    ]
    review = pr.create_review(repo.get_commit(pr.head.sha), "jobguard found 1 problem", "COMMENT", comments)
    assert review.state == "COMMENTED" and review.commit_id == pr.head.sha
    stored = {c.body: c for c in pr.get_single_review_comments(review.id)}
    assert set(stored) == {c["body"] for c in comments}
    suggestion = stored[SUGGESTION]
    assert (suggestion.start_line, suggestion.line, suggestion.side, suggestion.start_side) == (
        22,
        23,
        "RIGHT",
        "RIGHT",
    )
    assert suggestion.diff_hunk.startswith("@@ -18,5 +20,5 @@") and suggestion.diff_hunk.endswith("app:1.1")
    assert stored["deleted line"].side == "LEFT" and stored["deleted line"].position == 13
    single = stored["annotation added"]
    assert single.start_line is None and single.raw_data["start_side"] is None
    assert [r.id for r in pr.get_reviews()] == [review.id]
    assert pr.get_review(review.id).body == "jobguard found 1 problem"


def test_committing_a_suggestion_replaces_exactly_the_comments_lines(
    fake_github: FakeGitHub, pr: PullRequest, repo: Repository
) -> None:
    fake = fake_github
    comments = [review_comment(23, SUGGESTION, start_line=22, start_side="RIGHT"), review_comment(7, "no block")]
    review = pr.create_review(repo.get_commit(pr.head.sha), "", "COMMENT", comments)
    stored = {c.body: c.id for c in pr.get_single_review_comments(review.id)}
    assert fake.apply_suggestion(stored[SUGGESTION]) == HEAD_JOB.replace("app:1.1", "app:1.0")
    with pytest.raises(ValueError, match="no suggestion"):
        fake.apply_suggestion(stored["no block"])
    fake.push(pr.number, {**HEAD, JOB: HEAD_JOB.replace("          image:", "          image:  ")})
    with pytest.raises(ValueError, match="Outdated"):  # a later push changed its lines
        fake.apply_suggestion(stored[SUGGESTION])


NOT_IN_DIFF = to_sentence([ANCHOR_ERRORS["line"], ANCHOR_ERRORS["blank_hunk"]])
BAD_ANCHORS = [
    pytest.param(review_comment(15), NOT_IN_DIFF, id="outside"),
    pytest.param(review_comment(23, side="LEFT"), NOT_IN_DIFF, id="wrong-side"),
    pytest.param(review_comment(23, start_line=6, start_side="RIGHT"), ANCHOR_ERRORS["same_hunk"], id="two-hunks"),
    pytest.param(review_comment(23, start_line=23), ANCHOR_ERRORS["precede"], id="start-equals-line"),
    pytest.param(review_comment(16, start_line=12), "Pull request review thread line must be part of the diff, "
                 "Pull request review thread start line must be part of the same hunk as the line., and "
                 "Pull request review thread diff hunk can't be blank", id="observed-combined-form"),
    pytest.param({"path": "README.md", "line": 1, "side": "RIGHT", "body": "x"},
                 to_sentence([ANCHOR_ERRORS["path"], ANCHOR_ERRORS["blank_hunk"]]), id="unchanged-file"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "message"), BAD_ANCHORS)
def test_one_bad_anchor_rejects_the_whole_review(
    fake_github: FakeGitHub, pr: PullRequest, repo: Repository, bad: dict[str, Any], message: str
) -> None:
    good = review_comment(23, SUGGESTION, start_line=22)
    with pytest.raises(GithubException) as caught:
        pr.create_review(repo.get_commit(pr.head.sha), "two findings", "COMMENT", [good, bad])
    assert caught.value.status == 422
    assert caught.value.data == {
        "message": "Unprocessable Entity",
        "errors": [message],
        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
        "status": "422",
    }
    assert not fake_github.reviews and not fake_github.review_comments  # all-or-nothing (B2)


def test_request_validation_and_semantic_side_check(fake_github: FakeGitHub, pr: PullRequest) -> None:
    requester = client(fake_github).requester
    with pytest.raises(GithubException) as wrong_type:
        requester.requestJsonAndCheck("POST", f"{pr.url}/reviews", input={"comments": [review_comment("23")]})
    assert wrong_type.value.status == 422 and wrong_type.value.data["message"].startswith("Invalid request.")
    assert wrong_type.value.data["errors"] == ["For 'comments.0.line', '23' is not of type 'integer'."]
    with pytest.raises(GithubException) as middle:  # the contract allows any side here; GitHub does not
        requester.requestJsonAndCheck(
            "POST", f"{pr.url}/reviews", input={"comments": [review_comment(23, side="MIDDLE")]}
        )
    assert middle.value.status == 422 and "MIDDLE" in middle.value.data["message"]
    assert not fake_github.reviews


def test_pending_review_lifecycle(fake_github: FakeGitHub, pr: PullRequest, repo: Repository) -> None:
    commit = repo.get_commit(pr.head.sha)
    pending = pr.create_review(commit, "draft", comments=[review_comment(23)])
    assert pending.state == "PENDING"
    with pytest.raises(GithubException) as twice:
        pr.create_review(commit, "again", "COMMENT")
    assert twice.value.data["errors"] == [PENDING_REVIEW_ERROR]
    requester = client(fake_github).requester
    _, submitted = requester.requestJsonAndCheck(
        "POST", f"{pr.url}/reviews/{pending.id}/events", input={"event": "COMMENT"}
    )
    assert submitted["state"] == "COMMENTED"
    other = pr.create_review(commit, "second draft")
    other.delete()
    assert [r.state for r in pr.get_reviews()] == ["COMMENTED"]


def test_single_comments_replies_edit_delete(fake_github: FakeGitHub, pr: PullRequest, repo: Repository) -> None:
    commit = repo.get_commit(pr.head.sha)
    line = pr.create_review_comment("on the image", commit, JOB, line=23, side="RIGHT")
    file_level = pr.create_review_comment("whole file", commit, JOB, subject_type="file")
    assert (file_level.subject_type, file_level.line) == ("file", None)
    reply = pr.create_review_comment_reply(line.id, "agreed")
    assert reply.in_reply_to_id == line.id and reply.line == 23 and reply.path == JOB
    line.edit("edited body")
    assert pr.get_review_comment(line.id).body == "edited body"
    assert [c.body for c in pr.get_review_comments()] == ["edited body", "whole file", "agreed"]
    assert next(iter(pr.get_review_comments(sort="created", direction="desc"))).id == reply.id
    file_level.delete()
    with pytest.raises(github.UnknownObjectException):
        pr.get_review_comment(file_level.id)
    assert len(fake_github.reviews) == 3  # every standalone comment or reply is its own review
    with pytest.raises(GithubException) as outside:  # this endpoint answers objects (gitgitgadget/git#1444)
        pr.create_review_comment("x", commit, JOB, line=15)
    assert (outside.value.data["message"], outside.value.data["errors"]) == (
        "Validation Failed",
        [
            {
                "resource": "PullRequestReviewComment",
                "code": "custom",
                "field": "pull_request_review_thread.line",
                "message": "pull_request_review_thread.line must be part of the diff",
            },
            {
                "resource": "PullRequestReviewComment",
                "code": "missing_field",
                "field": "pull_request_review_thread.diff_hunk",
            },
        ],
    )


def test_issue_comments_and_body_limit(pr: PullRequest) -> None:
    first = pr.create_issue_comment("summary v1")
    first.edit("summary v2")
    longest = pr.create_issue_comment("x" * 65536)
    assert [c.body for c in pr.get_issue_comments()] == ["summary v2", "x" * 65536]
    longest.delete()
    assert pr.get_issue_comment(first.id).body == "summary v2"
    with pytest.raises(GithubException) as too_long:
        pr.create_issue_comment("x" * 65537)
    assert too_long.value.status == 422
    assert too_long.value.data["errors"] == [
        {"resource": "IssueComment", "code": "unprocessable", "field": "data", "message": BODY_TOO_LONG}
    ]
    assert pr.comments == 0 and pr.update() and pr.comments == 1  # PyGithub caches; re-fetch to see it


def test_check_runs(fake_github: FakeGitHub, repo: Repository, pr: PullRequest) -> None:
    run = repo.create_check_run("jobguard", pr.head.sha, status="in_progress")
    assert (run.status, run.conclusion) == ("in_progress", None)
    assert [p.number for p in run.pull_requests] == [1]
    note = {"path": JOB, "start_line": 4, "end_line": 4, "annotation_level": "warning", "message": "m"}
    run.edit(output={"title": "jobguard", "summary": "50 notes", "annotations": [note] * 50})
    run.edit(conclusion="failure", output={"title": "jobguard", "summary": "51 notes", "annotations": [note]})
    fetched = repo.get_check_run(run.id)
    assert (fetched.status, fetched.conclusion, fetched.output.annotations_count) == ("completed", "failure", 51)
    assert fetched.output.summary == "51 notes" and fetched.completed_at is not None
    with pytest.raises(GithubException) as too_many:
        run.edit(output={"title": "t", "summary": "s", "annotations": [note] * 51})
    assert too_many.value.status == 422
    with pytest.raises(GithubException) as unknown:
        repo.create_check_run("jobguard", "0" * 40)
    assert unknown.value.data["message"] == f"No commit found for SHA: {'0' * 40}"


# ------------------------------------------------------------------------------------------------ paging


def test_pagination_follows_repository_id_links(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(base_files={}, head_files={f"k8s/job-{i:03}.yaml": "kind: Job\n" for i in range(150)})
    pr = client(fake_github, per_page=100).get_repo("octo/demo").get_pull(1)
    fake_github.reset_log()
    assert len(list(pr.get_files())) == 150
    first, second = fake_github.calls("GET", r"/pulls/1/files$")
    repo_id = fake_github.repos["octo/demo"].id
    assert first.headers["Link"] == (
        f'<{fake_github.url}/repositories/{repo_id}/pulls/1/files?per_page=100&page=2>; rel="next", '
        f'<{fake_github.url}/repositories/{repo_id}/pulls/1/files?per_page=100&page=2>; rel="last"'
    )
    assert dict(urllib.parse.parse_qsl(second.query)) == {"per_page": "100", "page": "2"}
    assert len(second.response) == 50


def test_file_list_stops_at_3000_and_diff_media_type_at_300(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(base_files={}, head_files={f"f/{i:04}.txt": f"{i}\n" for i in range(3005)})
    pr = client(fake_github, per_page=100).get_repo("octo/demo").get_pull(1)
    assert pr.changed_files == 3005
    assert len(list(pr.get_files())) == 3000  # B1: the rest exists but the API never lists it
    diff = requests.get(
        pr.url, headers={"Authorization": f"token {TOKEN}", "Accept": "application/vnd.github.v3.diff"}, timeout=5
    )
    assert diff.status_code == 406 and diff.json()["errors"][0]["code"] == "too_large"


def test_diff_media_type(pr: PullRequest) -> None:
    diff = requests.get(
        pr.url, headers={"Authorization": f"token {TOKEN}", "Accept": "application/vnd.github.v3.diff"}, timeout=5
    )
    assert diff.status_code == 200 and diff.headers["Content-Type"].startswith("text/plain")
    assert f"diff --git a/{JOB} b/{JOB}\nindex " in diff.text
    assert "diff --git a/docs/a.md b/docs/b.md\nrename from docs/a.md\nrename to docs/b.md\n" in diff.text


# ------------------------------------------------------------------------------------------------ faults


def test_502_then_success_with_github_retry(fake_github: FakeGitHub, repo: Repository) -> None:
    fake_github.fail_next("GET", r"/pulls/1$", 502, times=2)
    retrying = client(fake_github, retry=fast_retry()).get_repo("octo/demo")
    assert retrying.get_pull(1).number == 1
    assert [r.status for r in fake_github.calls("GET", r"/pulls/1$")] == [502, 502, 200]
    fake_github.fail_next("GET", r"/pulls/1$", 502)
    with pytest.raises(GithubException) as no_retry:
        repo.get_pull(1)
    assert no_retry.value.status == 502


def test_primary_rate_limit(fake_github: FakeGitHub, repo: Repository) -> None:
    fake_github.fail_next_rate_limit("GET", r"/pulls/1$", reset_in=-1)  # reset already passed: retry at once
    assert client(fake_github, retry=fast_retry()).get_repo("octo/demo").get_pull(1).number == 1
    assert [r.status for r in fake_github.calls("GET", r"/pulls/1$")] == [403, 200]
    fake_github.fail_next_rate_limit("GET", r"/pulls/1$", reset_in=3600)
    capped = client(fake_github, retry=fast_retry(max_rate_limit_wait=5)).get_repo("octo/demo")
    with pytest.raises(github.RateLimitExceededExceedsMaxWait):
        capped.get_pull(1)
    fake_github.fail_next_rate_limit("GET", r"/pulls/1$", reset_in=3600)
    with pytest.raises(github.RateLimitExceededException) as raised:
        repo.get_pull(1)
    assert raised.value.data == RATE_LIMIT_REPLAY_BODY and raised.value.headers["x-ratelimit-remaining"] == "0"


def test_rate_limit_replay_matches_the_recording() -> None:
    """The canned 403 is the one in SpecificExceptions.testRateLimitExceeded (ast-literal headers, JSON body)."""
    import ast

    exchange = api_data_path("pygithub-replay/SpecificExceptions.testRateLimitExceeded.txt").read_text().split("\n")
    status_at = exchange.index("403")
    recorded = dict(ast.literal_eval(exchange[status_at + 1]))
    assert json.loads(exchange[status_at + 2]) == RATE_LIMIT_REPLAY_BODY
    assert {k: recorded[k] for k in RATE_LIMIT_REPLAY_HEADERS} == RATE_LIMIT_REPLAY_HEADERS


def test_exhausted_quota_answers_403_by_itself(fake_github: FakeGitHub, repo: Repository) -> None:
    fake_github.rate_limit = fake_github.rate_used + 1
    repo.get_pull(1)
    with pytest.raises(github.RateLimitExceededException) as raised:
        repo.get_pull(1)
    assert raised.value.headers["x-ratelimit-remaining"] == "0"
    assert client(fake_github).get_rate_limit().resources.core.remaining == 0  # /rate_limit is free


def test_secondary_rate_limit_honours_retry_after(fake_github: FakeGitHub, pr: PullRequest) -> None:
    fake_github.fail_next_secondary_rate_limit("POST", r"/issues/1/comments$", retry_after=1)
    retrying = client(fake_github, retry=fast_retry()).get_repo("octo/demo").get_pull(1)
    retrying.create_issue_comment("summary")
    blocked, accepted = fake_github.calls("POST", r"/issues/1/comments$")
    assert (blocked.status, accepted.status) == (403, 201)
    assert accepted.at - blocked.at >= 0.9  # urllib3 slept Retry-After seconds
    fake_github.fail_next_secondary_rate_limit("POST", r"/issues/1/comments$", retry_after=None)
    client(fake_github, retry=fast_retry(secondary_rate_wait=0.01)).get_repo("octo/demo").get_pull(
        1
    ).create_issue_comment("s")
    assert [r.status for r in fake_github.calls("POST", r"/issues/1/comments$")][-2:] == [403, 201]


def test_read_only_fork_token(fake_github: FakeGitHub, pr: PullRequest, repo: Repository) -> None:
    fake_github.read_only = True
    assert pr.get_files().totalCount == 4  # reads still work
    with pytest.raises(GithubException) as review:
        pr.create_review(repo.get_commit(pr.head.sha), "x", "COMMENT", [review_comment(23)])
    assert (review.value.status, review.value.data["message"]) == (403, FORBIDDEN_MESSAGE)
    assert review.value.headers["x-accepted-github-permissions"] == "pull_requests=write"
    with pytest.raises(GithubException) as check:
        repo.create_check_run("jobguard", pr.head.sha)
    assert check.value.headers["x-accepted-github-permissions"] == "checks=write"
    assert not fake_github.reviews and not fake_github.check_runs


def test_fork_pull_request(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(base_files=BASE, head_files=HEAD, head_repo="mallory/demo", author="mallory")
    repo = client(fake_github).get_repo("octo/demo")
    pr = repo.get_pull(1)
    assert (pr.head.repo.full_name, pr.head.repo.fork, pr.head.label) == ("mallory/demo", True, "mallory:feature")
    assert client(fake_github).get_repo("mallory/demo").parent.full_name == "octo/demo"
    run = repo.create_check_run("jobguard", pr.head.sha, conclusion="neutral", output={"title": "t", "summary": "s"})
    assert run.pull_requests == []  # GitHub omits fork PRs here
    fork = client(fake_github).get_repo("mallory/demo")
    ref = fork.get_git_ref("heads/feature")
    parent = fork.get_git_commit(ref.object.sha)
    commit = fork.create_git_commit("fix", parent.tree, [parent])
    with pytest.raises(GithubException) as refused:  # no "Allow edits by maintainers"
        ref.edit(commit.sha)
    assert (refused.value.status, refused.value.data["message"]) == (403, FORBIDDEN_MESSAGE)
    fake_github.pull(1).maintainer_can_modify = True
    ref.edit(commit.sha)
    assert repo.get_pull(1).head.sha == commit.sha
    with pytest.raises(ValueError, match="already heads a PR"):
        fake_github.add_pull(base_files=BASE, head_files=HEAD, head_repo="mallory/demo")


def test_bad_credentials_and_installation_token_user(fake_github: FakeGitHub) -> None:
    fake_github.token = TOKEN
    with pytest.raises(github.BadCredentialsException):
        client(fake_github, token="wrong").get_repo("octo/demo")
    with pytest.raises(GithubException) as forbidden:  # GITHUB_TOKEN cannot read /user
        _ = client(fake_github).get_user().login
    assert forbidden.value.status == 403
    with FakeGitHub(load_contract(), token_kind="user", token_user="alice") as pat_fake:
        assert client(pat_fake).get_user().login == "alice"


def test_another_users_token_writes_as_that_user(fake_github: FakeGitHub, pr: PullRequest) -> None:
    """Comments carry `user.login` as GitHub reports it; a test can write as someone else (issue 14)."""
    mallory = client(fake_github, token=fake_github.add_user_token("ghp_mallory", "mallory"))
    assert mallory.get_user().login == "mallory"
    mallory.get_repo("octo/demo").get_pull(1).create_issue_comment("from mallory")
    pr.create_issue_comment("from the bot")
    assert [(c.user.login, c.body) for c in pr.get_issue_comments()] == [
        ("mallory", "from mallory"),
        ("github-actions[bot]", "from the bot"),
    ]


# ------------------------------------------------------------------------------------------------ GraphQL

THREADS = """
query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100) {
        nodes { id isResolved isOutdated comments(first: 10) { nodes { databaseId body } } }
      }
    }
  }
}"""
WHERE = {"owner": "octo", "name": "demo", "number": 1}


def _threads(g: github.Github) -> list[dict[str, Any]]:
    _, data = g.requester.graphql_query(THREADS, WHERE)
    return list(data["data"]["repository"]["pullRequest"]["reviewThreads"]["nodes"])


def test_graphql_resolve_review_thread(fake_github: FakeGitHub, pr: PullRequest, repo: Repository) -> None:
    comment = pr.create_review_comment("stale finding", repo.get_commit(pr.head.sha), JOB, line=23)
    pr.create_review_comment_reply(comment.id, "a reply")
    g = client(fake_github)
    (thread,) = _threads(g)
    assert thread["isResolved"] is False
    assert thread["comments"]["nodes"] == [
        {"databaseId": comment.id, "body": "stale finding"},
        {"databaseId": comment.id + 2, "body": "a reply"},
    ]
    _, result = g.requester.graphql_named_mutation(
        "resolveReviewThread", {"threadId": thread["id"]}, "thread { isResolved }"
    )
    assert result == {"thread": {"isResolved": True}}
    assert _threads(g)[0]["isResolved"] is True
    with pytest.raises(GithubException) as unbounded:
        g.requester.graphql_query(THREADS.replace("reviewThreads(first: 100)", "reviewThreads"), WHERE)
    assert "You must provide a `first` or `last` value" in unbounded.value.data["errors"][0]["message"]
    with pytest.raises(GithubException) as unknown:
        g.requester.graphql_query(THREADS.replace("isOutdated", "isStale"), WHERE)
    assert (
        unknown.value.data["errors"][0]["message"] == "Field 'isStale' doesn't exist on type 'PullRequestReviewThread'"
    )
    fake_github.read_only = True
    with pytest.raises(GithubException) as forbidden:
        g.requester.graphql_named_mutation("unresolveReviewThread", {"threadId": thread["id"]}, "thread { id }")
    assert forbidden.value.data["errors"][0]["type"] == "FORBIDDEN"


# ------------------------------------------------------------------------------------------------ git data, B8


def test_commit_through_git_data_api_moves_head_and_outdates(
    fake_github: FakeGitHub, pr: PullRequest, repo: Repository
) -> None:
    old_head = pr.head.sha
    comments = [review_comment(23, "image"), review_comment(7, "annotation", start_line=6, start_side="RIGHT")]
    pr.create_review(repo.get_commit(old_head), "findings", "COMMENT", comments)
    ref = repo.get_git_ref("heads/feature")
    parent = repo.get_git_commit(ref.object.sha)
    blob = repo.create_git_blob(HEAD_JOB.replace("app:1.1", "app:1.2"), "utf-8")
    tree = repo.create_git_tree([InputGitTreeElement(JOB, "100644", "blob", sha=blob.sha)], base_tree=parent.tree)
    commit = repo.create_git_commit("bump image again", tree, [parent])
    ref.edit(commit.sha)
    fresh = repo.get_pull(1)
    assert fresh.head.sha == commit.sha and [c.sha for c in fresh.get_commits()] == [old_head, commit.sha]
    assert (
        repo.get_contents(JOB, ref="feature").decoded_content.decode().endswith('app:1.2\n          args: ["--all"]\n')
    )
    by_body = {c.body: c for c in fresh.get_review_comments()}
    image, annotation = by_body["image"], by_body["annotation"]
    assert (image.line, image.position, image.original_line, image.commit_id) == (None, None, 23, old_head)
    assert (annotation.line, annotation.start_line, annotation.commit_id) == (7, 6, commit.sha)
    assert annotation.original_commit_id == old_head
    assert [t["isOutdated"] for t in _threads(client(fake_github))] == [True, False]
    with pytest.raises(GithubException) as not_ff:
        ref.edit(old_head)
    assert not_ff.value.data["message"] == "Update is not a fast forward"


def test_push_helper_keeps_untouched_anchors(fake_github: FakeGitHub, pr: PullRequest, repo: Repository) -> None:
    pr.create_review(repo.get_commit(pr.head.sha), "x", "COMMENT", [review_comment(23, "image")])
    new_head = fake_github.push(1, {**HEAD, "zz.txt": "z\n", JOB: "# header\n" + HEAD_JOB})
    (comment,) = repo.get_pull(1).get_review_comments()
    assert (comment.line, comment.original_line, comment.commit_id) == (24, 23, new_head)


# ------------------------------------------------------------------------------------------------ bookkeeping


def test_request_counters_and_log(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(base_files=BASE, head_files=HEAD)
    g = client(fake_github)
    pr = g.get_repo("octo/demo").get_pull(1)
    pr.create_issue_comment("hello")
    _threads(g)
    assert (fake_github.reads, fake_github.writes) == (3, 1)  # repo, pull, GraphQL query / one comment
    assert [(r.method, r.path, r.status) for r in fake_github.requests] == [
        ("GET", "/repos/octo/demo", 200),
        ("GET", "/repos/octo/demo/pulls/1", 200),
        ("POST", "/repos/octo/demo/issues/1/comments", 201),
        ("POST", "/graphql", 200),
    ]
    assert fake_github.requests[-2].body == {"body": "hello"}
    assert int(fake_github.requests[0].headers["x-ratelimit-remaining"]) == fake_github.rate_limit - 1
    stale = fake_github.requests[1].headers["ETag"]  # the PR changed since: it has a comment now
    auth = {"Authorization": f"token {TOKEN}"}
    assert requests.get(pr.url, headers={**auth, "If-None-Match": stale}, timeout=5).status_code == 200
    fresh = fake_github.requests[-1].headers["ETag"]
    cached = requests.get(pr.url, headers={**auth, "If-None-Match": fresh}, timeout=5)
    assert (cached.status_code, cached.content) == (304, b"")


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, str):
                yield key, item
            else:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_url_points_at_the_fake(fake_github: FakeGitHub, pr: PullRequest, repo: Repository) -> None:
    pr.create_review(repo.get_commit(pr.head.sha), "x", "COMMENT", [review_comment(23)])
    repo.create_check_run("jobguard", pr.head.sha, conclusion="success", output={"title": "t", "summary": "s"})
    list(pr.get_review_comments())
    urls = [v for r in fake_github.requests for _k, v in _strings(r.response) if "://" in v]
    assert len(urls) > 100
    assert [u for u in urls if urllib.parse.urlsplit(u).netloc != urllib.parse.urlsplit(fake_github.root).netloc] == []


def test_enterprise_prefix(github_contract: Any) -> None:
    with FakeGitHub(github_contract, api_prefix="/api/v3") as fake:
        fake.add_pull(base_files=BASE, head_files=HEAD)
        g = client(fake)
        assert g.get_repo("octo/demo").get_pull(1).get_files().totalCount == 4
        assert _threads(g) == []
        assert fake.calls("POST", "graphql")[0].status == 200 and not fake.contract_violations


def test_contract_patches_are_load_bearing() -> None:
    """Without CONTRACT_PATCHES the contract rejects what GitHub really sends (testing.md 2.2, B8)."""
    strict = FakeGitHub(load_contract(patched=False))
    strict.add_pull(base_files=BASE, head_files=HEAD)
    with strict:
        g = client(strict).get_repo("octo/demo")
        strict_pr = g.get_pull(1)
        strict_pr.create_review_comment("single line", g.get_commit(strict_pr.head.sha), JOB, line=23)
        g.create_check_run("jobguard", strict_pr.head.sha, status="in_progress")
        strict.push(1, {**HEAD, JOB: HEAD_JOB.replace("app:1.1", "app:1.2")})
        list(strict_pr.get_review_comments())
    violations = "\n".join(strict.contract_violations)
    assert "['start_side']: None is not one of" in violations
    assert "['conclusion']: None is not one of" in violations
    assert "'line']: None for not nullable" in violations
