"""Inline ignores: `# jobguard: ignore[rule-id, ...] reason` comments and the `jobguard.io/ignore` annotation.

Why only a few places count (the line of the Job's `metadata:` or `name:`, or the comment lines above its first
key): an ignore must name one object without doubt, and those lines are where a reader looks for what applies to
the whole object. A directive anywhere else in a Job is reported, never silently dropped, and so are ignores
without a reason, ignores that silence nothing and unknown rule ids: an ignore is a decision a reviewer must be
able to judge, and a stale one would hide the next real problem.

Comments are found between the YAML scanner's tokens (`jobguard.manifests.comments_with_lines`: PyYAML drops them,
and the round-trip parser would cost more than the whole check), so a `#` inside a quoted or block scalar is
never taken for one; line numbers are counted at LF only, as git, the platforms and every position in
`jobguard.manifests` count them (a lone CR, NEL, LS or PS breaks a line for YAML only).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import yaml

from jobguard.controllers.annotations import csv_items
from jobguard.findings import Finding, Location, ObjectRef, Severity, fingerprint
from jobguard.jobs import job_doc
from jobguard.manifests import Manifest, comments_with_lines
from jobguard.rules import ignore_unused, ignore_without_reason
from jobguard.suggest import hint

IGNORE_WITHOUT_REASON = ignore_without_reason.ID
IGNORE_UNUSED = ignore_unused.ID
"""The two rules this module reports; their modules own their severities, summaries and docs."""

ANNOTATION = "jobguard.io/ignore"
REASON_ANNOTATION = "jobguard.io/ignore-reason"

_MARKER = re.compile(r"#+\s*jobguard\s*:\s*(?P<rest>.*)", re.IGNORECASE)
_DIRECTIVE = re.compile(r"ignore\s*\[(?P<rules>[^\]]*)\](?P<reason>.*)", re.IGNORECASE)
_REASON_STRIP = " \t-–—:;,.#"
_DOC_MARK = re.compile(r"(---|\.\.\.)(\s|$)")

SeverityOf = Callable[[str, str], Severity | None]
"""(rule id, path) -> the configured severity of a rule there (None: off)."""


@dataclass(frozen=True)
class Directive:
    """One ignore as written: where, which rules, why."""

    path: str
    line: int
    rules: tuple[str, ...]
    reason: str
    form: Literal["comment", "annotation"]

    @property
    def text(self) -> str:
        """The directive as a user would write it, for messages."""
        if self.form == "annotation":
            return f"{ANNOTATION}: {','.join(self.rules)}"
        return f"# jobguard: ignore[{', '.join(self.rules)}]"


@dataclass(frozen=True)
class _Stray:
    """A `jobguard:` comment that cannot work: misplaced, unreadable, or an annotation naming nothing."""

    line: int
    problem: Literal["misplaced", "malformed", "empty-annotation"]
    text: str


@dataclass
class _Target:
    """A head Job with the directives that apply to it."""

    manifest: Manifest
    ref: ObjectRef
    directives: list[Directive] = field(default_factory=list)
    strays: list[_Stray] = field(default_factory=list)


@dataclass(frozen=True)
class _Report:
    """A problem with an ignore, before the configuration decides its severity (or switches it off)."""

    target: _Target
    rule: str
    line: int
    detail: str  # what tells two reports of one Job apart in the fingerprint
    message: str


def apply(
    findings: Sequence[Finding],
    head_texts: Mapping[str, str],
    manifests: Mapping[str, Sequence[Manifest]],
    severity: SeverityOf,
    rule_ids: Collection[str],
) -> tuple[Finding, ...]:
    """Drop the findings an ignore silences; add ignore-without-reason / ignore-unused findings; sort.

    `manifests` should hold the head Jobs the engine checked: an ignore on a Job the change did not touch
    silences nothing and would be reported as unused. `severity` gives the new findings their configured
    severity; a rule switched off still counts as silenced by its ignore. An ignore naming anything but
    `rule_ids` (the registry's) is reported as unknown.
    """
    targets = _targets(head_texts, manifests)
    by_path: dict[str, list[_Target]] = defaultdict(list)
    for target in targets:
        by_path[target.manifest.path].append(target)
    used: set[tuple[int, str]] = set()  # (id of a Directive, rule it silenced)
    kept = [f for f in findings if not _silenced(f, by_path, used)]
    added: list[_Report] = []
    for target in targets:  # reasons first: an ignore[ignore-without-reason] is then used, not unused
        reasonless = [_without_reason(target, d) for d in target.directives if not d.reason]
        added += [r for r in reasonless if not _silences(target, r.rule, used)]
        added += [r for r in _unused(target, used, rule_ids) if not _silences(target, r.rule, used)]
    return tuple(sorted([*kept, *_distinct(_configured(added, severity))], key=Finding.sort_key))


def _configured(reports: Sequence[_Report], severity: SeverityOf) -> Iterator[Finding]:
    """Reports of a rule switched off for their file are dropped (their fingerprints name that rule and file,
    so dropping them before `_distinct` numbers the rest as it would have)."""
    for report in reports:
        level = severity(report.rule, report.target.manifest.path)
        if level is not None:
            yield _finding(report, level)


def _distinct(findings: Iterable[Finding]) -> Iterator[Finding]:
    """Two identical directives in one Job get distinct fingerprints by occurrence, never by line number."""
    seen: Counter[str] = Counter()
    for finding in findings:
        count = seen[finding.fingerprint]
        seen[finding.fingerprint] += 1
        yield replace(finding, fingerprint=fingerprint(finding.fingerprint, str(count))) if count else finding


def directives(manifest: Manifest, text: str) -> tuple[Directive, ...]:
    """The ignores that apply to one head Job (the comment forms, then the annotation)."""
    return tuple(_target(manifest, _marked(text), _effective_lines(manifest, _split(text)), set()).directives)


def top_lines(lines: Sequence[str], first_line: int) -> list[int]:
    """The blank and comment lines right above an object's first line, nearest first, ending with a `---` line
    right above them (its comment counts: `--- # jobguard: ignore[...]`): where notes on the whole object sit.

    `lines[n - 1]` is line n, with or without its line break (jobguard.fixes also finds an object's comments here).
    """
    found = []
    number = first_line - 1
    while number >= 1:
        stripped = _line(lines, number).strip()
        if _DOC_MARK.match(stripped):
            found.append(number)
            break
        if stripped and not stripped.startswith("#"):
            break
        found.append(number)
        number -= 1
    return found


# ------------------------------------------------------------------------------------------------ collecting


def _split(text: str) -> list[str]:
    return text.removeprefix("\ufeff").split("\n")  # git's lines (diff.LineNumbers), not YAML's


def _marked(text: str) -> dict[int, str]:
    """Line -> the `# jobguard: ...` comment on it (a file that never says jobguard is not scanned)."""
    if "jobguard" not in text.lower():
        return {}
    try:
        found = comments_with_lines(text)
    except yaml.YAMLError:  # the engine reads no Job from such a file, so no ignore can apply
        return {}
    return {line: comment.strip() for line, comment in found if _MARKER.match(comment.strip())}


def _targets(head_texts: Mapping[str, str], manifests: Mapping[str, Sequence[Manifest]]) -> list[_Target]:
    targets: list[_Target] = []
    for path, items in manifests.items():
        text = head_texts.get(path, "")
        marked = _marked(text)
        lines = _split(text) if marked else []
        own = [_effective_lines(m, lines) if marked else [] for m in items]
        effective = {line for lines_of_one in own for line in lines_of_one}
        targets.extend(_target(m, marked, mine, effective) for m, mine in zip(items, own, strict=True))
    return targets


def _target(manifest: Manifest, marked: Mapping[int, str], own: list[int], effective: set[int]) -> _Target:
    """The directives of one Job: marked comments on its own effective lines; any other marked comment inside
    it (and not effective for a neighbour, e.g. a List item's) is misplaced."""
    target = _Target(manifest, job_doc(manifest).ref)
    for number in own:
        if number in marked:
            _read_comment(target, number, marked[number], placed=True)
    for number, comment in marked.items():
        if manifest.start_line <= number <= manifest.end_line and number not in own and number not in effective:
            _read_comment(target, number, comment, placed=False)
    _read_annotation(target)
    return target


def _line(lines: Sequence[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _effective_lines(manifest: Manifest, lines: list[str]) -> list[int]:
    """Lines whose ignore comment applies to `manifest`: top-of-document comments, `metadata:`, `name:`."""
    found = top_lines(lines, manifest.start_line)
    for path in (("metadata",), ("metadata", "name"), ("metadata", "generateName")):
        span = manifest.spans.get(path)
        if span is not None and span[0] not in found:
            found.append(span[0])
    return found


def _read_comment(target: _Target, number: int, text: str, *, placed: bool) -> None:
    """`text` is a `# jobguard: ...` comment (stripped) on line `number`."""
    if not placed:
        target.strays.append(_Stray(number, "misplaced", text))
        return
    marker = _MARKER.match(text)
    directive = _DIRECTIVE.fullmatch(marker.group("rest").strip()) if marker else None
    rules = tuple(dict.fromkeys(r for r in re.split(r"[\s,]+", directive.group("rules")) if r)) if directive else ()
    if directive is None or not rules:
        target.strays.append(_Stray(number, "malformed", text))
        return
    reason = directive.group("reason").strip(_REASON_STRIP)
    target.directives.append(Directive(target.manifest.path, number, rules, reason, "comment"))


def _read_annotation(target: _Target) -> None:
    metadata = target.manifest.value.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict) or ANNOTATION not in annotations:
        return
    line = target.manifest.span_of(("metadata", "annotations", ANNOTATION))[0]
    value = annotations[ANNOTATION]
    rules = csv_items(value)
    if not rules:
        target.strays.append(_Stray(line, "empty-annotation", f"{ANNOTATION}: {value or ''}"))
        return
    reason = annotations.get(REASON_ANNOTATION)
    reason_text = reason.strip() if isinstance(reason, str) else ""
    target.directives.append(Directive(target.manifest.path, line, rules, reason_text, "annotation"))


# ---------------------------------------------------------------------------------------------------- judging


def _silenced(finding: Finding, by_path: Mapping[str, list[_Target]], used: set[tuple[int, str]]) -> bool:
    """Whether an ignore of the finding's own object names its rule (and mark those ignores used)."""
    if finding.object is None:
        return False
    hit = False
    for target in by_path.get(finding.location.path, ()):
        manifest = target.manifest
        if target.ref == finding.object and manifest.start_line <= finding.location.line <= manifest.end_line:
            hit = _silences(target, finding.rule, used) or hit
    return hit


def _silences(target: _Target, rule: str, used: set[tuple[int, str]]) -> bool:
    """Whether one of the target's ignores names `rule`; every one that does counts as used."""
    hit = False
    for directive in target.directives:
        if rule in directive.rules:
            used.add((id(directive), rule))
            hit = True
    return hit


def _unused(target: _Target, used: set[tuple[int, str]], rule_ids: Collection[str]) -> Iterator[_Report]:
    for directive in target.directives:
        for rule in directive.rules:
            if rule not in rule_ids:
                advice = hint(rule, rule_ids, "rules")
                yield _Report(target, IGNORE_UNUSED, directive.line, f"unknown:{directive.form}:{rule}",
                              f"`{directive.text}` names an unknown rule {rule!r}{advice}")  # fmt: skip
            elif rule != IGNORE_UNUSED and (id(directive), rule) not in used:
                yield _Report(target, IGNORE_UNUSED, directive.line, f"unused:{directive.form}:{rule}",
                              f"`{directive.text}` silences nothing: this change has no {rule} finding on this "
                              f"Job; remove {rule} from it if it is no longer needed")  # fmt: skip
    for stray in target.strays:
        yield _Report(target, IGNORE_UNUSED, stray.line, f"{stray.problem}:{stray.text}", _stray_message(stray))


def _stray_message(stray: _Stray) -> str:
    if stray.problem == "misplaced":
        return (
            f"`{stray.text}` has no effect here; put it on the line of `metadata:` or `name:`, or in the "
            "comment lines above the Job's first key"
        )
    if stray.problem == "malformed":
        return f"cannot read `{stray.text}`; write `# jobguard: ignore[rule-id, ...] reason`"
    return f"`{ANNOTATION}` names no rule; write `{ANNOTATION}: rule-id,...`"


def _without_reason(target: _Target, directive: Directive) -> _Report:
    if directive.form == "annotation":
        advice = f"say why in the annotation `{REASON_ANNOTATION}`"
    else:
        advice = "write why after the brackets, so that reviewers can judge it"
    return _Report(target, IGNORE_WITHOUT_REASON, directive.line, f"{directive.form}:{','.join(directive.rules)}",
                   f"`{directive.text}` gives no reason; {advice}")  # fmt: skip


def _finding(report: _Report, severity: Severity) -> Finding:
    ref = report.target.ref
    path = report.target.manifest.path
    detail = report.detail
    return Finding(
        rule=report.rule,
        severity=severity,
        location=Location(path, report.line, report.line),
        object=ref,
        fields=(),
        message=f"Job `{ref.display()}`: {report.message}",
        fingerprint=fingerprint(
            report.rule, path, ref.group, ref.kind, ref.namespace, ref.name or ref.generate_name, detail
        ),
    )
