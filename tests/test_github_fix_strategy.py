"""`/jobguard fix S` on GitHub honours the strategy it names (issue 13), through the CLI against the fake GitHub."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobguard.platforms import github as github_platform
from tests.fakes.github import FakeGitHub, fake_github, github_contract
from tests.test_github_platform import FAST, NUMBER
from tests.test_github_review import BASE, BILLING, Scenario, comment_env, fake

__all__ = ["fake", "fake_github", "github_contract"]

# only the image bumped: the hook annotation goes under metadata, above the hunk
FAR = {**BASE, BILLING: BASE[BILLING].replace("migrations:1.4.0", "migrations:1.5.0")}


def test_the_fix_command_honours_its_strategy(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`/jobguard fix argocd-force` through the CLI, as the fix workflow runs it: only that strategy's fixes land."""
    from jobguard.cli import main

    pr = Scenario(fake, tmp_path, local=False, head=FAR)
    pr.run()
    head = fake.pull(NUMBER).head_sha
    for key, value in comment_env(pr, "/jobguard fix argocd-force", "MEMBER").items():
        monkeypatch.setenv(key, value)
    original = github_platform.from_env
    monkeypatch.setattr(github_platform, "from_env", lambda environ: original(environ, settings=FAST))
    assert main(["review"]) == 0
    new_head = fake.pull(NUMBER).head_sha
    assert new_head != head, capsys.readouterr()
    billing = fake.file_text(new_head, BILLING) or ""
    assert "  annotations:\n    argocd.argoproj.io/sync-options: Force=true\n" in billing
    assert "argocd.argoproj.io/hook:" not in billing  # not the preferred hook fix
