"""The action's `working-directory`, `paths`, `format` and `output` inputs, end to end: action.yml's args as the
runner passes them, `jobguard review` in the runner's environment, the fake GitHub (as test_github_review.py's
CLI test does), and the resolution rules of jobguard.scope on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from jobguard.diff import FileChange, Status
from jobguard.errors import UsageError
from jobguard.platforms import github as github_platform
from jobguard.scope import Scope, resolve, selected
from tests.fakes.github import FakeGitHub, fake_github, github_contract
from tests.test_action import evaluated_args
from tests.test_github_platform import FAST, NUMBER, PR, TOKEN, git, open_pr
from tests.test_github_review import BASE, BILLING, HEAD, IMMUTABLE, REPLACE, REPORTS, UNKNOWN_PHASE, fake

__all__ = ["fake", "fake_github", "github_contract"]


def prefixed(files: Mapping[str, str], *folders: str) -> dict[str, str]:
    """A monorepo: the same GitOps tree in each folder, plus the repository's README."""
    return {
        "README.md": "# monorepo\n",
        **{f"{d}/{p}": t for d in folders for p, t in files.items() if p != "README.md"},
    }


FROM_ENV = github_platform.from_env


def run_action(pr: PR, monkeypatch: pytest.MonkeyPatch, values: Mapping[str, str], *, cwd: Path | None = None) -> int:
    """`jobguard review` with action.yml's args for `values`, in the runner's environment (cwd: the workspace)."""
    from jobguard.cli import main

    workspace = cwd or pr.tmp / "workspace"
    for key, value in {**pr.env, "GITHUB_WORKSPACE": str(workspace)}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(workspace)
    monkeypatch.setattr(github_platform, "from_env", lambda environ: FROM_ENV(environ, settings=FAST))
    pr.fake.reset_log()
    return main(["review", *evaluated_args(dict(values))])


def commented(fake: FakeGitHub) -> list[str]:
    """The files of jobguard's inline comments on the pull request."""
    return sorted(c.path for c in fake.comments_of(NUMBER) if c.in_reply_to_id is None)


def reported(path: Path) -> list[tuple[str, str]]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return sorted((f["path"], f["rule"]) for f in data["findings"])


# ------------------------------------------------------------------------------------------------ end to end


def test_format_and_output_write_the_report(fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pr = open_pr(fake, tmp_path, BASE, HEAD, local=True)
    (tmp_path / "workspace" / "reports").mkdir()
    assert run_action(pr, monkeypatch, {"format": "json", "output": "reports/jobguard.json"}) == 1
    expected = sorted([(BILLING, IMMUTABLE), (REPORTS, UNKNOWN_PHASE), (REPORTS, REPLACE)])
    assert reported(tmp_path / "workspace" / "reports" / "jobguard.json") == expected
    assert commented(fake) == [BILLING, REPORTS, REPORTS]  # the review itself is unchanged
    assert run_action(pr, monkeypatch, {"format": "codequality", "output": "gl.json"}) == 1
    quality = json.loads((tmp_path / "workspace" / "gl.json").read_text(encoding="utf-8"))
    assert sorted(item["location"]["path"] for item in quality) == sorted([BILLING, REPORTS, REPORTS])


def test_working_directory_is_the_gitops_root_of_a_monorepo(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pr = open_pr(fake, tmp_path, prefixed(BASE, "gitops", "legacy"), prefixed(HEAD, "gitops", "legacy"), local=True)
    values = {"format": "json", "output": "report.json"}
    assert run_action(pr, monkeypatch, values) == 1
    everything = reported(tmp_path / "workspace" / "report.json")
    assert {path.split("/")[0] for path, _ in everything} == {"gitops", "legacy"} and len(everything) == 6

    assert run_action(pr, monkeypatch, {**values, "working-directory": "gitops"}) == 1
    scoped = reported(tmp_path / "workspace" / "report.json")
    assert scoped == [p for p in everything if p[0].startswith("gitops/")] and len(scoped) == 3

    only = {**values, "working-directory": "gitops", "paths": "apps/billing\n"}
    assert run_action(pr, monkeypatch, only) == 1
    assert reported(tmp_path / "workspace" / "report.json") == [(f"gitops/{BILLING}", IMMUTABLE)]


def test_paths_limit_the_review_and_its_comments(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = open_pr(fake, tmp_path, BASE, HEAD, local=True)
    assert run_action(pr, monkeypatch, {"paths": "apps/reports  no/such/dir"}) == 1
    assert commented(fake) == [REPORTS, REPORTS]
    assert "2 findings" in capsys.readouterr().err


def test_working_directory_finds_a_checkout_below_the_workspace(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """actions/checkout with `path: workspace`: GITHUB_WORKSPACE is its parent and holds no .git."""
    pr = open_pr(fake, tmp_path, BASE, HEAD, local=True)
    assert run_action(pr, monkeypatch, {}, cwd=tmp_path) == 1
    assert "no checkout in GITHUB_WORKSPACE" in capsys.readouterr().err
    api_reads = fake.reads
    assert run_action(pr, monkeypatch, {"working-directory": "workspace"}, cwd=tmp_path) == 1
    err = capsys.readouterr().err
    assert "no checkout" not in err and "3 findings" in err and TOKEN not in err
    assert fake.reads < api_reads  # the diff and the files came from the checkout, not the API


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"working-directory": "../elsewhere"}, "--working-directory ../elsewhere: outside the workspace"),
        ({"working-directory": "/etc"}, "--working-directory /etc: give a path relative to the workspace"),
        ({"working-directory": "nope"}, "--working-directory nope: no such directory"),
        ({"paths": "apps ../../etc"}, "--paths ../../etc: outside the workspace"),
        ({"format": "xml", "output": "r.xml"}, "--format xml: expected one of text, json, sarif, github, codequality"),
        ({"format": "json"}, "--format and --output go together"),
        ({"output": "report.json"}, "--format and --output go together"),
    ],
)
def test_bad_inputs_are_usage_errors(  # keyword-only: pytest passes fixtures and parameters by name
    fake: FakeGitHub,
    tmp_path: Path,
    *,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    values: dict[str, str],
    message: str,
) -> None:
    pr = open_pr(fake, tmp_path, BASE, HEAD, local=True)
    assert run_action(pr, monkeypatch, values) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"jobguard: error: {message}") and err.count("\n") == 1
    assert fake.requests == [] and commented(fake) == []  # refused before any API call


