"""The GitHub adapter (jobguard.platforms.github) against the fake GitHub, with the real PyGithub underneath.

Covers review-apis.md part B as the adapter uses it: the diff from a local checkout (zero API calls, workspace
owned by another uid) and from the API (patches, files without one, more than 3,000 files), anchors checked
before posting (B3) and the 422 fallback, read-only tokens (B11), retries on 5xx and rate limits (B12/B13)
without double posts, resolving threads (B9), the summary, the token-free channels (B10), pushing a fix (D6),
GitHub Enterprise prefixes, the token never shown, and every call counted (by the fake server).
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jobguard.comments import SUMMARY_MARKER
from jobguard.diff import FileChange, Hunk
from jobguard.errors import PlatformError
from jobguard.platforms import FixRequest, InlineComment, Posted
from jobguard.platforms.github import (
    FIXED_MARKER,
    ClientSettings,
    GitHubPlatform,
    from_env,
)
from jobguard.platforms.github.api import Api
from tests.fakes.github import ApiError, FakeGitHub, api_data_path, fake_github, github_contract
from tests.samples import annotated_and_bumped, migrate_job

__all__ = ["fake_github", "github_contract"]  # fixtures used here

TOKEN = "ghs_jobguardTEST0123456789secretTOKEN"
FAST = ClientSettings(
    timeout=10,
    retries=3,
    backoff_factor=0,
    secondary_rate_wait=0.01,
    max_rate_limit_wait=5,
    seconds_between_requests=0,
    seconds_between_writes=0,
)
REPO = "Codertocat/Hello-World"  # the repository of the real webhook payloads
NUMBER = 2
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

JOB = "apps/billing/migrate.yaml"
BASE_JOB = migrate_job("billing")
# Two annotation lines after line 5 (head 6-7) and an image bump (head 23): hunks head 3-10 and 20-24.
HEAD_JOB = annotated_and_bumped("billing")
OTHER = "apps/reports/cron.yaml"
BASE = {JOB: BASE_JOB, OTHER: "kind: ConfigMap\n", "README.md": "# demo\n", ".jobguard.yaml": "fail-on: error\n"}
HEAD = {JOB: HEAD_JOB, OTHER: "kind: ConfigMap\n", "README.md": "# demo!\n", ".jobguard.yaml": "fail-on: warning\n"}


# ------------------------------------------------------------------------------------------------ harness


def diff_source(platform: GitHubPlatform) -> str:
    """Where the diff came from: "git", "api" or "api-trees" ("" before `changes`), as the readers record it."""
    return platform.reader.source or platform.files.source


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    )
    return done.stdout.strip()


def make_checkout(root: Path, base: Mapping[str, str], head: Mapping[str, str]) -> tuple[str, str]:
    """A git repository like actions/checkout with fetch-depth: 0 leaves it: base on main, head on feature."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    shas = []
    for files in (base, head):
        for old in [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]:
            old.unlink()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "snapshot")
        shas.append(git(root, "rev-parse", "HEAD"))
        if len(shas) == 1:
            git(root, "checkout", "-q", "-b", "feature")
    return shas[0], shas[1]


def chown_tree(root: Path, uid: int = 12345) -> None:
    """The runner's workspace belongs to the runner user, not to root in the container (testing.md 7)."""
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, uid)


