"""The engine: file changes + a way to read each side -> sorted findings. Imports no platform.

It takes a `read(path, side)` callable rather than a platform, so the same code runs for a local checkout, two
directories, a GitHub pull request and a GitLab merge request.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from jobguard import diff as diffs
from jobguard import ignores, kustomize_patches
from jobguard.config import DEFAULT, Config, RuleSetting
from jobguard.controllers.tool import GitOpsTool
from jobguard.findings import Finding, Location, ObjectRef, Severity, fingerprint
from jobguard.fixes.strategies import ordered
from jobguard.jobs import FileSides, JobChange, pair
from jobguard.kube.version import KubeVersion
from jobguard.manifest_guards import UnreadableFile
from jobguard.manifests import Manifest, ManifestFile, Problem, load
from jobguard.rules import RULES, RULES_BY_ID, Hit, Rule, RuleContext, job_invalid
from jobguard.rules.base import Deployment

Side = Literal["base", "head"]
Reader = Callable[[str, Side], bytes | None]
"""Returns a file's bytes on one side, None if it does not exist there; raises `UnreadableFile` to refuse it."""


@dataclass(frozen=True)
class CheckOptions:
    """The configuration of a run, and what the repository says for `gitops: auto`."""

    config: Config = DEFAULT
    repository_tool: GitOpsTool | None = None  # `gitops: auto` fallback from the repository's content
    deployment: Deployment = field(default_factory=Deployment)  # a rendered root: its Application or Flux object
    # or asked only when a changed Job needs it (no tool of its own): the question reads the repository
    ask_repository_tool: Callable[[], GitOpsTool | None] | None = field(default=None, compare=False)

    @property
    def kubernetes_version(self) -> KubeVersion:
        return self.config.kubernetes_version

    def selects(self, path: str) -> bool:
        return self.config.includes(path)


def options_from(
    config: Config,
    repository_tool: GitOpsTool | None = None,
    ask_repository_tool: Callable[[], GitOpsTool | None] | None = None,
) -> CheckOptions:
    """`ask_repository_tool` should keep its answer: it is called for every Job that needs it."""
    return CheckOptions(config, repository_tool, ask_repository_tool=ask_repository_tool)


@dataclass(frozen=True)
class LoadedFile:
    """One changed manifest file with both sides parsed (an absent side is an empty ManifestFile)."""

    change: diffs.FileChange
    base: ManifestFile
    head: ManifestFile
    kustomize_patch: bool = False  # the head file is a Kustomize patch (kustomize_patches), not a whole object


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]
    changes: tuple[diffs.FileChange, ...]  # the manifest files that were checked
    files_checked: int
    files: tuple[LoadedFile, ...] = field(default=(), repr=False, compare=False)  # jobguard.fixes edits these


def run(changes: Sequence[diffs.FileChange], read: Reader, options: CheckOptions | None = None) -> CheckResult:
    """Check every changed manifest file; a file that cannot be read becomes a finding, never a crash."""
    options = options or CheckOptions()
    selected = [c for c in diffs.only_manifests(changes) if options.selects(c.path)]
    files = tuple(load_change(c, read) for c in selected)
    findings = judge(files, options)
    patched = _mark_patches(files, findings, read)
    if patched != files:  # a refused Job sat in a Kustomize patch: judge again, knowing it is partial
        files, findings = patched, judge(patched, options)
    return CheckResult(findings, tuple(selected), len(selected), files)


def _mark_patches(files: tuple[LoadedFile, ...], findings: Sequence[Finding], read: Reader) -> tuple[LoadedFile, ...]:
    """Flag the files a kustomization lists as patches. Only files with a job-invalid finding are asked about, so a
    change without one costs no read (through an API, each kustomization looked for is a request)."""
    asked = {f.location.path for f in findings if f.rule == job_invalid.ID}
    if not asked:
        return files

    def head(path: str) -> bytes | None:
        try:
            return read(path, "head")
        except UnreadableFile:
            return None

    patches = kustomize_patches.patch_files(sorted(asked), head)
    return tuple(replace(f, kustomize_patch=True) if f.head.path in patches else f for f in files)


def load_change(change: diffs.FileChange, read: Reader) -> LoadedFile:
    """Both sides of a change, parsed (the base only for Jobs: its validity is not this change's business)."""
    base = _load(change.old_path, "base", read, jobs_only=True) if change.old_path else ManifestFile("")
    head = _load(change.new_path, "head", read) if change.new_path else ManifestFile("")
    return LoadedFile(change, base, head)


