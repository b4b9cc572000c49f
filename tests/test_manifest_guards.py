"""The guards of `manifests.load`: a hostile file is one problem with a line, never a hang or a crash (issue 14)."""

from __future__ import annotations

import time

import pytest

from jobguard import check as engine
from jobguard.manifest_guards import MAX_DEPTH, MAX_EXPANDED_NODES
from jobguard.manifests import load
from tests.rule_cases import run_texts
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

_BOMB = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'] + [
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)
]


def _as_list_item(job: str) -> str:
    return "- " + job.replace("\n", "\n  ").rstrip(" ")


def _list_with_bomb(job: str) -> str:
    """A `kind: List` holding `job` and, as its second item, a ConfigMap whose data is an alias bomb (line 17+)."""
    config_map = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data:\n"
    config_map += "".join(f"    {line}\n" for line in _BOMB)
    return "apiVersion: v1\nkind: List\nitems:\n" + _as_list_item(job) + config_map


def _nested(depth: int) -> str:
    return SMALL_JOB + "  extra: " + "[" * depth + "]" * depth + "\n"


def test_an_alias_bomb_in_a_non_job_list_item_is_refused_at_its_line() -> None:
    """The bomb sat next to a Job that was read in full; its fix check then compared the expanded document (hang)."""
    result = load("list.yaml", _list_with_bomb(SMALL_JOB_NEW_IMAGE).encode())
    (problem,) = result.problems
    assert f"more than {MAX_EXPANDED_NODES:,} nodes" in problem.message
    assert problem.line >= 16  # inside the ConfigMap item, not line 1
    assert result.manifests == ()


def test_the_bombed_file_is_one_finding_and_other_files_keep_theirs() -> None:
    started = time.monotonic()
    bombed = run_texts(_list_with_bomb(SMALL_JOB), _list_with_bomb(SMALL_JOB_NEW_IMAGE), engine.CheckOptions())
    assert [f.rule for f in bombed.findings] == ["manifest-invalid"]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 494, 600, 999])
def test_deep_nesting_is_a_problem_not_a_recursion_error(depth: int) -> None:
    result = load("deep.yaml", _nested(depth).encode())
    (problem,) = result.problems
    assert f"nested deeper than {MAX_DEPTH} levels" in problem.message or "maximum nesting depth" in problem.message
    assert problem.line == 13
    assert result.manifests == ()


def test_nesting_up_to_the_limit_is_read() -> None:
    result = load("deep.yaml", _nested(MAX_DEPTH - 4).encode())
    assert result.problems == ()
    assert len(result.manifests) == 1


def test_a_recursive_alias_is_still_refused() -> None:
    text = SMALL_JOB + "  extra: &loop\n    - *loop\n"
    (problem,) = load("loop.yaml", text.encode()).problems
    assert "recursive YAML alias" in problem.message
