"""The explicit registry `RULES`: one module per rule, listed here once.

A rule module's docstring is its user documentation (with a failing and a fixed example) and its `check()` is a
pure function of one `JobChange`. Its `TOOLS` say which GitOps tools it applies to: the engine runs `check()` only
for Jobs one of them deploys, so no rule repeats that guard. `jobguard rules` and the README's rule table are
generated from `RULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from jobguard.rules import (
    ignore_unused,
    ignore_without_reason,
    job_generate_name_without_hook,
    job_hook_not_recreated,
    job_hook_unknown_phase,
    job_immutable_field,
    job_invalid,
    job_replace_without_force,
    job_ttl_after_finished,
    manifest_invalid,
    render_failed,
    render_skipped,
)
from jobguard.rules.base import EVERY_TOOL, Hit, Rule, RuleContext

__all__ = ["RULES", "RULES_BY_ID", "Hit", "Rule", "RuleContext"]


def _rule(module: ModuleType) -> Rule:
    """A rule module's constants: ID, SEVERITY, SUMMARY, TOOLS (the GitOps tools it applies to) and `check`."""
    tools = frozenset(module.TOOLS)
    if not tools or not tools <= EVERY_TOOL:
        raise ValueError(f"{module.__name__}.TOOLS: expected some of {sorted(EVERY_TOOL)}, got {sorted(tools)}")
    return Rule(module.ID, module.SEVERITY, module.SUMMARY, getattr(module, "check", None), module, tools)


RULES: tuple[Rule, ...] = tuple(
    _rule(m)
    for m in (
        job_immutable_field,
        job_invalid,
        job_hook_unknown_phase,
        job_hook_not_recreated,
        job_generate_name_without_hook,
        job_replace_without_force,
        job_ttl_after_finished,
        manifest_invalid,
        render_failed,
        render_skipped,
        ignore_without_reason,
        ignore_unused,
    )
)
RULES_BY_ID: Mapping[str, Rule] = {r.id: r for r in RULES}
