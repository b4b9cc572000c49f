"""`jobguard review --platform local`, `jobguard fix` and `jobguard init` on a real git checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from jobguard.cli import main
from tests.conftest import RepoFactory
from tests.test_cli import BASE_JOB, HEAD_JOB


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_local_review_prints_what_would_be_posted(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "review", "--platform", "local", "--sarif", "out.sarif")
    assert code == 1
    assert out.startswith("--- inline comment on job.yaml:12\n**jobguard**")
    assert "```suggestion" not in out  # no hunk holds the metadata block: the fix is shown as a diff
    assert "```diff" in out
    assert "--- summary comment\n<!-- jobguard:summary -->" in out
    assert err == "jobguard: 1 finding, 1 new inline, summary updated.\n"
    assert json.loads((repo / "out.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == "job-immutable-field"


def test_fix_applies_the_preferred_fix_and_the_check_then_passes(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "fix")
    assert code == 0
    assert out.splitlines() == [
        "job.yaml:12: job-immutable-field: Make it an Argo CD PreSync hook with BeforeHookCreation",
        "jobguard: applied fixes to 1 file; 0 findings left.",
    ]
    fixed = (repo / "job.yaml").read_text()
    assert fixed == HEAD_JOB.replace(
        "  namespace: apps\n",
        "  namespace: apps\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n"
        "    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n",
    )
    assert run(capsys, "check")[0] == 0


def test_fix_with_a_chosen_strategy(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, _, _ = run(capsys, "fix", "--strategy", "argocd-force")
    assert code == 0
    assert "argocd.argoproj.io/sync-options: Force=true" in (repo / "job.yaml").read_text()
    code, _, err = run(capsys, "fix", "--strategy", "nope")
    assert code == 2 and err.startswith("jobguard: error: --strategy nope: unknown; one of argocd-hook")


def test_init_writes_a_config_that_validates(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "init")
    assert (code, out) == (0, f"jobguard: wrote {repo / '.jobguard.yaml'}\n")
    assert isinstance(yaml.safe_load((repo / ".jobguard.yaml").read_text()), dict)
    code, _, err = run(capsys, "init")
    assert code == 2 and "exists; use --force" in err
    (repo / ".jobguard.yaml").unlink()
    (repo / ".jobguard.yaml").mkdir()
    code, _, err = run(capsys, "init", "--force")  # an OS refusal is the user's to fix: 2 with one line, never 3
    assert (code, err) == (2, f"jobguard: error: {repo / '.jobguard.yaml'}: cannot write: Is a directory\n")
    (repo / ".jobguard.yaml").rmdir()
    run(capsys, "init")
    assert run(capsys, "check")[0] == 1


def test_config_changes_severity_and_rules_shows_it(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    (repo / ".jobguard.yaml").write_text("rules:\n  job-immutable-field: warning\n")
    code, out, _ = run(capsys, "check")
    assert code == 0 and "warning job-immutable-field" in out
    code, out, _ = run(capsys, "rules")
    assert out.splitlines()[0].split()[:2] == ["job-immutable-field", "warning"]
    assert out.splitlines()[-1] == f"(severities from {repo / '.jobguard.yaml'})"
    (repo / ".jobguard.yaml").write_text("fail_on: warning\n")
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err.endswith(".jobguard.yaml:1:1: unknown key 'fail_on' (did you mean 'fail-on'?)\n")


def test_bad_config_path(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "rules", "--config", str(tmp_path / "missing.yaml"))
    assert code == 2 and err.count("\n") == 1


HOOK_JOB = BASE_JOB.replace(
    "  namespace: apps\n", "  namespace: apps\n  annotations:\n    argocd.argoproj.io/hook: presync\n"
)


def test_fix_with_a_strategy_that_applies_to_no_finding_changes_nothing(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "fix", "--strategy", "flux-force")
    assert (code, out) == (2, "")
    assert err == (
        "jobguard: error: --strategy flux-force applies to none of the 1 fixable finding, so nothing was changed: "
        "job.yaml:12 job-immutable-field takes argocd-hook, argocd-force, argocd-force-replace, "
        "argocd-hook-generate-name\n"
    )
    assert (repo / "job.yaml").read_text() == HEAD_JOB


def test_fix_with_a_strategy_that_applies_to_some_findings_changes_nothing(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB, "hook.yaml": HOOK_JOB.replace("migrate", "seed")})
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "fix", "--strategy", "argocd-force")
    assert (code, out) == (2, "")
    assert err == (
        "jobguard: error: --strategy argocd-force applies to 1 of 2 fixable findings, so nothing was changed: "
        "hook.yaml:7 job-hook-unknown-phase takes correct-hook-phase\n"
    )
    assert (repo / "job.yaml").read_text() == HEAD_JOB
    assert run(capsys, "fix", "--strategy", "argocd-force", "job.yaml")[0] == 0  # narrowed to where it applies
    assert "Force=true" in (repo / "job.yaml").read_text()


def test_every_config_mistake_is_reported_in_one_run(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    (repo / ".jobguard.yaml").write_text(
        "fail_on: warning\nrules:\n  job-immutable-field: fatal\noverrides:\n  - paths: []\n"
        "    rules:\n      job-ttl-after-finishd: off\n"
    )
    code, out, err = run(capsys, "check")
    assert (code, out) == (2, "")
    path = repo / ".jobguard.yaml"
    assert err.splitlines() == [
        f"jobguard: error: {path}:1:1: unknown key 'fail_on' (did you mean 'fail-on'?)",
        f"jobguard: error: {path}:3:24: rules.job-immutable-field must be error, warning, info or off "
        "(or a mapping with a severity), got 'fatal'",
        f"jobguard: error: {path}:5:12: overrides[0].paths must not be empty",
        f"jobguard: error: {path}:7:7: unknown rule 'job-ttl-after-finishd' (did you mean 'job-ttl-after-finished'?)",
    ]


def test_fail_on_for_check_and_fix_overrides_the_config(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    unexplained = HEAD_JOB.replace("  name: migrate\n", "  name: migrate  # jobguard: ignore[job-immutable-field]\n")
    repo = make_repo({"job.yaml": BASE_JOB, ".jobguard.yaml": "fail-on: never\n"}, {"job.yaml": unexplained})
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "check")
    assert (code, out.splitlines()[-1]) == (0, "jobguard: 1 warning (1 manifest file checked).")
    assert run(capsys, "check", "--fail-on", "warning")[0] == 1
    assert run(capsys, "check", "--fail-on", "error")[0] == 0
    code, out, _ = run(capsys, "fix", "--fail-on", "warning")  # the warning has no fix: it is left, and counts
    assert (code, out) == (1, "jobguard: applied fixes to 0 files; 1 finding left.\n")
    assert run(capsys, "fix", "--fail-on", "never")[0] == 0
    code, out, err = run(capsys, "check", "--fail-on", "sometimes")
    assert (code, out) == (2, "")
    assert err == "jobguard: error: --fail-on sometimes: expected one of error, warning, info, never\n"


def test_two_config_files_warn_once_on_the_command_line(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    (repo / ".jobguard.yaml").write_text("rules:\n  job-immutable-field: warning\n")
    (repo / ".github").mkdir()
    (repo / ".github" / "jobguard.yaml").write_text("fail-on: never\n")
    code, _, err = run(capsys, "check")
    assert (code, err) == (
        0,
        "jobguard: warning: several configuration files: .jobguard.yaml, .github/jobguard.yaml; using "
        ".jobguard.yaml (the first of .jobguard.yaml, .jobguard.yml, .github/jobguard.yaml, .github/jobguard.yml); "
        "remove the others\n",
    )
