"""`jobguard review` and the fix command: platform -> config -> `pipeline.analyse` -> publish or push.

The same sequence for GitHub, GitLab and a local dry run. The configuration comes from the BASE revision by
default, so a change cannot switch off its own check. The exit code comes from the findings alone: a platform
that refuses comments changes where findings are shown, never whether the job fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobguard import config as configuration
from jobguard import formats, pipeline
from jobguard.errors import PlatformError, UsageError
from jobguard.findings import Finding
from jobguard.fixes.apply import AppliedFixes
from jobguard.pipeline import RunOptions
from jobguard.platforms import ChangeSource, Fixed, Reviewed
from jobguard.publish import PublishReport, PublishRun, PublishSettings, publish


@dataclass(frozen=True)
class ReviewOutcome:
    findings: tuple[Finding, ...]
    exit_code: int
    report: PublishReport
    config: configuration.Config
    files_checked: int


@dataclass(frozen=True)
class ReviewSettings:
    """How the review is published: `review` comments or `annotations`, and an extra SARIF file. (The fix hint
    comes from the platform, which knows how its users trigger a fix.)"""

    mode: str = "review"
    sarif_path: Path | None = None


def run_review(
    platform: Reviewed, run: RunOptions | None = None, settings: ReviewSettings | None = None
) -> ReviewOutcome:
    run, settings = run or RunOptions(), settings or ReviewSettings()
    config = run.configured(pipeline.load_config(platform, run.config_path))
    analysis = pipeline.analyse(platform, config, run.paths)
    findings = analysis.findings
    outputs = dict(_outputs(findings))
    for name in platform.report_formats:  # the report files the adapter writes (Code Quality, say)
        outputs[name] = formats.render(findings, name)
    if settings.sarif_path is not None:
        settings.sarif_path.write_text(formats.as_sarif(findings), encoding="utf-8")
        outputs["sarif"] = str(settings.sarif_path)
    publishing = PublishSettings(
        max_inline_comments=config.review.max_inline_comments,
        summary=config.review.summary,
        mode=settings.mode,
    )
    report = publish(platform, PublishRun(findings, analysis.changes, _head_texts(platform), publishing, outputs))
    return ReviewOutcome(findings, analysis.exit_code, report, config, analysis.files_checked)


def _head_texts(platform: ChangeSource) -> Callable[[str], str | None]:
    """The head files as text, each read once (publish asks for the lines around every comment)."""
    cache: dict[str, str | None] = {}

    def head_text(path: str) -> str | None:
        if path not in cache:
            data = platform.read(path, "head")
            cache[path] = None if data is None else data.decode("utf-8-sig", "replace")
        return cache[path]

    return head_text


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
    if authorised:
        message = _fix(platform, requested_by, RunOptions(config_path=config_path, strategy=strategy))
    else:
        message = (
            f"@{requested_by}: `/jobguard fix` needs write access to this repository (owner, member or "
            "collaborator); nothing was changed."
        )
    platform.reply(message)
    return message


def _fix(platform: Fixed, who: str, run: RunOptions) -> str:
    """The answer to the fix command, after pushing the fixes if they may be pushed."""
    analysis = pipeline.analyse(platform, pipeline.load_config(platform, run.config_path))
    applied = pipeline.apply_fixes(platform, analysis, run.strategy)
    if applied.refusal is not None:  # never push another fix than the one asked for
        platform.reply(f"@{who}: jobguard did not push: {applied.refusal}.")
        raise UsageError(applied.refusal)
    if not applied.texts:
        return f"@{who}: jobguard found nothing it can fix in this change."
    new = pipeline.introduced(platform, analysis, applied.texts)
    if new:  # each fix was verified alone; together they must not create a problem either
        return f"@{who}: jobguard did not push: together the fixes would cause {', '.join(new)}."
    return _push(platform, who, applied)


def _push(platform: Fixed, who: str, applied: AppliedFixes) -> str:
    count = len(applied.fixed)
    fixes = f"fix{'es' if count != 1 else ''}"
    try:
        url = platform.push_fix(
            {path: text.encode("utf-8") for path, text in applied.texts.items()},
            f"jobguard: apply {count} {fixes} for Kubernetes Jobs\n\nRequested by @{who}.",
        )
    except PlatformError as exc:
        return f"@{who}: jobguard could not push the fixes: {exc}"
    return f"@{who}: jobguard applied {count} {fixes} in {url}."
