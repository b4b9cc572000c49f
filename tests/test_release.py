"""The release path: RELEASE is the one place that states the release version; every reference to a release (the
action's image, the GitLab component's default image, the examples in the docs) must agree with it, and the
release workflow refuses a tag that differs, publishes to PyPI by trusted publishing, pushes the image and moves
the major and minor tags (README "Releasing").
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RELEASE_FILE = ROOT / "RELEASE"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
IMAGE = "ghcr.io/jobguard/jobguard"
DOCUMENTS = (
    "README.md",
    "action.yml",
    "templates/jobguard.yml",
    *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")),
)
# Every way a document names a release: action pins, the image, GitLab component/project/remote includes, pre-commit.
REFERENCES = (
    re.compile(r"\bjobguard/jobguard@([\w.-]+)"),
    re.compile(r"\bghcr\.io/jobguard/jobguard:([\w.-]+)"),
    re.compile(r"^\s*ref: ([\w.-]+)", re.M),
    re.compile(r"/-/raw/([\w.-]+)/templates/"),
    re.compile(r"^\s*rev: ([\w.-]+)", re.M),
)


def release() -> str:
    return RELEASE_FILE.read_text(encoding="utf-8").strip()


def references(text: str) -> list[tuple[int, str]]:
    """(line, named release) of every release reference in a document."""
    found = []
    for pattern in REFERENCES:
        for match in pattern.finditer(text):
            found.append((text.count("\n", 0, match.start(1)) + 1, match.group(1)))
    return sorted(found)


def stale(text: str, tag: str) -> list[str]:
    """References to another release than `tag`: its moving tags vX and vX.Y and the placeholder vX.Y.Z pass."""
    allowed = {tag, tag.rsplit(".", 1)[0], tag.split(".", 1)[0], "vX.Y.Z"}
    return [f"line {line}: {named}" for line, named in references(text) if named not in allowed]


def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def step_run(job: str, step_id: str) -> str:
    (step,) = [s for s in workflow()["jobs"][job]["steps"] if s.get("id") == step_id or s.get("name") == step_id]
    return str(step["run"])


# ------------------------------------------------------------------------------------------------ one version


def test_release_is_one_semantic_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", release()), "RELEASE holds X.Y.Z (the tag is vX.Y.Z)"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_reference_names_the_release(name: str) -> None:
    problems = stale((ROOT / name).read_text(encoding="utf-8"), f"v{release()}")
    assert not problems, f"{name} names another release than RELEASE (v{release()}): {problems}"


def test_the_integrations_run_the_released_image() -> None:
    tag = f"v{release()}"
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["image"] == f"docker://{IMAGE}:{tag}"
    header = next(yaml.safe_load_all((ROOT / "templates" / "jobguard.yml").read_text(encoding="utf-8")))
    assert header["spec"]["inputs"]["image"]["default"] == f"{IMAGE}:{tag}"
    for doc in ("README.md", "docs/github-workflow.md", "docs/gitlab-ci.md"):
        assert references((ROOT / doc).read_text(encoding="utf-8")), f"{doc} shows no release to pin"


def test_a_stale_reference_is_caught() -> None:
    text = (
        "uses: jobguard/jobguard@v0.1.0\n  - component: $CI_SERVER_FQDN/g/jobguard/jobguard@0.0.9\n"
        "image: docker://ghcr.io/jobguard/jobguard:v0.1.0\n    ref: v0.2.0\n    rev: v1\n  jobguard/jobguard@v0\n"
    )
    assert stale(text, "v0.1.0") == ["line 2: 0.0.9", "line 4: v0.2.0", "line 5: v1"]


# ------------------------------------------------------------------------------------------------ the workflow


def test_runs_on_release_tags_only_with_least_privilege() -> None:
    flow = workflow()
    assert flow[True] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}  # `on` is YAML 1.1's true
    assert flow["permissions"] == {}
    granted = {name: job["permissions"] for name, job in flow["jobs"].items()}
    assert granted == {
        "verify": {"contents": "read"},
        "build": {"contents": "read"},
        "pypi": {"id-token": "write"},
        "image": {"contents": "read", "packages": "write"},
        "tags": {"contents": "write"},
    }


def test_every_action_is_pinned_by_commit() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), f"{ref}: say which version the SHA is"


def test_pypi_by_trusted_publishing() -> None:
    job = workflow()["jobs"]["pypi"]
    assert job["environment"]["name"] == "pypi" and job["needs"] == "build"
    (publish,) = [s for s in job["steps"] if "gh-action-pypi-publish" in s["uses"]]
    assert "password" not in publish.get("with", {})  # the OIDC token, never a stored secret
    build = step_run("build", "build and check")
    assert "python -m build" in build and "twine check --strict dist/*" in build


def test_image_tags_and_version() -> None:
    steps = {s["uses"].split("@")[0]: s.get("with", {}) for s in workflow()["jobs"]["image"]["steps"]}
    meta = steps["docker/metadata-action"]
    assert meta["images"] == IMAGE
    assert meta["tags"].split() == [
        "type=semver,pattern=v{{version}}",
        "type=semver,pattern=v{{major}}.{{minor}}",
        "type=semver,pattern=v{{major}}",
    ]
    push = steps["docker/build-push-action"]
    assert push["push"] is True and push["build-args"] == "JOBGUARD_VERSION=${{ needs.verify.outputs.version }}"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^ARG JOBGUARD_VERSION\b", dockerfile, re.M)


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A `run:` step as the runner runs it (bash -e), in `cwd`."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("tag", "ok"), [("v0.1.0", True), ("v0.1.1", False), ("0.1.0", False)])
def test_the_tag_must_equal_release(tmp_path: Path, tag: str, ok: bool) -> None:
    (tmp_path / "RELEASE").write_text("0.1.0\n", encoding="utf-8")
    output = tmp_path / "output"
    done = run_step(step_run("verify", "version"), tmp_path, {"TAG": tag, "GITHUB_OUTPUT": str(output)})
    if ok:
        assert done.returncode == 0 and output.read_text(encoding="utf-8") == "version=0.1.0\n"
    else:
        assert done.returncode == 1 and not output.exists()
        assert f"::error file=RELEASE::tag {tag} does not match RELEASE (0.1.0)" in done.stdout


def git(cwd: Path, *args: str) -> str:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_major_and_minor_tags_move_to_the_release(tmp_path: Path) -> None:
    remote, clone = tmp_path / "remote.git", tmp_path / "clone"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(tmp_path, "init", "-q", str(clone))
    ident = ("-c", "user.name=t", "-c", "user.email=t@example.org")
    for version in ("0.1.0", "0.1.1"):
        git(clone, *ident, "commit", "-q", "--allow-empty", "-m", version)
        git(clone, *ident, "tag", "-a", "-m", version, f"v{version}")
        git(clone, "remote", "add", "origin", str(remote)) if version == "0.1.0" else None
        git(clone, "push", "-q", "origin", "HEAD:refs/heads/main", f"refs/tags/v{version}")
        script = step_run("tags", "point vX and vX.Y at this release")
        env = {"VERSION": version, "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": str(tmp_path)}
        done = run_step(script, clone, env)
        assert done.returncode == 0, done.stderr
        commit = git(clone, "rev-parse", f"v{version}^{{commit}}")
        assert git(remote, "rev-parse", "v0^{commit}") == git(remote, "rev-parse", "v0.1^{commit}") == commit
