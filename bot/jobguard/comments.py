"""Review comment markdown: the inline comment, the sticky summary, fences and the hidden markers.

Every value from a manifest reaches a comment inside a code fence (longer than any backtick run in it) or escaped for
a table cell. Where a comment sits, and which fence info a one-click suggestion gets, is each platform adapter's
call (`ReviewChannel.suggestion`); what goes where is `jobguard.publish`'s. Markers count only where jobguard writes
them (first or last line), and only in comments of the bot's own user (the adapters check the author); long values
are shortened so that a comment stays within its platform's limit with every row whole (issue 14).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jobguard.findings import Finding, Fix, Severity
from jobguard.formats import counts
from jobguard.inert import code_span

SUMMARY_MARKER = "<!-- jobguard:summary -->"
_FINGERPRINT_MARKER = "<!-- jobguard:fingerprint={} -->"
_FINGERPRINT_RE = re.compile(r"<!-- jobguard:fingerprint=([0-9a-f]{16}) -->")  # alone on the body's last line
SUMMARY_LIMIT = 60_000  # characters: under GitHub's 65,536 per comment (B6), GitLab's notes hold 1,000,000
MAX_TEXT = 1_000  # a message, fix title or trade-off longer than this is shortened (`shown`)
MAX_DIFF_LINE, MAX_DIFF_LINES = 200, 50  # a fix diff shown in a comment (`shown_diff`)
_LOG = "every finding is in the job log and the report files."
_FIXED_BY_MARKER = "<!-- jobguard:fixed-by={} -->"
_SEVERITY_BADGE = {Severity.ERROR: "🛑 error", Severity.WARNING: "⚠️ warning", Severity.INFO: "ℹ️ info"}


def fingerprint_of(body: str) -> str | None:
    """The fingerprint hidden in a comment jobguard posted, or None for any other comment.

    Only the marker where `comment_body` writes it counts, alone on the last line: a Job name or a quoted comment
    carrying a marker elsewhere in the body must not re-post or resolve a finding (issue 14)."""
    match = _FINGERPRINT_RE.fullmatch(body.rstrip().rpartition("\n")[2].strip())
    return match.group(1) if match else None


def fingerprint_line(body: str) -> str:
    """The marker line that ends a comment jobguard posted ("" for any other), to carry over into an edit of it."""
    fingerprint = fingerprint_of(body)
    return _FINGERPRINT_MARKER.format(fingerprint) if fingerprint else ""


def capped(body: str, limit: int) -> str:
    """`body` within a platform's `limit` of characters: cut on a line, keeping the markers where they are read
    (the summary and fixed markers open a body and survive the cut; the fingerprint line is put back last)."""
    if len(body) <= limit:
        return body
    marker = fingerprint_line(body)
    room = limit - len(marker) - 100
    return body[:room].rsplit("\n", 1)[0] + "\n\n…(truncated)\n\n" + marker + "\n"


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
    parts = [f"**jobguard** · {_SEVERITY_BADGE[finding.severity]} · `{finding.rule}`", "", shown(finding.message)]
    fixes = list(finding.fixes)
    holder = fixed_by[0].fixes[0].edit if fixed_by is not None and fixed_by[0].fixes else None
    pointed = next((fix for fix in fixes if fix.edit == holder), None)
    if fixed_by is not None and pointed is not None:
        rule, line = fixed_by[0].rule, fixed_by[1]
        parts += ["", f"**Fixed by the suggestion on line {line}** (the `{rule}` comment): accepting it applies this"]
        parts[-1] += f" finding's fix too — {shown(pointed.title)}. {shown(pointed.tradeoff)}"
        fixes.remove(pointed)
        alternatives = fixes
    elif fixes:
        preferred, alternatives = fixes[0], fixes[1:]
        parts += ["", f"**Suggested fix — {shown(preferred.title)}.** {shown(preferred.tradeoff)}"]
        parts += ["", suggestion if suggestion is not None else fence(shown_diff(preferred.diff), "diff")]
    else:
        alternatives = []
    parts += _alternatives(alternatives)
    if fixed_by is not None and pointed is not None:
        parts += ["", _FIXED_BY_MARKER.format(fixed_by[0].fingerprint)]
    parts += ["", _FINGERPRINT_MARKER.format(finding.fingerprint)]
    return "\n".join(parts) + "\n"


def _alternatives(fixes: Sequence[Fix]) -> list[str]:
    """The other fixes of a comment, collapsed under one details element."""
    if not fixes:
        return []
    parts = ["", "<details><summary>Other fixes</summary>", ""]
    for alternative in fixes:
        title = f"**{shown(alternative.title)}.** {shown(alternative.tradeoff)}"
        parts += [title, "", fence(shown_diff(alternative.diff), "diff"), ""]
    return [*parts, "</details>"]


def shown(text: str) -> str:
    """`text` as written when it is of a readable length; a longer one (a Job name of 70,000 characters inside it)
    becomes one shortened code span, so the cut can never leave part of a value outside its own code span."""
    return text if len(text) <= MAX_TEXT else code_span(text, limit=MAX_TEXT)


def shown_diff(diff: str) -> str:
    """A fix's diff for reading (it sits in a fence, so cutting is safe): long lines shortened, at most
    `MAX_DIFF_LINES` lines. `jobguard fix` and the SARIF file carry the whole fix."""
    lines = diff.splitlines()
    kept = [line if len(line) <= MAX_DIFF_LINE else line[: MAX_DIFF_LINE - 1] + "…" for line in lines[:MAX_DIFF_LINES]]
    if len(lines) > MAX_DIFF_LINES:
        kept.append(f"… {len(lines) - MAX_DIFF_LINES} more lines")
    return "\n".join(kept) + ("\n" if diff.endswith("\n") or len(lines) > MAX_DIFF_LINES else "")


def summary_body(
    findings: Sequence[Finding],
    *,
    inline: set[str],
    fixed: int = 0,
    fix_hint: str = "",
    limit: int | None = SUMMARY_LIMIT,
) -> str:
    """The sticky summary: every finding, where it is, and how to get the fixes applied.

    Within `limit` (None: no limit, for the job log) whole rows are kept in order and the rest counted in a last
    line; `jobguard.publish` then prints the unlimited summary to the job log, so no finding is out of reach."""
    head = [SUMMARY_MARKER, "### jobguard"]
    if not findings:
        head.append("")
        head.append("No problems with Jobs in this change." + (f" {fixed} earlier finding(s) fixed." if fixed else ""))
        return "\n".join(head) + "\n"
    c = counts(findings)
    head += ["", ", ".join(f"**{n}** {name}{'s' if n != 1 else ''}" for name, n in c.items() if n) + "."]
    head += ["", "| | rule | where | finding |", "| --- | --- | --- | --- |"]
    tail = ["", fix_hint] if fix_hint else []
    budget = None if limit is None else limit - len("\n".join(head + tail)) - 1_000  # room for the notes below
    rows, budget = _fitting([_row(f, inline) for f in findings], budget)
    lines = head + rows
    if len(rows) < len(findings):
        lines += ["", f"…and {len(findings) - len(rows)} more finding(s) that do not fit in one comment: {_LOG}"]
    outside = [f for f in findings if f.fingerprint not in inline and f.fixes]
    blocks, _left = _fitting([_fix_block(f) for f in outside], budget)
    if blocks:
        lines += ["", "<details><summary>Fixes for findings that are not commented inline</summary>", ""]
        lines += blocks
        if len(blocks) < len(outside):
            lines += [f"…and the fixes for {len(outside) - len(blocks)} more finding(s): {_LOG}", ""]
        lines.append("</details>")
    return "\n".join(lines + tail) + "\n"


def _row(f: Finding, inline: set[str]) -> str:
    where = code_span(f"{f.location.path}:{f.location.line}")
    place = "inline" if f.fingerprint in inline else "here only"
    message = shown(f.message).replace("|", "\\|").replace("\n", " ")
    return f"| {_SEVERITY_BADGE[f.severity]} | `{f.rule}` | {where} ({place}) | {message} |"


def _fix_block(f: Finding) -> str:
    where = code_span(f"{f.location.path}:{f.location.line}")
    return f"{where} — {shown(f.fixes[0].title)}:\n\n{fence(shown_diff(f.fixes[0].diff), 'diff')}\n"


def _fitting(parts: Sequence[str], budget: int | None) -> tuple[list[str], int | None]:
    """The leading `parts` whose lines fit in `budget` characters (all of them when None), and the budget left."""
    if budget is None:
        return list(parts), None
    kept: list[str] = []
    for part in parts:
        if len(part) + 1 > budget:
            break
        kept.append(part)
        budget -= len(part) + 1
    return kept, budget


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
