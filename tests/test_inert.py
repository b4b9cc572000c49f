"""A pull request's author controls every value jobguard quotes; none of it may speak in jobguard's voice."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from jobguard.comments import fence
from jobguard.findings import Finding, Location, Severity
from jobguard.formats import as_text, as_workflow_commands
from jobguard.inert import code_span, visible
from tests.fakes.github import FakeGitHub, fake_github, github_contract
from tests.test_github_platform import NUMBER, open_pr
from tests.test_github_review import BASE, BILLING, HEAD, Scenario, fake

__all__ = ["fake", "fake_github", "github_contract"]

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


def test_a_hostile_job_name_stays_inert_through_review(fake: FakeGitHub, tmp_path: Path) -> None:
    name = "billing-db-migrate"
    hostile = {**HEAD, BILLING: HEAD[BILLING].replace(f"name: {name}", f'name: "{HOSTILE}"', 1)}
    base = {**BASE, BILLING: BASE[BILLING].replace(f"name: {name}", f'name: "{HOSTILE}"', 1)}
    pr = Scenario.__new__(Scenario)
    pr.fake, pr.local, pr.platform = fake, True, None
    pr.pr = open_pr(fake, tmp_path, base, hostile, local=True)
    outcome = pr.run()
    assert any("@octocat" in f.message for f in outcome.findings)
    bodies = [c.body for c in fake.comments_of(NUMBER)] + [c.body for c in fake.issue_comments.values()]
    assert bodies
    for body in bodies:
        assert "rm -rf\n" not in body
        blocks = re.sub(r"^(`{3,})[^\n]*\n.*?^\1$", "", body, flags=re.M | re.S)  # jobguard's own fences
        prose = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", blocks)  # what is left outside code spans
        assert "@octocat" not in prose and "<img" not in prose and "rm -rf" not in prose
        suggestions = re.findall(r"^(`{3,})suggestion\n(.*?)^\1$", body, flags=re.M | re.S)
        assert all("rm -rf" not in text and "@octocat" not in text for _, text in suggestions)
    stdout = pr.pr.stdout.getvalue()
    own = re.compile(r"^::(error|warning|notice) file=")
    assert [line for line in stdout.splitlines() if line.startswith("::") and not own.match(line)] == []


@given(st.text(alphabet=st.sampled_from("`a\n~ ")))
def test_a_value_cannot_close_a_fence_jobguard_writes(text: str) -> None:
    block = fence(text, "suggestion")
    ticks = block.split("suggestion", 1)[0]
    inner = block[len(ticks) + len("suggestion\n") : -len(ticks)]
    assert block.endswith("\n" + ticks) and not any(line.startswith(ticks) for line in inner.splitlines())
