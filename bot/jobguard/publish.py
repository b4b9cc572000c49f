"""Publishing, written once for every platform: `routing.route` decides where each finding goes (pure), and this
module carries the plan out against a `ReviewChannel`, with the fallbacks.

Nothing is ever dropped: anchors the platform refuses move to the sticky summary; when the channel cannot comment
at all (read-only token, job token) or fails past its retries, the token-free channels (annotations, step summary,
report files) carry every finding. Notes whose finding disappeared are resolved, the summary is rewritten only when
its text changes, and the exit code never depends on any of this. Where a fix can be a one-click suggestion, and
how its fence is written, is the channel's call (`ReviewChannel.suggestion`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from jobguard.comments import comment_body, fence, summary_body
from jobguard.diff import FileChange, split_lines
from jobguard.errors import PlatformError
from jobguard.findings import Finding, TextEdit
from jobguard.formats import as_workflow_commands
from jobguard.oneclick import smallest
from jobguard.platforms import InlineComment, Posted, ReviewChannel
from jobguard.routing import (
    INLINE,
    Candidate,
    Plan,
    PublishSettings,
    Route,
    Routed,
    Routing,
    fallback_reason,
    posted_notes,
    route,
)

__all__ = ["PublishReport", "PublishRun", "PublishSettings", "publish", "suggestion_text"]

HeadText = Callable[[str], str | None]
MAX_SUGGESTION = 16_000  # characters of a one-click block: with the rest, a comment stays under 65,536 (B6)


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
class PublishRun:
    """The inputs of one publish run: the findings, the change they are in, the head files, settings, outputs."""

    findings: Sequence[Finding]
    changes: Sequence[FileChange]
    head_text: HeadText
    settings: PublishSettings
    outputs: Mapping[str, str]


def publish(channel: ReviewChannel, run: PublishRun) -> PublishReport:
    report = PublishReport()
    caps = channel.capabilities()
    reason = fallback_reason(caps, run.settings)
    if reason is not None:  # nothing to read from the channel: every finding goes to the log
        return _fallback(channel, run, report, reason)
    try:
        existing = tuple(channel.existing())
        candidates = _candidates(channel, run, posted_notes(existing).keys())
        return _carry_out(channel, run, route(Routing(candidates, existing, caps, run.settings)), report)
    except PlatformError as exc:  # the API failed past its retries: every finding still reaches a channel
        return _fallback(channel, run, report, str(exc))


def _fallback(channel: ReviewChannel, run: PublishRun, report: PublishReport, note: str) -> PublishReport:
    """Every finding through the token-free channels (annotations, job summary, report files)."""
    report.channel = "fallback"
    report.notes.append(note)
    full = summary_body(run.findings, inline=set(), limit=None)  # the report channels have their own limits
    channel.report(run.outputs, full, as_workflow_commands(run.findings))
    return report


def _carry_out(channel: ReviewChannel, run: PublishRun, plan: Plan, report: PublishReport) -> PublishReport:
    report.already_posted.extend(plan.fingerprints(Route.POSTED))
    report.moved_to_summary.extend(plan.fingerprints(Route.SUMMARY))
    error = _post(channel, run, plan, report)
    if error is not None:  # the channel itself failed (e.g. the token turned out read-only)
        return _fallback(channel, run, report, error)
    _resolve(channel, plan, report)
    _summarise(channel, run, plan, report)
    return report


def _post(channel: ReviewChannel, run: PublishRun, plan: Plan, report: PublishReport) -> str | None:
    """Post the inline comments; returns the channel's error when nothing at all could be posted."""
    by_path = {c.path: c for c in run.changes}
    comments = [_comment(r, by_path[r.candidate.finding.location.path]) for r in plan.routed if r.route in INLINE]
    if not comments:
        return None
    result = channel.post_inline(comments)
    report.inline_posted.extend(result.posted)
    report.moved_to_summary.extend(result.rejected)
    if result.error and not result.posted:
        return result.error
    if result.error:
        report.notes.append(result.error)
    return None


