"""Findings -> reports for people and machines, as a registry: name -> renderer (text, JSON, SARIF 2.1.0, workflow
commands, Code Quality). The CLI's `--format` choices are the registry's names.

Only formatting lives here; what goes where (inline, summary, log) is `jobguard.publish`'s decision, and review
comment markdown is `jobguard.comments`'.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jobguard import __version__
from jobguard.findings import Finding, Fix, Severity
from jobguard.inert import visible

JSON_VERSION = 1
HOMEPAGE = "https://github.com/jobguard/jobguard"

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_RESET, _BOLD, _DIM = "\033[0m", "\033[1m", "\033[2m"


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
            shown = visible(current, sys.maxsize)
            out.append(f"{_BOLD}{shown}{_RESET}" if colour else shown)
        sev = f"{_COLOURS[f.severity]}{f.severity.value}{_RESET}" if colour else f.severity.value
        out.append(f"{shown}:{f.location.line}: {sev} {f.rule} {visible(f.message, sys.maxsize)}")
        if f.fixes:
            fix = f.fixes[0]
            out.append(f"  fix ({fix.strategy}): {fix.title}")
            out.extend(f"    {_DIM}{line}{_RESET}" if colour else f"    {line}" for line in fix.diff.splitlines())
        if notes and f.fingerprint in notes:
            out.append(f"  {notes[f.fingerprint]}")
    out.append(summary_line(findings, files_checked))
    return "\n".join(out) + "\n"


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
    from jobguard.rules import RULES  # here, not at the top: the CLI's parser needs FORMATS, not the engine

    index = {r.id: i for i, r in enumerate(RULES)}
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
                        "rules": _sarif_rules(),
                    }
                },
                "results": [_sarif_result(f, index[f.rule]) for f in findings],
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _sarif_rules() -> list[dict[str, Any]]:
    from jobguard.rules import RULES

    return [
        {
            "id": r.id,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc.split("\n\n")[0]},
            "help": {"text": r.doc, "markdown": r.doc},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        }
        for r in RULES
    ]


def _sarif_result(f: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
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
    return result


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
    from jobguard.rules import RULES

    rows = ["| rule | default severity | what it catches |", "| --- | --- | --- |"]
    pipe = "\\|"
    rows.extend(f"| `{r.id}` | {r.severity.value} | {r.summary.replace('|', pipe)} |" for r in RULES)
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class Style:
    """What the text report needs besides the findings; the machine formats ignore it."""

    colour: bool = False
    files_checked: int = 0


Renderer = Callable[[Sequence[Finding], Style], str]

RENDERERS: Mapping[str, Renderer] = {
    "text": lambda findings, style: as_text(findings, colour=style.colour, files_checked=style.files_checked),
    "json": lambda findings, _: as_json(findings),
    "sarif": lambda findings, _: as_sarif(findings),
    "github": lambda findings, _: as_workflow_commands(findings),  # the format's public name (README, `--format`)
    "codequality": lambda findings, _: as_code_quality(findings),
}
FORMATS = tuple(RENDERERS)
"""The `--format` names, in the order the CLI lists them."""


def render(findings: Sequence[Finding], fmt: str, *, colour: bool = False, files_checked: int = 0) -> str:
    """The report in format `fmt` (one of `FORMATS`; the CLI refuses any other name before it gets here)."""
    return RENDERERS[fmt](findings, Style(colour, files_checked))
