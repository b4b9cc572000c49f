"""Finding -> its verified fixes: every intent's edit built on the head text the engine parsed, and checked."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from jobguard.diff import split_lines
from jobguard.findings import Finding, Fix, FixIntent, TextEdit
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
            fixes = tuple(_fixes(_with_siblings(finding, findings), ctx)) if ctx is not None else ()
        except Exception as exc:  # a bug in one fix must not cost the whole review
            log.info("fixes for %s %s failed: %r", finding.rule, path, exc)
            fixes = ()
        result.append(replace(finding, fixes=fixes))
    return tuple(result)


def _with_siblings(finding: Finding, findings: Sequence[Finding]) -> Finding:
    """The finding with, after its own intents, the preferred intent of each other finding about the same object (a
    strategy it does not have yet): one that verifies for it too is one of its fixes, so a review can say that one
    suggestion fixes both instead of offering two that compete for the same lines. Only the preferred: it is the
    one a review suggests, and each one tried costs a check of the edited file."""
    strategies = {intent.strategy for intent in finding.intents}
    extra: list[FixIntent] = []
    for other in findings:
        if other.location.path != finding.location.path or other.object != finding.object or not other.intents:
            continue
        if other.intents[0].strategy not in strategies:
            strategies.add(other.intents[0].strategy)
            extra.append(other.intents[0])
    return replace(finding, intents=(*finding.intents, *extra)) if extra else finding


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


def _line_edit(ctx: FileContext, target: Target, new: str) -> TextEdit | None:
    """The fix as a line edit of the file, computed on the lines of its document (and the line above it) only:
    `edited` changed nothing outside the document, and comparing every line of a file with N findings N times
    was the quadratic step of a file with many changed Jobs."""
    starts, delta = ctx.head.starts, len(new) - len(ctx.head.text)
    first = max(bisect.bisect_right(starts, target.window.lo) - 1, 1)  # 1-based: the line above the document
    last = bisect.bisect_right(starts, max(target.window.hi - 1, target.window.lo))  # the document's last line
    old_end = starts[last] if last < len(starts) else len(ctx.head.text)
    new_lines = split_lines(new[starts[first - 1] : old_end + delta])
    if ctx.file.head.bom and first == 1 and new_lines:
        new_lines[0] = BOM + new_lines[0]
    edit = line_edit(ctx.raw_lines[first - 1 : last], new_lines)
    return (
        None
        if edit is None
        else replace(edit, start_line=edit.start_line + first - 1, end_line=edit.end_line + first - 1)
    )


def _fix(finding: Finding, intent: FixIntent, target: Target, ctx: FileContext) -> Fix:
    new = edited(intent, ctx.head.text, target.window)
    verify(finding, target, new, ctx)
    edit = _line_edit(ctx, target, new)
    if edit is None:  # pragma: no cover - `edited` refuses an edit that changes nothing
        raise NoFix("the fix changes nothing")
    return Fix(
        strategy=intent.strategy,
        title=intent.title,
        tradeoff=intent.tradeoff,
        edit=edit,
        diff=unified(finding.location.path, ctx.raw_lines, edit),
    )
