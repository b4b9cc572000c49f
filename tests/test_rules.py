"""Every rule case in fixtures/rules/ (spec tables and real corpus situations), positive and negative."""

from __future__ import annotations

import pytest

from jobguard.rules import RULES_BY_ID
from tests.rule_cases import Case, load_cases, run_case

CASES = list(load_cases())
RENDERED_ONLY = {"render-failed", "render-skipped"}
"""Rules about rendering a root, which a plain base/head case cannot reach: tests/test_render_*.py cover both ways."""


def test_every_rule_has_positive_and_negative_cases() -> None:
    for rule_id in RULES_BY_ID.keys() - RENDERED_ONLY:
        mine = [c for c in CASES if c.rule == rule_id]
        assert any(c.expect for c in mine), f"{rule_id}: no case expects a finding"
        assert any(not c.expect for c in mine), f"{rule_id}: no case expects silence"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case: Case) -> None:
    result = run_case(case)
    got = [f for f in result.findings if f.rule == case.rule]
    assert len(got) == len(case.expect), [f"{f.location.line}: {f.message}" for f in got]
    for finding, expected in zip(got, case.expect, strict=True):
        if "line" in expected:
            assert finding.location.line == expected["line"], finding.message
        if "fields" in expected:
            assert list(finding.fields) == expected["fields"], finding.message
        if "severity" in expected:
            assert finding.severity.value == expected["severity"]
        for text in expected.get("message", []):
            assert text in finding.message, finding.message
        if "strategies" in expected:
            assert [i.strategy for i in finding.intents] == expected["strategies"]
