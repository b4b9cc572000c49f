"""The GitLab adapter against the fake GitLab, with the real python-gitlab client and real git checkouts.

Covers review-apis.md C1-C12 as the adapter meets them: local diff first (zero API calls), the API fallback,
positions for added and context lines, refused anchors, tokens, retries without double posts,
merged-results SHAs, masking, call counting and fix commits. The helpers at the top are shared with
tests/test_gitlab_review.py.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from jobguard.comments import SUMMARY_MARKER
from jobguard.diff import FileChange, Status, between
from jobguard.errors import PlatformError
from jobguard.platforms import InlineComment, Posted
from jobguard.platforms.gitlab import GitLabPlatform, from_env
from tests.fakes.gitlab import Commit, FakeGitLab, FileDiff, MergeRequest, Project, Response, git_hunks
from tests.samples import annotated_and_bumped, migrate_job

JOB = "k8s/job.yaml"
BASE_JOB = migrate_job("prod")
# Two annotation lines added after line 5 (head 6-7) shift the rest by 2; the image changes at old 21 / new 23.
HEAD_JOB = annotated_and_bumped("prod")
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: '1'\n"
BASE_FILES = {JOB: BASE_JOB, "k8s/a.yaml": CONFIGMAP, "README.md": "# deploy\n"}
HEAD_FILES = {JOB: HEAD_JOB, "k8s/b.yaml": CONFIGMAP, "k8s/new.yaml": "kind: ConfigMap\n", "README.md": "# x\n"}
TOKEN = "glpat-SECRET-test-token"
GIT_DATES = {"GIT_AUTHOR_DATE": "2026-01-05T09:00:00Z", "GIT_COMMITTER_DATE": "2026-01-05T09:00:00Z"}
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t"}


# ---- helpers (also used by test_gitlab_review.py) -----------------------------------------------------------


def run_git(repo: Path, *args: str, stdin: str | None = None, index: Path | None = None) -> str:
    env = {**os.environ, **GIT_DATES, **GIT_IDENTITY, "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    env.update(GIT_CONFIG_NOSYSTEM="1", HOME=str(repo.parent), GIT_CEILING_DIRECTORIES=str(repo.parent))
    if index is not None:
        env["GIT_INDEX_FILE"] = str(index)
    args = ("-C", str(repo), *args)
    proc = subprocess.run(["git", *args], input=stdin, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


class GitBackedGitLab(FakeGitLab):
    """The fake, whose commits are real git commits in `repo`: its SHAs are the checkout's SHAs, as in CI, and its
    diffs are git's, as GitLab's are."""

    hunks = staticmethod(git_hunks)

    def __init__(self, repo: Path, **kwargs: Any) -> None:
        self.repo = repo
        repo.mkdir(parents=True, exist_ok=True)
        run_git(repo, "init", "-q", "-b", "main")
        self._seq = 0
        super().__init__(tokens={TOKEN: "api"}, **kwargs)

    def _commit(self, project: Project, branch: str, files: Mapping[str, str], message: str, parent: str | None) -> str:
        index = self.repo / ".git" / "fake-index"
        index.unlink(missing_ok=True)
        rows = []
        for path, text in sorted(files.items()):
            blob = run_git(self.repo, "hash-object", "-w", "--stdin", stdin=text)
            rows.append(f"100644 blob {blob}\t{path}\n")
        run_git(self.repo, "update-index", "--add", "--index-info", stdin="".join(rows), index=index)
        tree = run_git(self.repo, "write-tree", index=index)
        self._seq += 1  # keeps commits with equal trees, parents and messages apart
        parents = ["-p", parent] if parent else []
        sha = run_git(self.repo, "commit-tree", tree, *parents, "-m", f"{message}\n\nfake-seq: {self._seq}")
        project.commits[sha] = Commit(
            sha, (parent,) if parent else (), dict(files), message, self.bot.name, "bot@example.com", self._now()
        )
        project.branches[branch] = sha
        ref = branch if project.id == 42 else f"fork-{project.id}-{branch}"
        run_git(self.repo, "update-ref", f"refs/heads/{ref}", sha)
        return sha


def ci_env(
    fake: FakeGitLab, mr: MergeRequest, project_dir: Path, *, token: str | None = TOKEN, **extra: str
) -> dict[str, str]:
    """The predefined variables of a merge request pipeline (gitlab-mr-pipeline-variables.json)."""
    env = {
        "GITLAB_CI": "true",
        "CI": "true",
        "CI_API_V4_URL": fake.api_url,
        "CI_SERVER_URL": fake.url,
        "CI_PROJECT_ID": str(mr.source_project.id),
        "CI_MERGE_REQUEST_PROJECT_ID": str(mr.project.id),
        "CI_PROJECT_DIR": str(project_dir),
        "CI_MERGE_REQUEST_IID": str(mr.iid),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": mr.base_sha,
        "CI_COMMIT_SHA": mr.head_sha,
        "CI_COMMIT_BEFORE_SHA": "0" * 40,
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "",
        "CI_JOB_TOKEN": fake.job_token,
    }
    if token:
        env["JOBGUARD_GITLAB_TOKEN"] = token
    env.update(extra)
    return env


@pytest.fixture
def git_fake(tmp_path: Path) -> Iterator[GitBackedGitLab]:
    with GitBackedGitLab(tmp_path / "repo") as fake:
        yield fake


@pytest.fixture
def api_fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(tokens={TOKEN: "api"}) as fake:
        yield fake


Opener = Callable[[Mapping[str, str]], GitLabPlatform]


@pytest.fixture
def open_platform() -> Iterator[Opener]:
    """`from_env`, closing every platform's `git cat-file` at teardown."""
    opened: list[GitLabPlatform] = []

    def make(env: Mapping[str, str]) -> GitLabPlatform:
        opened.append(from_env(env))
        return opened[-1]

    yield make
    for platform in opened:
        platform.close()


