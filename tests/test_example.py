"""`jobguard demo`'s line saying why a review comment sits away from its change, derived from the placement."""

from __future__ import annotations

from jobguard import comments, formats
from jobguard.example import placement_notes, top_level_field
from jobguard.findings import Finding, Location, Severity
from jobguard.platforms import InlineComment

JOB = """\
# a comment above the Job
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  labels:
    app: billing
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: migrate:2
"""


def finding(line: int, end_line: int | None = None, name: str = "a") -> Finding:
    location = Location("job.yaml", line, end_line if end_line is not None else line)
    return Finding("job-immutable-field", Severity.ERROR, location, None, (), "m", name)


def comment(line: int, start_line: int | None = None, name: str = "a", suggestion: bool = True) -> InlineComment:
    return InlineComment("job.yaml", line, "body", name, start_line=start_line, suggestion=suggestion)


def test_a_comment_off_its_change_says_where_and_why() -> None:
    assert comments.placement_note(finding(13), 7, 7, "metadata") == (
        "review comment on line 7 (metadata), where the fix goes; the change is on line 13"
    )
    assert comments.placement_note(finding(10, 12), 3, 4) == (
        "review comment on lines 3-4, where the fix goes; the change is on lines 10-12"
    )


def test_a_comment_on_or_around_its_change_needs_no_word() -> None:
    assert comments.placement_note(finding(7), 7, 7, "metadata") is None
    assert comments.placement_note(finding(7), 5, 9) is None  # a range that holds the change
    assert comments.placement_note(finding(6, 9), 9, 9) is None  # the comment on the change's last line


def test_notes_come_from_the_posted_suggestions_and_the_parse() -> None:
    off, on, plain, summary = (
        finding(13, name="off"),
        finding(7, name="on"),
        finding(13, name="p"),
        finding(2, name="s"),
    )
    comments = [comment(7, name="off"), comment(7, name="on"), comment(13, name="p", suggestion=False)]
    notes = placement_notes((off, on, plain, summary), comments, lambda path: JOB.encode())
    assert notes == {"off": "review comment on line 7 (metadata), where the fix goes; the change is on line 13"}


def test_the_top_level_field_holding_a_line() -> None:
    data = JOB.encode()
    assert [top_level_field(data, "job.yaml", n) for n in (1, 2, 4, 7, 8, 13)] == [
        None,
        "apiVersion",
        "metadata",
        "metadata",
        "spec",
        "spec",
    ]
    assert top_level_field(None, "job.yaml", 4) is None
    assert top_level_field(b"kind: ConfigMap\n", "cm.yaml", 1) is None


def test_the_text_report_puts_each_note_under_its_finding() -> None:
    a, b = finding(13, name="a"), finding(20, name="b")
    text = formats.as_text([a, b], files_checked=1, notes={"a": "review comment on line 7"})
    assert text.splitlines() == [
        "job.yaml",
        "job.yaml:13: error job-immutable-field m",
        "  review comment on line 7",
        "job.yaml:20: error job-immutable-field m",
        "jobguard: 2 errors (1 manifest file checked).",
    ]
