"""The action's image, really built and run (testing.md sections 6 and 7): podman builds the Dockerfile on a
debootstrapped stand-in for its base image (tests/container_setup.sh prepares it), and `buildah run` starts
the entrypoint the way the Actions runner does: /github/workspace owned by another uid, /github/workflow/event.json,
/github/file_commands, HOME=/github/home, INPUT_GITHUB-TOKEN, and the action's args after the ENTRYPOINT.

The image talks to the fake GitHub on 127.0.0.1 (chroot isolation shares the host's network). What this cannot
prove: the exact official base image (the stand-in is Debian bookworm's Python 3.11 at /usr/bin/python3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from jobguard.rules import RULES
from tests.conftest import RepoFactory
from tests.fakes.github import FakeGitHub, fake_github, github_contract
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE
from tests.test_action import evaluated_args
from tests.test_github_platform import REPO, TOKEN, chown_tree, open_pr
from tests.test_github_review import BASE, HEAD

__all__ = ["fake_github", "github_contract"]

pytestmark = pytest.mark.container

ROOT = Path(__file__).resolve().parents[1]
IMAGE = f"localhost/jobguard:test-{os.getpid()}"  # this run's own tag: other checkouts may build at the same time
VERSION = "1.2.3"  # the release tag the image is built for (the context has no .git; see the Dockerfile)
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")  # this network intercepts TLS (testing.md 6)
RUNNER_UID = 1001  # the runner user owns the workspace; the container runs as root


def base_image() -> str:
    """The Dockerfile's first FROM as podman names it locally: container_setup.sh's own answer, so the name the
    test looks for is the name the script imports the stand-in under."""
    done = subprocess.run(
        ["bash", str(ROOT / "tests" / "container_setup.sh"), "--print-base"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
    return done.stdout.strip()


def run(argv: Sequence[str], timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    missing = [tool for tool in ("podman", "buildah", "debootstrap") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: run tests/container_setup.sh (testing.md 6)")
    base = base_image()
    if run(["podman", "image", "exists", base]).returncode != 0:
        pytest.skip(f"no local image {base}: run tests/container_setup.sh to bootstrap the stand-in base")
    mounts = ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"] if CA_BUNDLE.exists() else []
    options = ["--isolation", "chroot", "--pull=never", "--network=host", "--build-arg", f"JOBGUARD_VERSION={VERSION}"]
    built = run(["podman", "build", *options, *mounts, "-t", IMAGE, str(ROOT)], timeout=900)
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    yield IMAGE
    run(["podman", "rmi", IMAGE])  # only this run's image; the build cache stays for the next run


def image_config(image: str) -> dict[str, Any]:
    done = run(["podman", "image", "inspect", image])
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = json.loads(done.stdout)[0]["Config"]
    return config


@pytest.fixture
def container(image: str) -> Iterator[str]:
    made = run(["buildah", "from", "--pull-never", image])
    assert made.returncode == 0, made.stderr
    name = made.stdout.strip().splitlines()[-1]
    yield name
    run(["buildah", "rm", name])


def buildah_run(
    container: str, argv: Sequence[str], *, env: Mapping[str, str] = {}, volumes: Mapping[Path, str] = {}
) -> subprocess.CompletedProcess[str]:
    options = ["--isolation", "chroot", "--network", "host", "--workingdir", "/github/workspace"]
    for host, inside in volumes.items():
        options += ["-v", f"{host}:{inside}"]
    for key, value in env.items():
        options += ["-e", f"{key}={value}"]
    return run(["buildah", "run", *options, container, "--", *argv], timeout=300)


def test_image_follows_the_container_action_rules(image: str, container: str) -> None:
    config = image_config(image)
    assert config["Entrypoint"] == ["jobguard", "review"] and not config.get("Cmd")
    assert config.get("User", "") in ("", "root", "0") and config.get("WorkingDir", "") in ("", "/")
    tools = buildah_run(
        container,
        ["sh", "-c", "for t in gcc cc make; do command -v $t; done; ls /opt/jobguard/lib/python3*/site-packages"],
    )
    assert tools.returncode == 0, tools.stderr
    lines = tools.stdout.split()
    assert not [line for line in lines if line.startswith("/")], "compilers left in the image"
    assert "jobguard" in lines and not {"pip", "setuptools"} & set(lines)
    version = buildah_run(container, ["jobguard", "--version"])
    assert (version.returncode, version.stdout) == (0, f"jobguard {VERSION}\n"), version.stderr


def test_image_ships_the_pinned_rendering_tools(container: str) -> None:
    """helm and kubectl are on PATH in the image, the pinned releases, and render real trees offline."""
    helm = buildah_run(container, ["helm", "version", "--template", "{{.Version}}"])
    assert (helm.returncode, helm.stdout) == (0, "v3.17.2"), helm.stderr
    kubectl = buildah_run(container, ["kubectl", "version", "--client"])
    assert kubectl.returncode == 0 and "Client Version: v1.37.1" in kubectl.stdout, kubectl.stderr
    fixtures = {ROOT / "fixtures" / "render": "/fixtures"}
    chart = buildah_run(
        container, ["helm", "template", "superset", "/fixtures/charts/superset/5.0.1"], volumes=fixtures
    )
    assert chart.returncode == 0, chart.stderr
    assert "name: superset-init" in chart.stdout and "helm.sh/chart: superset-5.0.1" in chart.stdout
    tree = "/fixtures/kustomize/redhat-cop-gitops-catalog-gpu-operator/gpu-operator-certified/operator/overlays/stable"
    built = buildah_run(container, ["kubectl", "kustomize", tree], volumes=fixtures)
    assert built.returncode == 0, built.stderr
    assert "console-plugin-job.sh: |" in built.stdout


def test_image_runs_every_local_command(container: str, tmp_path: Path, make_repo: RepoFactory) -> None:
    """demo, rules, init, check and fix inside the image, on a repository with one immutable-field edit."""
    demo = buildah_run(container, ["jobguard", "demo"])
    assert demo.returncode == 0, demo.stderr
    assert "reviewing the example change in /opt/jobguard/lib/" in demo.stderr
    golden = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "001-demo" / "text.txt"
    assert demo.stdout == golden.read_text(encoding="utf-8")
    rules = buildah_run(container, ["jobguard", "rules"])
    assert rules.returncode == 0 and [line.split()[0] for line in rules.stdout.splitlines()] == [r.id for r in RULES]
    repo = make_repo({"apps/job.yaml": SMALL_JOB}, {"apps/job.yaml": SMALL_JOB_NEW_IMAGE})
    inside = {repo: "/github/workspace"}
    init = buildah_run(container, ["jobguard", "init"], volumes=inside)
    assert (init.returncode, init.stdout) == (0, "jobguard: wrote /github/workspace/.jobguard.yaml\n"), init.stderr
    check = buildah_run(container, ["jobguard", "check"], volumes=inside)
    assert check.returncode == 1, check.stderr
    assert "apps/job.yaml:12: error job-immutable-field" in check.stdout
    fix = buildah_run(container, ["jobguard", "fix"], volumes=inside)
    assert fix.returncode == 0, fix.stderr
    assert fix.stdout.splitlines()[-1] == "jobguard: applied fixes to 1 file; 0 findings left."
    assert "argocd.argoproj.io/hook: PreSync" in (repo / "apps" / "job.yaml").read_text(encoding="utf-8")


def runner_layout(fake: FakeGitHub, tmp: Path) -> tuple[dict[str, str], dict[Path, str]]:
    """A pull request on the fake, and the env + mounts the runner gives a Docker action (testing.md 7)."""
    pr = open_pr(fake, tmp, BASE, HEAD, local=True)
    workspace = tmp / "workspace"
    chown_tree(workspace, RUNNER_UID)
    for name in ("workflow", "file_commands", "home"):
        (tmp / name).mkdir(exist_ok=True)
    shutil.copy(pr.env["GITHUB_EVENT_PATH"], tmp / "workflow" / "event.json")
    env = {
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "HOME": "/github/home",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": fake.url,
        "GITHUB_SERVER_URL": fake.root,
        "GITHUB_SHA": "f" * 40,
        "GITHUB_REF": "refs/pull/2/merge",
        "GITHUB_OUTPUT": "/github/file_commands/set_output_1",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary_1",
        "RUNNER_OS": "Linux",
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_MODE": "review",
    }
    volumes = {
        workspace: "/github/workspace",
        tmp / "workflow": "/github/workflow",
        tmp / "file_commands": "/github/file_commands",
        tmp / "home": "/github/home",
    }
    return env, volumes


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.token = TOKEN
    fake_github.default_repo = fake_github.add_repo(REPO, default_branch="master").full_name
    return fake_github


def test_adapter_reads_the_foreign_owned_workspace_with_git(container: str, fake: FakeGitHub, tmp_path: Path) -> None:
    """safe.directory: git in the container refuses the runner's checkout unless told (testing.md 7)."""
    env, volumes = runner_layout(fake, tmp_path)
    plain = buildah_run(container, ["git", "status"], env=env, volumes=volumes)
    assert "dubious ownership" in plain.stderr
    snippet = (
        "import os; from jobguard.platforms.github import from_env; p = from_env(os.environ); "
        "paths = [c.path for c in p.changes()]; print(p.reader.source, *paths)"
    )
    done = buildah_run(container, ["python", "-c", snippet], env=env, volumes=volumes)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["git", "apps/billing/migrate-job.yaml", "apps/reports/jobs.yaml"]
    assert fake.requests == []


def test_entrypoint_reviews_the_pull_request(image: str, container: str, fake: FakeGitHub, tmp_path: Path) -> None:
    env, volumes = runner_layout(fake, tmp_path)
    argv = [*image_config(image)["Entrypoint"], *evaluated_args({"fail-on": "error"})]
    done = buildah_run(container, argv, env=env, volumes=volumes)
    assert done.returncode == 1, done.stdout + done.stderr  # error-level findings fail the step
    assert TOKEN not in done.stdout + done.stderr
    (review,) = fake.reviews.values()
    assert review.state == "COMMENTED" and len(fake.comments_of(2)) == 3
    assert len(fake.issue_comments) == 1
    assert not fake.calls("GET", r"/pulls/\d+/files") and not fake.calls("GET", "/contents/")  # git gave the diff
    outputs = (tmp_path / "file_commands" / "set_output_1").read_text(encoding="utf-8")
    assert "errors=3\n" in outputs and "sarif=jobguard.sarif\n" in outputs
    sarif = json.loads((tmp_path / "workspace" / "jobguard.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 3
    assert "### jobguard" in (tmp_path / "file_commands" / "step_summary_1").read_text(encoding="utf-8")
