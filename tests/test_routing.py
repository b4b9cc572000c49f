"""routing.route: the pure plan, with no platform at all - every finding gets exactly one route."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from jobguard.findings import Finding, Fix, Location, ObjectRef, Severity, TextEdit, fingerprint
from jobguard.platforms import Capabilities, Posted, Suggestion
from jobguard.routing import Candidate, Plan, PublishSettings, Resolution, Route, Routing, route

EDIT = TextEdit(3, 3, "x\n")
PLACED = Suggestion(3, 3, line=3, info="suggestion")
CAN = Capabilities(can_comment=True)


def finding(name: str, edit: TextEdit = EDIT) -> Finding:
    fix = Fix("argocd-hook", "Make it a hook", "Runs every sync.", edit, "--- a/job.yaml\n")
    return Finding(
        rule="job-immutable-field",
        severity=Severity.ERROR,
        location=Location("job.yaml", 3, 3),
        object=ObjectRef("batch/v1", "Job", None, name),
        fields=("spec.template",),
        message=f"Job `{name}` edits an immutable field.",
        fingerprint=fingerprint("job-immutable-field", name),
        fixes=(fix,),
    )


def suggestible(name: str, edit: TextEdit = EDIT) -> Candidate:
    return Candidate(finding(name, edit), PLACED, "```suggestion\nx\n```", on_diff=True)


def plan(
    *candidates: Candidate, existing: tuple[Posted, ...] = (), caps: Capabilities = CAN, **settings: object
) -> Plan:
    return route(Routing(candidates, existing, caps, PublishSettings(**settings)))  # type: ignore[arg-type]


def routes(result: Plan) -> list[Route]:
    return [r.route for r in result.routed]


def note(name: str, **state: bool) -> Posted:
    return Posted(f"n-{name}", "inline", finding(name).fingerprint, "body", **state)


def test_suggestion_comment_and_summary_by_what_the_channel_can_place() -> None:
    off_diff = Candidate(finding("c"))
    result = plan(suggestible("a", TextEdit(1, 1, "y\n")), Candidate(finding("b"), on_diff=True), off_diff)
    assert routes(result) == [Route.SUGGESTION, Route.COMMENT, Route.SUMMARY]
    assert result.fallback is None and result.resolutions == () and result.summary_note is None


def test_one_suggestion_per_edit_its_twins_point_to_it() -> None:
    twin_off_diff = replace(suggestible("c"), on_diff=False)  # still placeable: it sits where its suggestion would
    nowhere = replace(suggestible("d"), suggestion=None, on_diff=False)
    result = plan(suggestible("a"), suggestible("b"), twin_off_diff, nowhere)
    assert routes(result) == [Route.SUGGESTION, Route.COMMENT, Route.COMMENT, Route.SUMMARY]
    holder = result.routed[0].candidate
    assert [r.fixed_by for r in result.routed] == [None, holder, holder, None]


def test_a_suggestion_that_applies_one_of_the_other_fixes_is_pointed_to() -> None:
    other = Fix("argocd-force", "Force", "Deletes it.", TextEdit(1, 1, "y\n"), "--- a/job.yaml\n")
    has_it_as_alternative = replace(suggestible("b", TextEdit(2, 3, "z\n")))
    has_it_as_alternative = replace(
        has_it_as_alternative,
        finding=replace(has_it_as_alternative.finding, fixes=(*has_it_as_alternative.finding.fixes, other)),
    )
    result = plan(suggestible("a", other.edit), has_it_as_alternative)
    assert routes(result) == [Route.SUGGESTION, Route.COMMENT]
    assert result.routed[1].fixed_by == result.routed[0].candidate


def test_two_different_fixes_on_the_same_lines_get_one_suggestion() -> None:
    result = plan(suggestible("a", TextEdit(3, 4, "x\n")), suggestible("b", TextEdit(4, 4, "y\n")))
    assert routes(result) == [Route.SUGGESTION, Route.COMMENT]  # its fix goes as a diff block: no competing click
    assert result.routed[1].fixed_by is None
    apart = plan(suggestible("a", TextEdit(3, 4, "x\n")), suggestible("b", TextEdit(5, 5, "y\n")))
    assert routes(apart) == [Route.SUGGESTION, Route.SUGGESTION]


def test_a_suggestion_the_cap_moved_to_the_summary_is_not_pointed_to() -> None:
    result = plan(suggestible("x", TextEdit(1, 1, "y\n")), suggestible("a"), suggestible("b"), max_inline_comments=1)
    assert routes(result) == [Route.SUGGESTION, Route.SUMMARY, Route.SUMMARY]
    assert all(r.fixed_by is None for r in result.routed)


def test_comments_already_posted_count_toward_the_cap() -> None:
    """More findings than the cap: a re-run must not post the next batch of comments each time (issue 14)."""
    candidates = [Candidate(finding(str(n)), on_diff=True) for n in range(4)]
    posted = (note("0"), note("1"))
    assert routes(plan(*candidates, existing=posted, max_inline_comments=2)) == [
        Route.POSTED,
        Route.POSTED,
        Route.SUMMARY,
        Route.SUMMARY,
    ]


def test_the_cap_sends_the_rest_to_the_summary() -> None:
    edits = [TextEdit(n, n, "x\n") for n in range(1, 5)]
    result = plan(*(suggestible(str(n), e) for n, e in enumerate(edits)), max_inline_comments=2)
    assert routes(result) == [Route.SUGGESTION, Route.SUGGESTION, Route.SUMMARY, Route.SUMMARY]


def test_a_posted_note_is_not_posted_again_and_a_gone_finding_is_resolved_as_fixed() -> None:
    summary = Posted("s", "summary", None, "old summary")
    existing = (note("a"), note("gone"), note("done", resolved=True), summary)
    result = plan(suggestible("a"), existing=existing)
    assert routes(result) == [Route.POSTED]
    assert result.resolutions == (Resolution(note("gone"), fixed=True),)
    assert result.summary_note == summary


def test_an_outdated_note_is_superseded_and_its_finding_routed_again() -> None:
    result = plan(suggestible("a"), existing=(note("a", outdated=True), note("b", outdated=True, resolved=True)))
    assert routes(result) == [Route.SUGGESTION]
    assert result.resolutions == (Resolution(note("a", outdated=True), fixed=False),)


def test_without_comments_every_finding_goes_to_the_log() -> None:
    read_only = Capabilities(can_comment=False, reason="the token is read-only (fork)")
    result = plan(suggestible("a"), Candidate(finding("b")), caps=read_only)
    assert routes(result) == [Route.LOG, Route.LOG] and result.fallback == "the token is read-only (fork)"
    assert plan(suggestible("a"), mode="annotations").fallback == "mode: annotations"


@given(
    st.lists(st.tuples(st.integers(1, 4), st.booleans(), st.booleans(), st.booleans()), max_size=12),
    st.integers(0, 5),
    st.booleans(),
)
def test_never_drops_a_finding(shape: list[tuple[int, bool, bool, bool]], cap: int, can_comment: bool) -> None:
    candidates = [
        Candidate(finding(str(i), TextEdit(line, line, "x\n")), PLACED if placed else None, "b", on_diff)
        for i, (line, placed, on_diff, _) in enumerate(shape)
    ]
    existing = tuple(note(str(i)) for i, (*_, posted) in enumerate(shape) if posted)
    result = plan(*candidates, existing=existing, caps=Capabilities(can_comment), max_inline_comments=cap)
    assert [r.candidate for r in result.routed] == candidates
    assert sum(r in (Route.SUGGESTION, Route.COMMENT) for r in routes(result)) <= cap
