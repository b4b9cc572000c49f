"""Directory mode compares files cheaply first and reads (and keeps) only the files that differ (issue 16)."""

from __future__ import annotations

import os
from pathlib import Path

from jobguard.trees import Tree, changed_files

JOB = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: a}\nspec: {backoffLimit: 3}\n"


def trees(tmp_path: Path, base: dict[str, str], head: dict[str, str]) -> tuple[Tree, Tree]:
    for side, files in (("base", base), ("head", head)):
        for name, text in files.items():
            target = tmp_path / side / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return Tree(root=tmp_path / "base"), Tree(root=tmp_path / "head")


def test_a_same_size_edit_is_still_a_change(tmp_path: Path) -> None:
    edited = JOB.replace("backoffLimit: 3", "backoffLimit: 4")
    assert len(edited) == len(JOB)
    base, head = trees(tmp_path, {"a.yaml": JOB, "b.yaml": JOB}, {"a.yaml": edited, "b.yaml": JOB})
    assert [c.path for c in changed_files(base, head)] == ["a.yaml"]


def test_an_edit_past_the_first_chunk_is_a_change(tmp_path: Path) -> None:
    long = JOB + "".join(f"# comment {i:06d}\n" for i in range(10_000))  # well past one 64 KiB chunk
    base, head = trees(tmp_path, {"a.yaml": long}, {"a.yaml": long[:-2] + "X\n"})
    assert [c.path for c in changed_files(base, head)] == ["a.yaml"]


def test_unchanged_files_are_not_kept_in_memory(tmp_path: Path) -> None:
    files = {f"f{i}.yaml": JOB for i in range(20)}
    base, head = trees(tmp_path, files, {**files, "f3.yaml": JOB + "# edited\n"})
    assert [c.path for c in changed_files(base, head)] == ["f3.yaml"]
    assert set(base.cache) | set(head.cache) <= {"f3.yaml"}


def test_the_same_file_twice_is_no_change_and_symlinks_are_still_read(tmp_path: Path) -> None:
    base, head = trees(tmp_path, {"a.yaml": JOB}, {})
    (tmp_path / "head").mkdir()
    os.link(tmp_path / "base" / "a.yaml", tmp_path / "head" / "a.yaml")
    (tmp_path / "outside.yaml").write_text(JOB)
    (tmp_path / "base" / "l.yaml").symlink_to(tmp_path / "outside.yaml")
    (tmp_path / "head" / "l.yaml").symlink_to(tmp_path / "outside.yaml")
    assert [c.path for c in changed_files(base, head)] == ["l.yaml"]  # out of the tree: the engine says why
