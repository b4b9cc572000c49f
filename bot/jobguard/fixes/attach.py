"""Finding -> its verified fixes: every intent's edit built on the head text the engine parsed, and checked."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from jobguard.diff import split_lines
from jobguard.findings import Finding, Fix, FixIntent
from jobguard.fixes.context import FileContext, Target, Text
from jobguard.fixes.lines import BOM, line_edit, unified
from jobguard.fixes.source import NoFix
from jobguard.fixes.verify import verify
from jobguard.fixes.yamledit import edited

if TYPE_CHECKING:
    from jobguard.check import CheckOptions, LoadedFile

log = logging.getLogger("jobguard.fixes")


def attach(findings: Sequence[Finding], files: Sequence[LoadedFile], options: CheckOptions) -> tuple[Finding, ...]:
    """Findings with `fixes` filled: every intent's edit built on the head text and verified, in intent order.

    `files` are the engine's parsed files (`CheckResult.files`), which hold every file a finding with intents is
    about. A fix that cannot be built or verified is dropped and logged, never shown and never raised: a review
    must not fail because one fix did not work out.
    """
    contexts: dict[str, FileContext | None] = {}
    by_path: dict[str | None, LoadedFile] = {}
    for file in files:  # one lookup per file, not a scan of every file per finding (linear at 50,000 files)
        by_path.setdefault(file.change.new_path, file)
    result = []
    for finding in findings:
        if not finding.intents or finding.object is None:
            result.append(finding)
            continue
        path = finding.location.path
        if path not in contexts:
            contexts[path] = _context(by_path.get(path), findings, files, options)
        ctx = contexts[path]
        try:
            fixes = tuple(_fixes(finding, ctx)) if ctx is not None else ()
        except Exception as exc:  # a bug in one fix must not cost the whole review
            log.info("fixes for %s %s failed: %r", finding.rule, path, exc)
            fixes = ()
        result.append(replace(finding, fixes=fixes))
    return tuple(result)


def _context(
    file: LoadedFile | None, findings: Sequence[Finding], files: Sequence[LoadedFile], options: CheckOptions
) -> FileContext | None:
    if file is None or not file.head.manifests:
        return None
    return FileContext(file, Text.of(file.head.text), options, findings, files)


def _fixes(finding: Finding, ctx: FileContext) -> Iterator[Fix]:
    """The finding's verified fixes, in intent order; one that cannot be built or verified is logged only."""
    path = finding.location.path
    try:
        target = ctx.target(finding)
    except NoFix as exc:
        log.info("no fixes for %s %s: %s", finding.rule, path, exc)
        return
    for intent in finding.intents:
        try:
            yield _fix(finding, intent, target, ctx)
        except NoFix as exc:
            log.info("fix %s for %s %s dropped: %s", intent.strategy, finding.rule, path, exc)
        except Exception as exc:  # a bug in one fix must not cost the whole review
            log.info("fix %s for %s %s failed: %r", intent.strategy, finding.rule, path, exc)


def _fix(finding: Finding, intent: FixIntent, target: Target, ctx: FileContext) -> Fix:
    new = edited(intent, ctx.head.text, target.window)
    verify(finding, target, new, ctx)
    new_lines = split_lines(new)
    if ctx.file.head.bom and new_lines:
        new_lines[0] = BOM + new_lines[0]
    edit = line_edit(ctx.raw_lines, new_lines)
    if edit is None:  # pragma: no cover - `edited` refuses an edit that changes nothing
        raise NoFix("the fix changes nothing")
    return Fix(
        strategy=intent.strategy,
        title=intent.title,
        tradeoff=intent.tradeoff,
        edit=edit,
        diff=unified(finding.location.path, ctx.raw_lines, edit),
    )
