"""The distributions: sdist and wheel built from a clean copy of the repository, checked with `twine check
--strict`, their contents listed, and the wheel installed into a fresh venv outside the repository where every
command runs from a temp directory. Offline: the build uses this venv's setuptools (--no-isolation) and the new
venv borrows this venv's site-packages for the dependencies (a .pth file), never the editable jobguard.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

import pytest

from jobguard.rules import RULES
from tests.conftest import GIT_ENV, RepoFactory, git
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

ROOT = Path(__file__).resolve().parents[1]
SDIST_TOP = {"PKG-INFO", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "setup.cfg", "bot"}
CLEAN_ENV = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path
    version: str


def run(argv: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A subprocess with no PYTHONPATH (nothing of this checkout may leak in) and pip without config or index."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    merged = {**base, **CLEAN_ENV, **(env or {})}
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=merged, capture_output=True, text=True, check=False)


def tracked_copy(dest: Path) -> None:
    """A clone of HEAD (setuptools-scm reads its git metadata) with this working tree's tracked and new files laid
    over it and staged, so the build sees what is about to be committed and nothing ignored (.venv, build/, ...)."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True, capture_output=True)
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    for rel in filter(None, listed):
        source, target = ROOT / rel, dest / rel
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        else:  # deleted in the working tree
            target.unlink(missing_ok=True)
    git(dest, "add", "-A")


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """sdist, then the wheel from that sdist (python -m build's default), once per session."""
    work = tmp_path_factory.mktemp("packaging")
    tracked_copy(work / "src")
    built = run([sys.executable, "-m", "build", "--no-isolation", "--outdir", work / "dist", work / "src"], cwd=work)
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    (sdist,) = (work / "dist").glob("jobguard-*.tar.gz")
    (wheel,) = (work / "dist").glob("jobguard-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        version = HeaderParser().parsestr(archive.read(metadata).decode())["Version"]
    return Dists(sdist, wheel, version)


def test_twine_check_strict_passes(dists: Dists) -> None:
    done = run([sys.executable, "-m", "twine", "check", "--strict", dists.sdist, dists.wheel], cwd=dists.wheel.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_wheel_carries_the_package_data_and_nothing_of_the_repository(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as archive:
        names = set(archive.namelist())
        metadata = HeaderParser().parsestr(archive.read(f"jobguard-{dists.version}.dist-info/METADATA").decode())
    shipped = {f"jobguard/{p.relative_to(ROOT / 'bot' / 'jobguard')}" for p in (ROOT / "bot" / "jobguard").rglob("*")}
    expected = {n for n in shipped if n.endswith((".py", ".json", ".yaml", "py.typed"))}
    assert expected <= names and "jobguard/demo/head/apps/billing/migrate-job.yaml" in names
    assert {"jobguard/config.schema.json", "jobguard/py.typed", "jobguard/_version.py"} <= names
    assert f"jobguard-{dists.version}.dist-info/licenses/LICENSE" in names
    assert {n.split("/")[0] for n in names} == {"jobguard", f"jobguard-{dists.version}.dist-info"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert metadata["License-Expression"] == "Apache-2.0" and metadata["Name"] == "jobguard"
    assert dists.version not in ("0.0.0+unknown", "0.0.0") and "jobguard = jobguard.cli:main" in entry_points(dists)


def entry_points(dists: Dists) -> str:
    with zipfile.ZipFile(dists.wheel) as archive:
        return archive.read(f"jobguard-{dists.version}.dist-info/entry_points.txt").decode()


def test_sdist_builds_the_wheel_and_leaves_the_test_suite_out(dists: Dists) -> None:
    """The sdist is the wheel's source (the wheel above was built from it), not a copy of the repository: the
    tests need git metadata, the shared API contract data and podman, which an unpacked sdist has not."""
    with tarfile.open(dists.sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert {name.split("/")[0] for name in names} == SDIST_TOP
    assert "bot/jobguard/_version.py" in names and "bot/jobguard/demo/base/apps/reports/jobs.yaml" in names


# ------------------------------------------------------------------------------------------------ installed wheel


@dataclass(frozen=True)
class Installed:
    bin: Path
    site: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def installed(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """`pip install --no-deps` of the wheel into a fresh venv; its dependencies come from this venv by a .pth file
    (which, unlike a site dir, does not run this venv's editable-install hooks)."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    python = venv / "bin" / "python"
    # This venv's pip installs into the new one (pip --python), saving ensurepip's ~10 s; a venv without pip
    # (uv's, as .ci/deps-matrix makes) gives the new venv its own.
    own_pip = importlib.util.find_spec("pip") is None
    made = run([sys.executable, "-m", "venv", *([] if own_pip else ["--without-pip"]), venv], cwd=venv.parent)
    assert made.returncode == 0, made.stderr
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], venv).stdout.strip())
    pip = [python, "-m", "pip"] if own_pip else [sys.executable, "-m", "pip", "--python", python]
    done = run([*pip, "install", "--no-deps", "--no-index", dists.wheel], cwd=venv.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    (site / "_jobguard_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    env = {**GIT_ENV, "HOME": str(venv.parent), "NO_COLOR": "1", "PATH": path}
    return Installed(venv / "bin", site, env)


def test_the_wheel_is_what_runs(installed: Installed, tmp_path: Path) -> None:
    done = run([installed.bin / "python", "-c", "import jobguard; print(jobguard.__file__)"], tmp_path, installed.env)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed.site), done.stdout


def test_version_from_both_entry_points(installed: Installed, dists: Dists, tmp_path: Path) -> None:
    for argv in ([installed.bin / "jobguard", "--version"], [installed.bin / "python", "-m", "jobguard", "--version"]):
        done = run(argv, tmp_path, installed.env)
        assert (done.returncode, done.stdout) == (0, f"jobguard {dists.version}\n"), done.stderr


def test_demo_rules_and_init(installed: Installed, tmp_path: Path) -> None:
    demo = run([installed.bin / "jobguard", "demo"], tmp_path, installed.env)
    assert demo.returncode == 0, demo.stderr
    assert f"reviewing the example change in {installed.site / 'jobguard' / 'demo'} (base -> head)" in demo.stderr
    assert demo.stdout == (ROOT / "fixtures" / "golden" / "001-demo" / "text.txt").read_text(encoding="utf-8")
    rules = run([installed.bin / "jobguard", "rules"], tmp_path, installed.env)
    assert rules.returncode == 0 and [line.split()[0] for line in rules.stdout.splitlines()] == [r.id for r in RULES]
    init = run([installed.bin / "jobguard", "init"], tmp_path, installed.env)
    assert (init.returncode, init.stdout) == (0, f"jobguard: wrote {tmp_path / '.jobguard.yaml'}\n"), init.stderr
    assert "config.schema.json" in (tmp_path / ".jobguard.yaml").read_text(encoding="utf-8").splitlines()[0]


def test_check_and_fix_a_repository(installed: Installed, tmp_path: Path, make_repo: RepoFactory) -> None:
    repo = make_repo({"apps/job.yaml": SMALL_JOB}, {"apps/job.yaml": SMALL_JOB_NEW_IMAGE})
    jobguard = installed.bin / "jobguard"
    check = run([jobguard, "check"], repo, installed.env)
    assert check.returncode == 1, check.stderr
    assert "apps/job.yaml:12: error job-immutable-field" in check.stdout
    assert check.stdout.splitlines()[-1] == "jobguard: 1 error (1 manifest file checked)."
    fix = run([jobguard, "fix"], repo, installed.env)
    assert fix.returncode == 0, fix.stderr
    assert fix.stdout.splitlines()[-1] == "jobguard: applied fixes to 1 file; 0 findings left."
    assert "argocd.argoproj.io/hook: PreSync" in (repo / "apps" / "job.yaml").read_text(encoding="utf-8")
    again = run([jobguard, "check"], repo, installed.env)
    assert (again.returncode, again.stdout) == (0, "jobguard: no findings (1 manifest file checked).\n")
