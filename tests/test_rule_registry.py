"""The typed rule registry: each rule module declares the GitOps tools it applies to; the engine holds the guard."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jobguard import check as engine
from jobguard.controllers.tool import GitOpsTool
from jobguard.rules import RULES, RULES_BY_ID
from jobguard.rules import _rule as registered
from tests.rule_cases import run_texts
from tests.test_cli import BASE_JOB, HEAD_JOB


def test_each_rule_declares_the_gitops_tools_it_applies_to() -> None:
    argo, helm = GitOpsTool.ARGOCD, GitOpsTool.FLUX_HELM
    every = {argo, GitOpsTool.FLUX, helm}
    assert {rule.id: set(rule.tools) for rule in RULES} == {
        "job-immutable-field": every,
        "job-invalid": every,
        "job-hook-unknown-phase": {argo},
        "job-hook-not-recreated": {argo, helm},
        "job-generate-name-without-hook": {argo},
        "job-replace-without-force": {argo},
        "job-ttl-after-finished": every,
        "manifest-invalid": every,
        "render-failed": every,
        "render-skipped": every,
        "ignore-without-reason": every,
        "ignore-unused": every,
    }


def test_the_engine_runs_a_rule_only_for_the_tools_it_declares(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tool guard lives once in the engine: a rule declared for Flux alone never sees an Argo CD Job."""
    assert [f.rule for f in run_texts(BASE_JOB, HEAD_JOB, engine.CheckOptions()).findings] == ["job-immutable-field"]
    flux_only = tuple(
        replace(r, tools=frozenset({GitOpsTool.FLUX})) if r.id == "job-immutable-field" else r for r in RULES
    )
    monkeypatch.setattr(engine, "RULES", flux_only)
    assert run_texts(BASE_JOB, HEAD_JOB, engine.CheckOptions()).findings == ()


def test_a_rule_module_without_a_valid_tools_declaration_is_refused() -> None:
    module = RULES_BY_ID["job-immutable-field"].module
    with pytest.raises(ValueError, match="TOOLS"):
        registered(_Fake(module, frozenset()))
    with pytest.raises(ValueError, match="TOOLS"):
        registered(_Fake(module, frozenset({GitOpsTool.AUTO})))


class _Fake:
    """A rule module with another TOOLS."""

    def __init__(self, module: object, tools: frozenset[GitOpsTool]) -> None:
        self._module, self.TOOLS = module, tools

    def __getattr__(self, name: str) -> object:
        return getattr(self._module, name)
