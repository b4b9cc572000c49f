"""A pull request's author controls every value jobguard quotes; none of it may speak in jobguard's voice."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from jobguard.comments import fence
from jobguard.findings import Finding, Location, Severity
from jobguard.formats import as_text, as_workflow_commands
from jobguard.inert import code_span, visible

# A name that tries every trick at once; tests/test_hostile_pr.py reviews it end to end on both platforms.
HOSTILE = "billing\\n```suggestion\\nrm -rf\\n```\\n@octocat <img src=x>\\n::stop-commands::x"


@given(st.text())
def test_a_code_span_is_one_line_and_its_fence_outlasts_every_backtick_run(value: str) -> None:
    span = code_span(value)
    assert "\n" not in span and "\r" not in span
    fence = re.match(r"`+", span)
    assert fence is not None and span.endswith(fence.group())
    inside = span[len(fence.group()) : len(span) - len(fence.group())]
    assert all(len(run) < len(fence.group()) for run in re.findall(r"`+", inside))
    assert not inside.startswith("`") and not inside.endswith("`")


def test_ordinary_values_render_as_before() -> None:
    assert code_span("billing-db-migrate") == "`billing-db-migrate`"
    assert visible("apps/billing/migrate-job.yaml") == "apps/billing/migrate-job.yaml"
    assert code_span("a`b") == "``a`b``" and code_span("x" * 500).endswith("…`")


def test_text_and_workflow_commands_cannot_start_a_command() -> None:
    finding = Finding(
        rule="job-invalid",
        severity=Severity.ERROR,
        message=f"Job {code_span('a')} bad\n::stop-commands::x",
        location=Location(path="x.yaml\n::error::pwned,%0A", line=1, end_line=1),
        object=None,
        fields=(),
        fingerprint="0123456789abcdef",
    )
    for out in (as_text([finding]), as_workflow_commands([finding])):
        assert not [line for line in out.splitlines() if line.startswith("::") and "jobguard" not in line]


@given(st.text(alphabet=st.sampled_from("`a\n~ ")))
def test_a_value_cannot_close_a_fence_jobguard_writes(text: str) -> None:
    block = fence(text, "suggestion")
    ticks = block.split("suggestion", 1)[0]
    inner = block[len(ticks) + len("suggestion\n") : -len(ticks)]
    assert block.endswith("\n" + ticks) and not any(line.startswith(ticks) for line in inner.splitlines())
