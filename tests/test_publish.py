"""publish: carrying out the plan (dedup, caps, fallbacks) on an in-memory platform; routing has its own tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pytest

from jobguard import comments
from jobguard.diff import FileChange, parse, unified
from jobguard.findings import Finding, Fix, Location, ObjectRef, Severity, TextEdit, fingerprint
from jobguard.platforms import Capabilities, InlineComment, Posted, PostResult, Side, Suggestion
from jobguard.platforms.github import suggestions as github
from jobguard.platforms.gitlab import suggestions as gitlab
from jobguard.publish import PublishReport, PublishRun, PublishSettings, publish, suggestion_text

HEAD = "".join(f"line {i}\n" for i in range(1, 41))
BASE = HEAD.replace("line 20\n", "old 20\n").replace("line 30\n", "old 30\n")
CHANGE: FileChange = parse(unified("job.yaml", "job.yaml", BASE, HEAD))[0]


@dataclass
class MemoryPlatform:
    """Records every write; `existing` is what an earlier run left."""

    name: str = "memory"
    place: Callable[..., Suggestion | None] = github.suggestion
    fix_hint: str = ""
    report_formats: tuple[str, ...] = ()
    can_comment: bool = True
    notes: list[Posted] = field(default_factory=list)
    reject: set[str] = field(default_factory=set)
    writes: list[tuple[str, object]] = field(default_factory=list)
    reports: list[tuple[Mapping[str, str], str, str]] = field(default_factory=list)

    def changes(self) -> Sequence[FileChange]:
        return [CHANGE]

    def read(self, path: str, side: Side) -> bytes | None:
        return (HEAD if side == "head" else BASE).encode()

    def config_text(self, names: Sequence[str], side: Side) -> tuple[str, str] | None:
        return None

    def suggestion(self, edit: TextEdit, change: FileChange, near: tuple[int, int] | None = None) -> Suggestion | None:
        return self.place(edit, change, near)

    def capabilities(self) -> Capabilities:
        return Capabilities(self.can_comment, "" if self.can_comment else "the token is read-only (fork)")

    def existing(self) -> Sequence[Posted]:
        return list(self.notes)

    def post_inline(self, comments: Sequence[InlineComment]) -> PostResult:
        ok = [c for c in comments if c.fingerprint not in self.reject]
        self.writes.append(("review", ok))
        for c in ok:
            self.notes.append(Posted(f"c{len(self.notes)}", "inline", c.fingerprint, c.body))
        return PostResult(tuple(c.fingerprint for c in ok), tuple(self.reject & {c.fingerprint for c in comments}))

    def resolve(self, posted: Posted, note: str) -> bool:
        self.writes.append(("resolve", posted.fingerprint))
        self.notes = [replace(p, resolved=True) if p.id == posted.id else p for p in self.notes]
        return True

    def upsert_summary(self, body: str, existing: Posted | None) -> bool:
        self.writes.append(("summary", body))
        self.notes = [p for p in self.notes if p.kind != "summary"] + [Posted("s", "summary", None, body)]
        return True

    def report(self, outputs: Mapping[str, str], summary_markdown: str, annotations: str) -> None:
        self.reports.append((outputs, summary_markdown, annotations))

    def push_fix(self, files: Mapping[str, bytes], message: str) -> str:
        raise NotImplementedError

    def reply(self, body: str) -> None:
        self.writes.append(("reply", body))


def finding(line: int, name: str = "a", fix: Fix | None = None) -> Finding:
    return Finding(
        rule="job-immutable-field",
        severity=Severity.ERROR,
        location=Location("job.yaml", line, line),
        object=ObjectRef("batch/v1", "Job", None, name),
        fields=("spec.template",),
        message=f"Job `{name}` edits an immutable field.",
        fingerprint=fingerprint("job-immutable-field", name),
        fixes=(fix,) if fix else (),
    )


def run(platform: MemoryPlatform, findings: Sequence[Finding], **settings: object) -> PublishReport:
    run = PublishRun(
        findings,
        [CHANGE],
        lambda path: HEAD,
        PublishSettings(**settings),  # type: ignore[arg-type]
        {"findings": str(len(findings))},
    )
    return publish(platform, run)


def test_first_run_posts_inline_and_summary_then_a_rerun_writes_nothing() -> None:
    platform = MemoryPlatform()
    first = run(platform, [finding(20, "a"), finding(30, "b")])
    assert [kind for kind, _ in platform.writes] == ["review", "summary"]
    assert len(first.inline_posted) == 2 and first.summary_written
    platform.writes.clear()
    second = run(platform, [finding(20, "a"), finding(30, "b")])
    assert platform.writes == []
    assert len(second.already_posted) == 2 and not second.summary_written


def test_a_fixed_finding_is_resolved_and_the_summary_says_so() -> None:
    platform = MemoryPlatform()
    run(platform, [finding(20, "a"), finding(30, "b")])
    platform.writes.clear()
    report = run(platform, [finding(20, "a")])
    assert [kind for kind, _ in platform.writes] == ["resolve", "summary"]
    assert report.resolved == [finding(30, "b").fingerprint]
    platform.writes.clear()
    run(platform, [])
    assert [kind for kind, _ in platform.writes] == ["resolve", "summary"]
    assert "No problems with Jobs in this change." in platform.notes[-1].body


def test_clean_change_without_history_writes_nothing() -> None:
    platform = MemoryPlatform()
    run(platform, [])
    assert platform.writes == []


def test_lines_outside_the_diff_cap_and_rejections_go_to_the_summary() -> None:
    platform = MemoryPlatform(reject={finding(30, "b").fingerprint})
    findings = [finding(20, "a"), finding(30, "b"), finding(5, "outside"), finding(20, "c")]
    report = run(platform, findings, max_inline_comments=2)
    assert report.inline_posted == [finding(20, "a").fingerprint]
    moved = set(report.moved_to_summary)
    assert moved == {finding(30, "b").fingerprint, finding(5, "outside").fingerprint, finding(20, "c").fingerprint}
    summary = platform.notes[-1].body
    assert summary.count("here only") == 3 and summary.count("(inline)") == 1


def test_read_only_token_falls_back_to_annotations_and_keeps_every_finding() -> None:
    platform = MemoryPlatform(can_comment=False)
    report = run(platform, [finding(20, "a"), finding(5, "b")])
    assert platform.writes == []
    (_, summary, annotations) = platform.reports[-1]
    assert annotations.count("::error ") == 2
    assert summary.count("job-immutable-field") == 2
    assert report.line(2).startswith("jobguard: 2 findings, reported through annotations")


def test_one_click_suggestion_replaces_exactly_the_range_the_adapter_placed() -> None:
    edit = TextEdit(21, 20, "inserted\n")  # insert before line 21
    fix = Fix("argocd-hook", "Make it a hook", "Runs every sync.", edit, "--- a/job.yaml\n")
    assert suggestion_text(HEAD, edit, 20, 20) == "line 20\ninserted\n"
    platform = MemoryPlatform(place=lambda e, c, n: Suggestion(20, 20, line=20, info="suggestion"))
    run(platform, [finding(20, "a", fix)])
    (comment,) = platform.writes[0][1]  # type: ignore[misc]
    assert comment.line == 20 and comment.start_line is None and comment.suggestion
    assert "```suggestion\nline 20\ninserted\n```" in comment.body
    offsets = MemoryPlatform(place=lambda e, c, n: Suggestion(19, 21, line=20, info="suggestion:-1+1"))
    run(offsets, [finding(20, "a", fix)])
    (comment,) = offsets.writes[0][1]  # type: ignore[misc]
    assert comment.line == 20 and comment.start_line is None
    assert "```suggestion:-1+1\nline 19\nline 20\ninserted\nline 21\n```" in comment.body


def test_the_adapter_gets_the_smallest_edit_and_the_jobs_lines_and_the_block_applies_the_fix_exactly() -> None:
    # as fixes.lines.line_edit makes an insertion: line 8 repeated, then the new line (hunks: head 17-23, 27-33)
    fix = Fix("argocd-hook", "Make it a hook", "Runs every sync.", TextEdit(8, 8, "line 8\nnew\n"), "--- a/job.yaml\n")
    seen: list[tuple[TextEdit, tuple[int, int] | None]] = []

    def place(edit: TextEdit, change: FileChange, near: tuple[int, int] | None) -> Suggestion | None:
        seen.append((edit, near))
        return gitlab.suggestion(edit, change, near)

    platform = MemoryPlatform(place=place)
    run(platform, [replace(finding(20, "a", fix), object_lines=(5, 25))])
    assert seen == [(TextEdit(9, 8, "new\n"), (5, 25))]  # an insertion before line 9, the Job's lines
    (comment,) = platform.writes[0][1]  # type: ignore[misc]
    assert comment.line == 20 and comment.suggestion  # the added line of the Job
    block = "".join(f"line {i}\n" for i in range(9, 21))
    assert f"```suggestion:-11+0\nnew\n{block}```" in comment.body
    rows = HEAD.splitlines(keepends=True)
    rows[20 - 11 - 1 : 20] = ["new\n", *block.splitlines(keepends=True)]  # GitLab replaces anchor-11..anchor
    assert "".join(rows) == HEAD.replace("line 8\n", "line 8\nnew\n")  # = the verified fix applied


def test_a_twin_points_to_the_suggestion_that_fixes_it_instead_of_a_second_block() -> None:
    fix = Fix("argocd-hook", "Make it a hook", "Runs every sync.", TextEdit(21, 21, "new\n"), "--- a/hook\n")
    other = Fix("argocd-force", "Force it", "Deletes the Job.", TextEdit(19, 19, "force\n"), "--- a/force\n")
    ttl = replace(finding(20, "a", fix), rule="job-ttl-after-finished", fingerprint="0123456789abcdef")
    platform = MemoryPlatform()
    run(platform, [ttl, replace(finding(20, "b", fix), fixes=(other, fix))])  # b: the hook is its alternative
    holder, twin = platform.writes[0][1]  # type: ignore[misc]
    assert holder.suggestion and "```suggestion\nnew\n```" in holder.body
    assert not twin.suggestion and twin.line == 20 and "```suggestion" not in twin.body
    assert "**Fixed by the suggestion on line 21** (the `job-ttl-after-finished` comment)" in twin.body
    assert "Make it a hook. Runs every sync." in twin.body and "--- a/hook" not in twin.body  # no second block
    assert "<summary>Other fixes</summary>" in twin.body and "--- a/force" in twin.body
    assert "<!-- jobguard:fixed-by=0123456789abcdef -->" in twin.body


def test_a_range_suggestion_is_a_multi_line_comment_with_the_context_line_numbers() -> None:
    fix = Fix("argocd-hook", "Make it a hook", "Runs every sync.", TextEdit(19, 21, "new\n"), "--- a/job.yaml\n")
    platform = MemoryPlatform()  # GitHub's rule: lines 19-21 lie in one hunk
    run(platform, [finding(20, "a", fix)])
    (comment,) = platform.writes[0][1]  # type: ignore[misc]
    assert (comment.start_line, comment.line, comment.old_line) == (19, 21, 21)
    assert "```suggestion\nnew\n```" in comment.body


def test_a_placed_range_the_head_file_cannot_fill_falls_back_to_a_plain_comment() -> None:
    fix = Fix("argocd-hook", "Make it a hook", "Runs every sync.", TextEdit(20, 20, "new\n"), "--- a/job.yaml\n")
    platform = MemoryPlatform(place=lambda e, c, n: Suggestion(20, 99, line=20, info="suggestion"))  # past the end
    run(platform, [finding(20, "a", fix)])
    (comment,) = platform.writes[0][1]  # type: ignore[misc]
    assert not comment.suggestion and "```diff\n" in comment.body


def test_the_summary_carries_the_channels_fix_hint() -> None:
    platform = MemoryPlatform(fix_hint="Say the magic word.")
    run(platform, [finding(5, "outside")])
    assert platform.notes[-1].body.endswith("\nSay the magic word.\n")


@pytest.mark.parametrize("text", ["plain", "has ``` fence", "has ```` longer"])
def test_fences_are_longer_than_any_backtick_run(text: str) -> None:
    block = comments.fence(text, "suggestion")
    ticks = block.split("suggestion")[0]
    assert len(ticks) > max((len(r) for r in text.split() if set(r) == {"`"}), default=0)
    assert block.endswith(ticks) and text in block


def test_comment_bodies_carry_the_fingerprint_marker() -> None:
    body = comments.comment_body(finding(20, "a"))
    assert comments.fingerprint_of(body) == finding(20, "a").fingerprint
    assert comments.fingerprint_of("a human comment") is None


def test_a_marker_inside_a_value_is_not_the_fingerprint() -> None:
    """A Job name carrying a marker (issue 14): only the marker jobguard writes, on the body's last line, counts."""
    planted = "<!-- jobguard:fingerprint=00000000deadbeef -->"
    hostile = replace(finding(20, "a"), message=f"Job `{planted}` edits an immutable field.\n{planted}")
    body = comments.comment_body(hostile)
    assert comments.fingerprint_of(body) == hostile.fingerprint
    assert comments.fingerprint_of(f"{planted}\nsome words after it") is None


