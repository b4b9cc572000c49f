"""`check --head REV` judges REV with REV's own configuration, not the working tree's (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobguard.cli import main
from tests.conftest import RepoFactory, git
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

OFF = "rules:\n  job-immutable-field: off\n"


def check(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> int:
    monkeypatch.chdir(repo)
    code = main(["check", "--base", "main", *args])
    capsys.readouterr()
    return code


def test_the_working_tree_config_does_not_judge_another_revision(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE})
    (repo / ".jobguard.yaml").write_text(OFF, encoding="utf-8")  # not committed: only the working tree has it
    assert check(repo, monkeypatch, capsys, "--head", "change") == 1
    assert check(repo, monkeypatch, capsys) == 0  # the working tree is judged by its own file


def test_the_revision_config_judges_it(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE, ".jobguard.yaml": OFF})
    git(repo, "checkout", "-q", "main")  # the working tree has no config at all
    assert check(repo, monkeypatch, capsys, "--head", "change") == 0


def test_a_broken_config_in_the_revision_names_itself(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE, ".jobguard.yml": "fail-on: [\n"})
    git(repo, "checkout", "-q", "main")
    monkeypatch.chdir(repo)
    assert main(["check", "--base", "main", "--head", "change"]) == 2
    assert capsys.readouterr().err.startswith("jobguard: error: .jobguard.yml:2:1: invalid YAML")


def test_a_config_symlinked_out_of_the_revision_is_a_config_error(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE})
    (repo / ".jobguard.yaml").symlink_to("../../etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a config pointing out of the tree")
    monkeypatch.chdir(repo)
    assert main(["check", "--base", "main", "--head", "HEAD"]) == 2
    assert capsys.readouterr().err == (
        "jobguard: error: .jobguard.yaml:1:1: symlink to ../../etc/passwd points outside the repository; not followed\n"
    )
