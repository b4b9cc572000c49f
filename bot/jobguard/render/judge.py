"""Renders -> findings: each affected root's base and head judged by the engine, anchored where the change is,
its failures and skips reported, and the raw findings it covers named so the pipeline reports each Job once.

`jobguard.render.plan` decides what to render; this module only judges what was rendered (and is tested with
hand-made `Render`s).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from jobguard import check as engine
from jobguard.diff import FileChange
from jobguard.findings import Finding, Location, Severity, fingerprint
from jobguard.inert import code_span, quoted_answer
from jobguard.render.anchor import Edited, anchored
from jobguard.render.model import Render, RootInputs, Side
from jobguard.render.verdict import RootVerdict, judge_root
from jobguard.rules import render_failed, render_skipped
from jobguard.rules.base import Deployment


@dataclass(frozen=True)
class Target:
    """One affected root: its inputs on each side (None: the root is absent there) and what the change edits."""

    base: RootInputs | None
    head: RootInputs | None
    root_file: str  # kustomization.yaml, Chart.yaml or the Application: where render-failed/skipped sit
    deployment: Deployment
    edited: Edited

    @property
    def inputs(self) -> RootInputs:
        found = self.head or self.base
        assert found is not None
        return found

    @property
    def files(self) -> frozenset[str]:
        return (self.base.files if self.base else frozenset()) | (self.head.files if self.head else frozenset())


@dataclass(frozen=True)
class Covered:
    """One judged root: the files it reads, those its documents come from, and its rendered Jobs (kind, name)."""

    files: frozenset[str]
    sources: frozenset[str]
    jobs: frozenset[tuple[str, str]]

    def covers(self, path: str, kind: str, name: str) -> bool:
        """A Job of a file this root reads: covered when it renders under its name (a namePrefix/Suffix around
        it), or when the file is no document's source (a patch, a generator's input): never applied as it is."""
        if path not in self.files:
            return False
        return path not in self.sources or any(k == kind and name in n for k, n in self.jobs)


@dataclass(frozen=True)
class Outcome:
    """What rendering adds to a run: findings, the raw Jobs it judged instead, the diffs of edited inputs."""

    findings: tuple[Finding, ...] = ()
    covered: tuple[Covered, ...] = ()
    changes: tuple[FileChange, ...] = field(default=(), repr=False)

    def covers(self, finding: Finding) -> bool:
        """A raw finding about a Job in a file a rendered root reads, whose rendered verdict covers that Job."""
        ref = finding.object
        name = ref.name or ref.generate_name if ref is not None else None
        if ref is None or not name:
            return False
        return any(c.covers(finding.location.path, ref.kind, name) for c in self.covered)


Fixer = Callable[[Finding, Finding, RootVerdict, Target], Finding]
"""(the engine's finding on the rendered text, the anchored one, its root's verdict, the target) -> with fixes."""


def judge(
    targets: Sequence[Target],
    renders: Mapping[tuple[str, Side], Render],
    options: engine.CheckOptions,
    fixer: Fixer | None = None,
) -> Outcome:
    """Findings of every rendered root; `renders` holds each target's renders by (root key, side)."""
    findings: list[Finding] = []
    judged: list[tuple[Finding, Finding, RootVerdict, Target]] = []  # (engine's, anchored, verdict, target)
    covered: list[Covered] = []
    for target in targets:
        if target.head is None:
            continue  # the root is gone: its Jobs are pruned, nothing is updated
        root = target.head.root
        head = renders.get((root.key, "head")) or Render(root, "head", skipped=target.head.remote or "not rendered")
        base = renders.get((root.key, "base")) or Render(
            root, "base", skipped=target.base.remote if target.base else None
        )
        problem = _problem(target, base, head, options)
        if problem is not None:
            findings.extend(problem)
            continue
        verdict = judge_root(base, head, options, target.deployment, target.root_file)
        judged.extend(
            (f, anchored(f, verdict, target.edited, target.root_file, target.deployment), verdict, target)
            for f in verdict.findings
        )
        sources = frozenset(d.source for d in (*base.documents, *head.documents) if d.source)
        covered.append(Covered(target.files, sources, verdict.jobs()))
    for group in _alike(judged):
        original, placed, verdict, target = group[0]
        fixed = fixer(original, placed, verdict, target) if fixer else placed  # fixed once for the whole group
        others = len(group) - 1
        findings.append(replace(fixed, message=f"{fixed.message} ({others} more roots alike.)") if others else fixed)
    edits = {c.path: c for t in targets for c in t.edited.changes}
    return Outcome(tuple(sorted(findings, key=Finding.sort_key)), tuple(covered), tuple(edits.values()))


def _problem(target: Target, base: Render, head: Render, options: engine.CheckOptions) -> list[Finding] | None:
    """render-failed for a head that does not render, render-skipped for a root not rendered; None: judge it.
    The tools' words quote what the pull request wrote (file names, values): they are shown inert."""
    name = code_span(head.root.name or head.root.path or ".")
    if head.error is not None:
        message = f"{name} does not render: {quoted_answer(head.error)}"
        return report(options, render_failed.ID, target.root_file, head.root.key, message)
    why = quoted_answer(head.skipped) if head.skipped is not None else None
    if why is None and (base.error is not None or base.skipped is not None):
        cause = quoted_answer(base.error or base.skipped or "")
        why = f"its base revision does not render ({cause}), so there is nothing to compare with"
    if why is not None:
        return report(options, render_skipped.ID, target.root_file, head.root.key, f"{name} was not rendered: {why}")
    return None


def report(options: engine.CheckOptions, rule: str, path: str, about: str, message: str) -> list[Finding]:
    """One render-failed/render-skipped finding at the top of `path` with its configured severity (none if off)."""
    severity: Severity | None = options.config.setting(rule, path).severity
    if severity is None:
        return []
    suffix = " The raw files are still checked." if rule == render_skipped.ID else ""
    location = Location(path, 1, 1)
    return [Finding(rule, severity, location, None, (), message + suffix, fingerprint(rule, path, about))]


def _alike(
    judged: Sequence[tuple[Finding, Finding, RootVerdict, Target]],
) -> list[list[tuple[Finding, Finding, RootVerdict, Target]]]:
    """One finding per rule and line: a base shared by many overlays is one comment naming how many roots agree."""
    groups: dict[tuple[str, str, int], list[tuple[Finding, Finding, RootVerdict, Target]]] = defaultdict(list)
    for item in judged:
        placed = item[1]
        groups[(placed.rule, placed.location.path, placed.location.line)].append(item)
    return list(groups.values())