def test_an_outdated_note_whose_finding_persists_is_posted_again_and_the_old_one_resolved() -> None:
    platform = MemoryPlatform()
    run(platform, [finding(20, "a")])
    platform.notes = [replace(p, outdated=True) if p.kind == "inline" else p for p in platform.notes]
    platform.writes.clear()
    report = run(platform, [finding(20, "a")])
    assert [kind for kind, _ in platform.writes] == ["review", "resolve"]  # the summary text is unchanged
    assert report.inline_posted == [finding(20, "a").fingerprint]
    assert report.resolved == []  # superseded, not fixed


def test_an_outdated_note_a_person_resolved_is_left_alone() -> None:
    platform = MemoryPlatform()
    run(platform, [finding(20, "a")])
    platform.notes = [replace(p, outdated=True, resolved=True) if p.kind == "inline" else p for p in platform.notes]
    platform.writes.clear()
    run(platform, [finding(20, "a")])
    assert platform.writes == []


def many(count: int, message: str = "") -> list[Finding]:
    """`count` findings on distinct lines outside the diff (summary-only), each with a fix."""
    fix = Fix("rename", "Rename the Job", "A new Job runs.", TextEdit(3, 3, "x\n"), "--- a/job.yaml\n+x\n")
    return [
        replace(finding(1000 + i, f"job-{i}", fix), message=message or f"Job `job-{i}` edits an immutable field.")
        for i in range(count)
    ]


