"""Trees a contributor can make that once crashed `check` with exit 3 (issue 14): a symlink loop, a submodule named
like a manifest, a revision name longer than any ref. Each is now a finding naming the file, or a usage error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jobguard.cli import main
from tests.conftest import RepoFactory, git
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE


def run(cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple:
    monkeypatch.chdir(cwd)
    code = main(["check", *args, "--format", "json"])
    out, err = capsys.readouterr()
    found = sorted((f["rule"], f["path"], f["message"]) for f in json.loads(out)["findings"]) if out else []
    return code, found, err


@pytest.mark.parametrize("mode", ["working-tree", "directories"])
def test_a_symlink_loop_is_a_finding_and_the_other_files_are_checked(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {})
    (repo / "job.yaml").write_text(SMALL_JOB_NEW_IMAGE, encoding="utf-8")
    os.symlink("loop-b.yaml", repo / "loop-a.yaml")
    os.symlink("loop-a.yaml", repo / "loop-b.yaml")
    if mode == "directories":
        (repo.parent / "base").mkdir()
        (repo.parent / "base" / "job.yaml").write_text(SMALL_JOB, encoding="utf-8")
        code, found, err = run(repo.parent, monkeypatch, capsys, "--base", "base", "--head", "repo")
    else:
        code, found, err = run(repo, monkeypatch, capsys, "--base", "main")
    assert (code, err) == (1, "")
    assert [(rule, path) for rule, path, _ in found] == [
        ("job-immutable-field", "job.yaml"),
        ("manifest-invalid", "loop-a.yaml"),
        ("manifest-invalid", "loop-b.yaml"),
    ]
    assert found[1][2].startswith("symlink loop at loop-b.yaml; not followed")


def test_a_submodule_whose_path_ends_in_yaml_is_no_file(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    module = tmp_path / "module"
    module.mkdir()
    git(module, "init", "-q", "-b", "main")
    (module / "f").write_text("x\n", encoding="utf-8")
    git(module, "add", "-A")
    git(module, "commit", "-q", "-m", "m")
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "-q", "add", str(module), "sub.yaml")
    git(repo, "commit", "-q", "-m", "a submodule")
    for head in (["--head", "HEAD"], []):  # a revision (a commit entry) and the working tree (a directory)
        code, found, err = run(repo, monkeypatch, capsys, "--base", "main", *head)
        assert (code, err) == (1, ""), head
        assert [(rule, path) for rule, path, _ in found] == [("job-immutable-field", "job.yaml")]


def test_a_base_longer_than_any_file_name_is_a_usage_error(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE})
    code, found, err = run(repo, monkeypatch, capsys, "--base", "a" * 300)
    assert (code, found) == (2, [])
    assert err == f"jobguard: error: --base {'a' * 300}: not a git revision of {repo} nor a file or directory\n"
