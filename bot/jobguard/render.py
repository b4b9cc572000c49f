"""Findings -> text for people and machines: text, JSON, SARIF 2.1.0, GitHub workflow commands, GitLab Code Quality.

Only formatting lives here; what goes where (inline, summary, log) is `jobguard.publish`'s decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jobguard import __version__
from jobguard.findings import Finding, Fix, Severity
from jobguard.rules import RULES

FORMATS = ("text", "json", "sarif", "github", "codequality")
JSON_VERSION = 1
HOMEPAGE = "https://github.com/jobguard/jobguard"

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_RESET, _BOLD, _DIM = "\033[0m", "\033[1m", "\033[2m"


def render(findings: Sequence[Finding], fmt: str, *, colour: bool = False, files_checked: int = 0) -> str:
    if fmt == "json":
        return as_json(findings)
    if fmt == "sarif":
        return as_sarif(findings)
    if fmt == "github":
        return as_workflow_commands(findings)
    if fmt == "codequality":
        return as_code_quality(findings)
    return as_text(findings, colour=colour, files_checked=files_checked)


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    result = {s.value: 0 for s in Severity}
    for f in findings:
        result[f.severity.value] += 1
    return result


def summary_line(findings: Sequence[Finding], files_checked: int) -> str:
    c = counts(findings)
    files = f"{files_checked} manifest file{'s' if files_checked != 1 else ''} checked"
    if not findings:
        return f"jobguard: no findings ({files})."
    parts = [f"{n} {name}{'s' if n != 1 else ''}" for name, n in c.items() if n]
    return f"jobguard: {', '.join(parts)} ({files})."


def as_text(
    findings: Sequence[Finding], *, colour: bool = False, files_checked: int = 0, notes: Mapping[str, str] | None = None
) -> str:
    """`path:line: severity rule message`, grouped by file, the preferred fix's diff indented below, then the
    finding's note if `notes` (by fingerprint) has one."""
    out: list[str] = []
    current = None
    for f in findings:
        if f.location.path != current:
            current = f.location.path
            out.append(f"{_BOLD}{current}{_RESET}" if colour else current)
        sev = f"{_COLOURS[f.severity]}{f.severity.value}{_RESET}" if colour else f.severity.value
        out.append(f"{f.location.path}:{f.location.line}: {sev} {f.rule} {f.message}")
        if f.fixes:
            fix = f.fixes[0]
            out.append(f"  fix ({fix.strategy}): {fix.title}")
            out.extend(f"    {_DIM}{line}{_RESET}" if colour else f"    {line}" for line in fix.diff.splitlines())
        if notes and f.fingerprint in notes:
            out.append(f"  {notes[f.fingerprint]}")
    out.append(summary_line(findings, files_checked))
    return "\n".join(out) + "\n"


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


def finding_json(f: Finding) -> dict[str, Any]:
    obj = None
    if f.object is not None:
        obj = {
            "apiVersion": f.object.api_version,
            "kind": f.object.kind,
            "namespace": f.object.namespace,
            "name": f.object.name,
            "generateName": f.object.generate_name,
        }
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "path": f.location.path,
        "line": f.location.line,
        "end_line": f.location.end_line,
        "object": obj,
        "fields": list(f.fields),
        "message": f.message,
        "fingerprint": f.fingerprint,
        "fixes": [fix_json(x) for x in f.fixes],
    }