@pytest.fixture
def local(git_fake: GitBackedGitLab, open_platform: Opener) -> GitLabPlatform:
    """A pipeline whose checkout holds both SHAs."""
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    return open_platform(ci_env(git_fake, mr, git_fake.repo))


@pytest.fixture
def remote(api_fake: FakeGitLab, tmp_path: Path, open_platform: Opener) -> GitLabPlatform:
    """A pipeline without a usable checkout: everything through the API."""
    mr = api_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    (tmp_path / "empty").mkdir()
    return open_platform(ci_env(api_fake, mr, tmp_path / "empty"))


JOB_CHANGE = between(JOB, JOB, BASE_JOB.encode(), HEAD_JOB.encode())


def comment(line: int, fingerprint: str, *, path: str = JOB, change: FileChange | None = None) -> InlineComment:
    """The comment as jobguard.publish builds it: `old_line` from the change's hunks (set on a context line only)."""
    change = change or (JOB_CHANGE if path == JOB else None)
    body = f"finding at {line}\n\n<!-- jobguard:fingerprint={fingerprint} -->\n"
    old_line = change.old_line_of(line) if change is not None else None
    return InlineComment(path=path, line=line, body=body, fingerprint=fingerprint, old_line=old_line)


def fp(n: int) -> str:
    return f"{n:016x}"


def positions(fake: FakeGitLab) -> list[dict[str, Any]]:
    return [n.position or {} for mr in fake.merge_requests.values() for n in mr.notes() if n.type == "DiffNote"]


# ---- from_env ---------------------------------------------------------------------------------------------


def test_from_env_reads_the_pipeline(api_fake: FakeGitLab, tmp_path: Path) -> None:
    mr = api_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    env = ci_env(api_fake, mr, tmp_path, CI_PROJECT_ID="999", JOBGUARD_CODEQUALITY_PATH="out/cq.json")
    s = from_env(env).settings
    assert (s.url, s.project_id, s.mr_iid) == (api_fake.url, "42", mr.iid)  # the MR's project, not the pipeline's
    assert (s.base_sha, s.head_sha) == (mr.base_sha, mr.head_sha)
    assert s.codequality_path == tmp_path / "out" / "cq.json"
    assert from_env({**env, "JOBGUARD_CODEQUALITY_PATH": ""}).settings.codequality_path == (
        tmp_path / "gl-code-quality-report.json"
    )


