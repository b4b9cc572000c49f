"""`jobguard review` with rendering, end to end against the fake GitHub and the fake GitLab: an overlay's `newTag`
bump on the real installplan-approver base is commented on the changed line of the kustomization, like any other
finding; a review without a clone cannot render and says so in the summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobguard.comments import SUMMARY_MARKER, fingerprint_of
from jobguard.pipeline import RunOptions
from jobguard.platforms.gitlab import from_env
from jobguard.review import ReviewSettings, run_review
from tests.fakes.github import FakeGitHub, fake_github, github_contract
from tests.render_files import needs_kustomize_corpus
from tests.test_github_platform import NUMBER, REPO, TOKEN, open_pr
from tests.test_gitlab_platform import GitBackedGitLab, ci_env
from tests.test_render_check import IMAGES_V44, IMAGES_V45, PROD, approver, line_of, overlay

__all__ = ["fake_github", "github_contract"]
pytestmark = needs_kustomize_corpus

BASE = {**approver(overlay(*IMAGES_V44)), "README.md": "# gitops\n"}
HEAD = {**BASE, PROD: overlay(*IMAGES_V45)}
NEW_TAG_LINE = line_of(overlay(*IMAGES_V45), "newTag")


@pytest.fixture
def github(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.token = TOKEN
    fake_github.default_repo = fake_github.add_repo(REPO, default_branch="master").full_name
    return fake_github


def test_github_comments_the_rendered_finding_on_the_newtag_line(github: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(github, tmp_path, BASE, HEAD, local=True)
    outcome = run_review(pr.platform(), RunOptions(), ReviewSettings(sarif_path=tmp_path / "jobguard.sarif"))
    assert outcome.exit_code == 1
    (comment,) = [c for c in github.comments_of(NUMBER) if fingerprint_of(c.body)]
    assert (comment.path, comment.line) == (PROD, NEW_TAG_LINE)
    assert "job-immutable-field" in comment.body
    assert "kustomization `installplan-approver/overlays/prod`" in comment.body
    assert "→" in comment.body


def test_github_without_a_clone_says_why_nothing_was_rendered(github: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(github, tmp_path, BASE, HEAD, local=False)
    outcome = run_review(pr.platform(), RunOptions(), ReviewSettings(sarif_path=tmp_path / "jobguard.sarif"))
    assert [f.rule for f in outcome.findings] == ["render-skipped"]
    assert outcome.exit_code == 0
    (summary,) = [c.body for c in github.issue_comments.values() if c.body.startswith(SUMMARY_MARKER)]
    assert "render-skipped" in summary and "whole revisions" in summary


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[GitBackedGitLab]:
    with GitBackedGitLab(tmp_path / "repo") as server:
        yield server


def test_gitlab_comments_the_rendered_finding_on_the_newtag_line(gitlab: GitBackedGitLab) -> None:
    mr = gitlab.add_merge_request(BASE, HEAD)
    platform = from_env(ci_env(gitlab, mr, gitlab.repo))
    try:
        outcome = run_review(platform)
    finally:
        platform.close()
    assert outcome.exit_code == 1
    notes = [d.notes[0] for d in mr.discussions if d.notes[0].type == "DiffNote"]
    (note,) = [n for n in notes if fingerprint_of(n.body)]
    assert note.position is not None
    assert (note.position["new_path"], note.position["new_line"]) == (PROD, NEW_TAG_LINE)
    assert "kustomization `installplan-approver/overlays/prod`" in note.body