def _resolve(channel: ReviewChannel, plan: Plan, report: PublishReport) -> None:
    for resolution in plan.resolutions:
        note = resolution.note
        if resolution.fixed:
            if channel.resolve(note, "Fixed in a later commit."):
                report.resolved.append(note.fingerprint or "")
        elif note.fingerprint in report.inline_posted:
            channel.resolve(note, "Superseded: the finding is commented again on the current lines.")


def _summarise(channel: ReviewChannel, run: PublishRun, plan: Plan, report: PublishReport) -> None:
    inline = set(report.inline_posted) | set(report.already_posted)
    summary = summary_body(run.findings, inline=inline, fixed=len(report.resolved), fix_hint=channel.fix_hint)
    note = plan.summary_note
    if run.settings.summary and (run.findings or note is not None) and _changed(note, summary):
        report.summary_written = channel.upsert_summary(summary, note)
        if not report.summary_written:
            report.notes.append("the summary comment could not be written; see the job summary")
    unseen = report.moved_to_summary and not report.summary_written
    full = summary_body(run.findings, inline=inline, fixed=len(report.resolved), fix_hint=channel.fix_hint, limit=None)
    overflow = full != summary  # the comment holds what fits; the log, as its last line promises, holds every finding
    channel.report(run.outputs, full, as_workflow_commands(run.findings) if unseen or overflow else "")


def _changed(existing: Posted | None, body: str) -> bool:
    return existing is None or existing.body.strip() != body.strip()


def _candidates(channel: ReviewChannel, run: PublishRun, posted: Collection[str]) -> tuple[Candidate, ...]:
    """Where the channel could put each finding not posted yet (a posted one is not looked at: no head reads)."""
    by_path = {c.path: c for c in run.changes}
    return tuple(
        Candidate(f) if f.fingerprint in posted else _candidate(channel, f, by_path.get(f.location.path), run)
        for f in run.findings
    )


def _candidate(channel: ReviewChannel, finding: Finding, change: FileChange | None, run: PublishRun) -> Candidate:
    if change is None or not change.hunks:
        return Candidate(finding)
    line = finding.location.line
    on_diff = change.hunk_containing(line, line) is not None
    text = run.head_text(finding.location.path) if finding.fixes else None
    if text is None:
        return Candidate(finding, on_diff=on_diff)
    edit = smallest(finding.fixes[0].edit, text)
    suggestion = channel.suggestion(edit, change, finding.object_lines)
    replacement = None if suggestion is None else suggestion_text(text, edit, suggestion.first, suggestion.last)
    if suggestion is None or replacement is None or len(replacement) > MAX_SUGGESTION:  # a cut block applies a cut
        return Candidate(finding, on_diff=on_diff)
    return Candidate(finding, suggestion, fence(replacement, suggestion.info), on_diff)


def _comment(routed: Routed, change: FileChange) -> InlineComment:
    candidate, finding, holder = routed.candidate, routed.candidate.finding, routed.fixed_by
    suggestion = candidate.suggestion if routed.route is Route.SUGGESTION else None
    line = suggestion.line if suggestion is not None else finding.location.line
    if suggestion is None and not candidate.on_diff and candidate.suggestion is not None:
        line = candidate.suggestion.line  # a twin off the diff: where its own suggestion would have been
    pointer = None if holder is None or holder.suggestion is None else (holder.finding, holder.suggestion.line)
    return InlineComment(
        path=finding.location.path,
        line=line,
        start_line=suggestion.start_line if suggestion is not None else None,
        body=comment_body(finding, candidate.block if suggestion is not None else None, pointer),
        fingerprint=finding.fingerprint,
        suggestion=suggestion is not None,
        old_line=change.old_line_of(line),
    )


def suggestion_text(head: str, edit: TextEdit, start: int, end: int) -> str | None:
    """The lines that replace head lines start..end once the edit is applied (what a suggestion block holds)."""
    lines = split_lines(head)
    if not (1 <= start <= end <= len(lines)) or not (start <= edit.start_line <= end + 1) or edit.end_line > end:
        return None
    before = "".join(lines[start - 1 : edit.start_line - 1])
    after = "".join(lines[max(edit.end_line, edit.start_line - 1) : end])
    text = before + edit.new_text + after
    return text.replace("\r\n", "\n")