def test_from_env_keeps_a_relative_url_root(api_fake: FakeGitLab, tmp_path: Path) -> None:
    mr = api_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    env = ci_env(api_fake, mr, tmp_path, CI_API_V4_URL="https://git.example.com/gitlab/api/v4")
    assert from_env(env).settings.url == "https://git.example.com/gitlab"
    del env["CI_API_V4_URL"]
    assert from_env(env).settings.url == api_fake.url


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"GITLAB_CI": "false"}, "not a GitLab CI job"),
        ({"CI_MERGE_REQUEST_IID": ""}, "not a merge request pipeline"),
        ({"CI_MERGE_REQUEST_IID": "1; rm"}, "not a number"),
        ({"CI_MERGE_REQUEST_DIFF_BASE_SHA": ""}, "CI_MERGE_REQUEST_DIFF_BASE_SHA is missing"),
        ({"CI_COMMIT_SHA": "HEAD"}, "CI_COMMIT_SHA is missing or not a commit SHA"),
    ],
)
def test_from_env_refuses_unusable_environments(
    api_fake: FakeGitLab, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    mr = api_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    with pytest.raises(PlatformError, match=message) as info:
        from_env({**ci_env(api_fake, mr, tmp_path), **change})
    assert "\n" not in str(info.value)


# ---- reading the change -----------------------------------------------------------------------------------


def test_local_checkout_costs_no_api_call(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    changes = {c.path: c for c in local.changes()}
    assert set(changes) == {JOB, "k8s/b.yaml", "k8s/new.yaml"}  # manifests only
    assert (changes["k8s/b.yaml"].old_path, changes["k8s/b.yaml"].status) == ("k8s/a.yaml", Status.RENAMED)
    assert changes["k8s/new.yaml"].status == Status.ADDED
    job = changes[JOB]
    assert [(h.new_start, h.new_end) for h in job.hunks] == [(3, 10), (20, 24)]
    assert job.added_lines == {6, 7, 23}
    assert local.read(JOB, "base") == BASE_JOB.encode()
    assert local.read(JOB, "head") == HEAD_JOB.encode()
    assert local.read("k8s/new.yaml", "base") is None
    assert local.config_text(("nope.yaml", "README.md"), "head") == ("README.md", "# x\n")
    assert git_fake.requests == [] and git_fake.reads == git_fake.writes == 0


def test_api_fallback_gives_the_same_change(git_fake: GitBackedGitLab, tmp_path: Path, open_platform: Opener) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    via_git = open_platform(ci_env(git_fake, mr, git_fake.repo))
    via_api = open_platform(ci_env(git_fake, mr, tmp_path / "nowhere"))
    assert sorted(via_api.changes(), key=lambda c: c.path) == sorted(via_git.changes(), key=lambda c: c.path)
    mr_path = f"/api/v4/projects/42/merge_requests/{mr.iid}"
    assert [r.path for r in git_fake.requests] == [f"{mr_path}/versions", f"{mr_path}/versions/{mr.latest.id}"]
    assert via_api.read(JOB, "head") == HEAD_JOB.encode() and via_api.read("k8s/new.yaml", "base") is None
    assert via_api.read(JOB, "head") == HEAD_JOB.encode()  # cached: no second request
    assert git_fake.reads == 4


def test_api_diff_without_headers_and_renames(remote: GitLabPlatform, api_fake: FakeGitLab) -> None:
    changes = {c.path: c for c in remote.changes()}
    assert [(h.new_start, h.new_end) for h in changes[JOB].hunks] == [(3, 10), (20, 24)]
    assert changes[JOB].old_line_of(21) == 19
    renamed = changes["k8s/b.yaml"]
    assert (renamed.old_path, renamed.status, renamed.hunks) == ("k8s/a.yaml", Status.RENAMED, ())
    assert changes["k8s/new.yaml"].old_path is None and changes["k8s/new.yaml"].added_lines == {1}
    assert remote.config_text((".jobguard.yaml", "README.md"), "base") == ("README.md", "# deploy\n")
    assert [r.status for r in api_fake.requests][-2:] == [404, 200]


def test_shallow_clone_fetches_the_base(git_fake: GitBackedGitLab, tmp_path: Path, open_platform: Opener) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    run_git(git_fake.repo, "config", "uploadpack.allowAnySHA1InWant", "true")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth=1", "--branch=feature", f"file://{git_fake.repo}", str(clone)], check=True
    )
    missing = subprocess.run(["git", "-C", str(clone), "cat-file", "-e", mr.base_sha], capture_output=True, check=False)
    assert missing.returncode != 0
    platform = open_platform(ci_env(git_fake, mr, clone))
    assert {c.path for c in platform.changes()} == {JOB, "k8s/b.yaml", "k8s/new.yaml"}
    assert platform.read(JOB, "base") == BASE_JOB.encode()
    assert git_fake.requests == []


def test_failed_fetch_falls_back_to_the_api_quietly(
    git_fake: GitBackedGitLab, tmp_path: Path, capfd: pytest.CaptureFixture[str], open_platform: Opener
) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth=1", "--branch=feature", f"file://{git_fake.repo}", str(clone)], check=True
    )
    run_git(clone, "remote", "set-url", "origin", f"file://{tmp_path}/gone")
    platform = open_platform(ci_env(git_fake, mr, clone))
    assert {c.path for c in platform.changes()} == {JOB, "k8s/b.yaml", "k8s/new.yaml"}
    assert git_fake.reads == 2  # versions, then the version's diffs
    assert capfd.readouterr().err == ""  # git's complaint is never shown (its remote URL may hold a token)


