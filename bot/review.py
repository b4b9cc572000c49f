"""`jobguard review`: platform -> config -> engine -> fixes -> publish -> exit code.

The same sequence for GitHub, GitLab and a local dry run. The configuration comes from the BASE revision by
default, so a change cannot switch off its own check. The exit code comes from the findings alone: a platform
that refuses comments changes where findings are shown, never whether the job fails.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot import check as engine
from bot import config as configuration
from bot import fixes, gitops, render
from bot.diff import FileChange
from bot.errors import ConfigError, PlatformError
from bot.findings import Finding, Fix, Severity
from bot.immutability import KubeVersion
from bot.platforms import Platform
from bot.publish import PublishReport, PublishSettings, publish

log = logging.getLogger("jobguard.review")

FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "never": None}


@dataclass(frozen=True)
class ReviewOutcome:
    findings: tuple[Finding, ...]
    exit_code: int
    report: PublishReport
    config: configuration.Config
    files_checked: int


def load_config(platform: Platform, config_path: Path | None) -> configuration.Config:
    """--config wins; else the first config file of the BASE revision (the head's only if that base config
    allows it), else the defaults."""
    if config_path is not None:
        return configuration.load(config_path)
    found = platform.config_text(configuration.CONFIG_NAMES, "base")
    config = configuration.parse(found[1], found[0]) if found else configuration.DEFAULT
    if config.review.allow_head_config:
        head = platform.config_text(configuration.CONFIG_NAMES, "head")
        if head is not None:
            config = configuration.parse(head[1], head[0])
    return config


def with_overrides(
    config: configuration.Config, fail_on: str | None, kubernetes_version: str | None
) -> configuration.Config:
    """Action inputs / CLI flags over the file's values."""

    if fail_on is not None:
        if fail_on not in FAIL_ON:
            raise ConfigError(f"--fail-on {fail_on!r}: expected one of {', '.join(FAIL_ON)}")
        config = replace(config, fail_on=FAIL_ON[fail_on])
    if kubernetes_version:
        try:
            config = replace(config, kubernetes_version=KubeVersion.parse(kubernetes_version))
        except ValueError as exc:
            raise ConfigError(f"--kubernetes-version: {exc}") from None
    return config


def analyse(platform: Platform, config: configuration.Config) -> tuple[tuple[Finding, ...], Sequence[FileChange], int]:
    """Findings of the change under review, with their verified fixes."""
    changes = list(platform.changes())
    checkout = platform.checkout() if config.gitops == "auto" else None
    options = engine.options_from(config, repository_tool=gitops.detect(*checkout) if checkout else None)
    result = engine.run(changes, platform.read, options)
    with_fixes = fixes.attach(result.findings, changes, platform.read, options)
    return with_fixes, changes, result.files_checked


def run_review(
    platform: Platform,
    *,
    config_path: Path | None = None,
    fail_on: str | None = None,
    kubernetes_version: str | None = None,
    mode: str = "review",
    fix_hint: str = "",
    sarif_path: Path | None = None,
) -> ReviewOutcome:
    config = with_overrides(load_config(platform, config_path), fail_on, kubernetes_version)
    findings, changes, files_checked = analyse(platform, config)
    outputs = dict(_outputs(findings))
    if platform.name == "gitlab":
        outputs["codequality"] = render.as_code_quality(findings)  # the report file the adapter writes
    if sarif_path is not None:
        sarif_path.write_text(render.as_sarif(findings), encoding="utf-8")
        outputs["sarif"] = str(sarif_path)
    settings = PublishSettings(
        max_inline_comments=config.review.max_inline_comments,
        summary=config.review.summary,
        mode=mode,
        fix_hint=fix_hint,
    )
    cache: dict[str, str | None] = {}

    def head_text(path: str) -> str | None:
        if path not in cache:
            data = platform.read(path, "head")
            cache[path] = None if data is None else data.decode("utf-8-sig", "replace")
        return cache[path]

    report = publish(platform, findings, changes, head_text=head_text, settings=settings, outputs=outputs)
    code = engine.exit_code(findings, config.fail_on)
    return ReviewOutcome(findings, code, report, config, files_checked)


def _outputs(findings: Sequence[Finding]) -> Mapping[str, str]:
    c = render.counts(findings)
    return {
        "findings": str(len(findings)),
        "errors": str(c["error"]),
        "warnings": str(c["warning"]),
        "infos": str(c["info"]),
    }


def run_fix_command(
    platform: Platform,
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
    findings, changes, _ = analyse(platform, config)
    files = fixed_files(findings, lambda path: platform.read(path, "head"), strategy)
    if not files:
        message = f"@{requested_by}: jobguard found nothing it can fix in this change."
        platform.reply(message)
        return message
    new = introduced(platform, changes, config, findings, files)
    if new:  # each fix was verified alone; together they must not create a problem either
        message = f"@{requested_by}: jobguard did not push: together the fixes would cause {', '.join(new)}."
        platform.reply(message)
        return message
    count = sum(1 for f in findings if chosen_fix(f, strategy) is not None and f.location.path in files)
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


def introduced(
    platform: Platform,
    changes: Sequence[FileChange],
    config: configuration.Config,
    findings: Sequence[Finding],
    files: Mapping[str, str],
) -> list[str]:
    """Rules that would report something new once all `files` are applied (the combined fix re-checked)."""

    def read(path: str, side: engine.Side) -> bytes | None:
        if side == "head" and path in files:
            return files[path].encode("utf-8")
        return platform.read(path, side)

    before = {f.fingerprint for f in findings}
    after = engine.run(changes, read, engine.options_from(config)).findings
    return sorted({f"{f.rule} at {f.location.path}:{f.location.line}" for f in after if f.fingerprint not in before})


def chosen_fix(finding: Finding, strategy: str | None) -> Fix | None:
    """The fix of `strategy` when the finding has one, else its preferred fix."""
    if not finding.fixes:
        return None
    return next((f for f in finding.fixes if f.strategy == strategy), finding.fixes[0])


def fixed_files(
    findings: Sequence[Finding], read_head: Callable[[str], bytes | None], strategy: str | None = None
) -> dict[str, str]:
    """Head texts with each finding's chosen fix applied (back to front; overlapping edits wait for a re-run)."""
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for finding in findings:
        fix = chosen_fix(finding, strategy)
        if fix is not None:
            by_path[finding.location.path].append(fix)
    result: dict[str, str] = {}
    for path, items in by_path.items():
        data = read_head(path)
        if data is None:
            continue
        text = data.decode("utf-8-sig")
        edits = sorted({f.edit for f in items}, key=lambda e: e.start_line, reverse=True)
        applied, last_start = text, None
        for edit in edits:
            if last_start is not None and edit.end_line >= last_start:
                continue  # overlapping edits: the next run picks up what is left
            applied = fixes.apply(applied, edit)
            last_start = edit.start_line
        if applied != text:
            result[path] = applied
    return result
