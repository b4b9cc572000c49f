""".pre-commit-hooks.yaml: valid for pre-commit's own schema, and its hook does what it promises. The hook's
`entry` and `args` run exactly as pre-commit runs them (entry split like a shell, then args, then the staged
file names) in a repository with a committed Job; and pre-commit itself runs the same hook as a local `system`
hook, which proves the point the hook relies on: unstaged changes are stashed, so the working tree that
`jobguard check --base HEAD` reads is what will be committed.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import InvalidConfigError, InvalidManifestError, load_config, load_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
JOB = """apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: app:1.0
"""
IMMUTABLE = JOB.replace("app:1.0", "app:1.1")  # the pod template of an existing Job
HARMLESS = JOB.replace("  name: migrate\nspec", "  name: migrate\n  labels:\n    team: data\nspec")


def hook() -> dict[str, Any]:
    (only,) = load_manifest(str(MANIFEST))
    return dict(only)


def environment(tmp: Path) -> dict[str, str]:
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp),
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
        "NO_COLOR": "1",
    }


def git(repo: Path, *args: str) -> None:
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    env = environment(repo.parent)
    subprocess.run(["git", *ident, *args], cwd=repo, env=env, check=True, capture_output=True)


def repository(tmp: Path) -> Path:
    repo = tmp / "gitops"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "apps").mkdir()
    (repo / "apps" / "job.yaml").write_text(JOB, encoding="utf-8")
    (repo / "README.md").write_text("# gitops\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a Job")
    return repo


def stage(repo: Path, text: str) -> None:
    (repo / "apps" / "job.yaml").write_text(text, encoding="utf-8")
    git(repo, "add", "apps/job.yaml")


def run_entry(repo: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    """What pre-commit executes for a python hook: shlex.split(entry) + args + file names, in the repository."""
    spec = hook()
    argv = [*shlex.split(spec["entry"]), *spec["args"], *files]
    return subprocess.run(argv, cwd=repo, env=environment(repo.parent), capture_output=True, text=True, check=False)


# ------------------------------------------------------------------------------------------------ the manifest


def test_the_manifest_is_valid_for_pre_commit() -> None:
    spec = hook()
    assert spec["id"] == "jobguard" and spec["language"] == "python"
    assert shlex.split(spec["entry"]) == ["jobguard", "check", "--base", "HEAD"]
    assert spec["pass_filenames"] is True and spec["types"] == ["yaml"] and spec["require_serial"] is True


@pytest.mark.parametrize(
    ("change", "error"),
    [({"language": "cobol"}, "cobol"), ({"entry": None}, "entry"), ({"types": ["no-such-type"]}, "no-such-type")],
)
def test_pre_commits_schema_refuses_a_broken_manifest(tmp_path: Path, change: dict[str, Any], error: str) -> None:
    broken = {**yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))[0], **change}
    broken = {key: value for key, value in broken.items() if value is not None}
    (tmp_path / "hooks.yaml").write_text(yaml.safe_dump([broken]), encoding="utf-8")
    with pytest.raises(InvalidManifestError, match=error):
        load_manifest(str(tmp_path / "hooks.yaml"))


def readme_example() -> str:
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), re.S) if "repos:" in b]
    return block


def test_the_readme_example_is_a_valid_config_using_this_hook(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(readme_example(), encoding="utf-8")
    (repo,) = load_config(str(tmp_path / "config.yaml"))["repos"]
    assert repo["repo"] == "https://github.com/jobguard/jobguard" and [h["id"] for h in repo["hooks"]] == [hook()["id"]]
    (tmp_path / "broken.yaml").write_text(readme_example().replace("rev:", "revision:"), encoding="utf-8")
    with pytest.raises(InvalidConfigError, match="rev"):
        load_config(str(tmp_path / "broken.yaml"))


# ------------------------------------------------------------------------------------------------ the entry


def test_a_staged_immutable_edit_fails(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    stage(repo, IMMUTABLE)
    done = run_entry(repo, ["apps/job.yaml"])
    assert done.returncode == 1, done.stderr
    assert "apps/job.yaml:11: error job-immutable-field Job `migrate`" in done.stdout
    assert "`spec.template.spec.containers[0].image` changed from 'app:1.0' to 'app:1.1'" in done.stdout


def test_a_staged_harmless_edit_passes(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    stage(repo, HARMLESS)
    done = run_entry(repo, ["apps/job.yaml"])
    assert (done.returncode, done.stdout.strip()) == (0, "jobguard: no findings (1 manifest file checked).")


def test_only_the_named_files_are_checked(tmp_path: Path) -> None:
    """pre-commit names the staged files; a changed Job that is not among them is not this commit's business."""
    repo = repository(tmp_path)
    (repo / "apps" / "job.yaml").write_text(IMMUTABLE, encoding="utf-8")
    (repo / "apps" / "other.yaml").write_text("kind: ConfigMap\n", encoding="utf-8")
    git(repo, "add", "apps/other.yaml")
    assert run_entry(repo, ["apps/other.yaml"]).returncode == 0
    assert run_entry(repo, ["apps/other.yaml", "apps/job.yaml"]).returncode == 1


# ------------------------------------------------------------------------------------------------ under pre-commit


def pre_commit(repo: Path) -> subprocess.CompletedProcess[str]:
    """`pre-commit run` with this hook as a local system hook (same entry, args and file selection)."""
    spec = hook()
    local = {key: spec[key] for key in ("id", "name", "entry", "args", "types", "require_serial")}
    config = {"repos": [{"repo": "local", "hooks": [{**local, "language": "system"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git(repo, "add", ".pre-commit-config.yaml")
    argv = [sys.executable, "-m", "pre_commit", "run", "--color", "never"]
    return subprocess.run(argv, cwd=repo, env=environment(repo.parent), capture_output=True, text=True, check=False)


def test_pre_commit_checks_what_is_staged_not_the_working_tree(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    stage(repo, IMMUTABLE)
    (repo / "apps" / "job.yaml").write_text(HARMLESS, encoding="utf-8")  # unstaged: stashed by pre-commit
    done = pre_commit(repo)
    assert done.returncode == 1 and "job-immutable-field" in done.stdout, done.stdout + done.stderr
    assert (repo / "apps" / "job.yaml").read_text(encoding="utf-8") == HARMLESS  # restored afterwards

    stage(repo, HARMLESS)
    (repo / "apps" / "job.yaml").write_text(IMMUTABLE, encoding="utf-8")
    done = pre_commit(repo)
    assert done.returncode == 0 and "jobguard" in done.stdout and "Passed" in done.stdout, done.stdout + done.stderr
