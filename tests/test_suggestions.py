"""Each adapter's anchoring: where a verified fix can be a one-click suggestion, and its fence (review-apis.md B3,
B5, C5). The core hands over only the edit and the file's change; these rules are the platforms' own."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobguard import diff as diffs
from jobguard import oneclick
from jobguard.findings import TextEdit
from jobguard.fixes import lines
from jobguard.platforms import Suggestion
from jobguard.platforms.github import suggestions as github
from jobguard.platforms.gitlab import suggestions as gitlab
from jobguard.platforms.local import DryRun, LocalPlatform, pull_request_preview
from jobguard.trees import Tree


def change_of(before: str, after: str) -> diffs.FileChange:
    return diffs.parse(diffs.unified("f.yaml", "f.yaml", before, after))[0]


BASE_LINES = "".join(f"line {i}\n" for i in range(1, 301))
HEAD_LINES = BASE_LINES.replace("line 10\n", "line 10 changed\n").replace("line 250\n", "line 250 changed\n")


def on_github(first: int, last: int) -> Suggestion:
    return Suggestion(first, last, line=last, info="suggestion", start_line=first if first != last else None)


def on_gitlab(first: int, last: int, anchor: int) -> Suggestion:
    return Suggestion(first, last, line=anchor, info=f"suggestion:-{anchor - first}+{last - anchor}")


@pytest.mark.parametrize(
    ("edit", "on_pull_request", "on_merge_request"),
    [
        # hunks on the head side: 7..13 (line 10 added) and 247..253 (line 250 added)
        (TextEdit(10, 10, "x\n"), on_github(10, 10), on_gitlab(10, 10, 10)),  # the added line itself
        (TextEdit(8, 12, "x\n"), on_github(8, 12), on_gitlab(8, 12, 10)),  # context lines too; GitLab anchors on `+`
        (TextEdit(7, 7, "x\n"), on_github(7, 7), on_gitlab(7, 7, 7)),  # a context line
        (TextEdit(12, 13, "x\n"), on_github(12, 13), on_gitlab(12, 13, 12)),  # the hunk's last context line included
        (TextEdit(13, 14, "x\n"), None, on_gitlab(13, 14, 13)),  # leaves the hunk: no GitHub, GitLab widens from 13
        (TextEdit(14, 14, "x\n"), None, None),  # outside every hunk
        (TextEdit(11, 10, "x\n"), on_github(10, 10), on_gitlab(10, 10, 10)),  # an insertion repeats the line above
        (TextEdit(7, 6, "x\n"), on_github(7, 7), on_gitlab(7, 7, 7)),  # ... or below, when only that one is shown
        (TextEdit(15, 14, "x\n"), None, None),  # neither neighbour shown
        (TextEdit(10, 10, ""), on_github(9, 10), on_gitlab(9, 10, 10)),  # a deletion repeats a neighbour too
        (TextEdit(150, 250, "x\n"), None, on_gitlab(150, 250, 250)),  # exactly 100 lines above the anchor
        (TextEdit(149, 250, "x\n"), None, on_gitlab(149, 250, 247)),  # 101 above 250: a context line serves
        (TextEdit(10, 250, "x\n"), None, None),  # no diff line within 100 lines of both ends
    ],
)
def test_each_adapter_places_a_fix_by_its_own_rules(
    edit: TextEdit, on_pull_request: Suggestion | None, on_merge_request: Suggestion | None
) -> None:
    change = change_of(BASE_LINES, HEAD_LINES)
    assert github.suggestion(edit, change) == on_pull_request
    assert gitlab.suggestion(edit, change) == on_merge_request


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (TextEdit(14, 14, "x\n"), on_gitlab(10, 14, 10)),  # below the hunk: widened up to its added line
        (TextEdit(3, 3, "x\n"), on_gitlab(3, 10, 10)),  # above the hunk (a Job's metadata)
        (TextEdit(4, 3, "x\n"), on_gitlab(4, 10, 10)),  # an insertion: covered from the side of the anchor
    ],
)
def test_gitlab_anchors_on_a_diff_line_of_the_job_and_widens_to_the_fix(edit: TextEdit, expected: Suggestion) -> None:
    change = change_of(BASE_LINES, HEAD_LINES)
    assert gitlab.suggestion(edit, change, (1, 35)) == expected
    assert gitlab.suggestion(edit, change, (14, 35)) is None  # no line of this Job (14-35) is shown
    assert github.suggestion(edit, change, (1, 35)) is None  # GitHub's range must stay inside one hunk


def test_gitlab_never_reaches_more_than_100_lines_from_the_anchor() -> None:
    change = change_of(BASE_LINES, HEAD_LINES)
    assert gitlab.suggestion(TextEdit(150, 150, "x\n"), change, (1, 300)) == on_gitlab(150, 250, 250)
    assert gitlab.suggestion(TextEdit(149, 149, "x\n"), change, (1, 300)) == on_gitlab(149, 247, 247)
    assert gitlab.suggestion(TextEdit(110, 110, "x\n"), change, (1, 300)) == on_gitlab(10, 110, 10)
    assert gitlab.suggestion(TextEdit(111, 111, "x\n"), change, (1, 300)) == on_gitlab(13, 111, 13)  # a context line
    assert gitlab.suggestion(TextEdit(114, 114, "x\n"), change, (1, 300)) is None  # 101 from 13, 133 from 247


def test_gitlab_reaches_across_hunks_within_its_limits() -> None:
    change = change_of(BASE_LINES, HEAD_LINES.replace("line 30\n", "line 30 changed\n"))
    assert github.suggestion(TextEdit(12, 28, "x\n"), change) is None
    assert gitlab.suggestion(TextEdit(12, 28, "x\n"), change) == on_gitlab(12, 28, 12)


def test_an_added_file_is_all_diff() -> None:
    added = diffs.parse(diffs.unified(None, "f.yaml", "", "a\nb\nc\n"))[0]
    assert github.suggestion(TextEdit(1, 3, "x\n"), added) == on_github(1, 3)
    assert gitlab.suggestion(TextEdit(1, 3, "x\n"), added) == on_gitlab(1, 3, 1)
    assert github.suggestion(TextEdit(4, 5, "x\n"), added) is None  # beyond the file
    assert gitlab.suggestion(TextEdit(4, 5, "x\n"), added) is None


def test_the_local_platform_previews_a_pull_request_and_a_dry_run_speaks_its_platform(tmp_path: Path) -> None:
    change = change_of(BASE_LINES, HEAD_LINES)
    local = LocalPlatform(Tree(root=tmp_path), Tree(root=tmp_path))
    assert local.suggestion(TextEdit(8, 12, "x\n"), change) == on_github(8, 12)
    assert local.fix_hint == "" and local.report_formats == ()
    preview = pull_request_preview(Tree(root=tmp_path), Tree(root=tmp_path))
    assert preview.fix_hint == github.FIX_HINT

    class MergeRequest(LocalPlatform):
        fix_hint = gitlab.FIX_HINT
        report_formats = ("codequality",)
        suggestion = staticmethod(gitlab.suggestion)

    inner = MergeRequest(Tree(root=tmp_path), Tree(root=tmp_path))
    inner.fix_hint = gitlab.FIX_HINT
    dry = DryRun(inner)
    assert dry.suggestion(TextEdit(8, 12, "x\n"), change) == on_gitlab(8, 12, 10)
    assert (dry.fix_hint, dry.report_formats) == (gitlab.FIX_HINT, ("codequality",))


def test_the_fix_hints_name_each_platforms_way_to_commit_the_fixes() -> None:
    assert "`/jobguard fix`" in github.FIX_HINT
    assert "`jobguard-fix` job" in gitlab.FIX_HINT


@pytest.mark.parametrize(
    ("edit", "smallest"),
    [
        (TextEdit(2, 2, "b\nnew\n"), TextEdit(3, 2, "new\n")),  # line_edit's insertion: line 2 repeated above
        (TextEdit(1, 1, "new\na\n"), TextEdit(1, 0, "new\n")),  # at the top of the file: line 1 repeated below
        (TextEdit(2, 3, "b\nnew\nc\n"), TextEdit(3, 2, "new\n")),  # both ends repeated
        (TextEdit(2, 2, "B\n"), TextEdit(2, 2, "B\n")),  # a replacement stays as it is
        (TextEdit(2, 3, "b\n"), TextEdit(3, 3, "")),  # a deletion of line 3
    ],
)
def test_the_smallest_edit_drops_the_lines_a_fix_repeats(edit: TextEdit, smallest: TextEdit) -> None:
    head = "a\nb\nc\nd\n"
    assert oneclick.smallest(edit, head) == smallest
    assert lines.apply(head, oneclick.smallest(edit, head)) == lines.apply(head, edit)
