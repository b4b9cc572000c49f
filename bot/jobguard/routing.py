"""Where each finding goes: a pure function from the findings (with where the channel could place them), the notes
an earlier run left, the channel's capabilities and the settings, to a plan. `jobguard.publish` carries it out.

Every finding gets exactly one route, never none: an inline suggestion or comment when the channel can place it and
the cap allows, the summary otherwise, the log (the token-free channels) when the channel cannot comment at all; a
finding whose note is already on the change is not posted again (reviewdog's filter: mark, never drop).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from jobguard.findings import Finding, TextEdit
from jobguard.platforms import Capabilities, Posted, Suggestion


class Route(str, enum.Enum):
    SUGGESTION = "inline-suggestion"
    COMMENT = "inline-comment"
    POSTED = "already-posted"
    SUMMARY = "summary"
    LOG = "log"


INLINE = (Route.SUGGESTION, Route.COMMENT)


@dataclass(frozen=True)
class PublishSettings:
    max_inline_comments: int = 30
    summary: bool = True
    mode: str = "review"  # review | annotations


@dataclass(frozen=True)
class Candidate:
    """A finding and where the channel could put it: `suggestion` (with its fenced `block`) for the preferred fix,
    `on_diff` when the finding's own line is a line of the diff. Both unset: only the summary can hold it."""

    finding: Finding
    suggestion: Suggestion | None = None
    block: str = ""
    on_diff: bool = False


@dataclass(frozen=True)
class Routing:
    """The inputs of `route`."""

    candidates: tuple[Candidate, ...]
    existing: tuple[Posted, ...]
    capabilities: Capabilities
    settings: PublishSettings


@dataclass(frozen=True)
class Routed:
    candidate: Candidate
    route: Route
    fixed_by: Candidate | None = None  # an inline comment whose suggestion applies one of this finding's fixes


@dataclass(frozen=True)
class Resolution:
    """An earlier note to resolve: `fixed` (its finding is gone), else superseded (only once it is posted again)."""

    note: Posted
    fixed: bool


@dataclass(frozen=True)
class Plan:
    routed: tuple[Routed, ...]
    resolutions: tuple[Resolution, ...] = ()
    summary_note: Posted | None = None
    fallback: str | None = None  # why every finding goes to the token-free channels (None: the channel comments)

    def fingerprints(self, *routes: Route) -> list[str]:
        return [r.candidate.finding.fingerprint for r in self.routed if r.route in routes]


def fallback_reason(capabilities: Capabilities, settings: PublishSettings) -> str | None:
    """Why this run cannot publish a review (None when it can): a read-only or missing token, or annotations mode."""
    if not capabilities.can_comment:
        return capabilities.reason
    return None if settings.mode == "review" else "mode: annotations"


def posted_notes(existing: Sequence[Posted]) -> dict[str, Posted]:
    """Inline notes that count as posted, by fingerprint: still on the diff, or resolved by a person. An unresolved
    note a later push made outdated does not count: its finding is posted again on the current lines."""
    return {p.fingerprint or "": p for p in _inline(existing) if not p.outdated or p.resolved}


def route(routing: Routing) -> Plan:
    reason = fallback_reason(routing.capabilities, routing.settings)
    if reason is not None:
        return Plan(tuple(Routed(c, Route.LOG) for c in routing.candidates), fallback=reason)
    posted = posted_notes(routing.existing)
    routed = _placed(routing.candidates, posted.keys(), routing.settings.max_inline_comments)
    summary_note = next((p for p in routing.existing if p.kind == "summary"), None)
    return Plan(routed, _resolutions(routing, posted), summary_note)


def _placed(candidates: Sequence[Candidate], posted: Collection[str], cap: int) -> tuple[Routed, ...]:
    """Each candidate's route, in order: up to `cap` inline, one suggestion per edit (applying one would make a twin
    outdated, and two on the same lines compete); a finding one of whose fixes an earlier suggestion applies is a
    comment that points to it, the rest go to the summary. Notes already on the change count toward the cap, so a
    re-run with more findings than the cap does not post the next batch each time."""
    routed: list[Routed] = []
    suggested: dict[tuple[str, TextEdit], Candidate] = {}
    inline = sum(1 for c in candidates if c.finding.fingerprint in posted)
    for candidate in candidates:
        twin = _twin(candidate.finding, suggested)
        chosen = _choice(candidate, posted, twin, _competes(candidate.finding, suggested))
        if chosen in INLINE:
            chosen = chosen if inline < cap else Route.SUMMARY
            inline += chosen in INLINE
        if chosen is Route.SUGGESTION:
            suggested[_edit_key(candidate.finding)] = candidate
        routed.append(Routed(candidate, chosen, twin if chosen is Route.COMMENT else None))
    return tuple(routed)


def _competes(finding: Finding, suggested: dict[tuple[str, TextEdit], Candidate]) -> bool:
    """Whether a suggestion already made edits lines this finding's preferred fix edits too: the two are
    alternatives on the same lines, and applying one would leave the other outdated."""
    if not finding.fixes:
        return False
    edit = finding.fixes[0].edit
    return any(
        path == finding.location.path and other.start_line <= edit.end_line and edit.start_line <= other.end_line
        for path, other in suggested
    )


def _twin(finding: Finding, suggested: dict[tuple[str, TextEdit], Candidate]) -> Candidate | None:
    """The candidate already suggested whose edit is one of this finding's fixes (the same click fixes both)."""
    keys = ((finding.location.path, fix.edit) for fix in finding.fixes)
    return next((suggested[key] for key in keys if key in suggested), None)


def _choice(candidate: Candidate, posted: Collection[str], twin: Candidate | None, competes: bool) -> Route:
    finding = candidate.finding
    if finding.fingerprint in posted:
        return Route.POSTED
    if candidate.suggestion is not None and twin is None and not competes:
        return Route.SUGGESTION
    # a twin, or a competing fix, is a comment where its suggestion would have been (a diff line of the Job)
    return Route.COMMENT if candidate.on_diff or candidate.suggestion is not None else Route.SUMMARY


def _edit_key(finding: Finding) -> tuple[str, TextEdit]:
    return finding.location.path, finding.fixes[0].edit


def _resolutions(routing: Routing, posted: dict[str, Posted]) -> tuple[Resolution, ...]:
    """Notes whose finding is gone are resolved as fixed; an outdated one whose finding persists is superseded."""
    current = {c.finding.fingerprint for c in routing.candidates}
    superseded = [p for p in _inline(routing.existing) if p.outdated and not p.resolved and p.fingerprint not in posted]
    resolutions = []
    for note in [*posted.values(), *superseded]:
        if note.resolved:
            continue
        if note.fingerprint not in current:
            resolutions.append(Resolution(note, fixed=True))
        elif note.outdated:
            resolutions.append(Resolution(note, fixed=False))
    return tuple(resolutions)


def _inline(existing: Sequence[Posted]) -> list[Posted]:
    return [p for p in existing if p.kind == "inline" and p.fingerprint]
