"""`gitrepo.Repo` against what a pull request's author controls: attributes, names and bytes in the tree, and the
repository's own configuration never change what jobguard reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobguard import diff
from jobguard.gitrepo import Repo
from tests.conftest import RepoFactory, git
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE


def changed(repo: Path) -> list[diff.FileChange]:
    text = Repo(repo).diff("main", "change")
    assert text is not None
    return diff.parse(text)


@pytest.mark.parametrize(
    "attributes", ["*.yaml -diff\n", "*.yaml binary\n", "*.yaml diff=hide\n", "* -text -diff\n"], ids=str.strip
)
def test_gitattributes_in_the_change_do_not_hide_the_diff(make_repo: RepoFactory, attributes: str) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE, ".gitattributes": attributes})
    # a driver that would print nothing, as a checkout's own configuration could define
    git(repo, "config", "diff.hide.textconv", "true")
    git(repo, "config", "diff.hide.command", "true")
    (change,) = changed(repo)
    assert (change.path, change.binary, sorted(change.added_lines)) == ("job.yaml", False, [12])


def test_the_repository_configuration_does_not_change_the_diff(make_repo: RepoFactory) -> None:
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": SMALL_JOB_NEW_IMAGE})
    for key, value in [
        ("diff.external", "true"),
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("color.diff", "always"),
        ("color.ui", "always"),
        ("diff.renames", "false"),
        ("diff.context", "0"),
        ("core.pager", "false"),
        ("core.quotePath", "true"),
    ]:
        git(repo, "config", key, value)
    (change,) = changed(repo)
    assert (change.path, sorted(change.added_lines), change.hunks[0].new_start) == ("job.yaml", [12], 9)


def test_a_lone_carriage_return_is_not_a_line_break(make_repo: RepoFactory) -> None:
    head = SMALL_JOB_NEW_IMAGE.replace("  name: migrate\n", "  name: migrate # a\r# b\n")
    repo = make_repo({"job.yaml": SMALL_JOB}, {"job.yaml": head})
    (change,) = changed(repo)  # git counts lines by LF only: the image is still on line 12
    assert sorted(change.added_lines) == [4, 12]
    assert Repo(repo).blob("change", "job.yaml") == head.encode()


def test_names_git_quotes_are_read_and_diffed(make_repo: RepoFactory) -> None:
    names = [
        'jobs/a "b"\tc.yaml',
        "jobs/back\\slash.yaml",
        "jobs/new\nline.yaml",
        "jobs/cr\r.yaml",
        "jobs/ünïcode.yaml",
    ]
    repo = make_repo(dict.fromkeys(names, SMALL_JOB), dict.fromkeys(names, SMALL_JOB_NEW_IMAGE))
    git(repo, "config", "core.quotePath", "true")
    assert sorted(c.path for c in changed(repo)) == sorted(names)
    for name in names:  # each read alone, and the batch reader stays in step after the odd ones
        assert Repo(repo).blob("change", name) == SMALL_JOB_NEW_IMAGE.encode()
    reader = Repo(repo)
    assert [reader.blob("main", name) for name in names] == [SMALL_JOB.encode()] * len(names)
    reader.close()