@dataclass
class PR:
    """One pull request on the fake plus the Actions environment a run of jobguard would see."""

    fake: FakeGitHub
    tmp: Path
    event: dict[str, Any]
    env: dict[str, str]
    stdout: io.StringIO = field(default_factory=io.StringIO)

    def platform(self, settings: ClientSettings = FAST) -> GitHubPlatform:
        return from_env(self.env, settings=settings, stdout=self.stdout)

    def write_event(self) -> None:
        Path(self.env["GITHUB_EVENT_PATH"]).write_text(json.dumps(self.event), encoding="utf-8")

    @property
    def head_sha(self) -> str:
        return str(self.event["pull_request"]["head"]["sha"])

    def summary_text(self) -> str:
        return Path(self.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")

    def outputs_text(self) -> str:
        return Path(self.env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")


def open_pr(
    fake: FakeGitHub,
    tmp: Path,
    base: Mapping[str, str] = BASE,
    head: Mapping[str, str] = HEAD,
    *,
    local: bool = False,
    fork: str | None = None,
    event_name: str = "pull_request",
    maintainer_can_modify: bool = False,
    payload: str = "pull_request.opened.json",
) -> PR:
    """Open the PR the real webhook payload describes (its SHAs patched to the ones of `base`/`head`)."""
    event = json.loads(api_data_path(f"events/{payload}").read_text(encoding="utf-8"))
    pr = event["pull_request"]
    workspace = tmp / "workspace"
    if local:
        base_sha, head_sha = make_checkout(workspace, base, head)
        pr["base"]["sha"], pr["head"]["sha"] = base_sha, head_sha
    else:
        workspace.mkdir(parents=True)  # no checkout step: an empty workspace; the payload's own SHAs are kept
    if fork is not None:
        pr["head"]["repo"] = {**pr["head"]["repo"], "full_name": fork, "fork": True}
        pr["head"]["label"] = f"{fork.split('/')[0]}:{pr['head']['ref']}"
    pr["maintainer_can_modify"] = maintainer_can_modify
    pull = fake.add_pull(
        base_files=base,
        head_files=head,
        number=pr["number"],
        title=pr["title"],
        author=pr["user"]["login"],
        base_ref=pr["base"]["ref"],
        head_ref=pr["head"]["ref"],
        head_repo=pr["head"]["repo"]["full_name"],
        maintainer_can_modify=maintainer_can_modify,
        base_sha=pr["base"]["sha"],
        head_sha=pr["head"]["sha"],
    )
    pr["base"]["sha"], pr["head"]["sha"] = pull.base_sha, pull.head_sha
    pr["changed_files"] = len(fake.files(pull))
    if "after" in event:
        event["after"] = pull.head_sha
    (tmp / "file_commands").mkdir(exist_ok=True)
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(tmp / "event.json"),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": fake.url,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(tmp / "file_commands" / "step_summary"),
        "GITHUB_OUTPUT": str(tmp / "file_commands" / "output"),
        "GITHUB_SHA": "0" * 40,  # the test merge commit: must never be used as the head
        "INPUT_GITHUB-TOKEN": TOKEN,
    }
    result = PR(fake, tmp, event, env)
    result.write_event()
    return result


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.token = TOKEN  # anything else is 401 Bad credentials
    repo = fake_github.add_repo(REPO, default_branch="master")
    fake_github.default_repo = repo.full_name
    return fake_github


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git config (so no safe.directory=* hides a missing -c flag)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


def comment(line: int, fingerprint: str, *, start: int | None = None, path: str = JOB) -> InlineComment:
    body = f"**jobguard** finding\n\n<!-- jobguard:fingerprint={fingerprint} -->\n"
    return InlineComment(path=path, line=line, body=body, fingerprint=fingerprint, start_line=start)


FP = [f"{i:016x}" for i in range(1, 10)]


# ------------------------------------------------------------------------------------------------ environment


def test_from_env_reads_the_runner_environment(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    platform = pr.platform()
    assert (platform.name, platform.repository, platform.number, platform.event_name) == (
        "github",
        REPO,
        NUMBER,
        "pull_request",
    )
    assert platform.pull.head_sha == pr.head_sha != pr.env["GITHUB_SHA"]  # from the payload, never GITHUB_SHA
    assert platform.pull.base_sha == fake.pull(NUMBER).base_sha
    assert platform.api.token == TOKEN and fake.requests == []  # building it costs no call


def test_token_falls_back_to_github_token(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    env = {k: v for k, v in pr.env.items() if k != "INPUT_GITHUB-TOKEN"}
    assert from_env({**env, "GITHUB_TOKEN": TOKEN}, settings=FAST).api.token == TOKEN
    with pytest.raises(PlatformError, match="no GitHub token"):
        from_env(env, settings=FAST)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"GITHUB_EVENT_NAME": "push"}, "runs on pull_request, pull_request_target, issue_comment events, not push"),
        ({"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set"),
        ({"GITHUB_EVENT_PATH": "/nonexistent/event.json"}, "cannot read the event payload"),
        ({"GITHUB_REPOSITORY": "no-slash"}, "must be owner/name"),
    ],
)
def test_unusable_environments_are_one_line_errors(
    fake: FakeGitHub, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    pr = open_pr(fake, tmp_path)
    with pytest.raises(PlatformError, match=message) as raised:
        from_env({**pr.env, **change}, settings=FAST)
    assert "\n" not in str(raised.value)


def test_pull_request_target_uses_payload_shas_and_can_write_for_forks(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path, fork="mallory/Hello-World", event_name="pull_request_target")
    platform = pr.platform()
    assert platform.pull.head_sha == pr.head_sha and platform.pull.from_fork
    assert platform.capabilities().can_comment  # B11: base context, read/write token


def test_fork_under_pull_request_is_read_only_up_front(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, fork="mallory/Hello-World").platform()
    caps = platform.capabilities()
    assert not caps.can_comment and "fork pull request" in caps.reason
    result = platform.post_inline([comment(23, FP[0])])
    assert result.error and result.posted == () and fake.writes == 0
    assert not platform.upsert_summary("x", None) and fake.writes == 0


def test_dependabot_pull_request_is_read_only(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    platform = from_env({**pr.env, "GITHUB_ACTOR": "dependabot[bot]"}, settings=FAST)
    assert not platform.capabilities().can_comment


# ------------------------------------------------------------------------------------------------ the diff


def test_local_checkout_gives_the_diff_with_zero_api_calls(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path, local=True)
    chown_tree(tmp_path / "workspace")  # git refuses such a repo without safe.directory
    refused = subprocess.run(
        ["git", "-C", str(tmp_path / "workspace"), "status"], capture_output=True, text=True, check=False
    )
    assert "dubious ownership" in refused.stderr
    platform = pr.platform()
    changes = platform.changes()
    assert diff_source(platform) == "git" and fake.requests == []
    assert [(c.path, c.status.value) for c in changes] == [(".jobguard.yaml", "modified"), (JOB, "modified")]
    job = changes[1]  # manifests only: README.md is left out
    assert [(h.new_start, h.new_end) for h in job.hunks] == [(3, 10), (20, 24)]
    assert job.added_lines == {6, 7, 23}
    assert platform.read(JOB, "base") == BASE_JOB.encode() and platform.read(JOB, "head") == HEAD_JOB.encode()
    assert platform.read("apps/missing.yaml", "head") is None
    assert platform.config_text([".jobguard.yml", ".jobguard.yaml"], "base") == (".jobguard.yaml", "fail-on: error\n")
    assert platform.config_text([".jobguard.yaml"], "head") == (".jobguard.yaml", "fail-on: warning\n")
    assert fake.requests == [] and fake.reads == fake.writes == 0
    platform.close()


def test_api_diff_matches_the_local_one(fake: FakeGitHub, tmp_path: Path) -> None:
    local = open_pr(fake, tmp_path / "a", local=True).platform()
    from_git = list(local.changes())
    local.close()
    fake.pulls.clear()
    remote = open_pr(fake, tmp_path / "b").platform()
    assert list(remote.changes()) == from_git
    assert diff_source(remote) == "api" and remote.notes == [
        "no checkout in GITHUB_WORKSPACE; reading the change through the API "
        "(actions/checkout with fetch-depth: 0 makes it free)"
    ]
    # both sides of every changed manifest come in one GraphQL query, read while the change is listed
    assert [r.operation for r in fake.requests] == ["pulls/list-files", "repos/compare-commits", "graphql/query"]
    assert remote.read(JOB, "head") == HEAD_JOB.encode() and remote.read(JOB, "base") == BASE_JOB.encode()
    assert len(fake.requests) == 3
    seen = len(fake.requests)
    assert remote.read(JOB, "head") == HEAD_JOB.encode() and len(fake.requests) == seen  # cached: no second call
    assert remote.config_text([".jobguard.yaml"], "base") == (".jobguard.yaml", "fail-on: error\n")


def test_checkout_without_the_commits_falls_back_to_the_api(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    make_checkout(tmp_path / "workspace" / "repo", {"x.yaml": "a: 1\n"}, {"x.yaml": "a: 2\n"})
    pr.env["GITHUB_WORKSPACE"] = str(tmp_path / "workspace" / "repo")
    platform = pr.platform()
    assert [c.path for c in platform.changes()] == [".jobguard.yaml", JOB]
    assert diff_source(platform) == "api" and "fetch-depth: 0" in platform.notes[0]


def test_files_without_a_patch_are_diffed_from_their_contents(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B1 [obs]: past the patch budget GitHub lists a file with no `patch` and 0 additions, unmarked."""
    original = fake._diff_entry_json

    def without_patch(*args: Any) -> dict[str, Any]:
        entry = original(*args)
        entry.pop("patch", None)
        entry.update(additions=0, deletions=0, changes=0)
        return entry

    monkeypatch.setattr(fake, "_diff_entry_json", without_patch)
    platform = open_pr(fake, tmp_path).platform()
    _config, job = platform.changes()
    assert [(h.new_start, h.new_end) for h in job.hunks] == [(3, 10), (20, 24)]
    assert "2 file(s) came without a patch" in platform.notes[-1]


def test_more_than_3000_files_are_found_through_git_trees(fake: FakeGitHub, tmp_path: Path) -> None:
    bulk = {f"static/{i:04}.txt": f"{i}\n" for i in range(3005)}
    head = {**HEAD, **bulk, "apps/new-job.yaml": "kind: Job\n"}
    pr = open_pr(fake, tmp_path, head=head)
    assert pr.event["pull_request"]["changed_files"] == 3009
    platform = pr.platform()
    changes = platform.changes()
    assert [(c.path, c.status.value) for c in changes] == [
        (".jobguard.yaml", "modified"),
        (JOB, "modified"),
        ("apps/new-job.yaml", "added"),
    ]
    assert [(h.new_start, h.new_end) for h in changes[1].hunks] == [(3, 10), (20, 24)]
    assert diff_source(platform) == "api-trees" and "more than 3000 files" in platform.notes[-1]
    assert not fake.calls("GET", r"/pulls/\d+/files")  # the capped list is not even asked for
    assert platform.read("apps/new-job.yaml", "head") == b"kind: Job\n"
    assert platform.read("apps/new-job.yaml", "base") is None
    assert fake.reads <= 8


# ------------------------------------------------------------------------------------------------ inline comments


def test_one_review_carries_every_valid_comment(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    comments = [
        comment(23, FP[0], start=22),  # multi-line, one hunk
        comment(7, FP[1]),  # added line
        comment(9, FP[2]),  # context line: commentable
        comment(15, FP[3]),  # outside every hunk: never sent
        comment(23, FP[4], start=6),  # crosses hunks: never sent
        comment(23, FP[5], start=23),  # start == line: never sent
        comment(1, FP[6], path="README.md"),  # not a manifest of the diff: never sent
    ]
    result = platform.post_inline(comments)
    assert (result.posted, result.rejected, result.error) == (tuple(FP[:3]), tuple(FP[3:7]), None)
    (review,) = fake.reviews.values()
    assert (review.state, review.commit_id) == ("COMMENTED", platform.pull.head_sha)
    (post,) = fake.calls("POST", r"/reviews$")
    assert post.body["event"] == "COMMENT" and post.body["commit_id"] == platform.pull.head_sha
    assert post.body["comments"][0] == {
        "path": JOB,
        "line": 23,
        "side": "RIGHT",
        "body": comments[0].body,
        "start_line": 22,
        "start_side": "RIGHT",
    }
    stored = sorted((c.line, c.start_line) for c in fake.comments_of(NUMBER))
    assert stored == [(7, None), (9, None), (23, 22)]
    assert fake.writes == 1


def test_422_on_one_anchor_posts_the_rest_and_returns_it(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B3: the 422 does not say which comment failed; bisecting isolates it without double posts."""
    platform = open_pr(fake, tmp_path, local=True).platform()
    real = list(platform.changes())
    job = real[1]
    wide = Hunk(12, 24, 12, 22, frozenset({23}), frozenset(range(12, 23)))
    # Our diff claims lines 12-24 are one hunk; GitHub's does not (as if the two diff algorithms disagreed).
    lying = [real[0], FileChange(job.old_path, job.new_path, job.status, (job.hunks[0], wide))]
    monkeypatch.setattr(platform, "changes", lambda: lying)
    comments = [comment(23, FP[0]), comment(7, FP[1]), comment(15, FP[2]), comment(22, FP[3])]
    result = platform.post_inline(comments)
    assert set(result.posted) == {FP[0], FP[1], FP[3]} and result.rejected == (FP[2],) and result.error is None
    bodies = [c.body for c in fake.comments_of(NUMBER)]
    assert len(bodies) == len(set(bodies)) == 3  # each landed once
    assert [r.status for r in fake.calls("POST", r"/reviews$")] == [422, 200, 422, 422, 200]


def test_5xx_on_the_review_post_is_not_resent_blindly(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    fake.fail_next("POST", r"/pulls/\d+/reviews$", 502)
    result = platform.post_inline([comment(23, FP[0]), comment(7, FP[1])])
    assert result.posted == (FP[0], FP[1]) and result.error is None
    ops = [(r.method, r.operation, r.status) for r in fake.requests]
    assert ops == [
        ("POST", "pulls/create-review", 502),
        ("GET", "pulls/list-review-comments", 200),  # did it land? no
        ("POST", "pulls/create-review", 200),
    ]
    assert len(fake.comments_of(NUMBER)) == 2


def test_review_that_landed_before_a_lost_answer_is_not_posted_twice(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    create = fake._pulls_create_review

    def stored_then_502(ctx: Any) -> Any:
        create(ctx)
        monkeypatch.setattr(fake, "_pulls_create_review", create)
        raise ApiError(502, {"message": "Server Error"})

    monkeypatch.setattr(fake, "_pulls_create_review", stored_then_502)
    result = platform.post_inline([comment(23, FP[0]), comment(7, FP[1])])
    assert set(result.posted) == {FP[0], FP[1]} and result.error is None
    assert len(fake.reviews) == 1 and len(fake.comments_of(NUMBER)) == 2
    assert [r.status for r in fake.calls("POST", r"/reviews$")] == [502]


def test_secondary_rate_limit_on_the_review_honours_retry_after(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    fake.fail_next_secondary_rate_limit("POST", r"/pulls/\d+/reviews$", retry_after=1)
    assert platform.post_inline([comment(23, FP[0])]).posted == (FP[0],)
    blocked, accepted = fake.calls("POST", r"/reviews$")
    assert (blocked.status, accepted.status) == (403, 200)
    assert accepted.at - blocked.at >= 0.9  # slept Retry-After (B12)
    assert len(fake.reviews) == 1


def test_rate_limits_without_retry_after_and_429(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path).platform()
    fake.fail_next_secondary_rate_limit("GET", r"/pulls/\d+/files$", retry_after=None)  # secondary_rate_wait
    fake.fail_next("POST", r"/graphql$", 429, headers={"Retry-After": "0"})  # the bulk read of both sides
    fake.fail_next_rate_limit("GET", r"/compare/", reset_in=-1)  # primary, reset already passed
    assert [c.path for c in platform.changes()] == [".jobguard.yaml", JOB]
    assert platform.read(JOB, "base") == BASE_JOB.encode()
    assert [r.status for r in fake.requests] == [403, 200, 403, 200, 429, 200]


def test_5xx_on_reads_is_retried(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path).platform()
    fake.fail_next("GET", r"/pulls/\d+/files$", 502, times=2)
    assert [c.path for c in platform.changes()] == [".jobguard.yaml", JOB]
    assert [(r.operation, r.status) for r in fake.requests][:3] == [("pulls/list-files", s) for s in (502, 502, 200)]
    fake.fail_next("GET", r"/contents/", 503, times=9)
    with pytest.raises(PlatformError, match=r"reading apps/other.yaml at \w+: 503"):
        platform.read("apps/other.yaml", "head")  # outside the change: read alone, through the contents API


def test_403_on_the_first_write_flips_to_read_only(fake: FakeGitHub, tmp_path: Path) -> None:
    """A same-repo run whose workflow lacks `pull-requests: write` (B11)."""
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    fake.read_only = True
    result = platform.post_inline([comment(23, FP[0])])
    assert result.posted == () and "Resource not accessible by integration" in (result.error or "")
    assert not platform.capabilities().can_comment
    assert not platform.upsert_summary("body", None) and not platform.resolve(
        Posted("1", "inline", FP[0], "b", thread_id="x"), "fixed"
    )
    assert len(fake.calls("POST")) == 1  # nothing else was tried


def test_a_left_over_pending_review_is_cleared(fake: FakeGitHub, tmp_path: Path) -> None:
    """B2: one pending review per user; a crashed earlier run's one blocks every new review."""
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    platform.api.request("x", "POST", f"/repos/{REPO}/pulls/{NUMBER}/reviews", body={"body": "left pending"})
    assert [r.state for r in fake.reviews.values()] == ["PENDING"]
    assert platform.post_inline([comment(23, FP[0])]).posted == (FP[0],)
    assert [r.state for r in fake.reviews.values()] == ["COMMENTED"]


# ------------------------------------------------------------------------------------------------ existing notes


def test_existing_finds_markers_threads_and_the_summary(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    platform.post_inline([comment(23, FP[0]), comment(7, FP[1])])
    root = min(c.id for c in fake.comments_of(NUMBER))
    platform.api.request(
        "x", "POST", f"/repos/{REPO}/pulls/{NUMBER}/comments/{root}/replies", body={"body": f"quote {FP[0]}"}
    )
    platform.upsert_summary(f"{SUMMARY_MARKER}\n### jobguard\n", None)
    platform.api.request("x", "POST", f"/repos/{REPO}/issues/{NUMBER}/comments", body={"body": "unrelated"})
    fake.threads[root].resolved = True
    fake.reset_log()
    found = {p.fingerprint: p for p in platform.existing()}
    assert set(found) == {FP[0], FP[1], None}
    assert found[FP[0]].resolved and not found[FP[1]].resolved
    assert found[FP[0]].thread_id == f"PRRT_kwDOfake{root}" and found[FP[0]].id == str(root)
    assert found[None].kind == "summary" and found[None].body.startswith(SUMMARY_MARKER)
    assert [r.operation for r in fake.requests] == [
        "pulls/list-review-comments",
        "users/get-authenticated",  # whose comments are jobguard's: refused for GITHUB_TOKEN (github-actions[bot])
        "graphql/query",
        "issues/list-comments",
    ]
    assert (fake.reads, fake.writes) == (4, 0)


def test_only_the_bots_own_comments_count(fake: FakeGitHub, tmp_path: Path) -> None:
    """Markers in another user's comments are not jobguard's (issue 14): its summary is never written into them,
    and their fingerprints neither hide a finding nor get resolved."""
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    mallory = Api(fake.add_user_token("ghp_mallory", "mallory"), fake.url, FAST)
    review_comment = {"commit_id": platform.pull.head_sha, "path": JOB, "line": 23, "side": "RIGHT"}
    planted = f"looks fine\n\n<!-- jobguard:fingerprint={FP[2]} -->\n"
    mallory.request("x", "POST", f"/repos/{REPO}/pulls/{NUMBER}/comments", body={**review_comment, "body": planted})
    mallory.request("x", "POST", f"/repos/{REPO}/issues/{NUMBER}/comments", body={"body": f"{SUMMARY_MARKER}\nhi"})
    assert platform.existing() == []
    assert platform.upsert_summary(f"{SUMMARY_MARKER}\nv1\n", None)
    assert sorted((c.user, c.body) for c in fake.issue_comments.values()) == [
        ("github-actions[bot]", f"{SUMMARY_MARKER}\nv1\n"),
        ("mallory", f"{SUMMARY_MARKER}\nhi"),
    ]
    platform.post_inline([comment(23, FP[0])])
    assert [p.fingerprint for p in platform.existing() if p.kind == "inline"] == [FP[0]]


def test_a_personal_token_trusts_its_own_user(fake: FakeGitHub, tmp_path: Path) -> None:
    """With a PAT the bot is `GET /user`'s login; github-actions[bot] is then just another user."""
    fake.token_kind, fake.viewer = "user", "jobguard-dev"
    platform = open_pr(fake, tmp_path).platform()
    actions = Api(fake.add_user_token("ghs_actions", "github-actions[bot]"), fake.url, FAST)
    actions.request("x", "POST", f"/repos/{REPO}/issues/{NUMBER}/comments", body={"body": f"{SUMMARY_MARKER}\nold"})
    assert platform.existing() == []
    assert platform.upsert_summary(f"{SUMMARY_MARKER}\nnew\n", None)
    assert [p.body for p in platform.existing()] == [f"{SUMMARY_MARKER}\nnew\n"]


def test_a_fixed_marker_inside_a_value_does_not_resolve(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    body = f"**jobguard** Job `{FIXED_MARKER}`\n\n<!-- jobguard:fingerprint={FP[0]} -->\n"
    platform.post_inline([InlineComment(JOB, 23, body, FP[0])])
    (posted,) = platform.existing()
    assert not posted.resolved


def test_existing_on_a_fresh_pull_request_skips_graphql(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path).platform()
    assert platform.existing() == []
    assert [r.operation for r in fake.requests] == ["pulls/list-review-comments", "issues/list-comments"]


def test_review_threads_are_paginated(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    for i in range(105):  # more threads than one page of 100
        platform.api.request(
            "x",
            "POST",
            f"/repos/{REPO}/pulls/{NUMBER}/comments",
            body={"body": f"<!-- jobguard:fingerprint={i:016x} -->", "commit_id": platform.pull.head_sha,
                  "path": JOB, "line": 23, "side": "RIGHT"},
        )  # fmt: skip
    fake.reset_log()
    found = platform.existing()
    assert len(found) == 105 and all(p.thread_id for p in found)
    assert len(fake.calls("POST", "graphql")) == 2 and len(fake.calls("GET", r"/pulls/\d+/comments")) == 2


def test_resolve_through_graphql_then_by_editing(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path, local=True).platform()
    platform.changes()
    suggestion = comment(23, FP[0])
    marker = suggestion.body.rstrip().rpartition("\n")[2]
    body = suggestion.body.replace(marker, "```suggestion\n          image: x\n```\n\n" + marker)
    suggestion = InlineComment(JOB, 23, body, FP[0], suggestion=True)
    platform.post_inline([suggestion, comment(7, FP[1])])
    first, second = sorted(platform.existing(), key=lambda p: p.fingerprint or "")
    assert platform.resolve(first, "Fixed in a later commit.")
    assert fake.threads[int(first.id)].resolved and fake.threads[int(first.id)].resolved_by == "github-actions[bot]"
    fake.fail_next("POST", "graphql", 403, body={"message": "Forbidden"})  # a token without the GraphQL right
    assert platform.resolve(second, "Fixed in a later commit.")
    edited = fake.review_comments[int(second.id)]
    assert edited.body.startswith("✅ **Fixed in a later commit.**") and FIXED_MARKER in edited.body
    again = {p.fingerprint: p for p in platform.existing()}
    assert again[FP[0]].resolved and again[FP[1]].resolved  # neither is resolved twice on the next run
    (suggested,) = [p for p in platform.existing() if p.fingerprint == FP[0]]
    fake.fail_next("POST", "graphql", 403, body={"message": "Forbidden"})
    assert platform.resolve(suggested, "Fixed.")
    assert "```suggestion" not in fake.review_comments[int(suggested.id)].body  # no stale one-click fix


def test_summary_is_one_comment_edited_in_place(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path).platform()
    assert platform.upsert_summary(f"{SUMMARY_MARKER}\nv1\n", None)
    (summary,) = [p for p in platform.existing() if p.kind == "summary"]
    assert platform.upsert_summary(f"{SUMMARY_MARKER}\nv2\n", summary)
    assert [c.body for c in fake.issue_comments.values()] == [f"{SUMMARY_MARKER}\nv2\n"]
    fake.issue_comments.clear()  # someone deleted it: recreate
    assert platform.upsert_summary(f"{SUMMARY_MARKER}\nv3\n", summary)
    assert [c.body for c in fake.issue_comments.values()] == [f"{SUMMARY_MARKER}\nv3\n"]
    assert platform.upsert_summary(f"{SUMMARY_MARKER}\n" + "x" * 70_000, None)  # B6: capped, marker kept
    longest = max(fake.issue_comments.values(), key=lambda c: len(c.body)).body
    assert len(longest) <= 65_536 and longest.startswith(SUMMARY_MARKER)


def test_summary_post_with_a_lost_answer_is_not_duplicated(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = open_pr(fake, tmp_path).platform()
    create = fake._issues_create_comment

    def stored_then_504(ctx: Any) -> Any:
        create(ctx)
        monkeypatch.setattr(fake, "_issues_create_comment", create)
        raise ApiError(504, {"message": "Gateway Timeout"})

    monkeypatch.setattr(fake, "_issues_create_comment", stored_then_504)
    assert platform.upsert_summary(f"{SUMMARY_MARKER}\nv1\n", None)
    assert len(fake.issue_comments) == 1
    fake.fail_next("POST", r"/issues/\d+/comments$", 500)
    platform.reply("Applied 1 fix.")
    assert [c.body for c in fake.issue_comments.values()][-1] == "Applied 1 fix." and len(fake.issue_comments) == 2


# ------------------------------------------------------------------------------------------------ token-free channels


def test_report_writes_outputs_step_summary_and_annotations(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    platform = pr.platform()
    platform.report(
        {"errors": "1", "findings": "2", "sarif": "jobguard.sarif", "json": '{"a": 1}\n{"b": 2}'},
        "### jobguard\n\nbody\n",
        "::error file=a.yaml,line=3::boom\n",
    )
    lines = pr.outputs_text().split("\n")
    assert lines[:3] == ["errors=1", "findings=2", "sarif=jobguard.sarif"]
    assert lines[3].startswith("json<<ghadelimiter_") and lines[4:6] == ['{"a": 1}', '{"b": 2}']
    assert lines[6] == lines[3].split("<<", 1)[1]
    assert pr.summary_text() == "### jobguard\n\nbody\n"
    assert pr.stdout.getvalue() == "::error file=a.yaml,line=3::boom\n"
    assert fake.requests == []  # no token needed
    Path(pr.env["GITHUB_STEP_SUMMARY"]).write_text("x" * 1_000_000, encoding="utf-8")  # another tool wrote first
    platform.report({}, "line\n" * 100_000, "")
    size = Path(pr.env["GITHUB_STEP_SUMMARY"]).stat().st_size
    assert size < 1024 * 1024 and pr.summary_text().endswith("the full report is in the log)\n")
    platform.report({"findings": "0", "sarif-text": "x" * (1024 * 1024 + 1)}, "", "")
    assert pr.outputs_text().endswith("findings=0\n") and "sarif-text" in platform.notes[-1]
    with pytest.raises(PlatformError, match="invalid output name"):
        platform.report({"bad name": "1"}, "", "")


# ------------------------------------------------------------------------------------------------ fix command


def issue_comment_event(pr: PR, body: str, association: str = "MEMBER") -> dict[str, str]:
    """An issue_comment payload built from the real pull_request payload's repository and sender."""
    base = pr.event
    event = {
        "action": "created",
        "issue": {"number": NUMBER, "title": base["pull_request"]["title"], "pull_request": {"url": "x"}},
        "comment": {"id": 1, "body": body, "user": {"login": "octocat"}, "author_association": association},
        "repository": base["repository"],
        "sender": base["sender"],
    }
    path = pr.tmp / "comment-event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return {**pr.env, "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": str(path)}


@pytest.mark.parametrize(
    ("body", "association", "expected"),
    [
        ("/jobguard fix", "MEMBER", ("octocat", True)),
        ("/jobguard fix\nplease", "OWNER", ("octocat", True)),
        ("  /jobguard fix argocd-hook", "COLLABORATOR", ("octocat", True)),
        ("/jobguard fix", "CONTRIBUTOR", ("octocat", False)),
        ("/jobguard fix", "NONE", ("octocat", False)),
        ("looks good /jobguard fix", "OWNER", None),
        ("/jobguard fixes", "OWNER", None),
    ],
)
def test_fix_command(
    fake: FakeGitHub, tmp_path: Path, body: str, association: str, expected: tuple[str, bool] | None
) -> None:
    pr = open_pr(fake, tmp_path)
    platform = from_env(issue_comment_event(pr, body, association), settings=FAST)
    request = platform.fix_command()
    if expected is None:
        assert request is None
    else:
        assert isinstance(request, FixRequest) and request.association == association
        assert (request.author, request.authorised) == expected
    assert platform.pull.head_sha == pr.head_sha and [r.operation for r in fake.requests] == ["pulls/get"]
    assert platform.capabilities().can_comment
    assert open_pr_platform_has_no_request(pr)


def open_pr_platform_has_no_request(pr: PR) -> bool:
    return pr.platform().fix_command() is None  # pull_request events never carry one


def test_issue_comment_on_a_plain_issue_is_refused(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    env = issue_comment_event(pr, "/jobguard fix")
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
    del event["issue"]["pull_request"]
    Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps(event))
    with pytest.raises(PlatformError, match="not a pull request"):
        from_env(env, settings=FAST)


def test_push_fix_commits_through_the_git_data_api(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    platform = from_env(issue_comment_event(pr, "/jobguard fix"), settings=FAST)
    fixed = HEAD_JOB.replace("app:1.1", "app:1.0")
    url = platform.push_fix({JOB: fixed.encode()}, "jobguard: revert the image of Job billing/migrate")
    pull = fake.pull(NUMBER)
    assert pull.head_sha != pr.head_sha and url.endswith(f"/commit/{pull.head_sha}")
    assert fake.file_text(pull.head_sha, JOB) == fixed and fake.file_text(pull.head_sha, "README.md") == "# demo!\n"
    assert fake.commits[pull.head_sha].parents == (pr.head_sha,)
    assert [r.operation for r in fake.requests if r.is_write] == [
        "git/create-tree",
        "git/create-commit",
        "git/update-ref",
    ]


def test_push_fix_refuses_forks_without_maintainer_edits(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path, fork="mallory/Hello-World", event_name="pull_request_target")
    with pytest.raises(PlatformError, match="does not allow edits by maintainers"):
        pr.platform().push_fix({JOB: b"x\n"}, "fix")
    assert fake.requests == []


def test_push_fix_to_a_fork_that_allows_maintainer_edits(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(
        fake, tmp_path, fork="mallory/Hello-World", event_name="pull_request_target", maintainer_can_modify=True
    )
    pr.platform().push_fix({JOB: b"kind: Job\n"}, "fix")
    head = fake.pull(NUMBER).head_sha
    assert (
        fake.file_text(head, JOB) == "kind: Job\n" and fake.repos["mallory/Hello-World"].refs["heads/changes"] == head
    )
    assert {r.path.rsplit("/git/", 1)[0] for r in fake.calls("POST", "/git/")} == {"/repos/mallory/Hello-World"}


def test_push_fix_without_write_rights_or_after_the_branch_moved(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path)
    platform = from_env(issue_comment_event(pr, "/jobguard fix"), settings=FAST)
    fake.read_only = True
    with pytest.raises(PlatformError, match=r"cannot push to Codertocat/Hello-World:changes .*contents: write"):
        platform.push_fix({JOB: b"x\n"}, "fix")
    fake.read_only = False
    fake.push(NUMBER, {**HEAD, "README.md": "moved\n"})
    with pytest.raises(PlatformError, match=r"moved to \w+ since jobguard read"):
        platform.push_fix({JOB: b"x\n"}, "fix")


# ------------------------------------------------------------------------------------------------ safety, GHES


def test_the_token_never_shows(
    fake: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pr = open_pr(fake, tmp_path, local=True)
    platform = pr.platform()
    platform.changes()
    messages: list[str] = []
    fake.fail_next("POST", r"/reviews$", 500, times=FAST.post_attempts)
    messages.append(platform.post_inline([comment(23, FP[0])]).error or "")
    fake.fail_next("*", ".", 401, body={"message": "Bad credentials", "token": TOKEN})  # even if echoed back
    messages.append(platform.post_inline([comment(7, FP[1])]).error or "")
    fake.read_only = True
    with pytest.raises(PlatformError) as refused:
        platform.push_fix({JOB: b"x"}, "fix")
    messages += [str(refused.value), *platform.notes]
    fake.read_only, fake.token = False, "rotated"
    with pytest.raises(PlatformError) as bad:
        platform.push_fix({JOB: b"x"}, "fix")
    messages.append(str(bad.value))
    out = capsys.readouterr()
    everything = "\n".join([*messages, out.out, out.err, caplog.text, pr.stdout.getvalue()])
    assert "500" in messages[0] and "401 Bad credentials" in messages[1] and "401" in messages[-1]
    assert TOKEN not in everything and all("\n" not in m for m in messages)


def test_enterprise_server_prefix(github_contract: Any, tmp_path: Path) -> None:
    with FakeGitHub(github_contract, api_prefix="/api/v3", token=TOKEN) as ghes:
        ghes.add_repo(REPO, default_branch="master")
        ghes.default_repo = REPO
        pr = open_pr(ghes, tmp_path)
        assert pr.env["GITHUB_API_URL"].endswith("/api/v3")
        platform = pr.platform()
        assert [c.path for c in platform.changes()] == [".jobguard.yaml", JOB]
        assert platform.post_inline([comment(23, FP[0])]).posted == (FP[0],)
        (posted,) = [p for p in platform.existing() if p.kind == "inline"]
        assert posted.thread_id and platform.resolve(posted, "Fixed.")
        assert ghes.calls("POST", "graphql") and not ghes.contract_violations


def test_every_call_is_counted_by_kind(fake: FakeGitHub, tmp_path: Path) -> None:
    platform = open_pr(fake, tmp_path).platform()
    platform.changes()
    platform.read(JOB, "base")
    platform.post_inline([comment(23, FP[0])])
    platform.upsert_summary(f"{SUMMARY_MARKER}\n", None)
    platform.existing()
    assert Counter(r.operation for r in fake.requests) == {
        "pulls/list-files": 1,
        "repos/compare-commits": 1,
        "pulls/create-review": 1,
        "issues/create-comment": 1,
        "pulls/list-review-comments": 1,
        "graphql/query": 2,  # both sides of the change in bulk, then the review threads
        "issues/list-comments": 1,
        "users/get-authenticated": 1,  # once a comment carries a marker: is it jobguard's own?
    }
