"""Review comment markdown: the inline comment, the sticky summary, fences and the hidden markers.

Every value from a manifest reaches a comment inside a code fence (longer than any backtick run in it) or escaped for
a table cell. Where a comment sits, and which fence info a one-click suggestion gets, is each platform adapter's
call (`ReviewChannel.suggestion`); what goes where is `jobguard.publish`'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jobguard.findings import Finding, Severity
from jobguard.formats import counts
from jobguard.inert import code_span

SUMMARY_MARKER = "<!-- jobguard:summary -->"
_FINGERPRINT_MARKER = "<!-- jobguard:fingerprint={} -->"
_FIXED_BY_MARKER = "<!-- jobguard:fixed-by={} -->"
_FINGERPRINT_RE = re.compile(r"<!-- jobguard:fingerprint=([0-9a-f]{16}) -->")
_SEVERITY_BADGE = {Severity.ERROR: "🛑 error", Severity.WARNING: "⚠️ warning", Severity.INFO: "ℹ️ info"}


def fingerprint_of(body: str) -> str | None:
    """The fingerprint hidden in a comment jobguard posted, or None for any other comment."""
    match = _FINGERPRINT_RE.search(body)
    return match.group(1) if match else None


def is_summary(body: str) -> bool:
    """Whether a comment is jobguard's sticky summary: `summary_body` opens with the marker, so a person's
    comment that merely quotes it is never taken for (and overwritten as) the summary."""
    return body.lstrip().startswith(SUMMARY_MARKER)


def fence(text: str, info: str = "") -> str:
    """A code fence longer than any backtick run inside `text`, so the block cannot end early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{ticks}{info}\n{body}{ticks}"


def comment_body(finding: Finding, suggestion: str | None = None, fixed_by: tuple[Finding, int] | None = None) -> str:
    """One inline review comment: diagnosis, the preferred fix (one-click when `suggestion`, a fenced suggestion
    block, is given), alternatives collapsed, and the hidden fingerprint marker that makes re-runs idempotent.

    `fixed_by` (the finding whose comment carries the suggestion, and that comment's line) names the suggestion that
    applies one of this finding's fixes already, instead of a second block for the same edit."""
    parts = [f"**jobguard** · {_SEVERITY_BADGE[finding.severity]} · `{finding.rule}`", "", finding.message]
    fixes = list(finding.fixes)
    holder = fixed_by[0].fixes[0].edit if fixed_by is not None and fixed_by[0].fixes else None
    pointed = next((fix for fix in fixes if fix.edit == holder), None)
    if fixed_by is not None and pointed is not None:
        rule, line = fixed_by[0].rule, fixed_by[1]
        parts += ["", f"**Fixed by the suggestion on line {line}** (the `{rule}` comment): accepting it applies this"]
        parts[-1] += f" finding's fix too — {pointed.title}. {pointed.tradeoff}"
        fixes.remove(pointed)
        alternatives = fixes
    elif fixes:
        preferred, alternatives = fixes[0], fixes[1:]
        parts += ["", f"**Suggested fix — {preferred.title}.** {preferred.tradeoff}"]
        parts += ["", suggestion if suggestion is not None else fence(preferred.diff, "diff")]
    else:
        alternatives = []
    if alternatives:
        parts += ["", "<details><summary>Other fixes</summary>", ""]
        for alternative in alternatives:
            parts += [f"**{alternative.title}.** {alternative.tradeoff}", "", fence(alternative.diff, "diff"), ""]
        parts.append("</details>")
    if fixed_by is not None and pointed is not None:
        parts += ["", _FIXED_BY_MARKER.format(fixed_by[0].fingerprint)]
    parts += ["", _FINGERPRINT_MARKER.format(finding.fingerprint)]
    return "\n".join(parts) + "\n"


def summary_body(
    findings: Sequence[Finding],
    *,
    inline: set[str],
    fixed: int = 0,
    fix_hint: str = "",
    limit: int = 60_000,
) -> str:
    """The sticky summary: every finding, where it is, and how to get the fixes applied."""
    lines = [SUMMARY_MARKER, "### jobguard"]
    if not findings:
        lines.append("")
        lines.append("No problems with Jobs in this change." + (f" {fixed} earlier finding(s) fixed." if fixed else ""))
        return "\n".join(lines) + "\n"
    c = counts(findings)
    lines += ["", ", ".join(f"**{n}** {name}{'s' if n != 1 else ''}" for name, n in c.items() if n) + "."]
    lines += ["", "| | rule | where | finding |", "| --- | --- | --- | --- |"]
    for f in findings:
        where = code_span(f"{f.location.path}:{f.location.line}")
        shown = "inline" if f.fingerprint in inline else "here only"
        message = f.message.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {_SEVERITY_BADGE[f.severity]} | `{f.rule}` | {where} ({shown}) | {message} |")
    outside = [f for f in findings if f.fingerprint not in inline and f.fixes]
    if outside:
        lines += ["", "<details><summary>Fixes for findings that are not commented inline</summary>", ""]
        for f in outside:
            lines += [
                f"{code_span(f'{f.location.path}:{f.location.line}')} — {f.fixes[0].title}:",
                "",
                fence(f.fixes[0].diff, "diff"),
                "",
            ]
        lines.append("</details>")
    if fix_hint:
        lines += ["", fix_hint]
    text = "\n".join(lines) + "\n"
    if len(text) > limit:  # platforms cap comment bodies at 64 KiB (review-apis.md B6)
        text = text[: limit - 200].rsplit("\n", 1)[0] + "\n\n…(truncated; the full report is in the job log)\n"
    return text


def placement_note(finding: Finding, first: int, last: int, section: str | None = None) -> str | None:
    """Why a review comment on lines first..last sits away from the finding's lines, or None when it sits on them.

    A one-click suggestion must sit on the lines it replaces, and a fix that adds annotations replaces lines of
    the Job's metadata however far below the edit was; a reader of the review should not have to guess that."""
    where = finding.location
    if first <= where.end_line and where.line <= last:
        return None
    inside = f" ({section})" if section else ""
    change = _lines(where.line, where.end_line)
    return f"review comment on {_lines(first, last)}{inside}, where the fix goes; the change is on {change}"


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"
