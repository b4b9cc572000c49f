"""Run kustomize or Helm on a pull request's files: nothing inherited, no network, bounded time and output.

The environment is built from scratch (no token or cloud credential of the runner reaches the tool): PATH is the
tool's folder and the system's, HOME and every Helm/XDG folder are inside the render's scratch directory, git never
prompts nor reads system configuration, kustomize's plugin home is an empty folder, and every proxy variable points
at a local port that is bound but never listens, so any network attempt is refused at once instead of hanging
until the timeout. The tool runs in its own process group, killed whole on timeout or when its output passes the
cap. A failure is one line: the tool's last meaningful stderr line, with the temporary directory taken out.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jobguard.render.model import RenderSettings
from jobguard.render.workspace import Workspace

MAX_ERROR_CHARS = 300
STDERR_KEEP = 64 * 1024
CREATED = ("HOME", "TMPDIR", "KUSTOMIZE_PLUGIN_HOME")
"""Folders that must exist before the tool starts: a home, a temp dir, and the (empty) plugin home."""
_CLOSED_PORT: socket.socket | None = None
_PORT_LOCK = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """What a run produced: stdout when it succeeded, else one line saying why not."""

    stdout: bytes
    error: str | None = None


def closed_port() -> int:
    """A local port that refuses connections: bound by this process (so nobody else takes it), never listening."""
    global _CLOSED_PORT  # noqa: PLW0603 - one socket per process, kept open for the process's lifetime
    with _PORT_LOCK:  # renders start from several threads
        if _CLOSED_PORT is None:
            _CLOSED_PORT = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            _CLOSED_PORT.bind(("127.0.0.1", 0))
        port: int = _CLOSED_PORT.getsockname()[1]
    return port


def environment(tool: Path, scratch: Path) -> dict[str, str]:
    """The whole environment of a tool run; nothing comes from jobguard's own environment."""
    folders = {
        "HOME": "home",
        "XDG_CONFIG_HOME": "config",
        "XDG_CACHE_HOME": "cache",
        "XDG_DATA_HOME": "data",
        "XDG_STATE_HOME": "state",
        "HELM_CONFIG_HOME": "helm/config",
        "HELM_CACHE_HOME": "helm/cache",
        "HELM_DATA_HOME": "helm/data",
        "HELM_PLUGINS": "helm/plugins",
        "KUSTOMIZE_PLUGIN_HOME": "kustomize-plugins",
        "TMPDIR": "tmp",
    }
    env = {name: str(scratch / folder) for name, folder in folders.items()}
    for name in CREATED:  # the others are created by the tool if it ever needs them (making them costs per render)
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = proxy
    env.update(
        PATH=os.pathsep.join((str(tool.parent), "/usr/bin", "/bin")),
        NO_PROXY="",
        no_proxy="",
        HELM_REPOSITORY_CONFIG=str(scratch / "helm/config/repositories.yaml"),
        HELM_REPOSITORY_CACHE=str(scratch / "helm/cache/repository"),
        HELM_REGISTRY_CONFIG=str(scratch / "helm/config/registry.json"),
        KUBECONFIG=str(scratch / "kubeconfig-absent"),
        GIT_TERMINAL_PROMPT="0",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL="/dev/null",
        LC_ALL="C",
    )
    return env


def run(argv: Sequence[str], workspace: Workspace, settings: RenderSettings, cwd: Path | None = None) -> Outcome:
    """Run `argv[0]` (an absolute path) in the workspace (its copy of the repository is the working directory)."""
    timeout, max_output_bytes = settings.timeout_seconds, settings.max_output_bytes
    tool = Path(argv[0])
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd or workspace.repo,
            env=environment(tool, workspace.scratch),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return Outcome(b"", f"{tool.name} could not start: {exc.strerror or exc}")
    stdout, stderr, stopped = _drain(process, timeout, max_output_bytes)
    code = process.wait()
    if stopped == "timeout":
        return Outcome(b"", f"{tool.name} did not finish within {timeout:g} seconds")
    if stopped == "output":
        return Outcome(b"", f"{tool.name} wrote more than {max_output_bytes:,} bytes (render output limit)")
    if code != 0:
        return Outcome(
            b"", error_line(stderr, (workspace.repo, workspace.top)) or f"{tool.name} exited with status {code}"
        )
    return Outcome(stdout)


def _drain(process: subprocess.Popen[bytes], timeout: float, cap: int) -> tuple[bytes, bytes, str | None]:
    """Read both pipes until the tool exits; kill its process group past the deadline or the output cap."""
    assert process.stdout is not None and process.stderr is not None
    out, err = bytearray(), bytearray()
    deadline = time.monotonic() + timeout
    stopped = None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, out)
        selector.register(process.stderr, selectors.EVENT_READ, err)
        while selector.get_map() and stopped is None:
            left = deadline - time.monotonic()
            if left <= 0:
                stopped = "timeout"
                break
            for key, _ in selector.select(min(left, 1.0)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                key.data.extend(chunk)
                del err[:-STDERR_KEEP]
                if len(out) > cap:
                    stopped = "output"
    if stopped is not None:
        _kill(process)
    process.stdout.close()
    process.stderr.close()
    return bytes(out), bytes(err), stopped


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def error_line(stderr: bytes, hide: Sequence[Path] = ()) -> str | None:
    """The last meaningful line of stderr (no blank line, no usage text), without the temporary paths, short."""
    text = stderr.decode("utf-8", "replace")
    for folder in sorted({str(p) for f in hide for p in (f, f.resolve())}, key=len, reverse=True):
        text = text.replace(folder + "/", "").replace(folder, ".")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    meaningful = [line for line in lines if line and not line.lower().startswith(("usage:", 'use "', "see '"))]
    if not meaningful:
        return None
    errors = [line for line in meaningful if line.lower().startswith("error")]
    line = (errors or meaningful)[-1]
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"
