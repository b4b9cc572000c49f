"""The GitLab fake, driven by the real python-gitlab client: shapes, position rules, auth, faults, paging.

These tests pin the fake to the documented contract (review-apis.md C1-C12, testing.md §4) so the GitLab
adapter's tests can trust it.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import gitlab
import pytest
import requests
from gitlab.v4.objects import ProjectMergeRequest

from tests.fakes.gitlab import (
    BLANK_NOTE_ERROR,
    INSUFFICIENT_SCOPE_BODY,
    LINE_CODE_ERROR,
    LINE_RANGE_ERROR,
    FakeGitLab,
    MergeRequest,
    RequestRecord,
    _hunks,
    encode_path,
    git_hunks,
    parse_suggestions,
)
from tests.samples import annotated_and_bumped, migrate_job

JOB = "k8s/job.yaml"
BASE_JOB = migrate_job("prod")
# Two added annotation lines after line 5 (head 6-7) shift the rest by 2; the image changes at old 21/new 23.
HEAD_JOB = annotated_and_bumped("prod")
BASE_FILES = {
    JOB: BASE_JOB,
    "VERSION": "1.9.7",
    "k8s/old.yaml": "obsolete: true\n",
    "k8s/a.yaml": "kind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: '1'\n",
}
HEAD_FILES = {
    JOB: HEAD_JOB,
    "VERSION": "1.9.8",
    "k8s/cron.yaml": "kind: CronJob\n",
    "k8s/b.yaml": BASE_FILES["k8s/a.yaml"],
}
# Note `required` list of GitLab's own spec fixture schema (gitlab-mr-examples.json, notes.json).
NOTE_REQUIRED = {"id", "body", "attachment", "author", "created_at", "updated_at", "system", "noteable_id"}
AUTHOR_REQUIRED = {"id", "name", "username", "state", "avatar_url", "web_url"}


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as server:
        yield server


@pytest.fixture
def seeded(fake: FakeGitLab) -> MergeRequest:
    return fake.add_merge_request(BASE_FILES, HEAD_FILES)


@pytest.fixture
def api_mr(fake: FakeGitLab, seeded: MergeRequest) -> ProjectMergeRequest:
    project = fake.client().projects.get(fake.project.id, lazy=True)
    return project.mergerequests.get(seeded.iid)


def position(mr: ProjectMergeRequest, **lines: Any) -> dict[str, Any]:
    return {**mr.diff_refs, "position_type": "text", "old_path": JOB, "new_path": JOB, **lines}


def post_error(call: Any) -> gitlab.exceptions.GitlabError:
    with pytest.raises(gitlab.exceptions.GitlabError) as info:
        call()
    return info.value


# ---- merge request, versions, diffs ---------------------------------------------------------------------


def test_get_mr_has_diff_refs_of_latest_version(fake: FakeGitLab, seeded: MergeRequest) -> None:
    mr = fake.client().projects.get(fake.project.id, lazy=True).mergerequests.get(seeded.iid)
    assert mr.diff_refs == seeded.diff_refs
    assert set(mr.diff_refs) == {"base_sha", "head_sha", "start_sha"}
    assert mr.sha == mr.diff_refs["head_sha"]
    assert (mr.source_project_id, mr.target_project_id) == (42, 42)
    assert mr.changes_count == "5"  # a string in GitLab's API
    assert mr.author["username"] == "dev"


def test_project_path_works_as_id(fake: FakeGitLab, seeded: MergeRequest) -> None:
    project = fake.client().projects.get("acme/deploy", lazy=True)
    assert project.mergerequests.get(seeded.iid).iid == seeded.iid
    assert fake.requests[-1].path == "/api/v4/projects/acme%2Fdeploy/merge_requests/1"


def test_version_diffs_are_hunks_with_file_flags(api_mr: ProjectMergeRequest) -> None:
    versions = api_mr.diffs.list()
    assert len(versions) == 1
    assert versions[0].head_commit_sha == api_mr.diff_refs["head_sha"]
    assert versions[0].base_commit_sha == api_mr.diff_refs["base_sha"]
    diffs = {d["new_path"]: d for d in api_mr.diffs.get(versions[0].id).diffs}
    assert list(diffs) == ["VERSION", "k8s/b.yaml", "k8s/cron.yaml", JOB, "k8s/old.yaml"]  # git's order
    job = diffs[JOB]
    assert not job["diff"].startswith("---")  # the API omits the ---/+++ header (gitlab-org/gitlab#270960)
    assert re.findall(r"^@@ .* @@$", job["diff"], re.M) == ["@@ -3,6 +3,8 @@", "@@ -18,5 +20,5 @@"]
    assert diffs["VERSION"]["diff"] == (
        "@@ -1 +1 @@\n-1.9.7\n\\ No newline at end of file\n+1.9.8\n\\ No newline at end of file\n"
    )
    assert diffs["k8s/cron.yaml"] | {"diff": ""} == {
        "old_path": "k8s/cron.yaml",
        "new_path": "k8s/cron.yaml",
        "a_mode": "0",
        "b_mode": "100644",
        "diff": "",
        "new_file": True,
        "renamed_file": False,
        "deleted_file": False,
        "generated_file": False,
    }
    assert diffs["k8s/cron.yaml"]["diff"] == "@@ -0,0 +1 @@\n+kind: CronJob\n"
    assert diffs["k8s/old.yaml"]["deleted_file"] and diffs["k8s/old.yaml"]["b_mode"] == "0"
    renamed = diffs["k8s/b.yaml"]
    assert (renamed["old_path"], renamed["renamed_file"], renamed["diff"]) == ("k8s/a.yaml", True, "")


def test_push_adds_a_version_newest_first(fake: FakeGitLab, seeded: MergeRequest) -> None:
    old_refs = dict(seeded.diff_refs)
    new_head = fake.push(seeded, {**HEAD_FILES, "VERSION": "2.0.0\n"})
    mr = fake.client().projects.get(42, lazy=True).mergerequests.get(seeded.iid)
    assert mr.diff_refs == {**old_refs, "head_sha": new_head}
    assert [v.head_commit_sha for v in mr.diffs.list()] == [new_head, old_refs["head_sha"]]
    system = [n for n in mr.notes.list() if n.system]
    assert [n.body.split("\n")[0] for n in system] == ["added 1 commit"]


def test_old_version_positions_when_allowed() -> None:
    with FakeGitLab(accept_old_versions=True) as fake:
        mr = fake.add_merge_request(BASE_FILES, HEAD_FILES)
        api = fake.client().projects.get(42, lazy=True).mergerequests.get(mr.iid)
        fake.push(mr, {**HEAD_FILES, "VERSION": "2.0.0\n"})
        created = api.discussions.create({"body": "x", "position": position(api, new_line=23)})
        assert created.attributes["notes"][0]["position"]["head_sha"] != mr.head_sha


def test_moved_target_gives_distinct_start_sha(fake: FakeGitLab) -> None:
    mr = fake.add_merge_request(BASE_FILES, HEAD_FILES, target_moved_files={**BASE_FILES, "other": "x\n"})
    assert mr.diff_refs["start_sha"] != mr.diff_refs["base_sha"]
    assert "other" not in {d.new_path for d in mr.latest.diffs}  # the diff stays base...head


def test_changes_and_diffs_endpoints(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    changes = api_mr.changes()
    assert isinstance(changes, dict)
    assert {c["new_path"] for c in changes["changes"]} >= {JOB, "VERSION"}
    gl = fake.client()
    listed = gl.http_list(f"/projects/42/merge_requests/{api_mr.iid}/diffs", get_all=True)
    assert isinstance(listed, list)
    assert [d["new_path"] for d in listed] == [c["new_path"] for c in changes["changes"]]


# ---- diff discussions and position rules (C2-C4) ------------------------------------------------------


def test_discussion_on_added_line(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    discussion = api_mr.discussions.create({"body": "image changed", "position": position(api_mr, new_line=23)})
    assert discussion.individual_note is False
    (note,) = discussion.attributes["notes"]
    assert (note["type"], note["resolvable"], note["resolved"]) == ("DiffNote", True, False)
    assert note["position"]["new_line"] == 23 and note["position"]["old_line"] is None
    assert note["position"]["head_sha"] == api_mr.diff_refs["head_sha"]
    assert set(note) >= NOTE_REQUIRED and set(note["author"]) >= AUTHOR_REQUIRED
    exchange = fake.exchanges[-1]
    assert exchange.body_format == "json" and isinstance(exchange.params["position"], dict)


@pytest.mark.parametrize(
    ("lines", "accepted"),
    [
        ({"new_line": 23}, True),  # added line: new_line only
        ({"old_line": 19, "new_line": 21}, True),  # context line after the shift: both, and they differ
        ({"old_line": 21}, True),  # removed line: old_line only
        ({"new_line": 21}, False),  # context line with new_line only
        ({"old_line": 19}, False),  # context line with old_line only
        ({"old_line": 22, "new_line": 23}, False),  # added line with an old_line too
        ({"new_line": 14}, False),  # unchanged line outside every hunk
        ({"old_line": 12, "new_line": 14}, False),  # same line, both numbers: still outside the diff
        ({}, False),  # no line at all
    ],
)
def test_position_line_rules(
    fake: FakeGitLab, api_mr: ProjectMergeRequest, lines: dict[str, int], accepted: bool
) -> None:
    create = lambda: api_mr.discussions.create({"body": "x", "position": position(api_mr, **lines)})  # noqa: E731
    if accepted:
        assert create().attributes["notes"][0]["type"] == "DiffNote"
        return
    error = post_error(create)
    assert (error.response_code, error.error_message) == (400, LINE_CODE_ERROR)
    assert fake.rejections


def test_context_line_with_new_line_only_explains_itself(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    post_error(lambda: api_mr.discussions.create({"body": "x", "position": position(api_mr, new_line=21)}))
    assert "send both old_line and new_line" in fake.rejections[-1]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"base_sha": None}, 400, "position[base_sha] is missing"),
        ({"position_type": "line"}, 400, "position[position_type] does not have a valid value"),
        ({"new_line": "twenty"}, 400, "position[new_line] is invalid"),
        ({"old_path": None}, 400, LINE_CODE_ERROR),
        ({"new_path": "k8s/other.yaml", "old_path": "k8s/other.yaml"}, 400, LINE_CODE_ERROR),
        ({"head_sha": "0" * 40}, 400, LINE_CODE_ERROR),
    ],
)
def test_position_field_rules(api_mr: ProjectMergeRequest, change: dict[str, Any], status: int, message: str) -> None:
    pos = {k: v for k, v in {**position(api_mr, new_line=23), **change}.items() if v is not None}
    error = post_error(lambda: api_mr.discussions.create({"body": "x", "position": pos}))
    assert (error.response_code, error.error_message) == (status, message)


def test_stale_shas_after_push_are_rejected(fake: FakeGitLab, seeded: MergeRequest) -> None:
    mr = fake.client().projects.get(42, lazy=True).mergerequests.get(seeded.iid)
    fake.push(seeded, {**HEAD_FILES, "VERSION": "2.0.0\n"})
    error = post_error(lambda: mr.discussions.create({"body": "x", "position": position(mr, new_line=23)}))
    assert error.response_code == 400
    assert "current diff_refs" in fake.rejections[-1]


def test_renamed_and_new_file_positions(api_mr: ProjectMergeRequest) -> None:
    new_file = {**api_mr.diff_refs, "position_type": "text", "old_path": "k8s/cron.yaml"}
    api_mr.discussions.create({"body": "x", "position": {**new_file, "new_path": "k8s/cron.yaml", "new_line": 1}})
    renamed = {**api_mr.diff_refs, "position_type": "file", "old_path": "k8s/a.yaml", "new_path": "k8s/b.yaml"}
    api_mr.discussions.create({"body": "whole file", "position": renamed})
    wrong = {**renamed, "old_path": "k8s/b.yaml"}
    assert post_error(lambda: api_mr.discussions.create({"body": "x", "position": wrong})).response_code == 400


def test_form_body_as_in_the_docs_curl(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    refs = api_mr.diff_refs
    form = {
        "position[position_type]": "text",
        "position[base_sha]": refs["base_sha"],
        "position[head_sha]": refs["head_sha"],
        "position[start_sha]": refs["start_sha"],
        "position[new_path]": JOB,
        "position[old_path]": JOB,
        "position[new_line]": "23",
        "body": "test comment body",
    }
    url = f"{fake.api_url}/projects/42/merge_requests/{api_mr.iid}/discussions"
    response = requests.post(url, data=form, headers={"PRIVATE-TOKEN": "test-token"}, timeout=5)
    assert response.status_code == 201
    assert response.json()["notes"][0]["position"]["new_line"] == 23
    assert fake.exchanges[-1].body_format == "form"
    form["position[new_line]"] = "21"
    response = requests.post(url, data=form, headers={"PRIVATE-TOKEN": "test-token"}, timeout=5)
    assert (response.status_code, response.json()) == (400, {"message": LINE_CODE_ERROR})


def test_suggestion_body_and_its_application(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    body = (
        "Image tags of a Job are immutable.\n"
        "```suggestion:-2+0\n"
        "      containers:\n"
        "        - name: migrate\n"
        "          image: registry.example.com/app:1.0\n"
        "```"
    )
    discussion = api_mr.discussions.create({"body": body, "position": position(api_mr, new_line=23)})
    note = discussion.attributes["notes"][0]
    assert note["body"] == body
    assert [(s.above, s.below, len(s.lines)) for s in parse_suggestions(body)] == [(2, 0, 3)]
    assert fake.apply_suggestions(note["id"]) == HEAD_JOB.replace("app:1.1", "app:1.0")


def test_a_suggestion_may_reach_past_its_hunk_but_not_past_100_lines(
    fake: FakeGitLab, seeded: MergeRequest, api_mr: ProjectMergeRequest
) -> None:
    rows = HEAD_JOB.splitlines(keepends=True)  # hunks: head 3-10 and 20-24; lines 11-19 are in none
    block = "".join(rows[9:13] + rows[14:23])  # lines 10-23 without line 14 (ttlSecondsAfterFinished)
    body = f"```suggestion:-13+0\n{block}```"
    note = api_mr.discussions.create({"body": body, "position": position(api_mr, new_line=23)})
    assert fake.apply_suggestions(note.attributes["notes"][0]["id"]) == "".join(rows[:13] + rows[14:])
    far = api_mr.discussions.create({"body": "```suggestion:-101+0\nx\n```", "position": position(api_mr, new_line=23)})
    with pytest.raises(ValueError, match="more than 100 lines"):
        fake.apply_suggestions(far.attributes["notes"][0]["id"])
    fake.push(seeded, {**HEAD_FILES, JOB: HEAD_JOB.replace("  backoffLimit: 2", "  backoffLimit: 3")})
    with pytest.raises(ValueError, match="outdated"):  # line 11 changed since: GitLab refuses
        fake.apply_suggestions(note.attributes["notes"][0]["id"])


LABELS_BASE = (
    "labels:\n  app: x\n  serving.knative.dev/release: devel\n  app.kubernetes.io/name: default-domain\n"
    "  app.kubernetes.io/version: devel\n  app.kubernetes.io/part-of: knative-serving\nspec: {}\n"
)
LABELS_HEAD = (
    "labels:\n  app: x\n  app.kubernetes.io/component: default-domain-job\n  app.kubernetes.io/name: knative-serving\n"
    "  app.kubernetes.io/version: devel\n  serving.knative.dev/release: devel\nspec: {}\n"
)


def test_git_hunks_pair_lines_as_git_does_where_difflib_does_not() -> None:
    """A real edit (knative's labels reordered): git shows head line 6 as added, difflib as unchanged. A merge
    request shows git's diff, so a comment anchored on that line needs only new_line there (C3)."""
    kinds = {
        name: {ln.new_line: ln.kind for ln in hunks(LABELS_BASE, LABELS_HEAD)[1]}
        for name, hunks in (("difflib", _hunks), ("git", git_hunks))
    }
    assert (kinds["difflib"][6], kinds["git"][6]) == (" ", "+")
    text, lines = git_hunks("", "a\nb\n")  # a new file
    assert text == "@@ -0,0 +1,2 @@\n+a\n+b\n" and [(ln.old_pos, ln.new_line) for ln in lines] == [(0, 1), (0, 2)]


def test_suggestion_on_removed_line_cannot_apply(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    d = api_mr.discussions.create({"body": "```suggestion\nx\n```", "position": position(api_mr, old_line=21)})
    with pytest.raises(ValueError, match="head-side"):
        fake.apply_suggestions(d.attributes["notes"][0]["id"])


def line_range(start: tuple[int, int, str], end: tuple[int, int, str], path: str = JOB) -> dict[str, Any]:
    return {
        "start": {"line_code": f"{sha1(path)}_{start[0]}_{start[1]}", "type": start[2]},
        "end": {"line_code": f"{sha1(path)}_{end[0]}_{end[1]}", "type": end[2]},
    }


def test_multi_line_range(api_mr: ProjectMergeRequest) -> None:
    # Codes use Gitlab::Diff::Parser counters: the added image line sits at old counter 22, new 23.
    good = line_range((19, 21, "old"), (22, 23, "new"))
    created = api_mr.discussions.create({"body": "x", "position": position(api_mr, new_line=23, line_range=good)})
    assert created.attributes["notes"][0]["position"]["line_range"] == good


@pytest.mark.parametrize(
    "bad",
    [
        line_range((19, 21, "new"), (22, 23, "new")),  # context line typed "new"
        line_range((19, 21, "old"), (22, 23, "new"), path="k8s/other.yaml"),  # sha1 of another path
        line_range((12, 14, "old"), (22, 23, "new")),  # start outside the diff
        line_range((22, 24, "old"), (22, 23, "new")),  # start after end
        line_range((19, 21, "old"), (20, 22, "old")),  # end is not the position's line
        {"start": {"line_code": "nonsense", "type": "old"}, "end": {"line_code": "x", "type": "new"}},
    ],
)
def test_inconsistent_line_range_is_rejected(api_mr: ProjectMergeRequest, bad: dict[str, Any]) -> None:
    pos = position(api_mr, new_line=23, line_range=bad)
    error = post_error(lambda: api_mr.discussions.create({"body": "x", "position": pos}))
    assert (error.response_code, error.error_message) == (400, LINE_RANGE_ERROR)


def test_blank_body_is_rejected(api_mr: ProjectMergeRequest) -> None:
    error = post_error(lambda: api_mr.discussions.create({"body": "  "}))
    assert (error.response_code, error.error_message) == (400, BLANK_NOTE_ERROR)


# ---- replies, edits, resolve (C6) ---------------------------------------------------------------------


def test_reply_edit_delete_discussion_note(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    discussion = api_mr.discussions.create({"body": "first", "position": position(api_mr, new_line=23)})
    reply = discussion.notes.create({"body": "second"})
    assert reply.type == "DiscussionNote"
    note = discussion.notes.get(reply.id)
    note.body = "second, edited"
    note.save()
    fetched = api_mr.discussions.get(discussion.id)
    assert [n["body"] for n in fetched.attributes["notes"]] == ["first", "second, edited"]
    note.delete()
    assert len(api_mr.discussions.get(discussion.id).attributes["notes"]) == 1
    assert ("DELETE", f"/api/v4/projects/42/merge_requests/1/discussions/{discussion.id}/notes/{reply.id}", 204) in (
        fake.requests
    )


def test_resolve_and_unresolve(fake: FakeGitLab, api_mr: ProjectMergeRequest) -> None:
    discussion = api_mr.discussions.create({"body": "x", "position": position(api_mr, new_line=23)})
    discussion.resolved = True
    discussion.save()
    note = api_mr.discussions.get(discussion.id).attributes["notes"][0]
    assert note["resolved"] is True and note["resolved_by"]["username"] == "jobguard-bot"
    assert fake.exchanges[-2].method == "PUT" and fake.exchanges[-2].params == {"resolved": True}
    url = f"{fake.api_url}/projects/42/merge_requests/1/discussions/{discussion.id}?resolved=false"
    response = requests.put(url, headers={"PRIVATE-TOKEN": "test-token"}, timeout=5)  # the docs' query form
    assert response.status_code == 200 and response.json()["notes"][0]["resolved"] is False


def test_plain_notes_cannot_be_resolved(fake: FakeGitLab, seeded: MergeRequest, api_mr: ProjectMergeRequest) -> None:
    note = api_mr.notes.create({"body": "summary"})
    discussion = next(d for d in api_mr.discussions.list() if d.attributes["notes"][0]["id"] == note.id)
    assert discussion.individual_note is True and discussion.attributes["notes"][0]["resolvable"] is False
    discussion.resolved = True
    assert post_error(discussion.save).response_code == 403


def test_blocking_discussions_follow_resolution(fake: FakeGitLab, seeded: MergeRequest) -> None:
    discussion = fake.add_discussion(seeded, "please fix", position={**seeded.diff_refs, **_job(new_line=23)})
    project = fake.client().projects.get(42, lazy=True)
    assert project.mergerequests.get(1).blocking_discussions_resolved is False
    thread = project.mergerequests.get(1, lazy=True).discussions.get(discussion.id)
    thread.resolved = True
    thread.save()
    assert project.mergerequests.get(1).blocking_discussions_resolved is True


def _job(**lines: int) -> dict[str, Any]:
    return {"position_type": "text", "old_path": JOB, "new_path": JOB, **lines}


# ---- MR notes -------------------------------------------------------------------------------------------


def test_mr_notes_create_update_list(fake: FakeGitLab, seeded: MergeRequest, api_mr: ProjectMergeRequest) -> None:
    fake.add_note(seeded, "looks risky", author="reviewer")
    created = api_mr.notes.create({"body": "<!-- jobguard:summary -->\nSummary v1"})
    assert (created.type, created.resolvable, created.noteable_iid) == (None, False, seeded.iid)
    note = api_mr.notes.get(created.id)
    note.body = "<!-- jobguard:summary -->\nSummary v2"
    note.save()
    listed = api_mr.notes.list()
    assert [n.body.split("\n")[-1] for n in listed] == ["Summary v2", "looks risky"]  # newest first
    assert [n.id for n in api_mr.notes.list(sort="asc")] == [listed[1].id, listed[0].id]
    assert listed[0].updated_at > listed[0].created_at


def test_someone_elses_note_cannot_be_edited(
    fake: FakeGitLab, seeded: MergeRequest, api_mr: ProjectMergeRequest
) -> None:
    other = fake.add_note(seeded, "mine", author="reviewer")
    note = api_mr.notes.get(other.id)
    note.body = "hijacked"
    assert post_error(note.save).response_code == 403
    assert fake.note(other.id).body == "mine"


# ---- pagination -----------------------------------------------------------------------------------------


def test_pagination_over_100_discussions(fake: FakeGitLab, seeded: MergeRequest, api_mr: ProjectMergeRequest) -> None:
    for i in range(120):
        fake.add_discussion(seeded, f"thread {i}")
    fake.reset_log()
    everything = api_mr.discussions.list(get_all=True)
    assert [d.attributes["notes"][0]["body"] for d in everything] == [f"thread {i}" for i in range(120)]
    assert fake.reads == 6  # 20 per page by default
    fake.reset_log()
    assert len(list(api_mr.discussions.list(iterator=True, per_page=100))) == 120
    assert [r.status for r in fake.requests] == [200, 200]
    with pytest.warns(UserWarning, match="20 of 120 items"):
        first_page = api_mr.discussions.list()
    assert len(first_page) == 20


def test_pagination_headers(fake: FakeGitLab, seeded: MergeRequest) -> None:
    for i in range(45):
        fake.add_discussion(seeded, f"thread {i}")
    url = f"{fake.api_url}/projects/42/merge_requests/1/discussions"
    response = requests.get(url, params={"per_page": 20, "page": 2}, headers={"PRIVATE-TOKEN": "test-token"}, timeout=5)
    headers = response.headers
    assert (headers["X-Page"], headers["X-Next-Page"], headers["X-Prev-Page"]) == ("2", "3", "1")
    assert (headers["X-Total"], headers["X-Total-Pages"], headers["X-Per-Page"]) == ("45", "3", "20")
    assert response.links["next"]["url"].startswith(url) and "page=3" in response.links["next"]["url"]
    assert len(response.json()) == 20
    last = requests.get(response.links["last"]["url"], headers={"PRIVATE-TOKEN": "test-token"}, timeout=5)
    assert len(last.json()) == 5 and "next" not in last.links and last.headers["X-Next-Page"] == ""


# ---- faults and retries ---------------------------------------------------------------------------------


def test_502_then_success_with_retry_transient_errors(fake: FakeGitLab, seeded: MergeRequest) -> None:
    fake.fail_next("GET", r"/merge_requests/1$", 502)
    mr = fake.client().projects.get(42, lazy=True).mergerequests.get(1)
    assert mr.iid == 1
    assert [r.status for r in fake.requests] == [502, 200]


def test_502_without_retries_raises(fake: FakeGitLab, seeded: MergeRequest) -> None:
    fake.fail_next("GET", r"/merge_requests/1$", 502)
    project = fake.client(retry_transient_errors=False).projects.get(42, lazy=True)
    with pytest.raises(gitlab.exceptions.GitlabGetError) as info:
        project.mergerequests.get(1)
    assert info.value.response_code == 502


def test_429_honours_retry_after(
    fake: FakeGitLab, api_mr: ProjectMergeRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    # record python-gitlab's wait, skip it (time.sleep itself: where python-gitlab calls it moved between releases)
    monkeypatch.setattr(time, "sleep", waits.append)
    fake.fail_next("POST", r"/notes$", 429, headers={"Retry-After": "7"}, times=2)
    started = time.monotonic()
    api_mr.notes.create({"body": "after the storm"})
    assert waits == [7, 7] and time.monotonic() - started < 2
    assert [r.status for r in fake.requests if r.method == "POST"] == [429, 429, 201]
    assert [n.body for n in api_mr.notes.list()] == ["after the storm"]


def test_fault_body_and_any_method(fake: FakeGitLab, seeded: MergeRequest) -> None:
    fake.fail_next("*", r"/discussions", 503, body="<html>down</html>")
    response = requests.get(f"{fake.api_url}/projects/42/merge_requests/1/discussions", timeout=5)
    assert (response.status_code, response.text) == (503, "<html>down</html>")
    fake.fail_next("GET", r"/user$", 429)
    assert requests.get(f"{fake.api_url}/user", timeout=5).json()["message"]["error"].startswith("This endpoint")


# ---- tokens (C9) ----------------------------------------------------------------------------------------


def test_job_token_reads_mr_but_cannot_write(fake: FakeGitLab, seeded: MergeRequest) -> None:
    gl = fake.client(job_token="ci-job-token")
    mr = gl.projects.get(42, lazy=True).mergerequests.get(seeded.iid)
    assert mr.diff_refs == seeded.diff_refs
    assert mr.notes.list() == []
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError) as info:
        mr.notes.create({"body": "hi"})
    assert (info.value.response_code, info.value.error_message) == (401, "401 Unauthorized")
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        mr.discussions.create({"body": "x", "position": position(mr, new_line=23)})
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        mr.diffs.list()  # /versions is not on the job-token list either
    assert {e.auth for e in fake.exchanges} == {"job"}  # python-gitlab sends the JOB-TOKEN header


def test_job_token_denial_status_is_configurable() -> None:
    with FakeGitLab(job_token_denied_status=403) as fake:
        fake.add_merge_request(BASE_FILES, HEAD_FILES)
        mr = fake.client(job_token="ci-job-token").projects.get(42, lazy=True).mergerequests.get(1)
        error = post_error(lambda: mr.notes.create({"body": "hi"}))
        assert (error.response_code, error.error_message) == (403, "403 Forbidden")


def test_missing_wrong_and_read_only_tokens(fake: FakeGitLab, seeded: MergeRequest) -> None:
    url = f"{fake.api_url}/projects/42/merge_requests/1"
    assert requests.get(url, timeout=5).json() == {"message": "401 Unauthorized"}
    assert requests.get(url, headers={"PRIVATE-TOKEN": "nope"}, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer test-token"}, timeout=5).status_code == 200
    fake.tokens["read-token"] = "read_api"
    gl = fake.client(private_token="read-token")
    mr = gl.projects.get(42, lazy=True).mergerequests.get(1)
    error = post_error(lambda: mr.notes.create({"body": "hi"}))
    assert error.response_code == 403
    assert json.loads(error.response_body or b"{}") == INSUFFICIENT_SCOPE_BODY


def test_user_endpoint(fake: FakeGitLab) -> None:
    gl = fake.client()
    gl.auth()
    assert gl.user is not None and gl.user.username == "jobguard-bot" and gl.user.bot is True


# ---- repository: raw files and commits ------------------------------------------------------------------


def test_raw_files_by_ref(fake: FakeGitLab, seeded: MergeRequest) -> None:
    project = fake.client().projects.get(42, lazy=True)
    assert project.files.raw(JOB, ref=seeded.head_sha).decode() == HEAD_JOB
    assert project.files.raw(JOB, ref=seeded.diff_refs["base_sha"]).decode() == BASE_JOB
    assert project.files.raw(JOB, ref="feature").decode() == HEAD_JOB
    assert fake.requests[-1].path == f"/api/v4/projects/42/repository/files/{encode_path(JOB)}/raw"
    with pytest.raises(gitlab.exceptions.GitlabGetError) as info:
        project.files.raw("missing.yaml", ref="feature")
    assert info.value.error_message == "404 File Not Found"
    meta = project.files.get(JOB, ref="feature")
    assert meta.decode().decode() == HEAD_JOB and meta.last_commit_id == seeded.head_sha


def test_commit_via_api_updates_head(fake: FakeGitLab, seeded: MergeRequest) -> None:
    project = fake.client().projects.get(42, lazy=True)
    fixed = HEAD_JOB.replace("app:1.1", "app:1.0")
    old_head = seeded.head_sha
    commit = project.commits.create(
        {
            "branch": "feature",
            "commit_message": "jobguard: revert immutable image change",
            "actions": [
                {"action": "update", "file_path": JOB, "content": fixed, "last_commit_id": old_head},
                {"action": "move", "file_path": "k8s/c.yaml", "previous_path": "k8s/b.yaml"},
            ],
        }
    )
    assert commit.parent_ids == [old_head]
    mr = project.mergerequests.get(1)
    assert mr.diff_refs["head_sha"] == commit.id
    assert mr.diff_refs["base_sha"] == seeded.base_sha
    assert project.files.raw(JOB, ref=commit.id).decode() == fixed
    assert len(mr.diffs.list()) == 2
    paths = {d["new_path"] for d in mr.diffs.get(mr.diffs.list()[0].id).diffs}
    assert "k8s/c.yaml" in paths and "k8s/b.yaml" not in paths


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"action": "create", "file_path": JOB, "content": "x"}, "already exists"),
        ({"action": "update", "file_path": "nope.yaml", "content": "x"}, "does not exist"),
        ({"action": "update", "file_path": JOB, "content": "x", "last_commit_id": "0" * 40}, "has changed"),
        ({"action": "explode", "file_path": JOB}, "Unknown action type"),
    ],
)
def test_commit_action_errors(fake: FakeGitLab, seeded: MergeRequest, action: dict[str, Any], message: str) -> None:
    project = fake.client().projects.get(42, lazy=True)
    error = post_error(
        lambda: project.commits.create({"branch": "feature", "commit_message": "m", "actions": [action]})
    )
    assert error.response_code == 400 and message in str(error.error_message)
    assert fake.merge_requests[1].head_sha == seeded.head_sha