def test_without_checkout_and_token_the_change_cannot_be_read(api_fake: FakeGitLab, tmp_path: Path) -> None:
    mr = api_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    platform = from_env(ci_env(api_fake, mr, tmp_path, token=None))
    with pytest.raises(PlatformError, match="GIT_DEPTH: 0"):
        platform.changes()
    assert api_fake.requests == []


# ---- positions (C2-C4) ------------------------------------------------------------------------------------


def test_added_and_context_line_positions(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    result = local.post_inline([comment(23, fp(1)), comment(21, fp(2)), comment(1, fp(3), path="k8s/new.yaml")])
    assert result.posted == (fp(1), fp(2), fp(3)) and result.rejected == () and result.error is None
    added, context, new_file = positions(git_fake)
    mr = git_fake.merge_requests[1]
    assert {k: added[k] for k in ("base_sha", "start_sha", "head_sha")} == mr.diff_refs
    assert (added["new_line"], added["old_line"]) == (23, None)  # added: new_line only
    assert (context["new_line"], context["old_line"]) == (21, 19)  # context: both, shifted by the insert
    assert (new_file["old_path"], new_file["new_path"]) == ("k8s/new.yaml", "k8s/new.yaml")


def test_positions_from_the_api_diff(api_fake: FakeGitLab, remote: GitLabPlatform) -> None:
    job = next(c for c in remote.changes() if c.path == JOB)  # the old lines come from the API's hunks
    comments = [comment(23, fp(1), change=job), comment(20, fp(2), change=job)]
    assert remote.post_inline(comments).posted == (fp(1), fp(2))
    assert [(p["old_line"], p["new_line"]) for p in positions(api_fake)] == [(None, 23), (18, 20)]


def test_refused_anchor_is_rejected_and_the_others_still_go(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    outside = InlineComment(JOB, 14, "x <!-- jobguard:fingerprint=0000000000000009 -->", fp(9), old_line=12)
    result = local.post_inline([comment(15, fp(1)), outside, comment(23, fp(2))])
    assert result.posted == (fp(2),) and set(result.rejected) == {fp(1), fp(9)} and result.error is None
    # line 15 is outside every hunk: refused without a call; line 14 was sent and GitLab said 400
    assert [r.status for r in git_fake.requests if r.method == "POST"] == [400, 201]
    assert "not inside a hunk" in git_fake.rejections[0]


def test_renamed_file_anchor_uses_both_paths(api_fake: FakeGitLab, tmp_path: Path, open_platform: Opener) -> None:
    edited = CONFIGMAP.replace("x: '1'", "x: '2'")
    mr = api_fake.add_merge_request(
        BASE_FILES, {**HEAD_FILES, "k8s/b.yaml": edited}, renames={"k8s/a.yaml": "k8s/b.yaml"}
    )
    platform = open_platform(ci_env(api_fake, mr, tmp_path))
    assert platform.post_inline([comment(6, fp(1), path="k8s/b.yaml")]).posted == (fp(1),)
    (position,) = positions(api_fake)
    assert (position["old_path"], position["new_path"]) == ("k8s/a.yaml", "k8s/b.yaml")


# ---- tokens (C9) ------------------------------------------------------------------------------------------


def test_job_token_only(git_fake: GitBackedGitLab, open_platform: Opener, capsys: pytest.CaptureFixture[str]) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    platform = open_platform(ci_env(git_fake, mr, git_fake.repo, token=None))
    caps = platform.capabilities()
    assert not caps.can_comment and "CI_JOB_TOKEN" in caps.reason and "\n" not in caps.reason
    assert platform.changes() and platform.existing() == []
    result = platform.post_inline([comment(23, fp(1))])
    assert result.rejected == (fp(1),) and result.error == caps.reason
    assert platform.upsert_summary("x", None) is False
    assert platform.resolve(Posted("1", "inline", fp(1), "b", thread_id="d"), "fixed") is False
    platform.report({"codequality": "[]\n"}, f"{SUMMARY_MARKER}\n### jobguard\n\n| finding |\n", "::error::x")
    assert (git_fake.repo / "gl-code-quality-report.json").read_text() == "[]\n"
    assert capsys.readouterr().out == "### jobguard\n\n| finding |\n"  # the job log has it; no marker
    with pytest.raises(PlatformError, match="CI_JOB_TOKEN cannot push"):
        platform.push_fix({JOB: b"x"}, "m")
    assert git_fake.requests == []  # not one call: the job token could not have done any of it


def test_fork_pipeline_without_any_token(git_fake: GitBackedGitLab, open_platform: Opener) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    platform = open_platform(ci_env(git_fake, mr, git_fake.repo, token=None, CI_JOB_TOKEN=""))
    assert "fork" in platform.capabilities().reason and git_fake.requests == []


def test_too_large_diff_is_rebuilt_from_the_files(
    api_fake: FakeGitLab, remote: GitLabPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C12: a diff over GitLab's limits comes without its text; the adapter diffs the two raw files itself."""
    to_json = FileDiff.to_json

    def too_large(self: FileDiff) -> dict[str, Any]:
        data = to_json(self)
        return {**data, "diff": "", "too_large": True} if self.new_path == JOB else data

    monkeypatch.setattr(FileDiff, "to_json", too_large)
    changes = {c.path: c for c in remote.changes()}
    job = changes[JOB]
    assert (job.old_path, job.status, job.added_lines) == (JOB, Status.MODIFIED, {6, 7, 23})
    assert [(h.new_start, h.new_end) for h in job.hunks] == [(3, 10), (20, 24)]
    assert changes["k8s/new.yaml"].added_lines == {1}  # the others keep the API's own hunks
    raw = [r.path for r in api_fake.requests if r.path.endswith("/raw")]
    assert len(raw) == 2 and api_fake.reads == 4  # versions, the version, then both sides of the file, raw


def test_read_only_token_fails_the_channel(git_fake: GitBackedGitLab, open_platform: Opener) -> None:
    git_fake.tokens["read-only"] = "read_api"
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    platform = open_platform(ci_env(git_fake, mr, git_fake.repo, token="read-only"))
    assert platform.capabilities().can_comment  # reading works; the scope shows at the first write
    result = platform.post_inline([comment(23, fp(1)), comment(21, fp(2))])
    assert result.posted == () and result.rejected == (fp(1), fp(2))
    assert result.error is not None and "insufficient_scope" in result.error
    assert git_fake.writes == 1  # it stops at the first refusal


def test_wrong_token_cannot_comment(git_fake: GitBackedGitLab, open_platform: Opener) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    platform = open_platform(ci_env(git_fake, mr, git_fake.repo, token="glpat-wrong"))
    caps = platform.capabilities()
    assert not caps.can_comment and "401" in caps.reason and "glpat-wrong" not in caps.reason


# ---- retries ----------------------------------------------------------------------------------------------


def record_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record python-gitlab's and the adapter's waits (0.1 s and up) instead of sleeping them.

    `time.sleep` is one function for every module, and subprocess polls with sleeps below 0.1 s: those still
    sleep, for real.
    """
    waits: list[float] = []
    real = time.sleep

    def sleep(seconds: float) -> None:
        if seconds >= 0.1:
            waits.append(seconds)
        else:
            real(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return waits


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_waits(monkeypatch)


def test_502_then_success(git_fake: GitBackedGitLab, local: GitLabPlatform, no_sleep: list[float]) -> None:
    git_fake.fail_next("GET", r"/merge_requests/1$", 502)
    assert local.capabilities().can_comment
    git_fake.fail_next("GET", r"/discussions$", 503, times=2)
    assert local.existing() == []
    assert [r.status for r in git_fake.requests] == [502, 200, 503, 503, 200]
    assert git_fake.reads == 5 and len(no_sleep) == 3


def test_failed_post_is_sent_again_once_it_did_not_land(
    git_fake: GitBackedGitLab, local: GitLabPlatform, no_sleep: list[float]
) -> None:
    git_fake.fail_next("POST", r"/discussions$", 502)
    assert local.post_inline([comment(23, fp(1))]).posted == (fp(1),)
    posts = [(r.method, r.status) for r in git_fake.requests if r.path.endswith("/discussions")]
    assert posts == [("POST", 502), ("GET", 200), ("POST", 201)]  # re-listed before sending again
    assert len(positions(git_fake)) == 1


class LosesAnswers(GitBackedGitLab):
    """Creates the discussion or note, then answers 502 (a proxy timing out after the backend wrote)."""

    lose = 0

    def _handle(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> Response:
        response = super()._handle(method, target, headers, raw)
        if self.lose and method == "POST" and response.status == 201:
            self.lose -= 1
            return Response.json(502, {"message": "502 Bad Gateway"})
        return response


def test_post_that_landed_is_not_posted_twice(tmp_path: Path, no_sleep: list[float], open_platform: Opener) -> None:
    with LosesAnswers(tmp_path / "repo") as fake:
        mr = fake.add_merge_request(BASE_FILES, HEAD_FILES)
        platform = open_platform(ci_env(fake, mr, fake.repo))
        fake.lose = 1
        assert platform.post_inline([comment(23, fp(1)), comment(21, fp(2))]).posted == (fp(1), fp(2))
        fake.lose = 1
        assert platform.upsert_summary(f"{SUMMARY_MARKER}\nall good\n", None)
        fake.lose = 1
        platform.reply("done")
        assert len(positions(fake)) == 2
        assert [n.body for n in mr.notes() if n.type is None] == [f"{SUMMARY_MARKER}\nall good\n", "done"]
        assert [r.method for r in fake.requests if r.path.endswith(("/discussions", "/notes"))].count("POST") == 4


def test_429_waits_for_retry_after(git_fake: GitBackedGitLab, local: GitLabPlatform, no_sleep: list[float]) -> None:
    git_fake.fail_next("POST", r"/discussions$", 429, headers={"Retry-After": "7"})
    started = time.monotonic()
    assert local.post_inline([comment(23, fp(1))]).posted == (fp(1),)
    assert no_sleep == [7] and time.monotonic() - started < 2
    assert [r.status for r in git_fake.requests if r.method == "POST"] == [429, 201]


def test_retry_after_as_a_date_is_waited_and_a_long_one_fails(
    git_fake: GitBackedGitLab, local: GitLabPlatform, no_sleep: list[float]
) -> None:
    """Retry-After may be an HTTP date (python-gitlab's int() would crash on it); past MAX_RETRY_WAIT the call fails
    with one line instead of sleeping (issue 14)."""
    soon = email.utils.formatdate(time.time() + 8, usegmt=True)
    git_fake.fail_next("POST", r"/discussions$", 429, headers={"Retry-After": soon})
    assert local.post_inline([comment(23, fp(1))]).posted == (fp(1),)
    assert len(no_sleep) == 1 and 5 <= no_sleep[0] <= 9
    git_fake.fail_next("POST", r"/discussions$", 429, headers={"RateLimit-Reset": str(int(time.time()) + 86_400)})
    result = local.post_inline([comment(21, fp(2))])
    assert result.rejected == (fp(2),) and "past the 300 s cap" in (result.error or "")
    assert len(no_sleep) == 1


def test_outage_is_one_line_and_keeps_the_rest(
    git_fake: GitBackedGitLab, local: GitLabPlatform, no_sleep: list[float]
) -> None:
    git_fake.fail_next("POST", r"/discussions$", 503, times=3)
    result = local.post_inline([comment(23, fp(1)), comment(21, fp(2))])
    assert result.posted == () and result.rejected == (fp(1), fp(2))
    assert result.error == "GitLab refused the diff discussions: 503 Service Unavailable"


# ---- SHAs (C1, C8) ----------------------------------------------------------------------------------------


def test_merged_results_pipeline_reviews_the_source_head(git_fake: GitBackedGitLab, open_platform: Opener) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    tree = run_git(git_fake.repo, "rev-parse", f"{mr.head_sha}^{{tree}}")
    merge = run_git(git_fake.repo, "commit-tree", tree, "-p", mr.base_sha, "-p", mr.head_sha, "-m", "merge")
    env = ci_env(git_fake, mr, git_fake.repo, CI_COMMIT_SHA=merge, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=mr.head_sha)
    platform = open_platform(env)
    assert platform.settings.head_sha == mr.head_sha != merge
    assert platform.capabilities().can_comment
    assert platform.post_inline([comment(23, fp(1))]).posted == (fp(1),)
    assert positions(git_fake)[0]["head_sha"] == mr.head_sha


def test_a_newer_push_stops_commenting(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    newer = git_fake.push(git_fake.merge_requests[1], {**HEAD_FILES, "k8s/c.yaml": CONFIGMAP})
    caps = local.capabilities()
    assert not caps.can_comment and newer[:12] in caps.reason


# ---- existing, resolve, summary, reply --------------------------------------------------------------------


def test_existing_finds_jobguard_notes_by_marker(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    mr = git_fake.merge_requests[1]
    local.post_inline([comment(23, fp(1))])
    local.upsert_summary(f"{SUMMARY_MARKER}\nsummary\n", None)
    git_fake.add_note(mr, "looks good", author="reviewer")
    git_fake.add_note(mr, "added 1 commit", author="dev", system=True)
    git_fake.add_discussion(mr, "pasted by someone\n<!-- jobguard:fingerprint=00000000000000aa -->\n")
    api = git_fake.client(private_token=TOKEN).projects.get(42, lazy=True).mergerequests.get(mr.iid, lazy=True)
    api.discussions.get(mr.discussions[0].id, lazy=True).notes.create({"body": "<!-- jobguard:summary --> reply"})
    found = local.existing()
    assert [(p.kind, p.fingerprint) for p in found] == [("inline", fp(1)), ("summary", None)]
    assert found[0].thread_id == mr.discussions[0].id
    assert not found[0].resolved


def test_a_body_past_the_note_limit_is_cut_keeping_its_marker(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    """GitLab refuses notes over 1,000,000 characters (notes.md): cut, the fingerprint line still last."""
    long = comment(23, fp(1))
    long = InlineComment(long.path, long.line, "y" * 1_200_000 + "\n" + long.body, long.fingerprint)
    assert local.post_inline([long]).posted == (fp(1),)
    assert local.upsert_summary(f"{SUMMARY_MARKER}\n" + "z" * 1_200_000, None)
    inline, summary = local.existing()
    assert inline.fingerprint == fp(1) and len(inline.body) <= 1_000_000
    assert summary.kind == "summary" and len(summary.body) <= 1_000_000


def test_notes_of_other_users_are_never_jobguards(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    """Markers in another user's notes count for nothing (issue 14): the summary is jobguard's own note."""
    mr = git_fake.merge_requests[1]
    git_fake.add_note(mr, f"{SUMMARY_MARKER}\nnot jobguard's", author="mallory")
    git_fake.add_discussion(mr, f"lgtm\n\n<!-- jobguard:fingerprint={fp(2)} -->\n", author="mallory")
    assert local.existing() == []
    assert local.upsert_summary(f"{SUMMARY_MARKER}\nv1\n", None)
    assert sorted((n.author.username, n.body) for n in mr.notes()) == [
        ("jobguard-bot", f"{SUMMARY_MARKER}\nv1\n"),
        ("mallory", f"{SUMMARY_MARKER}\nnot jobguard's"),
        ("mallory", f"lgtm\n\n<!-- jobguard:fingerprint={fp(2)} -->\n"),
    ]


def test_resolve_marks_the_thread_and_the_note(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    local.post_inline([comment(23, fp(1))])
    (posted,) = local.existing()
    git_fake.reset_log()
    assert local.resolve(posted, "Fixed in a later commit.")
    (after,) = local.existing()
    assert after.resolved and after.body.startswith("**Fixed in a later commit.**\n\n")
    assert after.fingerprint == fp(1)  # the marker stays, so the next run still knows it
    assert git_fake.writes == 2
    assert local.resolve(after, "Fixed in a later commit.") and git_fake.writes == 2  # nothing left to do


def test_summary_is_updated_in_place(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    mr = git_fake.merge_requests[1]
    assert local.upsert_summary(f"{SUMMARY_MARKER}\nv1\n", None)
    (summary,) = local.existing()
    assert local.upsert_summary(f"{SUMMARY_MARKER}\nv2\n", summary)
    assert [n.body for n in mr.notes()] == [f"{SUMMARY_MARKER}\nv2\n"]
    mr.discussions.clear()  # someone deleted it: a new one is written
    assert local.upsert_summary(f"{SUMMARY_MARKER}\nv3\n", summary)
    assert [n.body for n in mr.notes()] == [f"{SUMMARY_MARKER}\nv3\n"]


def test_reply_posts_a_note(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    local.reply("@dev: jobguard applied 1 fix.")
    assert [n.body for n in git_fake.merge_requests[1].notes()] == ["@dev: jobguard applied 1 fix."]


def test_report_writes_exactly_the_code_quality_text(
    git_fake: GitBackedGitLab, tmp_path: Path, open_platform: Opener
) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES)
    env = ci_env(git_fake, mr, git_fake.repo, JOBGUARD_CODEQUALITY_PATH=str(tmp_path / "reports" / "cq.json"))
    platform = open_platform(env)
    text = json.dumps([{"check_name": "x"}]) + "\n"
    platform.report({"codequality": text, "findings": "1"}, "summary", "annotations")
    assert (tmp_path / "reports" / "cq.json").read_text() == text
    platform.report({}, "", "")
    assert (tmp_path / "reports" / "cq.json").read_text() == "[]\n"
    assert git_fake.requests == []


# ---- masking and counting ---------------------------------------------------------------------------------


def test_token_never_in_output(
    git_fake: GitBackedGitLab, local: GitLabPlatform, caplog: pytest.LogCaptureFixture, no_sleep: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"message": f"403 token {TOKEN} lacks rights"}
    git_fake.fail_next("GET", r"/merge_requests/1$", 403, body=echo)
    caps = local.capabilities()
    git_fake.fail_next("POST", r"/discussions$", 403, body=echo)
    result = local.post_inline([comment(23, fp(1))])
    git_fake.fail_next("POST", r"/notes$", 500, body=echo, times=3)
    local.reply("hello")
    git_fake.fail_next("GET", r"/discussions$", 401, body=echo)
    with pytest.raises(PlatformError) as info:
        local.existing()
    texts = [caps.reason, result.error or "", str(info.value), caplog.text, repr(local), repr(local.settings)]
    assert all("[masked]" in t for t in texts[:3])
    assert not any(TOKEN in t for t in texts)


def test_calls_are_counted_like_the_server_counts_them(
    git_fake: GitBackedGitLab, local: GitLabPlatform, no_sleep: list[float]
) -> None:
    git_fake.fail_next("GET", r"/merge_requests/1$", 502)
    local.capabilities()
    local.existing()
    local.post_inline([comment(23, fp(1)), comment(21, fp(2))])
    local.upsert_summary(f"{SUMMARY_MARKER}\nx\n", None)
    assert (git_fake.reads, git_fake.writes) == (3, 3)
    mr_path = "/api/v4/projects/42/merge_requests/1"
    assert Counter((r.method, r.path.removeprefix(mr_path)) for r in git_fake.requests) == {
        ("GET", ""): 2,
        ("GET", "/discussions"): 1,
        ("POST", "/discussions"): 2,
        ("POST", "/notes"): 1,
    }


# ---- fix commits ------------------------------------------------------------------------------------------


def test_push_fix_commits_to_the_source_branch(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    fixed = HEAD_JOB.replace("app:1.1", "app:1.0")
    url = local.push_fix({JOB: fixed.encode()}, "jobguard: apply 1 fix")
    mr = git_fake.merge_requests[1]
    assert url.endswith(f"/-/commit/{mr.head_sha}")
    assert git_fake.file_at("feature", JOB) == fixed
    assert git_fake.exchanges[-1].params["actions"] == [{"action": "update", "file_path": JOB, "content": fixed}]
    assert run_git(git_fake.repo, "show", f"{mr.head_sha}:{JOB}") + "\n" == fixed  # a real commit on the branch


def test_push_fix_refuses_a_closed_fork(git_fake: GitBackedGitLab, open_platform: Opener) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES, fork=True, source_branch="contrib")
    platform = open_platform(ci_env(git_fake, mr, git_fake.repo))
    with pytest.raises(PlatformError, match="allow_collaboration") as info:
        platform.push_fix({JOB: b"x\n"}, "m")
    assert "\n" not in str(info.value) and git_fake.writes == 0


def test_push_fix_into_a_fork_that_allows_collaboration(git_fake: GitBackedGitLab, open_platform: Opener) -> None:
    mr = git_fake.add_merge_request(BASE_FILES, HEAD_FILES, fork=True, source_branch="shared", allow_collaboration=True)
    platform = open_platform(ci_env(git_fake, mr, git_fake.repo))
    platform.push_fix({JOB: b"fixed\n"}, "m")
    assert git_fake.file_at("shared", JOB, project=mr.source_project) == "fixed\n"
    assert git_fake.requests[-1].path == f"/api/v4/projects/{mr.source_project.id}/repository/commits"


def test_push_fix_refuses_a_moved_branch(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    git_fake.push(git_fake.merge_requests[1], {**HEAD_FILES, "k8s/c.yaml": CONFIGMAP})
    with pytest.raises(PlatformError, match="moved on"):
        local.push_fix({JOB: b"x\n"}, "m")
    assert git_fake.writes == 0


def test_push_fix_without_rights(git_fake: GitBackedGitLab, local: GitLabPlatform) -> None:
    git_fake.project.writable = False
    with pytest.raises(PlatformError, match="Developer role"):
        local.push_fix({JOB: b"x\n"}, "m")
