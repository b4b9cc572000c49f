"""The guards of `manifests.load` in git modes too (issue 14): a file over the size limit is refused from the size git
reports, before its text is read or diffed, and a symlink is followed only inside the tree, as on disk."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jobguard import manifest_guards
from jobguard.cli import main
from jobguard.gitrepo import Repo
from jobguard.manifest_guards import UnreadableFile
from tests.conftest import RepoFactory, git
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

LIMIT = 4096  # the real limit, 4 MiB, would make slow tests
BIG = SMALL_JOB + "".join(f"# filler {i:06}\n" for i in range(400))  # about 8 KiB


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest_guards, "MAX_FILE_BYTES", LIMIT)


def findings(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> list:
    monkeypatch.chdir(repo)
    code = main(["check", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    return sorted((f["rule"], f["path"], f["line"], f["message"]) for f in json.loads(out)["findings"])


def test_a_blob_over_the_limit_is_refused_before_it_is_read(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"big.yaml": SMALL_JOB}, {"big.yaml": BIG})
    reader = Repo(repo)
    read: list[str] = []
    contents = reader._contents
    monkeypatch.setattr(reader, "_contents", lambda sha: read.append(sha) or contents(sha))
    with pytest.raises(UnreadableFile, match=f"over the {LIMIT:,}-byte limit"):
        reader.blob("change", "big.yaml")
    assert read == []
    assert reader.blob("main", "big.yaml") == SMALL_JOB.encode()
    reader.close()


def test_a_file_over_the_limit_is_listed_but_never_diffed(make_repo: RepoFactory) -> None:
    repo = make_repo({"big.yaml": SMALL_JOB, "job.yaml": SMALL_JOB}, {"big.yaml": BIG, "job.yaml": SMALL_JOB_NEW_IMAGE})
    changes = Repo(repo).changes("main", "change")
    assert changes is not None
    assert sorted((c.path, bool(c.hunks)) for c in changes) == [("big.yaml", False), ("job.yaml", True)]


@pytest.mark.parametrize("head", [["--head", "change"], []], ids=["revision", "working-tree"])
def test_check_reports_the_big_file_and_keeps_the_others(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], head: list[str]
) -> None:
    repo = make_repo({"big.yaml": SMALL_JOB, "job.yaml": SMALL_JOB}, {"big.yaml": BIG, "job.yaml": SMALL_JOB_NEW_IMAGE})
    found = findings(repo, monkeypatch, capsys, "--base", "main", *head)
    assert [(rule, path, line) for rule, path, line, _ in found] == [
        ("job-immutable-field", "job.yaml", 12),
        ("manifest-invalid", "big.yaml", 1),
    ]
    assert f"over the {LIMIT:,}-byte limit" in found[1][3]


def test_symlinks_in_a_revision_are_followed_inside_the_tree_only(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As on disk (trees.read_inside): a link inside the tree is read through, one leaving it or looping is reported."""
    repo = make_repo({}, {"jobs/old.txt": SMALL_JOB, "jobs/new.txt": SMALL_JOB_NEW_IMAGE})
    os.symlink("jobs/old.txt", repo / "inside.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a link")
    (repo / "inside.yaml").unlink()
    os.symlink("jobs/new.txt", repo / "inside.yaml")
    os.symlink("../../etc/passwd", repo / "outside.yaml")
    os.symlink("loop-b.yaml", repo / "loop-a.yaml")
    os.symlink("loop-a.yaml", repo / "loop-b.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links changed")
    found = findings(repo, monkeypatch, capsys, "--base", "HEAD~1", "--head", "HEAD")
    assert [(rule, path, line) for rule, path, line, _ in found] == [
        ("job-immutable-field", "inside.yaml", 12),
        ("manifest-invalid", "loop-a.yaml", 1),
        ("manifest-invalid", "loop-b.yaml", 1),
        ("manifest-invalid", "outside.yaml", 1),
    ]
    assert "symlink loop" in found[1][3]
    assert "symlink to ../../etc/passwd points outside the repository; not followed" in found[3][3]


def test_binary_and_utf16_manifests_in_a_revision_are_reported(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"bin.yaml": "a: 1\n", "u16.yaml": "a: 1\n"}, {})
    (repo / "bin.yaml").write_bytes(b"apiVersion: batch/v1\nkind: Job\n\x00\x01")
    (repo / "u16.yaml").write_bytes(SMALL_JOB.encode("utf-16"))
    git(repo, "commit", "-q", "-am", "not text")
    found = findings(repo, monkeypatch, capsys, "--base", "main", "--head", "HEAD")
    assert [(rule, path, line) for rule, path, line, _ in found] == [
        ("manifest-invalid", "bin.yaml", 1),
        ("manifest-invalid", "u16.yaml", 1),
    ]


def test_sizes_are_asked_once_per_change_not_once_per_blob(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size guard must not cost a round trip to git per file read (5,000 changed files: seconds)."""
    from jobguard.trees import Tree, changed_files

    names = [f"jobs/job-{i:02}.yaml" for i in range(30)]
    repo = make_repo(dict.fromkeys(names, SMALL_JOB), dict.fromkeys(names, SMALL_JOB_NEW_IMAGE))
    asked: list[int] = []
    ask = Repo._ask_sizes
    monkeypatch.setattr(Repo, "_ask_sizes", lambda self, shas: asked.append(len(shas)) or ask(self, shas))
    base, head = Tree(repo, rev="main"), Tree(repo, rev="change")
    changes = changed_files(base, head)
    assert {(base.read(c.path), head.read(c.path)) for c in changes} == {
        (SMALL_JOB.encode(), SMALL_JOB_NEW_IMAGE.encode())
    }
    base.close()
    head.close()
    assert len(changes) == 30 and asked == [2]  # the two distinct blobs, in one pipelined request