def test_fork_source_branch_needs_allow_collaboration(fake: FakeGitLab) -> None:
    locked = fake.add_merge_request(BASE_FILES, HEAD_FILES, fork=True, source_branch="contrib")
    open_mr = fake.add_merge_request(
        BASE_FILES, HEAD_FILES, fork=True, source_branch="shared", allow_collaboration=True
    )
    gl = fake.client()
    api = gl.projects.get(42, lazy=True).mergerequests.get(locked.iid)
    assert api.source_project_id != api.target_project_id
    fork = gl.projects.get(api.source_project_id, lazy=True)
    body = {"commit_message": "fix", "actions": [{"action": "update", "file_path": "VERSION", "content": "1.0"}]}
    assert post_error(lambda: fork.commits.create({**body, "branch": "contrib"})).response_code == 403
    commit = fork.commits.create({**body, "branch": "shared"})
    assert fake.merge_requests[open_mr.iid].head_sha == commit.id
    target = gl.projects.get(42, lazy=True)  # the head SHA is readable from the target (MR refs)
    assert target.files.raw("VERSION", ref=commit.id) == b"1.0"


# ---- bookkeeping ----------------------------------------------------------------------------------------


def test_request_log_and_counters(fake: FakeGitLab, seeded: MergeRequest) -> None:
    project = fake.client().projects.get(42, lazy=True)
    mr = project.mergerequests.get(1)
    mr.notes.create({"body": "hello"})
    mr.notes.list()
    requests.get(f"{fake.api_url}/nowhere", timeout=5)
    assert fake.requests == [
        RequestRecord("GET", "/api/v4/projects/42/merge_requests/1", 200),
        ("POST", "/api/v4/projects/42/merge_requests/1/notes", 201),
        ("GET", "/api/v4/projects/42/merge_requests/1/notes", 200),
        ("GET", "/api/v4/nowhere", 404),
    ]
    assert (fake.reads, fake.writes) == (3, 1)
    with pytest.raises(gitlab.exceptions.GitlabGetError) as info:
        project.mergerequests.get(99)
    assert info.value.error_message == "404 Merge Request Not Found"


def test_another_users_token_writes_as_that_user(fake: FakeGitLab, seeded: MergeRequest) -> None:
    """Notes carry `author.username` as GitLab reports it; a test can write as someone else (issue 14)."""
    mallory = fake.client(private_token=fake.add_user_token("glpat-mallory", "mallory"))
    assert mallory.http_get("/user")["username"] == "mallory"  # type: ignore[index]
    mallory.projects.get(seeded.project.id, lazy=True).mergerequests.get(seeded.iid, lazy=True).notes.create(
        {"body": "from mallory"}
    )
    bot = fake.client().projects.get(seeded.project.id, lazy=True).mergerequests.get(seeded.iid, lazy=True)
    bot.notes.create({"body": "from the bot"})
    notes = [(n.author["username"], n.body) for n in bot.notes.list(get_all=True, sort="asc") if not n.system]
    assert notes == [("mallory", "from mallory"), ("jobguard-bot", "from the bot")]
