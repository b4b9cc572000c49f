"""diff.parse: statuses, renames and the head lines a comment may sit on."""

from __future__ import annotations

import pytest

from jobguard.diff import Status, parse, unified

GIT_DIFF = """\
diff --git a/apps/old.yaml b/apps/new.yaml
similarity index 90%
rename from apps/old.yaml
rename to apps/new.yaml
index 1111111..2222222 100644
--- a/apps/old.yaml
+++ b/apps/new.yaml
@@ -1,5 +1,5 @@
 a: 1
 b: 2
-c: 3
+c: 4
 d: 5
 e: 6
diff --git a/gone.yaml b/gone.yaml
deleted file mode 100644
index 3333333..0000000
--- a/gone.yaml
+++ /dev/null
@@ -1,2 +0,0 @@
-x: 1
-y: 2
diff --git a/README.md b/README.md
index 4444444..5555555 100644
--- a/README.md
+++ b/README.md
@@ -10,2 +10,3 @@
 text
+more
 text
"""


def test_parse_git_diff() -> None:
    renamed, removed, readme = parse(GIT_DIFF)
    assert (renamed.old_path, renamed.new_path, renamed.status) == (
        "apps/old.yaml",
        "apps/new.yaml",
        Status.RENAMED,
    )
    assert renamed.added_lines == {3}
    (hunk,) = renamed.hunks
    assert (hunk.new_start, hunk.new_end) == (1, 5)
    assert renamed.hunk_containing(1, 5) is hunk
    assert renamed.hunk_containing(5, 6) is None
    assert renamed.old_line_of(4) == 4
    assert renamed.old_line_of(3) is None  # an added line has no base line
    assert (removed.status, removed.new_path, removed.path) == (Status.REMOVED, None, "gone.yaml")
    assert readme.status is Status.MODIFIED
    assert (readme.hunks[0].new_start, readme.hunks[0].new_end) == (10, 12)


def test_unified_round_trips_through_parse() -> None:
    (change,) = parse(unified("a.yaml", "a.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n"))
    assert change.status is Status.MODIFIED and change.added_lines == {2}
    (added,) = parse(unified(None, "n.yml", "", "x: 1\n"))
    assert added.status is Status.ADDED and added.old_path is None
    assert unified("a.yaml", "a.yaml", "same\n", "same\n") == ""


def test_missing_final_newline_is_marked() -> None:
    text = unified("a.yaml", "a.yaml", "a: 1", "a: 2")
    assert "\\ No newline at end of file" in text
    (change,) = parse(text)
    assert change.added_lines == {1}


def test_garbage_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="cannot parse the diff"):
        parse("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n")


def test_names_git_quotes_are_unquoted() -> None:
    """git C-quotes names with `"`, `\\`, control characters and (core.quotePath) non-ASCII bytes."""
    text = (
        'diff --git "a/jobs/a \\"b\\"\\tc.yaml" "b/jobs/a \\"b\\"\\tc.yaml"\n'
        '--- "a/jobs/a \\"b\\"\\tc.yaml"\t\n+++ "b/jobs/a \\"b\\"\\tc.yaml"\t\n@@ -1 +1 @@\n-a: 1\n+a: 2\n'
        'diff --git "a/n\\303\\274\\nl\\\\.yaml" "b/n\\303\\274\\nl\\\\.yaml"\n'
        '--- "a/n\\303\\274\\nl\\\\.yaml"\n+++ "b/n\\303\\274\\nl\\\\.yaml"\n@@ -1 +1 @@\n-a: 1\n+a: 2\n'
        'diff --git a/old.yaml "b/re\\"named.yaml"\nsimilarity index 100%\n'
        'rename from old.yaml\nrename to "re\\"named.yaml"\n'
    )
    assert [(c.old_path, c.new_path, c.status) for c in parse(text)] == [
        ('jobs/a "b"\tc.yaml', 'jobs/a "b"\tc.yaml', Status.MODIFIED),
        ("nü\nl\\.yaml", "nü\nl\\.yaml", Status.MODIFIED),
        ("old.yaml", 're"named.yaml', Status.RENAMED),
    ]


@pytest.mark.parametrize("name", ["a\tb.yaml", 'jobs/a "b"\tc.yaml', "new\nline.yaml", "cr\r.yaml", "a b.yaml"])
def test_between_keeps_any_file_name(name: str) -> None:
    """Directories and untracked files are diffed by `between`: a TAB once cut the name (the finding went to a file
    `a` that does not exist) and a quote before a TAB crashed the run (issue 14, found by tests/test_fuzz_git.py)."""
    from jobguard.diff import between

    change = between(name, name, b"a: 1\nb: 2\n", b"a: 1\nb: 3\n")
    assert change is not None
    assert (change.old_path, change.new_path, change.status, sorted(change.added_lines)) == (
        name,
        name,
        Status.MODIFIED,
        [2],
    )
    added = between(None, name, None, b"a: 1\n")
    assert added is not None and (added.old_path, added.new_path, added.status) == (None, name, Status.ADDED)
