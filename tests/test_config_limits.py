"""A configuration file is bounded before it is composed (issue 14): a huge, deep or NUL-holding file is one
`FILE:LINE:COL` line and exit 2, never minutes of parsing or exit 3."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jobguard import config_yaml
from jobguard.cli import main
from jobguard.config_yaml import MAX_BYTES, MAX_DEPTH, Problem, read
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

MANY_KEYS = "".join(f"k{i}: 1\n" for i in range(200_000))
DEEP_FLOW = "rules: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_BLOCK = "rules:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 1000))  # 500 KB


def test_a_config_with_200000_keys_is_refused_before_it_is_composed() -> None:
    started = time.monotonic()
    found = read(MANY_KEYS[: MAX_BYTES - 1])
    assert isinstance(found, Problem) and "too big (more than 20,000 values)" in found.message
    assert time.monotonic() - started < 3  # composing them took minutes


def test_a_config_over_the_byte_limit_is_refused_unread() -> None:
    message = f"the configuration is {len(MANY_KEYS):,} bytes, over the 1,048,576-byte limit"
    assert read(MANY_KEYS) == Problem(1, 1, message)


@pytest.mark.parametrize("text", [DEEP_FLOW, DEEP_BLOCK], ids=["flow", "block"])
def test_deep_nesting_is_a_problem_not_a_recursion_error(text: str) -> None:
    found = read(text)
    assert isinstance(found, Problem)
    assert found.message == f"the configuration nests deeper than {MAX_DEPTH} levels"


def test_a_nul_byte_is_a_problem_with_its_position() -> None:
    assert read("fail-on: error\nrules:\x00\n") == Problem(2, 7, "character U+0000 is not allowed in YAML")


def test_a_config_nested_to_the_limit_is_read() -> None:
    found = read("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    assert not isinstance(found, Problem)


@pytest.mark.parametrize(
    "content",
    [b"fail-on: error\n\x00\n", DEEP_FLOW.encode(), DEEP_BLOCK.encode(), b"a: 1\n" * 10],
    ids=["nul", "deep-flow", "deep-block", "too-big"],
)
def test_check_exits_2_with_one_line_naming_the_file(
    content: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if content == b"a: 1\n" * 10:
        monkeypatch.setattr(config_yaml, "MAX_BYTES", 40)
    for side, text in (("base", SMALL_JOB), ("head", SMALL_JOB_NEW_IMAGE)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "job.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "cfg.yaml").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--base", "base", "--head", "head", "--config", "cfg.yaml"])
    err = capsys.readouterr().err
    assert (code, err[:26], err.count("\n")) == (2, "jobguard: error: cfg.yaml:", 1), err
