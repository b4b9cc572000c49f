"""Several verified fixes applied at once (`jobguard fix`, the `/jobguard fix` command)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from jobguard.findings import Finding, Fix
from jobguard.fixes.lines import apply


def chosen_fix(finding: Finding, strategy: str | None) -> Fix | None:
    """The fix of `strategy` when the finding has one, else its preferred fix."""
    if not finding.fixes:
        return None
    return next((f for f in finding.fixes if f.strategy == strategy), finding.fixes[0])


def strategy_misses(findings: Sequence[Finding], strategy: str) -> str | None:
    """Why `strategy` cannot be used (it fits none or only some of the fixable findings, each named with the
    strategies it does take), or None: applying another fix where it does not fit would be a silent surprise."""
    fixable = [f for f in findings if f.fixes]
    missed = [f for f in fixable if all(fix.strategy != strategy for fix in f.fixes)]
    if not missed:
        return None
    n = len(fixable)
    scope = f"none of the {n}" if len(missed) == n else f"{n - len(missed)} of {n}"
    each = "; ".join(
        f"{f.location.path}:{f.location.line} {f.rule} takes {', '.join(fix.strategy for fix in f.fixes)}"
        for f in missed
    )
    plural = "s" if n != 1 else ""
    return f"--strategy {strategy} applies to {scope} fixable finding{plural}, so nothing was changed: {each}"


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
        text = data.decode("utf-8")  # a BOM stays: the edits count it in line 1
        edits = sorted({f.edit for f in items}, key=lambda e: e.start_line, reverse=True)
        applied, last_start = text, None
        for edit in edits:
            if last_start is not None and edit.end_line >= last_start:
                continue  # overlapping edits: the next run picks up what is left
            applied = apply(applied, edit)
            last_start = edit.start_line
        if applied != text:
            result[path] = applied
    return result