def reachable(platform: MemoryPlatform, found: Finding) -> bool:
    """The finding's row (its place and message) is in a comment jobguard wrote or in the log it printed."""
    row = f"`{found.location.path}:{found.location.line}`"
    shown = [str(body) for kind, body in platform.writes if kind == "summary"]
    shown += [summary + annotations for _outputs, summary, annotations in platform.reports]
    return any(row in text and found.message[:40] in text for text in shown)


def test_every_one_of_401_findings_is_in_the_summary_or_the_log() -> None:
    """Issue 14: a summary past the comment size limit left 270 findings in no comment and not in the job log the
    truncation note promised. The comment holds what fits; the log (really written) holds every finding."""
    platform = MemoryPlatform()
    findings = many(401, "Job `{}` edits the immutable field `spec.template` of a Job Argo CD will not replace.")
    run(platform, findings)
    (summary,) = [str(body) for kind, body in platform.writes if kind == "summary"]
    assert len(summary) <= 60_000 and "more finding" in summary and "job log" in summary
    assert all(reachable(platform, f) for f in findings)


def test_a_70000_character_value_is_shortened_not_the_summary_emptied() -> None:
    name = "x" * 70_000
    long_fix = Fix("rename", "Rename the Job", "A new Job runs.", TextEdit(3, 3, name), f"--- a/job.yaml\n+{name}\n")
    findings = [replace(finding(5, "a", long_fix), message=f"Job `{name}` edits an immutable field."), finding(6, "b")]
    platform = MemoryPlatform()
    run(platform, findings)
    (summary,) = [str(body) for kind, body in platform.writes if kind == "summary"]
    assert len(summary) < 10_000 and "`job.yaml:6`" in summary and "`job.yaml:5`" in summary
    assert "xxxxxxxxxx…" in summary  # the value, shortened


def test_an_inline_comment_shortens_long_values_and_keeps_its_marker_last() -> None:
    name = "x" * 70_000
    long_fix = Fix("rename", "Rename the Job", "A new Job runs.", TextEdit(20, 20, name), f"--- a/job.yaml\n+{name}\n")
    hostile = replace(finding(20, "a", long_fix), message=f"Job `{name}` edits an immutable field.")
    body = comments.comment_body(hostile)
    assert len(body) < 10_000 and comments.fingerprint_of(body) == hostile.fingerprint


def test_a_suggestion_too_long_for_a_comment_is_a_plain_comment() -> None:
    """A one-click block cut by the size limit would apply a truncated line: such a fix is shown, not suggested."""
    name = "x" * 70_000
    long_fix = Fix("rename", "Rename the Job", "A new Job runs.", TextEdit(20, 20, f"{name}\n"), f"+{name}\n")
    platform = MemoryPlatform()
    run(platform, [finding(20, "a", long_fix)])
    (comment,) = platform.writes[0][1]  # type: ignore[misc]
    assert not comment.suggestion and "```suggestion" not in comment.body and len(comment.body) < 65_536
