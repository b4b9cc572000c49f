"""Render roots of both sides: inputs read once, identical renders done once, the rest in parallel.

Reading the snapshots happens on the calling thread (a git snapshot talks to one `git cat-file` process); the
renders themselves are subprocesses, so a thread pool runs them side by side (`settings.workers`, 0: one per CPU).
A render is keyed by the sha256 of everything that can change its output: the root's kind, path, name and options,
every input file's path and content, the tool's path and version, and the Kubernetes version. Base and head with
the same key render once, and a process-wide cache answers a render already done (a fix re-rendered twice).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from jobguard.render import helm, kustomize, tools
from jobguard.render.model import Render, RenderSettings, Root, RootKind, Side, Snapshot
from jobguard.render.output import Result
from jobguard.render.workspace import Inputs, Refused, collect, materialize

CACHE_SIZE = 256


@dataclass(frozen=True)
class RenderRequest:
    """One root of one side, with the repository files its render reads."""

    root: Root
    snapshot: Snapshot
    files: frozenset[str]
    side: Side


@dataclass(frozen=True)
class _Prepared:
    request: RenderRequest
    seconds: float
    inputs: Inputs | None = None
    key: str | None = None
    result: Result | None = None  # known without rendering (missing tool, over a limit, cached)


class _Cache:
    """The last CACHE_SIZE results by input hash, shared by every thread of the process."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Result] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Result | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: str, result: Result) -> None:
        with self._lock:
            self._items[key] = result
            while len(self._items) > CACHE_SIZE:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE = _Cache()


def render(root: Root, snapshot: Snapshot, files: Iterable[str], settings: RenderSettings, side: Side) -> Render:
    """One root of one side (see `render_all`)."""
    return render_all([RenderRequest(root, snapshot, frozenset(files), side)], settings)[0]


def render_all(requests: Sequence[RenderRequest], settings: RenderSettings) -> list[Render]:
    """Every request rendered, in request order; raises ConfigError for a relative tool path in the settings."""
    found = tools.locate(settings)
    prepared = [_prepare(request, found, settings) for request in requests]
    pending = {p.key: p for p in prepared if p.result is None and p.key is not None}
    workers = settings.workers or os.cpu_count() or 1
    done: dict[str, tuple[Result, float]] = {}
    if pending:
        with ThreadPoolExecutor(max_workers=min(workers, len(pending))) as pool:
            futures = {key: pool.submit(_execute, p, found, settings) for key, p in pending.items()}
            for key, future in futures.items():
                done[key] = future.result()
                CACHE.put(key, done[key][0])
    return [_finish(p, done.get(p.key or "")) for p in prepared]


def _finish(prepared: _Prepared, executed: tuple[Result, float] | None) -> Render:
    """The Render of a request; `seconds` is its own preparation plus the render it waited for (if it ran one)."""
    request = prepared.request
    result, seconds = executed if prepared.result is None and executed is not None else (prepared.result, 0.0)
    assert result is not None
    seconds += prepared.seconds
    return Render(request.root, request.side, result.documents, result.error, result.skipped, seconds)


def _tool(root: Root, found: tools.Tools) -> tuple[Path | None, str]:
    if root.kind is RootKind.HELM:
        return found.helm, tools.HELM_MISSING
    return found.kubectl, tools.KUBECTL_MISSING


def _prepare(request: RenderRequest, found: tools.Tools, settings: RenderSettings) -> _Prepared:
    """Read the inputs and compute the key (on the calling thread); a result when no render is needed."""
    started = time.monotonic()
    tool, missing = _tool(request.root, found)
    if tool is None or not tools.usable(tool):
        return _Prepared(request, time.monotonic() - started, result=Result(skipped=missing))
    try:
        inputs = collect(request.snapshot, request.files, settings.max_input_bytes)
    except Refused as refused:
        reason = refused.reason
        result = Result(skipped=reason) if refused.skipped else Result(error=reason)
        return _Prepared(request, time.monotonic() - started, result=result)
    key = _key(request.root, inputs, tool, found, settings)
    return _Prepared(request, time.monotonic() - started, inputs=inputs, key=key, result=CACHE.get(key))


def _key(root: Root, inputs: Inputs, tool: Path, found: tools.Tools, settings: RenderSettings) -> str:
    digest = hashlib.sha256()
    options = (root.kind.value, root.path, root.name, root.defined_by, root.helm, root.kustomize)
    helper = found.helm if root.kind is RootKind.KUSTOMIZE and tools.usable(found.helm) else None
    versions = [(str(t), tools.version(t)) for t in (tool, helper) if t is not None]
    limits = (settings.kubernetes_version, settings.timeout_seconds, settings.max_output_bytes)
    digest.update(repr((options, versions, limits)).encode("utf-8", "surrogateescape"))
    inputs.feed(digest.update)
    return digest.hexdigest()


def _execute(prepared: _Prepared, found: tools.Tools, settings: RenderSettings) -> tuple[Result, float]:
    """Materialize the inputs and run the tool (on a worker thread); the result and its wall time."""
    assert prepared.inputs is not None
    started = time.monotonic()
    root = prepared.request.root
    build = helm.build if root.kind is RootKind.HELM else kustomize.build
    try:
        with materialize(prepared.inputs) as workspace:
            result = build(root, workspace, prepared.inputs, found, settings)
    except OSError as exc:
        result = Result(error=f"render failed: {exc.strerror or exc}")
    except Exception as exc:  # one root's surprise must not lose every other root's findings
        first = str(exc).splitlines()[0] if str(exc) else ""
        result = Result(error=f"render failed unexpectedly: {type(exc).__name__}: {first}")
    return result, time.monotonic() - started
