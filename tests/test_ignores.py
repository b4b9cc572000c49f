"""jobguard.ignores: inline ignore comments and annotations (cases in fixtures/config/ignores.yaml), with the engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobguard import check as engine
from jobguard import ignores
from jobguard.findings import Finding, Location, Severity, fingerprint
from jobguard.jobs import job_doc
from jobguard.manifests import Manifest, load
from jobguard.rules import RULES_BY_ID
from tests.rule_cases import run_texts
from tests.samples import SMALL_JOB

CASES = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "fixtures" / "config" / "ignores.yaml").read_text(encoding="utf-8")
)["cases"]
PATH = "job.yaml"


def defaults(rule: str, path: str) -> Severity | None:
    """The registry's severities: what the engine passes when the configuration sets none."""
    return RULES_BY_ID[rule].severity


def _manifests(text: str) -> tuple[Manifest, ...]:
    loaded = load(PATH, text.encode("utf-8"))
    assert loaded.problems == ()
    return loaded.manifests


def _findings(raw: Sequence[dict[str, Any]], manifests: Sequence[Manifest]) -> list[Finding]:
    refs = {}
    for manifest in manifests:
        ref = job_doc(manifest).ref
        refs[ref.name or ref.generate_name] = ref
    return [
        Finding(
            rule=f["rule"],
            severity=Severity.ERROR,
            location=Location(PATH, f["line"], f["line"]),
            object=refs[f["job"]] if "job" in f else None,
            fields=(),
            message=f"{f['rule']} finding",
            fingerprint=fingerprint(f["rule"], str(i)),
        )
        for i, f in enumerate(raw)
    ]


def _apply(case: dict[str, Any]) -> tuple[Finding, ...]:
    text = case["head"].replace("\n", "\r\n") if case.get("crlf") else case["head"]
    manifests = _manifests(text)
    return ignores.apply(_findings(case["findings"], manifests), {PATH: text}, {PATH: manifests}, defaults, RULES_BY_ID)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_ignore_case(case: dict[str, Any]) -> None:
    got = [
        {"rule": f.rule, "line": f.location.line, "severity": f.severity.value, "message": f.message}
        for f in _apply(case)
    ]
    assert got == case["expect"]


def test_new_findings_are_well_formed() -> None:
    case = next(c for c in CASES if c["name"] == "unknown rule ids, with and without a close match")
    found = [f for f in _apply(case) if f.rule == ignores.IGNORE_UNUSED]
    assert len(found) == 2
    for finding in found:
        assert finding.object is not None and finding.object.name == "migrate"
        assert finding.location == Location(PATH, 4, 4)
        assert finding.fields == () and finding.fixes == () and finding.intents == ()
    assert len({f.fingerprint for f in found}) == 2


def test_fingerprints_ignore_line_numbers_and_stay_distinct() -> None:
    head = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 1  # jobguard: ignore[job-immutable-field] x
  parallelism: 1  # jobguard: ignore[job-immutable-field] x