# ------------------------------------------------------------------------------------------------ resolution


def test_resolution(tmp_path: Path) -> None:
    (tmp_path / "gitops" / "apps").mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "deploy").mkdir()
    assert resolve(tmp_path, None, None) == Scope() == resolve(tmp_path, "", "") == resolve(tmp_path, ".", ".")
    assert resolve(tmp_path, "gitops", None) == Scope(None, ("gitops",))
    assert resolve(tmp_path, "gitops/", "apps/b.yaml\n apps/a ") == Scope(None, ("gitops/apps/a", "gitops/apps/b.yaml"))
    assert resolve(tmp_path, "gitops", "..") == Scope()  # back up to the workspace: everything
    repo = (tmp_path / "repo").resolve()
    assert resolve(tmp_path, "repo", None) == Scope(repo, ())
    assert resolve(tmp_path, "repo/deploy", "x.yaml") == Scope(repo, ("deploy/x.yaml",))
    with pytest.raises(UsageError, match="outside the workspace"):
        resolve(tmp_path / "gitops", "..", None)


def test_selection_by_old_or_new_path() -> None:
    moved = FileChange("legacy/job.yaml", "gitops/job.yaml", Status.RENAMED)
    assert selected(moved, ("gitops",)) and selected(moved, ("legacy/job.yaml",)) and selected(moved, ())
    assert not selected(moved, ("gitop",)) and not selected(moved, ("other",))
    assert not selected(FileChange(None, "gitopsx/job.yaml", Status.ADDED), ("gitops",))


def test_a_git_repository_for_the_checkout_test(tmp_path: Path) -> None:
    """The scenarios' checkout is a real repository (the subfolder test relies on it)."""
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    assert resolve(tmp_path, "r", None).checkout == root.resolve()


def test_every_input_and_review_flag_is_documented() -> None:
    import argparse

    from jobguard.cli import build_parser
    from tests.test_action import load_action

    root = Path(__file__).resolve().parents[1]
    action_doc = (root / "docs" / "github-workflow.md").read_text(encoding="utf-8")
    assert [name for name in load_action()["inputs"] if f"`{name}`" not in action_doc] == []
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    flags = [
        flag for a in commands.choices["review"]._actions for flag in a.option_strings if flag not in ("-h", "--help")
    ]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "--working-directory" in flags and [f for f in flags if f not in readme] == []
