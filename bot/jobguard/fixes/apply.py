"""Several verified fixes applied together (`jobguard fix`, the `/jobguard fix` command): the one policy.

Each fix was verified alone, against the unedited head. Together:

1. The strategy: with `--strategy S`, S must fit every fixable finding, else nothing is applied and the refusal
   says which findings take which strategies (applying another fix where S does not fit would be a surprise).
   Without one, each finding's preferred fix (its first, ordered by `fix.prefer`) is used.
2. Per file, identical edits count once (two findings about one Job often share an edit) and the edits are
   applied back to front, so the line numbers of the ones still to come stay right.
3. An edit that overlaps the one applied below it is left out: the next run fixes what is left.
4. A finding counts as fixed when its file changed. Whoever applies the texts re-checks the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from jobguard.findings import Finding, Fix
from jobguard.fixes.lines import apply


@dataclass(frozen=True)
class AppliedFixes:
    """New head texts of the files that changed, the findings they fix, or why nothing was applied."""

    texts: Mapping[str, str] = field(default_factory=dict)
    fixed: tuple[tuple[Finding, Fix], ...] = ()  # in finding order, each with the fix chosen for it
    refusal: str | None = None


def apply_all(
    findings: Sequence[Finding], read_head: Callable[[str], bytes | None], strategy: str | None = None
) -> AppliedFixes:
    """Every finding's chosen fix applied to the head texts (`read_head` gives a file's bytes), by the policy
    above."""
    if strategy is not None and (refusal := _strategy_misses(findings, strategy)) is not None:
        return AppliedFixes(refusal=refusal)
    chosen = [(f, fix) for f in findings if (fix := _chosen_fix(f, strategy)) is not None]
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for finding, fix in chosen:
        by_path[finding.location.path].append(fix)
    texts = {path: text for path, fixes in by_path.items() if (text := _new_text(read_head(path), fixes)) is not None}
    return AppliedFixes(texts, tuple((f, fix) for f, fix in chosen if f.location.path in texts))


def _new_text(data: bytes | None, fixes: Sequence[Fix]) -> str | None:
    """One file's text with its fixes applied, None when it is missing or nothing changed."""
    if data is None:
        return None
    text = data.decode("utf-8")  # a BOM stays: the edits count it in line 1
    applied = _applied(text, fixes)
    return applied if applied != text else None


def _applied(text: str, fixes: Sequence[Fix]) -> str:
    """One file's edits, each once, back to front; an edit overlapping the one below it waits for a re-run."""
    edits = sorted({f.edit for f in fixes}, key=lambda e: e.start_line, reverse=True)
    last_start = None
    for edit in edits:
        if last_start is not None and edit.end_line >= last_start:
            continue
        text = apply(text, edit)
        last_start = edit.start_line
    return text


def _chosen_fix(finding: Finding, strategy: str | None) -> Fix | None:
    """The fix of `strategy` when the finding has one, else its preferred fix."""
    if not finding.fixes:
        return None
    return next((f for f in finding.fixes if f.strategy == strategy), finding.fixes[0])


def _strategy_misses(findings: Sequence[Finding], strategy: str) -> str | None:
    """Why `strategy` cannot be used (it fits none or only some of the fixable findings, each named with the
    strategies it does take), or None."""
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
