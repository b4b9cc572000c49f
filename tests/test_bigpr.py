"""Big pull requests without a checkout (issue 17): reads that do not grow with the change, within a budget.

Against the fake GitHub with the real PyGithub: both sides of every changed manifest come through GraphQL
`object(expression:)` in batches of 100; the REST bucket (1,000 an hour for the Actions token) pays only for the
listing; when a bucket runs low the read stops, says so, and what was read is still reviewed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from jobguard.errors import ChangeUnreadable
from jobguard.platforms.github.blobs import BATCH, CORE_RESERVE, GRAPHQL_RESERVE
from jobguard.platforms.gitlab import GitLabPlatform
from jobguard.platforms.gitlab.archive import ARCHIVE_FROM
from tests.fakes.github import FakeGitHub, fake_github, github_contract
from tests.fakes.gitlab import FakeGitLab
from tests.samples import annotated_and_bumped, migrate_job
from tests.test_action_inputs import run_action
from tests.test_github_platform import diff_source, fake, open_pr
from tests.test_github_review import BASE as REVIEW_BASE
from tests.test_github_review import HEAD as REVIEW_HEAD
from tests.test_gitlab_platform import api_fake, ci_env, open_platform, remote

__all__ = ["api_fake", "fake", "fake_github", "github_contract", "open_platform", "remote"]  # fixtures used here

ACTIONS_TOKEN_LIMIT = 1000  # GITHUB_TOKEN: 1,000 REST requests an hour per repository (review-apis.md B12)
MAX_REST_READS = 5  # the 3,100-file PR: the merge base and the two git trees (3), whatever its size
JOBS_EVERY = 10  # one changed manifest in 10 is a Job; the others are ConfigMaps


def _manifests(count: int) -> tuple[dict[str, str], dict[str, str]]:
    """`count` changed manifests: a Job with an annotation and an image bump, else a ConfigMap edit."""
    base, head = {}, {}
    for i in range(count):
        path = f"apps/a{i:04}/manifest.yaml"
        if i % JOBS_EVERY == 0:
            base[path], head[path] = migrate_job(f"a{i:04}"), annotated_and_bumped(f"a{i:04}")
        else:
            base[path], head[path] = (
                f"kind: ConfigMap\ndata:\n  n: '{i}'\n",
                f"kind: ConfigMap\ndata:\n  n: '{i + 1}'\n",
            )
    return base, head


def test_a_3100_file_pull_request_reads_a_fixed_number_of_times(fake: FakeGitHub, tmp_path: Path) -> None:
    """2 contents reads per file used to cost 6,208 REST requests here; now 3 REST + 62 GraphQL queries."""
    fake.rate_limit = ACTIONS_TOKEN_LIMIT
    base, head = _manifests(3100)
    platform = open_pr(fake, tmp_path, base=base, head=head).platform()
    changes = platform.changes()
    assert len(changes) == 3100 and diff_source(platform) == "api-trees"
    for i in (0, 1, 3099):  # the contents are right, and reading them costs nothing more
        path = f"apps/a{i:04}/manifest.yaml"
        assert platform.read(path, "base") == base[path].encode() and platform.read(path, "head") == head[path].encode()
    assert fake.rate_used <= MAX_REST_READS < ACTIONS_TOKEN_LIMIT
    assert fake.graphql_rate_used == math.ceil(2 * 3100 / BATCH) == 62
    assert not fake.calls("GET", "/contents/") and not fake.calls("GET", "/git/blobs/")


def test_a_listed_pull_request_reads_both_sides_in_bulk(fake: FakeGitHub, tmp_path: Path) -> None:
    base, head = _manifests(500)
    platform = open_pr(fake, tmp_path, base=base, head=head).platform()
    assert len(platform.changes()) == 500 and diff_source(platform) == "api"
    assert platform.read("apps/a0010/manifest.yaml", "head") == head["apps/a0010/manifest.yaml"].encode()
    # 5 pages of the file list and the merge base; 1,000 blobs in 10 queries
    assert fake.rate_used == 6 and fake.graphql_rate_used == 10
    assert not fake.calls("GET", "/contents/")


def test_the_read_stops_before_the_rate_limit_and_keeps_what_it_read(fake: FakeGitHub, tmp_path: Path) -> None:
    base, head = _manifests(500)
    fake.graphql_rate_limit = GRAPHQL_RESERVE + 4  # 4 queries, then the reserve for the review threads
    platform = open_pr(fake, tmp_path, base=base, head=head).platform()
    changes = platform.changes()
    assert [c.path for c in changes] == [f"apps/a{i:04}/manifest.yaml" for i in range(200)]  # 400 blobs read
    assert fake.graphql_rate_used == 4 and not fake.calls("GET", "/contents/")
    note = platform.notes[-1]
    assert note.startswith("stopped reading the change early: GitHub's GraphQL rate limit is nearly used up")
    assert "300 of 500 changed manifest(s) were not checked (apps/a0200/manifest.yaml," in note


def test_blobs_without_text_are_read_through_rest(fake: FakeGitHub, tmp_path: Path) -> None:
    """GraphQL leaves `text` out of a truncated (or binary) blob; the git data API reads it by its oid."""
    base, head = _manifests(3)
    fake.graphql_blob_text_limit = len(head["apps/a0000/manifest.yaml"]) - 1  # only the head Job is over
    platform = open_pr(fake, tmp_path, base=base, head=head).platform()
    platform.changes()
    assert platform.read("apps/a0000/manifest.yaml", "head") == head["apps/a0000/manifest.yaml"].encode()
    assert len(fake.calls("GET", "/git/blobs/")) == 1


@pytest.mark.parametrize("expression", ["nope:apps/a0000/manifest.yaml", "{head}:apps/missing.yaml", "{head}:apps"])
def test_fake_object_expression_is_null_or_empty_where_no_blob_is(
    fake: FakeGitHub, tmp_path: Path, expression: str
) -> None:
    """The fake answers like GitHub: null for no such revision or path, and a Tree (no Blob fields) for a folder."""
    import requests

    base, head = _manifests(1)
    pr = open_pr(fake, tmp_path, base=base, head=head)
    owner, name = pr.env["GITHUB_REPOSITORY"].split("/")
    query = (
        "query($o: String!, $n: String!, $e: String!) { repository(owner: $o, name: $n) "
        "{ object(expression: $e) { __typename ... on Blob { text } } } }"
    )
    variables = {"o": owner, "n": name, "e": expression.format(head=pr.head_sha)}
    answer = requests.post(
        fake.graphql_url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"token {fake.token}"},
        timeout=10,
    ).json()
    found = answer["data"]["repository"]["object"]
    assert found == ({"__typename": "Tree"} if expression.endswith(":apps") else None)


def test_fake_rejects_text_outside_a_blob_fragment(fake: FakeGitHub, tmp_path: Path) -> None:
    """`object` is a GitObject: GitHub refuses `text` on it without `... on Blob`, and so does the fake."""
    import requests

    query = '{ repository(owner: "Codertocat", name: "Hello-World") { object(expression: "HEAD:x") { text } } }'
    answer = requests.post(
        fake.graphql_url, json={"query": query}, headers={"Authorization": f"token {fake.token}"}, timeout=10
    ).json()
    assert answer == {
        "errors": [
            {"path": ["repository", "object", "text"], "message": "Field 'text' doesn't exist on type 'GitObject'"}
        ]
    }


# ------------------------------------------------------------------------------------------------ 422/406 on the list

# GitHub's answers when a pull request's diff is too big to list (review-apis.md B1; the 406 text is the one the
# diff media type gives past 300 files, danger/danger-js#1440).
TOO_LARGE = {
    422: {
        "message": "Server Error: Sorry, this diff is taking too long to generate.",
        "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
    },
    406: {
        "message": "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests "
        "files' API or locally cloning the repository instead.",
        "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
    },
}


@pytest.mark.parametrize("status", sorted(TOO_LARGE))
def test_a_file_list_github_refuses_falls_back_to_git_trees(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    pr = open_pr(fake, tmp_path, REVIEW_BASE, REVIEW_HEAD)
    fake.fail_next("GET", r"/pulls/\d+/files$", status, body=TOO_LARGE[status], times=10)
    assert run_action(pr, monkeypatch, {}) == 1  # the findings, found through the trees
    err = capsys.readouterr().err
    assert "3 findings" in err and f"GitHub would not list the files of this pull request ({status} " in err
    assert len(fake.calls("GET", r"/git/trees/")) == 2 and not fake.contract_violations


def test_a_change_that_cannot_be_read_at_all_is_one_line_and_exit_2(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = open_pr(fake, tmp_path, REVIEW_BASE, REVIEW_HEAD)
    fake.fail_next("GET", r"/pulls/\d+/files$", 422, body=TOO_LARGE[422], times=10)
    fake.tree_entry_limit = 2  # the recursive tree comes back truncated
    assert run_action(pr, monkeypatch, {}) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "jobguard: error: cannot read the change of pull request #2: GitHub would not list its files (422 Server "
        "Error: Sorry, this diff is taking too long to generate.: PullRequest diff too_large) and its git tree is "
        "too large for the API; check out the repository with fetch-depth: 0"
    ]
    assert fake.writes == 0


def test_any_api_failure_reading_the_change_is_exit_2(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = open_pr(fake, tmp_path, REVIEW_BASE, REVIEW_HEAD)
    fake.fail_next("GET", r"/pulls/\d+/files$", 404, times=10)
    assert run_action(pr, monkeypatch, {}) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["jobguard: error: cannot read the change of pull request #2: 404 Not Found"]


def test_when_graphql_fails_the_files_are_read_one_by_one(fake: FakeGitHub, tmp_path: Path) -> None:
    base, head = _manifests(3)
    platform = open_pr(fake, tmp_path, base=base, head=head).platform()
    fake.fail_next("POST", r"/graphql$", 502, times=20)
    assert len(platform.changes()) == 3 and len(fake.calls("GET", "/contents/")) == 6
    assert platform.read("apps/a0000/manifest.yaml", "head") == head["apps/a0000/manifest.yaml"].encode()
    assert platform.notes[-1].startswith("GraphQL could not read the files (502 ")


def test_read_one_by_one_stops_before_the_rest_limit(fake: FakeGitHub, tmp_path: Path) -> None:
    """GraphQL down and the REST bucket nearly empty: read while CORE_RESERVE requests stay for posting."""
    base, head = _manifests(3)
    fake.rate_limit = CORE_RESERVE + 4  # the file list, the merge base, then 2 files' reads
    platform = open_pr(fake, tmp_path, base=base, head=head).platform()
    fake.fail_next("POST", r"/graphql$", 502, times=20)
    assert [c.path for c in platform.changes()] == ["apps/a0000/manifest.yaml"]
    assert fake.rate_used == 4 and len(fake.calls("GET", "/contents/")) == 2
    assert "GitHub's REST rate limit is nearly used up (100 requests left, 100 kept for posting)" in platform.notes[-1]
    assert "2 of 3 changed manifest(s) were not checked" in platform.notes[-1]


def test_gitlab_a_diff_that_cannot_be_read_is_exit_2(api_fake: FakeGitLab, remote: GitLabPlatform) -> None:
    api_fake.fail_next("GET", r"/versions", 404, times=20)
    with pytest.raises(ChangeUnreadable, match=r"^cannot read the diff of merge request !\d+: .*404") as caught:
        remote.changes()
    assert caught.value.exit_code == 2
    api_fake.fail_next("GET", r"/raw", 403, times=20)
    with pytest.raises(ChangeUnreadable, match=r"^cannot read apps/x.yaml at \w+: .*403") as caught:
        remote.read("apps/x.yaml", "head")
    assert caught.value.exit_code == 2


# ------------------------------------------------------------------------------------------------ GitLab


def test_gitlab_a_big_merge_request_reads_two_archives_not_each_file(
    api_fake: FakeGitLab, tmp_path: Path, open_platform: Callable[[Mapping[str, str]], GitLabPlatform]
) -> None:
    base, head = _manifests(ARCHIVE_FROM * 3)
    base["apps/gone.yaml"], head["apps/new.yaml"] = "kind: ConfigMap\n", "kind: Job\n"
    mr = api_fake.add_merge_request(base, head)
    (tmp_path / "empty").mkdir()
    platform = open_platform(ci_env(api_fake, mr, tmp_path / "empty"))
    api_fake.reset_log()
    assert len(platform.changes()) == ARCHIVE_FROM * 3 + 2
    for path in ("apps/a0000/manifest.yaml", "apps/a0059/manifest.yaml", "apps/new.yaml", "apps/gone.yaml"):
        assert platform.read(path, "base") == (base[path].encode() if path in base else None)
        assert platform.read(path, "head") == (head[path].encode() if path in head else None)
    paths = [r.path.split("/merge_requests/")[-1].split("/repository/")[-1] for r in api_fake.requests]
    assert paths == [
        f"{mr.iid}/versions",
        f"{mr.iid}/versions/{mr.versions[-1].id}",
        "archive.tar.gz",
        "archive.tar.gz",
    ]


def test_gitlab_a_small_merge_request_reads_raw_files(
    api_fake: FakeGitLab, tmp_path: Path, open_platform: Callable[[Mapping[str, str]], GitLabPlatform]
) -> None:
    base, head = _manifests(2)
    mr = api_fake.add_merge_request(base, head)
    (tmp_path / "empty").mkdir()
    platform = open_platform(ci_env(api_fake, mr, tmp_path / "empty"))
    platform.changes()
    assert platform.read("apps/a0000/manifest.yaml", "head") == head["apps/a0000/manifest.yaml"].encode()
    assert not [r for r in api_fake.requests if "archive" in r.path]
    assert [r for r in api_fake.requests if r.path.endswith("/raw")]
