"""jobguard.kube.validate: the table in fixtures/rules/spec-tables/validation.yaml (every row of kube/validation.py
refuses in one case and accepts in another), and every decode row against a wrong and a right JSON type."""

from __future__ import annotations

import copy
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobguard.kube import validation as rows
from jobguard.kube.validate import refusals

CASES_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "spec-tables" / "validation.yaml"
_DATA = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
_CASES: list[dict[str, Any]] = _DATA["cases"]
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    parts: list[str | int] = [int(i) if i else str(n) for n, i in _TOKEN.findall(dotted)]
    node: Any = doc
    for part in parts[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    if value == "<delete>":
        del node[parts[-1]]
    else:
        node[parts[-1]] = copy.deepcopy(value)


def _job(case: dict[str, Any]) -> dict[str, Any]:
    job = copy.deepcopy(_DATA["templates"][case["base"]])
    for dotted, value in (case.get("set") or {}).items():
        _set(job, dotted, value)
    return job


def row_id(check: rows.Check) -> str:
    field = getattr(check, "field", None) or (check.path[-1] if isinstance(check, rows.Supported) else None)
    return type(check).__name__ + (f":{field}" if field else "")


@pytest.mark.parametrize("case", _CASES, ids=[f"{c['row']}:{c['from']}" for c in _CASES])
def test_the_server_answer(case: dict[str, Any]) -> None:
    assert [r.text for r in refusals(_job(case))] == case["expect"]


@pytest.mark.parametrize("check", rows.CHECKS, ids=row_id)
def test_every_row_refuses_once_and_accepts_once(check: rows.Check) -> None:
    mine = [c for c in _CASES if c["row"] == row_id(check)]
    assert any(c["expect"] for c in mine), "no case that the row refuses"
    assert any(not c["expect"] for c in mine), "no case that the row accepts"


def test_every_case_names_a_row() -> None:
    known = {row_id(c) for c in rows.CHECKS} | {"decode"}
    assert {c["row"] for c in _CASES} <= known


_RIGHT = {"int32": 3, "int64": 3, "bool": True, "string": "x", "map[string]string": {"k": "v"}}
_WRONG = {"int32": ("3", "string"), "int64": (True, "bool"), "bool": ("true", "string"), "string": (3, "number"),
          "map[string]string": ([], "array")}  # fmt: skip


def _with(value: Any, path: tuple[str, ...]) -> dict[str, Any]:
    job = copy.deepcopy(_DATA["templates"]["basic"])
    node: Any = job
    for step, following in itertools.pairwise(path):
        if step == "*":
            node = node[0]
            continue
        default: Any = [{}] if following == "*" else {}
        if not isinstance(node.get(step), type(default)) or (following == "*" and not node[step]):
            node[step] = default
        node = node[step]
    node[path[-1]] = value
    return job


@pytest.mark.parametrize("typed", rows.TYPED_FIELDS, ids=lambda t: ".".join(t.path))
def test_every_decode_row(typed: rows.Typed) -> None:
    wrong, kind = _WRONG.get(typed.go_type, ({"a": 1}, "object"))
    right = _RIGHT.get(typed.go_type, [])
    found = refusals(_with(wrong, typed.path))
    assert [(r.decode, r.text.split(" into ")[0]) for r in found] == [(True, f"json: cannot unmarshal {kind}")]
    assert f"Go struct field {typed.struct}." in found[0].text and found[0].text.endswith(f"of type {typed.go_type}")
    assert not any(r.decode for r in refusals(_with(right, typed.path)))