def fix_json(fix: Fix) -> dict[str, Any]:
    return {"strategy": fix.strategy, "title": fix.title, "tradeoff": fix.tradeoff, "diff": fix.diff}


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps({"version": JSON_VERSION, "findings": [finding_json(f) for f in findings]}, indent=2) + "\n"


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def as_sarif(findings: Sequence[Finding]) -> str:
    """SARIF 2.1.0, as GitHub code scanning and most CI dashboards read it."""
    rules = [
        {
            "id": r.id,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc.split("\n\n")[0]},
            "help": {"text": r.doc, "markdown": r.doc},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        }
        for r in RULES
    ]
    index = {r.id: i for i, r in enumerate(RULES)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.location.path},
                        "region": {"startLine": f.location.line, "endLine": f.location.end_line},
                    }
                }
            ],
            "partialFingerprints": {"jobguard/v1": f.fingerprint},
        }
        if f.fixes:
            result["fixes"] = [_sarif_fix(f, fix) for fix in f.fixes]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "jobguard",
                        "version": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _sarif_fix(f: Finding, fix: Fix) -> dict[str, Any]:
    edit = fix.edit
    return {
        "description": {"text": f"{fix.title}. {fix.tradeoff}"},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": f.location.path},
                "replacements": [
                    {
                        "deletedRegion": {"startLine": edit.start_line, "endLine": max(edit.end_line, 0)}
                        if edit.end_line >= edit.start_line
                        else {"startLine": edit.start_line, "startColumn": 1, "endColumn": 1},
                        "insertedContent": {"text": edit.new_text},
                    }
                ],
            }
        ],
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def as_workflow_commands(findings: Sequence[Finding]) -> str:
    """`::error file=…,line=…::message`: annotations that need no token (fork pull requests)."""
    lines = []
    for f in findings:
        props = ",".join(
            [
                f"file={_escape_property(f.location.path)}",
                f"line={f.location.line}",
                f"endLine={f.location.end_line}",
                f"title={_escape_property('jobguard ' + f.rule)}",
            ]
        )
        lines.append(f"::{_COMMAND[f.severity]} {props}::{_escape_data(f.message)}")
    return "".join(line + "\n" for line in lines)


_CODE_QUALITY_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def code_quality(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "description": f.message,
            "check_name": f.rule,
            "fingerprint": f.fingerprint,
            "severity": _CODE_QUALITY_SEVERITY[f.severity],
            "location": {
                "path": f.location.path,
                "lines": {"begin": f.location.line, "end": f.location.end_line},
            },
        }
        for f in findings
    ]


def as_code_quality(findings: Sequence[Finding]) -> str:
    """GitLab Code Quality JSON: the token-free channel the merge request widget shows."""
    return json.dumps(code_quality(findings), indent=2) + "\n"


def rules_table() -> str:
    """The README's rule table, generated from the registry so the two cannot drift (a test compares)."""
    rows = ["| rule | default severity | what it catches |", "| --- | --- | --- |"]
    pipe = "\\|"
    rows.extend(f"| `{r.id}` | {r.severity.value} | {r.summary.replace('|', pipe)} |" for r in RULES)
    return "\n".join(rows) + "\n"


# ---- review comments (markdown) -------------------------------------------------------------------------------

SUMMARY_MARKER = "<!-- jobguard:summary -->"
_FINGERPRINT_MARKER = "<!-- jobguard:fingerprint={} -->"
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


def comment_body(finding: Finding, suggestion: str | None, platform: str, offsets: tuple[int, int] = (0, 0)) -> str:
    """One inline review comment: diagnosis, the preferred fix (one-click when `suggestion` is given),
    alternatives collapsed, and the hidden fingerprint marker that makes re-runs idempotent."""
    parts = [f"**jobguard** · {_SEVERITY_BADGE[finding.severity]} · `{finding.rule}`", "", finding.message]
    fixes = list(finding.fixes)
    if fixes:
        preferred = fixes[0]
        parts += ["", f"**Suggested fix — {preferred.title}.** {preferred.tradeoff}"]
        if suggestion is not None:
            info = "suggestion" if platform != "gitlab" else f"suggestion:-{offsets[0]}+{offsets[1]}"
            parts += ["", fence(suggestion, info)]
        else:
            parts += ["", fence(preferred.diff, "diff")]
        if len(fixes) > 1:
            parts += ["", "<details><summary>Other fixes</summary>", ""]
            for alternative in fixes[1:]:
                parts += [f"**{alternative.title}.** {alternative.tradeoff}", "", fence(alternative.diff, "diff"), ""]
            parts.append("</details>")
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
        where = f"`{f.location.path}:{f.location.line}`"
        shown = "inline" if f.fingerprint in inline else "here only"
        message = f.message.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {_SEVERITY_BADGE[f.severity]} | `{f.rule}` | {where} ({shown}) | {message} |")
    outside = [f for f in findings if f.fingerprint not in inline and f.fixes]
    if outside:
        lines += ["", "<details><summary>Fixes for findings that are not commented inline</summary>", ""]
        for f in outside:
            lines += [
                f"`{f.location.path}:{f.location.line}` — {f.fixes[0].title}:",
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
