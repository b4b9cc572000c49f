"""Where each finding goes, written once for every platform.

Routing: a finding on a line of the diff becomes an inline comment (with a one-click suggestion when its
preferred fix can be placed there), up to the configured cap; everything else, and everything a platform
refuses, goes to the sticky summary; when the platform cannot take comments at all (read-only token, job
token), the token-free channels (annotations, step summary, report files) carry every finding. Nothing is ever
dropped, notes already posted are not posted again, notes whose finding disappeared are resolved, the summary
is rewritten only when its text changes, and the exit code never depends on any of this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from jobguard import render
from jobguard.diff import FileChange
from jobguard.errors import PlatformError
from jobguard.findings import Finding, Fix, TextEdit
from jobguard.platforms import InlineComment, Posted, ReviewChannel


@dataclass
class PublishReport:
    inline_posted: list[str] = field(default_factory=list)
    already_posted: list[str] = field(default_factory=list)
    moved_to_summary: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    summary_written: bool = False
    channel: str = "comments"  # comments | fallback
    notes: list[str] = field(default_factory=list)

    def line(self, findings: int) -> str:
        """The one log line that says what happened."""
        parts = [f"{findings} finding{'s' if findings != 1 else ''}"]
        if self.channel == "fallback":
            parts.append("reported through annotations and the job summary (" + "; ".join(self.notes) + ")")
            return "jobguard: " + ", ".join(parts) + "."
        parts.append(f"{len(self.inline_posted)} new inline")
        if self.already_posted:
            parts.append(f"{len(self.already_posted)} already posted")
        if self.moved_to_summary:
            parts.append(f"{len(self.moved_to_summary)} in the summary only")
        if self.resolved:
            parts.append(f"{len(self.resolved)} resolved as fixed")
        parts.append("summary updated" if self.summary_written else "summary unchanged")
        return "jobguard: " + ", ".join(parts) + "." + ("" if not self.notes else " " + " ".join(self.notes))


@dataclass(frozen=True)
class PublishSettings:
    max_inline_comments: int = 30
    summary: bool = True
    mode: str = "review"  # review | annotations
    fix_hint: str = ""


HeadText = Callable[[str], str | None]


def publish(
    platform: ReviewChannel,
    findings: Sequence[Finding],
    changes: Sequence[FileChange],
    *,
    head_text: HeadText,
    settings: PublishSettings,
    outputs: Mapping[str, str],
) -> PublishReport:
    report = PublishReport()
    annotations = render.as_workflow_commands(findings)

    def fallback(note: str) -> PublishReport:
        """Every finding through the token-free channels (annotations, job summary, report files)."""
        report.channel = "fallback"
        report.notes.append(note)
        platform.report(outputs, render.summary_body(findings, inline=set()), annotations)
        return report

    caps = platform.capabilities()
    if not caps.can_comment:
        return fallback(caps.reason)
    if settings.mode != "review":
        return fallback("mode: annotations")
    try:
        return _publish(platform, findings, changes, head_text, settings, outputs, report, annotations, fallback)
    except PlatformError as exc:  # the API failed past its retries: every finding still reaches a channel
        return fallback(str(exc))


def _publish(  # noqa: PLR0917 - one call site, the state of one publish run
    platform: ReviewChannel,
    findings: Sequence[Finding],
    changes: Sequence[FileChange],
    head_text: HeadText,
    settings: PublishSettings,
    outputs: Mapping[str, str],
    report: PublishReport,
    annotations: str,
    fallback: Callable[[str], PublishReport],
) -> PublishReport:
    existing = list(platform.existing())
    inline_notes = [p for p in existing if p.kind == "inline" and p.fingerprint]
    # a note still on the diff (or one a person resolved) counts as posted; an unresolved note that a later push
    # made outdated is posted again on the current lines, and the old thread is resolved as superseded
    posted = {p.fingerprint: p for p in inline_notes if not p.outdated or p.resolved}
    superseded = [p for p in inline_notes if p.outdated and not p.resolved and p.fingerprint not in posted]
    summary_note = next((p for p in existing if p.kind == "summary"), None)
    current = {f.fingerprint for f in findings}
    by_path = {c.path: c for c in changes}

    comments: list[InlineComment] = []
    suggested: set[tuple[str, TextEdit]] = set()  # one suggestion per edit: applying one outdates a twin
    for finding in findings:
        if finding.fingerprint in posted:
            report.already_posted.append(finding.fingerprint)
            continue
        key = (finding.location.path, finding.fixes[0].edit) if finding.fixes else None
        comment = inline_comment(
            finding, by_path.get(finding.location.path), head_text, platform.name, suggest=key not in suggested
        )
        if comment is not None and comment.suggestion and key is not None:
            suggested.add(key)
        if comment is None or len(comments) >= settings.max_inline_comments:
            report.moved_to_summary.append(finding.fingerprint)
            continue
        comments.append(comment)

    if comments:
        result = platform.post_inline(comments)
        report.inline_posted.extend(result.posted)
        report.moved_to_summary.extend(result.rejected)
        if result.error:
            if not result.posted:  # the channel itself failed (e.g. the token turned out read-only)
                return fallback(result.error)
            report.notes.append(result.error)

    for note in [*posted.values(), *superseded]:
        fingerprint = note.fingerprint or ""
        if note.resolved:
            continue
        if fingerprint not in current:
            if platform.resolve(note, "Fixed in a later commit."):
                report.resolved.append(fingerprint)
        elif note.outdated and fingerprint in report.inline_posted:
            platform.resolve(note, "Superseded: the finding is commented again on the current lines.")

    inline = set(report.inline_posted) | set(report.already_posted)
    summary = render.summary_body(findings, inline=inline, fixed=len(report.resolved), fix_hint=settings.fix_hint)
    if settings.summary and _summary_wanted(findings, summary_note) and _changed(summary_note, summary):
        report.summary_written = platform.upsert_summary(summary, summary_note)
        if not report.summary_written:
            report.notes.append("the summary comment could not be written; see the job summary")
    platform.report(outputs, summary, annotations if report.moved_to_summary and not report.summary_written else "")
    return report


def _summary_wanted(findings: Sequence[Finding], existing: Posted | None) -> bool:
    """No summary on a clean change unless one is already there (then it says all is clear)."""
    return bool(findings) or existing is not None


def _changed(existing: Posted | None, body: str) -> bool:
    return existing is None or existing.body.strip() != body.strip()


def inline_comment(
    finding: Finding, change: FileChange | None, head_text: HeadText, platform: str, *, suggest: bool = True
) -> InlineComment | None:
    """The comment for a finding, or None if no line of the diff can carry it."""
    if change is None or not change.hunks:
        return None
    fix = finding.fixes[0] if finding.fixes else None
    place = _placement(fix, platform) if suggest else None
    if fix is not None and place is not None:
        text = head_text(finding.location.path)
        if text is not None:
            start, end, anchor, offsets = place
            replacement = suggestion_text(text, fix, start, end)
            if replacement is not None:
                body = render.comment_body(finding, replacement, platform, offsets)
                multi = start if platform != "gitlab" and start != end else None
                return InlineComment(
                    path=finding.location.path,
                    line=anchor,
                    start_line=multi,
                    body=body,
                    fingerprint=finding.fingerprint,
                    suggestion=True,
                    old_line=change.old_line_of(anchor),
                )
    line = finding.location.line
    if change.hunk_containing(line, line) is None:
        return None
    return InlineComment(
        path=finding.location.path,
        line=line,
        body=render.comment_body(finding, None, platform),
        fingerprint=finding.fingerprint,
        old_line=change.old_line_of(line),
    )


def _placement(fix: Fix | None, platform: str) -> tuple[int, int, int, tuple[int, int]] | None:
    """(first replaced line, last replaced line, anchor line, (above, below)) on this platform."""
    if fix is None:
        return None
    if platform == "gitlab" and fix.placement.gitlab is not None:
        anchor, above, below = fix.placement.gitlab
        return anchor - above, anchor + below, anchor, (above, below)
    if platform != "gitlab" and fix.placement.github is not None:
        start, end = fix.placement.github
        return start, end, end, (0, 0)
    return None


def suggestion_text(head: str, fix: Fix, start: int, end: int) -> str | None:
    """The lines that replace head lines start..end once the fix is applied (what a suggestion block holds)."""
    lines = head.splitlines(keepends=True)
    edit = fix.edit
    if not (1 <= start <= end <= len(lines)) or not (start <= edit.start_line <= end + 1) or edit.end_line > end:
        return None
    before = "".join(lines[start - 1 : edit.start_line - 1])
    after = "".join(lines[max(edit.end_line, edit.start_line - 1) : end])
    text = before + edit.new_text + after
    return text.replace("\r\n", "\n")