"""
    first = _apply({"head": head, "findings": []})
    moved = _apply({"head": head.replace("spec:\n", "spec:\n  completions: 1\n"), "findings": []})
    assert [f.location.line for f in first] == [6, 7]
    assert [f.location.line for f in moved] == [7, 8]
    assert [f.fingerprint for f in first] == [f.fingerprint for f in moved]
    assert len({f.fingerprint for f in first}) == 2


def test_rule_defaults_of_the_new_rules() -> None:
    """The two rules this module reports are registered, with their defaults on the rules."""
    assert RULES_BY_ID[ignores.IGNORE_WITHOUT_REASON].severity == Severity.WARNING
    assert RULES_BY_ID[ignores.IGNORE_UNUSED].severity == Severity.INFO


def test_configured_severities_apply_to_the_new_findings() -> None:
    """A switched-off ignore rule reports nothing, yet an ignore naming it still counts as used."""
    levels = {ignores.IGNORE_WITHOUT_REASON: None, ignores.IGNORE_UNUSED: Severity.ERROR}

    def apply(comment: str) -> tuple[Finding, ...]:
        head = SMALL_JOB.replace("name: migrate", f"name: migrate  # jobguard: {comment}")
        manifests = _manifests(head)
        found = _findings([{"rule": "job-immutable-field", "line": 12, "job": "migrate"}], manifests)
        return ignores.apply(found, {PATH: head}, {PATH: manifests}, lambda rule, path: levels[rule], RULES_BY_ID)

    assert apply("ignore[job-immutable-field, ignore-without-reason]") == ()
    assert apply("ignore[job-immutable-field]") == ()  # without the setting: an ignore-without-reason warning
    (unused,) = apply("ignore[job-immutable-field, job-ttl-after-finished] legacy")
    assert (unused.rule, unused.severity) == (ignores.IGNORE_UNUSED, Severity.ERROR)


@pytest.mark.parametrize(
    ("text", "first_line", "expected"),
    [
        ("# a\n\n# b\nkind: Job\n", 4, [3, 2, 1]),
        ("x: 1\n---  # c\n# d\nkind: Job\n", 4, [3, 2]),
        ("x: 1\n# d\nkind: Job\n", 3, [2]),
        ("kind: Job\n", 1, []),
    ],
)
def test_top_lines(text: str, first_line: int, expected: list[int]) -> None:
    assert ignores.top_lines(text.splitlines(keepends=True), first_line) == expected


def test_files_without_manifests_change_nothing() -> None:
    finding = _findings([{"rule": "manifest-invalid", "line": 3}], ())
    assert ignores.apply(finding, {"other.yaml": "# jobguard: ignore[x]\n"}, {}, defaults, RULES_BY_ID) == tuple(
        finding
    )


def test_directives_of_one_job() -> None:
    head = """\
# jobguard: ignore[job-ttl-after-finished] cleaned up by the CronJob
apiVersion: batch/v1
kind: Job
metadata:  # jobguard: ignore[job-immutable-field,job-immutable-field]  because
  name: report
  annotations: {jobguard.io/ignore: job-hook-not-recreated}
"""
    (manifest,) = _manifests(head)
    assert ignores.directives(manifest, head) == (
        ignores.Directive(PATH, 1, ("job-ttl-after-finished",), "cleaned up by the CronJob", "comment"),
        ignores.Directive(PATH, 4, ("job-immutable-field",), "because", "comment"),
        ignores.Directive(PATH, 6, ("job-hook-not-recreated",), "", "annotation"),
    )


BASE = SMALL_JOB


def _engine(head: str) -> tuple[Finding, ...]:
    return run_texts(BASE, head, engine.CheckOptions(), PATH).findings


def test_with_the_engine() -> None:
    """The engine applies inline ignores to the findings of the Jobs it reviewed."""
    changed = BASE.replace("busybox:1.35", "busybox:1.36")
    assert [f.rule for f in _engine(changed)] == ["job-immutable-field"]
    silenced = changed.replace("name: migrate", "name: migrate  # jobguard: ignore[job-immutable-field] one-off")
    assert _engine(silenced) == ()
    reasonless = changed.replace("metadata:", "metadata:  # jobguard: ignore[job-immutable-field]")
    assert [(f.rule, f.location.line) for f in _engine(reasonless)] == [("ignore-without-reason", 3)]


@pytest.mark.parametrize("breaks", ["\r", "\x85", "\u2028"], ids=["CR", "NEL", "LS"])
def test_ignores_in_a_file_with_a_lone_line_break_count_lines_as_git_does(breaks: str) -> None:
    """A lone CR (NEL, LS) above the Job breaks a line for YAML only: the directive's line and the Job's `name:` line
    are both counted at LF, as findings, fixes and the platforms count them (issue 14)."""
    changed = BASE.replace("busybox:1.35", "busybox:1.36")
    head = f"# notes{breaks}# more\n" + changed.replace(
        "name: migrate", "name: migrate  # jobguard: ignore[job-immutable-field] planned recreate"
    )
    assert _engine(head) == ()
    reasonless = f"# notes{breaks}# more\n" + changed.replace(
        "metadata:", "metadata:  # jobguard: ignore[job-immutable-field]"
    )
    assert [(f.rule, f.location.line) for f in _engine(reasonless)] == [("ignore-without-reason", 4)]
