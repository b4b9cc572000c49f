"""`jobguard review`: platform -> config -> engine -> fixes -> publish -> exit code.

The same sequence for GitHub, GitLab and a local dry run. The configuration comes from the BASE revision by
default, so a change cannot switch off its own check. The exit code comes from the findings alone: a platform
that refuses comments changes where findings are shown, never whether the job fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobguard import check as engine
from jobguard import config as configuration
from jobguard import formats, scope
from jobguard.controllers.tool import GitOpsTool, detect
from jobguard.diff import FileChange
from jobguard.errors import PlatformError, UsageError
from jobguard.findings import Finding
from jobguard.fixes.apply import apply_all
from jobguard.fixes.attach import attach
from jobguard.platforms import ChangeSource, Fixed, Reviewed
from jobguard.publish import PublishReport, PublishRun, PublishSettings, publish


@dataclass(frozen=True)
class ReviewOutcome:
    findings: tuple[Finding, ...]
    exit_code: int
    report: PublishReport
    config: configuration.Config
    files_checked: int


def load_config(platform: ChangeSource, config_path: Path | None) -> configuration.Config:
    """--config wins; else the first config file of the BASE revision (the head's only if that base config
    allows it), else the defaults."""
    if config_path is not None:
        return configuration.load(config_path)
    config = configuration.in_tree(lambda names: platform.config_text(names, "base")) or configuration.DEFAULT
    if config.review.allow_head_config:
        config = configuration.in_tree(lambda names: platform.config_text(names, "head")) or config
    return config


@dataclass(frozen=True)
class Analysis:
    """What the engine made of the change: the findings with their verified fixes, and how it was run."""

    findings: tuple[Finding, ...]
    changes: Sequence[FileChange]
    options: engine.CheckOptions
    files_checked: int


def analyse(platform: ChangeSource, config: configuration.Config, paths: Sequence[str] = ()) -> Analysis:
    """Findings of the change under review (only its files under `paths`, if given), with their verified fixes."""
    changes = [change for change in platform.changes() if scope.selected(change, paths)]
    checkout = platform.checkout() if config.gitops is GitOpsTool.AUTO else None
    options = engine.options_from(config, repository_tool=detect(*checkout) if checkout else None)
    result = engine.run(changes, platform.read, options)
    with_fixes = attach(result.findings, result.files, options)
    return Analysis(with_fixes, changes, options, result.files_checked)


def run_review(
    platform: Reviewed,
    *,
    config_path: Path | None = None,
    fail_on: str | None = None,
    kubernetes_version: str | None = None,
    mode: str = "review",
    sarif_path: Path | None = None,
    paths: Sequence[str] = (),
) -> ReviewOutcome:
    config = configuration.with_overrides(load_config(platform, config_path), fail_on, kubernetes_version)
    analysis = analyse(platform, config, paths)
    findings = analysis.findings
    outputs = dict(_outputs(findings))
    for name in platform.report_formats:  # the report files the adapter writes (Code Quality, say)
        outputs[name] = formats.render(findings, name)
    if sarif_path is not None:
        sarif_path.write_text(formats.as_sarif(findings), encoding="utf-8")
        outputs["sarif"] = str(sarif_path)
    settings = PublishSettings(
        max_inline_comments=config.review.max_inline_comments,
        summary=config.review.summary,
        mode=mode,
    )
    cache: dict[str, str | None] = {}

    def head_text(path: str) -> str | None:
        if path not in cache:
            data = platform.read(path, "head")
            cache[path] = None if data is None else data.decode("utf-8-sig", "replace")
        return cache[path]

    report = publish(platform, PublishRun(findings, analysis.changes, head_text, settings, outputs))
    code = engine.exit_code(findings, config.fail_on)
    return ReviewOutcome(findings, code, report, config, analysis.files_checked)


def _outputs(findings: Sequence[Finding]) -> Mapping[str, str]:
    c = formats.counts(findings)
    return {
        "findings": str(len(findings)),
        "errors": str(c["error"]),
        "warnings": str(c["warning"]),
        "infos": str(c["info"]),
    }


def run_fix_command(
    platform: Fixed,
    *,
    requested_by: str,
    authorised: bool,
    config_path: Path | None = None,
    strategy: str | None = None,
) -> str:
    """Apply every finding's preferred verified fix to the head files and commit them through the API.

    Returns the one line said in reply (and logged). Nothing is pushed when nothing can be fixed.
    """
    if not authorised:
        message = (
            f"@{requested_by}: `/jobguard fix` needs write access to this repository (owner, member or "
            "collaborator); nothing was changed."
        )
        platform.reply(message)
        return message
    config = load_config(platform, config_path)
    analysis = analyse(platform, config)
    findings = analysis.findings
    applied = apply_all(findings, lambda path: platform.read(path, "head"), strategy)
    if applied.refusal is not None:  # never push another fix than the one asked for
        platform.reply(f"@{requested_by}: jobguard did not push: {applied.refusal}.")
        raise UsageError(applied.refusal)
    files = applied.texts
    if not files:
        message = f"@{requested_by}: jobguard found nothing it can fix in this change."
        platform.reply(message)
        return message
    new = introduced(platform, analysis, files)
    if new:  # each fix was verified alone; together they must not create a problem either
        message = f"@{requested_by}: jobguard did not push: together the fixes would cause {', '.join(new)}."
        platform.reply(message)
        return message
    count = len(applied.fixed)
    try:
        url = platform.push_fix(
            {path: text.encode("utf-8") for path, text in files.items()},
            f"jobguard: apply {count} fix{'es' if count != 1 else ''} for Kubernetes Jobs\n\n"
            f"Requested by @{requested_by}.",
        )
    except PlatformError as exc:
        message = f"@{requested_by}: jobguard could not push the fixes: {exc}"
        platform.reply(message)
        return message
    message = f"@{requested_by}: jobguard applied {count} fix{'es' if count != 1 else ''} in {url}."
    platform.reply(message)
    return message


def introduced(platform: ChangeSource, analysis: Analysis, files: Mapping[str, str]) -> list[str]:
    """Rules that would report something new once all `files` are applied (the combined fix re-checked with the
    same options as the analysis, so only the fixes can make a difference)."""

    def read(path: str, side: engine.Side) -> bytes | None:
        if side == "head" and path in files:
            return files[path].encode("utf-8")
        return platform.read(path, side)

    before = {f.fingerprint for f in analysis.findings}
    after = engine.run(analysis.changes, read, analysis.options).findings
    return sorted({f"{f.rule} at {f.location.path}:{f.location.line}" for f in after if f.fingerprint not in before})
