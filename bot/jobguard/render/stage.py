"""The render stage `pipeline.analyse` calls: which roots the change touches, render them, judge the renders.

Both sides' roots are discovered (a root may exist on one side only) with the files each reads; the roots reading
any changed path are affected. `render.include`/`exclude` select them by directory, `render.max-roots` caps them
(the rest is one render-skipped finding), and a root that cannot render offline is skipped saying why.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from jobguard import check as engine
from jobguard.config_schema import path_spec
from jobguard.controllers.tool import GitOpsTool
from jobguard.diff import FileChange, between, is_manifest
from jobguard.errors import JobguardError
from jobguard.findings import Finding
from jobguard.inert import code_span, quoted_answer
from jobguard.kustomize_patches import KUSTOMIZATION_NAMES
from jobguard.render import inputs, roots, run
from jobguard.render.anchor import Edited
from jobguard.render.fixes import with_fixes
from jobguard.render.judge import Fixer, Outcome, Target, judge, report
from jobguard.render.model import Render, RenderSettings, Root, RootInputs, RootKind, Side, Snapshot
from jobguard.render.snapshots import GitSnapshot, MappingSnapshot
from jobguard.render.verdict import RootVerdict, judge_root
from jobguard.rules import render_skipped
from jobguard.rules.base import Deployment

NO_REVISIONS = (
    "rendering needs whole revisions of the repository, which this change source does not have (two single files, "
    "or a review without a local clone of both commits): the Kustomize and Helm roots it touches were not rendered"
)
log = logging.getLogger("jobguard.render")
_FLUX = re.compile(r"^apiVersion:\s*[\"']?(kustomize|helm)\.toolkit\.fluxcd\.io/", re.MULTILINE)
_ARGO = re.compile(r"^apiVersion:\s*[\"']?argoproj\.io/", re.MULTILINE)


def rendered(
    base: Snapshot | None, head: Snapshot | None, changes: Sequence[FileChange], options: engine.CheckOptions
) -> Outcome:
    """What rendering adds to the engine's raw findings (nothing when `render.enabled` is off).

    A bug met while rendering costs the rendered verdict only, never the raw findings: it is logged and becomes
    one render-skipped finding (a configuration error still stops the run with exit 2)."""
    settings = replace(options.config.render, kubernetes_version=str(options.kubernetes_version))
    if not settings.enabled:
        return Outcome()
    if base is None or head is None:
        return _skipped(changes, options, NO_REVISIONS, _renders)
    try:
        return _rendered(base, head, changes, options, settings)
    except JobguardError:
        raise
    except Exception as exc:
        log.warning("rendering failed: %r", exc)
        return _skipped(
            changes, options, f"rendering failed unexpectedly ({type(exc).__name__}): {quoted_answer(str(exc))}"
        )


def _skipped(
    changes: Sequence[FileChange], options: engine.CheckOptions, why: str, about: Callable[[str], bool] = bool
) -> Outcome:
    """One render-skipped finding on the first changed file `about` accepts (none when no file is)."""
    path = next((c.path for c in changes if about(c.path)), None)
    return Outcome(tuple(report(options, render_skipped.ID, path, path, why)) if path else ())


def _rendered(
    base: Snapshot,
    head: Snapshot,
    changes: Sequence[FileChange],
    options: engine.CheckOptions,
    settings: RenderSettings,
) -> Outcome:
    sides = {"base": _inputs(base), "head": _inputs(head)}
    changed = _changed(base, head, changes, [*sides["base"], *sides["head"]])
    hit = {item.root.key for item in inputs.affected([*sides["base"], *sides["head"]], changed)}
    keys = [k for k in dict.fromkeys(i.root.key for i in (*sides["head"], *sides["base"])) if k in hit]
    found: dict[str, dict[str, RootInputs]] = {key: {} for key in keys}
    for side, items in sides.items():
        for item in items:
            if item.root.key in found:
                found[item.root.key][side] = item
    chosen = [k for k in keys if _selected(_root(found[k]), settings)]
    over = chosen[settings.max_roots :]
    by_path = {c.path: c for c in changes}
    targets = [_target(found[k], base, head, by_path, changed) for k in chosen[: settings.max_roots]]
    renders = _render(targets, base, head, settings)
    outcome = judge(targets, renders, options, _fixer(head, renders, settings, options))
    return replace(outcome, findings=(*outcome.findings, *_capped(over, found, head, settings, options)))


def _inputs(snapshot: Snapshot) -> list[RootInputs]:
    return [inputs.inputs_of(root, snapshot) for root in roots.discover(snapshot)]


def _renders(path: str) -> bool:
    """A changed file that says the change may need rendering: a kustomization, a chart or a template of one."""
    name = posixpath.basename(path)
    return name in KUSTOMIZATION_NAMES or name == "Chart.yaml" or "/templates/" in f"/{path}"


def _changed(base: Snapshot, head: Snapshot, changes: Sequence[FileChange], items: Sequence[RootInputs]) -> set[str]:
    """Every changed path a root may read: the diff's manifests, and its other files (scripts a generator reads,
    `.tpl` helpers, JSON patches) compared between the two sides."""
    changed = {p for c in changes for p in (c.old_path, c.new_path) if p}
    if isinstance(base, GitSnapshot) and isinstance(head, GitSnapshot) and base.repo is head.repo:
        done = head.repo.run("diff", "--name-only", "-z", "--no-renames", base.rev, head.rev)
        if done.returncode == 0:
            return changed | {p for p in done.stdout.split("\0") if p}
    others = {p for item in items for p in item.files if not is_manifest(p)} - changed
    return changed | {p for p in sorted(others) if base.read(p) != head.read(p)}


def _root(found: Mapping[str, RootInputs]) -> Root:
    return (found.get("head") or found["base"]).root


def _selected(root: Root, settings: RenderSettings) -> bool:
    path = root.path or "."
    if settings.include and not path_spec(settings.include).match_file(path):
        return False
    return not (settings.exclude and path_spec(settings.exclude).match_file(path))


def _target(
    found: Mapping[str, RootInputs],
    base: Snapshot,
    head: Snapshot,
    by_path: Mapping[str, FileChange],
    changed: set[str],
) -> Target:
    root = _root(found)
    files = sorted(set().union(*(item.files for item in found.values())) & changed)
    edits = [_with_hunks(by_path.get(p)) or between(p, p, base.read(p), head.read(p)) for p in files]
    edited = Edited(tuple(e for e in edits if e is not None), head.read)
    return Target(found.get("base"), found.get("head"), root_file(root, head, base), deployment(root, head), edited)


def _with_hunks(change: FileChange | None) -> FileChange | None:
    """The diff's own change where it has hunks (git); two directories' changes have none: diffed here."""
    return change if change is not None and change.hunks else None


def root_file(root: Root, *snapshots: Snapshot) -> str:
    """The file that declares the root: the Application or Flux object, the kustomization, the Chart.yaml."""
    if root.defined_by:
        return root.defined_by
    names = KUSTOMIZATION_NAMES if root.kind is RootKind.KUSTOMIZE else ("Chart.yaml",)
    for snapshot in snapshots:
        for name in names:
            path = posixpath.join(root.path, name)
            if snapshot.read(path) is not None:
                return path
    return posixpath.join(root.path, names[0])


def deployment(root: Root, head: Snapshot) -> Deployment:
    """The tool the root's declaring object belongs to, with its options (a layout root: none)."""
    text = (head.read(root.defined_by) or b"").decode("utf-8", "replace") if root.defined_by else ""
    tool = GitOpsTool.FLUX if root.flux_helm or root.flux_force or _FLUX.search(text) else None
    if tool is None and (root.sync_options or _ARGO.search(text)):
        tool = GitOpsTool.ARGOCD
    return Deployment(tool, root.sync_options, root.flux_force, root.flux_helm)


