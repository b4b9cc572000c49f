"""The engine: file changes + a way to read each side -> sorted findings. Imports no platform.

It takes a `read(path, side)` callable rather than a platform, so the same code runs for a local checkout, two
directories, a GitHub pull request and a GitLab merge request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot import diff as diffs
from bot.findings import Finding, Location, ObjectRef, Severity, fingerprint
from bot.immutability import DEFAULT_KUBERNETES_VERSION, KubeVersion
from bot.jobs import FileSides, JobChange, pair
from bot.manifests import ManifestFile, Problem, load
from bot.rules import RULES, RULES_BY_ID, Hit, Rule, RuleContext
from bot.strategies import ordered

Side = Literal["base", "head"]
Reader = Callable[[str, Side], bytes | None]
"""Returns a file's bytes on one side, None if it does not exist there; raises `UnreadableFile` to refuse it."""


class UnreadableFile(Exception):
    """A file the reader refuses (a symlink out of the tree, an unreadable blob); reported as manifest-invalid."""


@dataclass(frozen=True)
class CheckOptions:
    kubernetes_version: KubeVersion = DEFAULT_KUBERNETES_VERSION
    gitops: str = "auto"
    hook_phase: str | None = None
    severities: Mapping[str, Severity | None] = field(default_factory=dict)  # None switches a rule off
    rule_options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    prefer: tuple[str, ...] = ()  # fix strategy order
    include: Callable[[str], bool] | None = None  # path filter (PATH arguments, config paths)


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]
    changes: tuple[diffs.FileChange, ...]  # the manifest files that were checked
    files_checked: int


def run(changes: Sequence[diffs.FileChange], read: Reader, options: CheckOptions | None = None) -> CheckResult:
    """Check every changed manifest file; a file that cannot be read becomes a finding, never a crash."""
    options = options or CheckOptions()
    selected = [c for c in diffs.only_manifests(changes) if options.include is None or options.include(c.path)]
    findings: list[Finding] = []
    sides: list[FileSides] = []
    for change in selected:
        base = _load(change.old_path, "base", read, jobs_only=True) if change.old_path else ManifestFile("")
        head = _load(change.new_path, "head", read) if change.new_path else ManifestFile("")
        findings.extend(_invalid(p, options) for p in head.problems)
        sides.append(FileSides(change.old_path, change.new_path, base.manifests, head.manifests))
    for job_change in pair(sides):
        findings.extend(_check_job(job_change, options))
    unique = {(f.rule, f.fingerprint): f for f in findings}  # one object can sit in a List and a file twice
    return CheckResult(tuple(sorted(unique.values(), key=Finding.sort_key)), tuple(selected), len(selected))


def _load(path: str, side: Side, read: Reader, jobs_only: bool = False) -> ManifestFile:
    try:
        data = read(path, side)
    except UnreadableFile as exc:
        return ManifestFile(path, problems=(Problem(path, 1, 1, str(exc)),))
    if data is None:
        return ManifestFile(path)
    return load(path, data, jobs_only=jobs_only)


def _severity(rule: Rule, options: CheckOptions) -> Severity | None:
    if rule.id in options.severities:
        return options.severities[rule.id]
    return rule.severity


def _invalid(problem: Problem, options: CheckOptions) -> Finding:
    rule = RULES_BY_ID["manifest-invalid"]
    return Finding(
        rule=rule.id,
        severity=_severity(rule, options) or Severity.ERROR,
        location=Location(problem.path, problem.line, problem.line),
        object=None,
        fields=(),
        message=f"{problem.path}:{problem.line}:{problem.column}: {problem.message}",
        fingerprint=fingerprint(rule.id, problem.path, problem.message),
    )


def _check_job(change: JobChange, options: CheckOptions) -> list[Finding]:
    head = change.head
    if head is None:
        return []
    found = []
    for rule in RULES:
        severity = _severity(rule, options)
        if rule.check is None or severity is None:
            continue
        ctx = RuleContext(
            kubernetes_version=options.kubernetes_version,
            gitops=options.gitops,
            hook_phase=options.hook_phase,
            options=options.rule_options.get(rule.id, {}),
        )
        for hit in rule.check(change, ctx):
            found.append(_finding(rule, severity, change, hit, options))
    return found


def _finding(rule: Rule, severity: Severity, change: JobChange, hit: Hit, options: CheckOptions) -> Finding:
    assert change.head is not None
    manifest = change.head.manifest
    line, end_line = manifest.span_of(hit.anchor)
    ref: ObjectRef = change.head.ref
    return Finding(
        rule=rule.id,
        severity=severity,
        location=Location(manifest.path, line, end_line),
        object=ref,
        fields=hit.fields,
        message=hit.message,
        fingerprint=fingerprint(
            rule.id,
            manifest.path,
            ref.group,
            ref.kind,
            ref.namespace,
            ref.name or ref.generate_name,
            ",".join(hit.fields),
        ),
        intents=ordered(hit.intents, options.prefer),
    )


def exit_code(findings: Sequence[Finding], fail_on: Severity | None = Severity.ERROR) -> int:
    """0: nothing at or above `fail_on`; 1: at least one finding that is (None: never fail)."""
    if fail_on is None:
        return 0
    return 1 if any(f.severity.rank >= fail_on.rank for f in findings) else 0
