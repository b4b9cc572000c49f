"""Fixes of rendered findings, where the Job is defined, verified by rendering the fixed tree again.

A Job from a plain YAML file of the repository gets the same structural edit as a plain finding
(`jobguard.fixes.yamledit`); a chart template gets the hook annotations inserted as text into its plain
`metadata:` block (a template stays a template). Every candidate is checked by re-rendering the root with the fixed
file (`MappingSnapshot.overlay`) and re-running the engine: the finding is gone and nothing new at warning or
error appears. A fix that edits another file than the one the finding sits on cannot be a suggestion there: the
message then names the file and the fix instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from jobguard.diff import is_manifest, split_lines
from jobguard.findings import Finding, Fix, FixIntent, Severity
from jobguard.fixes.lines import line_edit, unified
from jobguard.fixes.source import NoFix, Window
from jobguard.fixes.yamledit import edited
from jobguard.inert import code_span
from jobguard.manifests import Manifest, load
from jobguard.render.model import Snapshot
from jobguard.render.verdict import RootVerdict

log = logging.getLogger("jobguard.render")

Rejudge = Callable[[Sequence[tuple[str, bytes]]], list[RootVerdict | None]]
"""The root judged again once per candidate, each with one file of the head replaced (rendered in parallel; None:
that fixed tree does not render)."""

_METADATA = re.compile(r"^metadata:[ \t]*\r?$", re.MULTILINE)
_TEMPLATE = "{{"


def with_fixes(original: Finding, anchored: Finding, verdict: RootVerdict, head: Snapshot, rejudge: Rejudge) -> Finding:
    """`anchored` with the verified fixes of `original` (the engine's finding on the rendered text) in the file
    defining its Job, or a note naming the fix when the finding sits in another file; else unchanged."""
    source = verdict.real_paths.get(original.location.path, original.location.path)
    data = head.read(source) if original.intents and original.object is not None else None
    if data is None:
        return anchored
    text = data.decode("utf-8", "replace")
    fixes = list(_verified(original, source, text, verdict, rejudge))
    if not fixes:
        return anchored
    if anchored.location.path == source:
        return replace(anchored, fixes=tuple(fixes))
    note = f" The fix goes where the Job is defined, {code_span(source)}: {fixes[0].title}."
    return replace(anchored, message=anchored.message + note)


def _verified(finding: Finding, source: str, text: str, verdict: RootVerdict, rejudge: Rejudge) -> Iterator[Fix]:
    plain = is_manifest(source) and _TEMPLATE not in text
    candidates = list(_plain(finding, source, text) if plain else _template(finding, text))
    lines = split_lines(text)
    verdicts = rejudge([(source, new.encode("utf-8")) for _, new in candidates]) if candidates else []
    for (intent, new), fixed in zip(candidates, verdicts, strict=True):
        if fixed is None or not _solves(finding, verdict, fixed):
            log.info("fix %s for %s in %s dropped: not verified by a render", intent.strategy, finding.rule, source)
            continue
        edit = line_edit(lines, split_lines(new))
        if edit is not None:
            yield Fix(intent.strategy, intent.title, intent.tradeoff, edit, unified(source, lines, edit))


def _plain(finding: Finding, source: str, text: str) -> Iterator[tuple[FixIntent, str]]:
    job = _defining_job(finding, source, text)
    if job is None:
        return
    for intent in finding.intents:
        try:
            yield intent, edited(intent, text, Window.of(job))
        except NoFix as exc:
            log.info("fix %s for %s in %s: %s", intent.strategy, finding.rule, source, exc)


def _defining_job(finding: Finding, source: str, text: str) -> Manifest | None:
    name = finding.object.name if finding.object else None
    for manifest in load(source, text.encode("utf-8")).manifests:
        metadata = manifest.value.get("metadata")
        own = metadata.get("name") if isinstance(metadata, dict) else None
        if manifest.value.get("kind") == "Job" and isinstance(own, str) and name and own in name:
            return manifest
    return None


def _template(finding: Finding, text: str) -> Iterator[tuple[FixIntent, str]]:
    """Annotation intents inserted right below a template's first top-level `metadata:` line, when that block has
    no `annotations:` key of its own (a templated one cannot be edited safely as text)."""
    match = _METADATA.search(text)
    if match is None or text.count("\nkind:") > 1:
        return  # no plain metadata block, or several objects in one template
    block = text[match.end() :].split("\n")
    body = []
    for line in block[1:]:
        if line and not line.startswith((" ", "\t")):
            break
        body.append(line)
    if any(re.match(r"^\s{2}annotations:", line) for line in body):
        return
    newline = "\r\n" if match.group(0).endswith("\r") else "\n"
    for intent in finding.intents:
        if not intent.annotations or intent.name_to_generate_name or intent.spec_fields:
            continue
        if any(_TEMPLATE in edit.value or edit.mode != "set" for edit in intent.annotations):
            continue
        lines = [f"  annotations:{newline}"] + [f"    {e.key}: {e.value}{newline}" for e in intent.annotations]
        at = text.index("\n", match.start()) + 1
        yield intent, text[:at] + "".join(lines) + text[at:]


def _solves(finding: Finding, before: RootVerdict, after: RootVerdict) -> bool:
    """The finding (same rule, same Job) is gone, and nothing at warning or error is new."""
    if any(g.rule == finding.rule and g.object == finding.object for g in after.findings):
        return False
    seen = {(g.rule, g.object) for g in before.findings}
    return not any(g.severity.rank >= Severity.WARNING.rank and (g.rule, g.object) not in seen for g in after.findings)
