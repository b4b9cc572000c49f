"""jobguard.fixes.apply: the one policy for applying several verified fixes together."""

from __future__ import annotations

from jobguard.findings import Finding, Fix, Location, Severity, TextEdit
from jobguard.fixes.apply import AppliedFixes, apply_all

TEXT = "a\nb\nc\nd\n"


def fix(strategy: str, start: int, end: int, new: str) -> Fix:
    return Fix(strategy, f"{strategy} title", "tradeoff", TextEdit(start, end, new), diff="")


def finding(line: int, *fixes: Fix, path: str = "job.yaml") -> Finding:
    return Finding("rule", Severity.ERROR, Location(path, line, line), None, (), "m", f"fp{line}", fixes=fixes)


def test_preferred_fixes_go_in_back_to_front_and_a_shared_edit_counts_once() -> None:
    one, four = fix("s", 1, 1, "A\n"), fix("s", 4, 4, "D\nE\n")
    findings = [finding(1, one), finding(4, four), finding(4, four)]
    got = apply_all(findings, lambda path: TEXT.encode("utf-8"))
    assert got.texts == {"job.yaml": "A\nb\nc\nD\nE\n"}
    assert [f for f, _ in got.fixed] == findings and got.refusal is None


def test_an_overlapping_edit_waits_for_the_next_run() -> None:
    findings = [finding(2, fix("s", 1, 2, "X\n")), finding(3, fix("s", 2, 3, "Y\n"))]
    assert apply_all(findings, lambda path: TEXT.encode("utf-8")).texts == {"job.yaml": "a\nY\nd\n"}


def test_a_strategy_that_does_not_fit_every_fixable_finding_applies_nothing() -> None:
    reads: list[str] = []

    def read_head(path: str) -> bytes:
        reads.append(path)
        return TEXT.encode("utf-8")

    findings = [finding(1, fix("a", 1, 1, "A\n"), fix("b", 1, 1, "B\n")), finding(4, fix("a", 4, 4, "D\n"))]
    got = apply_all(findings, read_head, "b")
    assert got == AppliedFixes(refusal=got.refusal) and reads == []
    assert got.refusal == (
        "--strategy b applies to 1 of 2 fixable findings, so nothing was changed: job.yaml:4 rule takes a"
    )
    assert apply_all(findings, read_head, "a").texts == {"job.yaml": "A\nb\nc\nD\n"}


def test_files_that_are_missing_or_unchanged_are_left_out() -> None:
    same = finding(1, fix("s", 1, 1, "a\n"))
    gone = finding(1, fix("s", 1, 1, "x\n"), path="gone.yaml")
    got = apply_all([same, gone, finding(9)], lambda path: TEXT.encode("utf-8") if path == "job.yaml" else None)
    assert got == AppliedFixes()