def _render(
    targets: Sequence[Target], base: Snapshot, head: Snapshot, settings: RenderSettings
) -> dict[tuple[str, Side], Render]:
    requests: list[run.RenderRequest] = []
    for target in targets:
        if target.head is None or target.head.remote is not None:
            continue  # nothing to judge, or judge reports the skip: a base render would be wasted
        requests.append(run.RenderRequest(target.head.root, head, target.head.files, "head"))
        if target.base is not None and target.base.remote is None:
            requests.append(run.RenderRequest(target.base.root, base, target.base.files, "base"))
    renders = run.render_all(requests, settings) if requests else []
    return {(r.root.key, r.side): r for r in renders}


def _fixer(
    head: Snapshot, renders: Mapping[tuple[str, Side], Render], settings: RenderSettings, options: engine.CheckOptions
) -> Fixer:
    """Fixes where the Job is defined, each verified by rendering the root again with the fixed file."""

    def fix(original: Finding, placed: Finding, verdict: RootVerdict, target: Target) -> Finding:
        assert target.head is not None
        root, files = target.head.root, target.head.files
        base = renders.get((root.key, "base")) or Render(root, "base")

        def rejudge(fixed: Sequence[tuple[str, bytes]]) -> list[RootVerdict | None]:
            requests = [
                run.RenderRequest(root, MappingSnapshot.overlay(head, {path: data}), files, "head")
                for path, data in fixed
            ]
            return [
                None
                if new.error or new.skipped
                else judge_root(base, new, options, target.deployment, target.root_file)
                for new in run.render_all(requests, settings)
            ]

        return with_fixes(original, placed, verdict, head, rejudge)

    return fix


def _capped(
    over: Iterable[str],
    found: Mapping[str, Mapping[str, RootInputs]],
    head: Snapshot,
    settings: RenderSettings,
    options: engine.CheckOptions,
) -> list[Finding]:
    roots_over = [_root(found[k]) for k in over]
    if not roots_over:
        return []
    names = ", ".join(code_span(r.name or r.path or ".") for r in roots_over[:5])
    more = f" and {len(roots_over) - 5} more" if len(roots_over) > 5 else ""
    message = (
        f"{len(roots_over)} more roots the change touches were not rendered (render.max-roots is "
        f"{settings.max_roots}): {names}{more}"
    )
    path = root_file(roots_over[0], head)
    return report(options, render_skipped.ID, path, "max-roots", message)