def judge(files: Sequence[LoadedFile], options: CheckOptions) -> tuple[Finding, ...]:
    """The sorted findings of parsed files: `run` after reading (jobguard.fixes re-judges edited documents)."""
    findings: list[Finding] = []
    sides: list[FileSides] = []
    head_texts: dict[str, str] = {}
    for file in files:
        findings.extend(f for f in (_invalid(p, options) for p in file.head.problems) if f is not None)
        sides.append(FileSides(file.change.old_path, file.change.new_path, file.base.manifests, file.head.manifests))
        if file.head.manifests:
            head_texts[file.head.path] = file.head.text
    reviewed: dict[str, list[Manifest]] = defaultdict(list)
    patches = frozenset(file.head.path for file in files if file.kustomize_patch)
    for job_change in pair(sides):
        findings.extend(_check_job(job_change, options, patches))
        if job_change.head is not None and job_change.touched:
            reviewed[job_change.head.manifest.path].append(job_change.head.manifest)
    unique = {(f.rule, f.fingerprint): f for f in findings}  # one object can sit in a List and a file twice
    severity = functools.partial(_severity, options)
    return ignores.apply(list(unique.values()), head_texts, reviewed, severity, RULES_BY_ID)


def _severity(options: CheckOptions, rule_id: str, path: str) -> Severity | None:
    return options.config.setting(rule_id, path).severity


def _load(path: str, side: Side, read: Reader, jobs_only: bool = False) -> ManifestFile:
    try:
        data = read(path, side)
    except UnreadableFile as exc:
        return ManifestFile(path, problems=(Problem(path, 1, 1, str(exc)),))
    if data is None:
        return ManifestFile(path)
    return load(path, data, jobs_only=jobs_only)


def _setting(rule: Rule, options: CheckOptions, path: str) -> RuleSetting:
    return options.config.setting(rule.id, path)


def _invalid(problem: Problem, options: CheckOptions) -> Finding | None:
    rule = RULES_BY_ID["manifest-invalid"]
    severity = _setting(rule, options, problem.path).severity
    if severity is None:
        return None  # switched off for this path
    return Finding(
        rule=rule.id,
        severity=severity,
        location=Location(problem.path, problem.line, problem.line),
        object=None,
        fields=(),
        message=f"{problem.message} (line {problem.line}, column {problem.column})",
        fingerprint=fingerprint(rule.id, problem.path, problem.message),
    )


def _check_job(change: JobChange, options: CheckOptions, patches: frozenset[str]) -> list[Finding]:
    """Every rule that applies to the tool deploying this Job (a rule's `tools`), with its configured severity."""
    head = change.head
    if head is None:
        return []
    path = head.manifest.path
    config = options.config
    context = RuleContext(
        kubernetes_version=config.kubernetes_version,
        gitops=config.gitops,
        hook_phase=config.hook_phase,
        repository_tool=_repository_tool(options, head.declared_tool),
        kustomize_patch=path in patches,
        deployment=options.deployment,
    )
    tool = context.tool_for(head)
    found = []
    for rule in RULES:
        setting = _setting(rule, options, path)
        severity = setting.severity
        if rule.check is None or severity is None or tool not in rule.tools:
            continue
        for hit in rule.check(change, replace(context, options=setting.options)):
            found.append(_finding(rule, severity, change, hit, options))
    return found


def _repository_tool(options: CheckOptions, declared: GitOpsTool | None) -> GitOpsTool | None:
    """What the repository says, asked only when it can decide this Job's tool (`gitops: auto`, none declared)."""
    if options.repository_tool is not None or options.ask_repository_tool is None:
        return options.repository_tool
    if options.config.gitops is not GitOpsTool.AUTO or declared is not None:
        return None
    return options.ask_repository_tool()


_LOWER = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}
"""A hit marked `one_level_lower` (base.Hit) drops one step below the configured severity, never below info."""


def _finding(rule: Rule, severity: Severity, change: JobChange, hit: Hit, options: CheckOptions) -> Finding:
    assert change.head is not None
    manifest = change.head.manifest
    line, end_line = manifest.span_of(hit.anchor)
    ref: ObjectRef = change.head.ref
    return Finding(
        rule=rule.id,
        severity=_LOWER[severity] if hit.one_level_lower else severity,
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
        intents=ordered(hit.intents, options.config.fix_prefer),
        object_lines=(manifest.start_line, manifest.end_line),
    )


def exit_code(findings: Sequence[Finding], fail_on: Severity | None = Severity.ERROR) -> int:
    """0: nothing at or above `fail_on`; 1: at least one finding that is (None: never fail)."""
    if fail_on is None:
        return 0
    return 1 if any(f.severity.rank >= fail_on.rank for f in findings) else 0
