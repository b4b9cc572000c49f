"""kube.table against the ground truth: the markdown tables of spec/job-immutability.md §2 (fields) and §3 (template
exceptions) are parsed and every row is held against the table's rows, both ways, so neither can drift alone."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from jobguard.kube import table
from jobguard.kube.table import Condition, ImmutableField, TemplateException
from jobguard.kube.version import KubeVersion

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "job-immutability.md"
needs_spec = pytest.mark.skipif(not SPEC.is_file(), reason=f"spec not found at {SPEC}")

# The phrase of a §3 "Mutable when" cell that names each condition.
_CONDITION_PHRASES = {
    "never started": Condition.NEVER_STARTED,
    "clears `status.startTime`": Condition.SUSPENDED_AFTER_RUN,
    "`status.active == 0`": Condition.SUSPENDED,
}


def _section_rows(title: str) -> list[list[str]]:
    """The cells of the first markdown table under the `## <title>` heading (header and rule skipped)."""
    text = SPEC.read_text(encoding="utf-8")
    body = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines[2:]]


def _since(cell: str) -> KubeVersion | None:
    """First minor on by default: "always" is None; alpha releases do not count ("alpha 1.35, beta 1.36")."""
    if cell.strip().lower().startswith("always"):
        return None
    for segment in cell.split(","):
        match = re.search(r"1\.(\d+)", segment)
        if match and "alpha" not in segment:
            return KubeVersion(int(match.group(1)))
    raise AssertionError(f"no version in {cell!r}")


def _code(cell: str) -> list[str]:
    """The `backticked` names of a cell, up to its first parenthesis (which only explains)."""
    return re.findall(r"`([^`]+)`", cell.split(" (", 1)[0])


# ---- §2 ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecField:
    path: str
    mutable: str
    conditions: str
    since: str


def spec_fields() -> list[SpecField]:
    return [SpecField(path, *rest) for cells in _section_rows("2. Field table") for path in _code(cells[0])
            for rest in [cells[1:4]]]  # fmt: skip


def _is_immutable(row: SpecField) -> bool:
    verdict = row.mutable.replace("*", "").strip()
    return verdict.startswith("no") and "identity" not in verdict and "immutability check" not in verdict


def field_mismatches(spec: list[SpecField], rows: tuple[ImmutableField, ...]) -> list[str]:
    """Every immutable §2 spec field is a row with its since (and relaxation), every other field is not."""
    by_field = {row.field: row for row in rows}
    problems: list[str] = []
    for field in spec:
        name = field.path.removeprefix("spec.")
        if not _is_immutable(field):
            if name in by_field:
                problems.append(f"{field.path} is mutable ({field.mutable}) but is an immutable row")
            continue
        row = by_field.get(name)
        if row is None:
            problems.append(f"{field.path} is immutable in the spec but has no row")
            continue
        label = re.match(r"(\w+):", field.since)
        since = None if label else _since(field.since)
        if row.since != since:
            problems.append(f"{field.path}: since {row.since} in the table, {since} in the spec")
        if label and (row.relaxed is None or row.relaxed.since != _since(field.since)):
            problems.append(f"{field.path}: {label.group(1)} since {_since(field.since)} is not the row's relaxation")
        for condition in re.findall(r"`([^`]+ == [^`]+)`", field.conditions):
            if row.relaxed is None or condition not in row.relaxed.condition:
                problems.append(f"{field.path}: relaxation condition {condition!r} not in the row")
    known = {field.path.removeprefix("spec.") for field in spec}
    problems += [f"spec.{name} is a row but not in the spec" for name in by_field if name not in known]
    return problems


def gate_mismatches(spec: list[SpecField], rows: tuple[table.GatedField, ...]) -> list[str]:
    """Every mutable §2 spec field with a version is a gated row with that version; those from "always" are not."""
    by_path = {row.path: row for row in rows}
    problems: list[str] = []
    for field in spec:
        if not field.path.startswith("spec.") or not field.mutable.replace("*", "").startswith("yes"):
            continue
        row, since = by_path.get((field.path.removeprefix("spec."),)), _since(field.since)
        if (row.since if row else None) != since:
            problems.append(f"{field.path}: gated since {row.since if row else None}, the spec says {since}")
    return problems


@needs_spec
def test_every_immutable_field_of_the_spec_is_a_row_with_its_version() -> None:
    spec = spec_fields()
    assert len([field for field in spec if _is_immutable(field)]) == len(table.IMMUTABLE_SPEC_FIELDS)
    assert field_mismatches(spec, table.IMMUTABLE_SPEC_FIELDS) == []


@needs_spec
def test_mutable_fields_are_gated_exactly_from_their_version() -> None:
    assert gate_mismatches(spec_fields(), table.GATED_FIELDS) == []


@needs_spec
def test_the_field_check_fails_on_a_dropped_or_altered_row() -> None:
    spec, rows = spec_fields(), table.IMMUTABLE_SPEC_FIELDS
    dropped = tuple(row for row in rows if row.field != "managedBy")
    altered = tuple(dataclasses.replace(row, since=KubeVersion(33)) if row.field == "managedBy" else row
                    for row in rows)  # fmt: skip
    mutable = (*rows, ImmutableField("backoffLimit", None, "nowhere"))
    assert field_mismatches(spec, dropped) == ["spec.managedBy is immutable in the spec but has no row"]
    assert field_mismatches(spec, altered) == ["spec.managedBy: since 1.33 in the table, 1.32 in the spec"]
    assert field_mismatches(spec, mutable) == ["spec.backoffLimit is mutable (**yes**) but is an immutable row"]
    no_elastic = tuple(dataclasses.replace(row, relaxed=None) for row in rows)
    assert any("elastic" in problem for problem in field_mismatches(spec, no_elastic))
    assert gate_mismatches(spec, table.GATED_FIELDS[1:]) != []


# ---- §3 ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecException:
    part: tuple[str, ...]
    condition: Condition
    since: KubeVersion
    gate: str


def _part(name: str) -> tuple[str, ...]:
    """`spec.template.spec.nodeSelector` -> ("spec", "nodeSelector"); `containers[*].resources` is pod spec."""
    inside = name.removeprefix("spec.template.") if name.startswith("spec.template.") else f"spec.{name}"
    return tuple(inside.replace("[*]", ".*").split("."))


def _condition(cell: str, previous: Condition | None) -> Condition:
    if cell == "same" and previous is not None:
        return previous
    found = [condition for phrase, condition in _CONDITION_PHRASES.items() if phrase in cell]
    assert len(found) == 1, f"no single condition in {cell!r}"
    return found[0]


def spec_exceptions() -> tuple[list[SpecException], list[str]]:
    """The §3 rows as exceptions, and the fields the "anything else ... never" row names."""
    exceptions: list[SpecException] = []
    never: list[str] = []
    previous: SpecException | None = None
    for part_cell, when, since_cell in _section_rows("3. Exceptions inside `spec.template`"):
        if when == "never":
            never = [item.strip() for item in part_cell.split("(", 1)[1].rstrip(")").split(",")]
            continue
        condition = _condition(when, previous.condition if previous else None)
        since = previous.since if since_cell == "same" and previous else _since(since_cell)
        gate = (re.findall(r"gate `(\w+)`", when) or [previous.gate if previous and when == "same" else ""])[0]
        if part_cell.startswith("same set as above"):
            parts = [e.part for e in exceptions if e.condition is Condition.NEVER_STARTED]
        else:
            parts = [_part(name) for name in _code(part_cell)]
        exceptions += [SpecException(part, condition, since, gate) for part in parts]
        previous = exceptions[-1]
    return exceptions, never


def exception_mismatches(spec: list[SpecException], rows: tuple[TemplateException, ...]) -> list[str]:
    """Every §3 exception is a row with the same condition and since (citing its gate), and nothing more."""
    problems: list[str] = []
    keyed = {(row.part, row.condition): row for row in rows}
    for exception in spec:
        row = keyed.get((exception.part, exception.condition))
        if row is None:
            problems.append(f"{'.'.join(exception.part)} ({exception.condition.name}) has no row")
        elif row.since != exception.since:
            problems.append(
                f"{'.'.join(exception.part)}: since {row.since} in the table, {exception.since} in the spec"
            )
        elif exception.gate not in row.source:
            problems.append(f"{'.'.join(exception.part)}: the row does not cite gate {exception.gate}")
    wanted = {(exception.part, exception.condition) for exception in spec}
    problems += [f"{'.'.join(part)} ({condition.name}) is not in the spec" for part, condition in keyed
                 if (part, condition) not in wanted]  # fmt: skip
    return problems


@needs_spec
def test_every_template_exception_of_the_spec_is_a_row_with_its_condition_and_version() -> None:
    spec, _ = spec_exceptions()
    assert len(spec) == len(table.TEMPLATE_EXCEPTIONS)
    assert exception_mismatches(spec, table.TEMPLATE_EXCEPTIONS) == []


@needs_spec
def test_fields_the_spec_never_lets_change_are_in_no_exception() -> None:
    _, never = spec_exceptions()
    names = [item for item in never if re.fullmatch(r"[A-Za-z]+", item)]
    assert "image" in names and "serviceAccountName" in names
    covered = {step for row in table.TEMPLATE_EXCEPTIONS for step in row.part}
    assert not covered & set(names)


@needs_spec
def test_the_exception_check_fails_on_a_dropped_or_altered_row() -> None:
    spec, _ = spec_exceptions()
    rows = table.TEMPLATE_EXCEPTIONS
    tolerations = ("spec", "tolerations")
    dropped = tuple(row for row in rows if row.part != tolerations or row.condition is not Condition.NEVER_STARTED)
    altered = tuple(dataclasses.replace(row, since=KubeVersion(24)) if row.part == tolerations else row for row in rows)
    assert exception_mismatches(spec, dropped) == ["spec.tolerations (NEVER_STARTED) has no row"]
    assert exception_mismatches(spec, altered) == [
        "spec.tolerations: since 1.24 in the table, 1.23 in the spec",
        "spec.tolerations: since 1.24 in the table, 1.36 in the spec",
    ]


def test_suspend_read_as_never_started_covers_the_suspended_after_run_rows() -> None:
    """kube.suspended applies NEVER_STARTED for `suspend: true` and skips SUSPENDED_AFTER_RUN: sound only while
    each of those rows has a NEVER_STARTED row for the same part that is on no later."""
    never_started = {
        row.part: row.since for row in table.TEMPLATE_EXCEPTIONS if row.condition is Condition.NEVER_STARTED
    }
    after_run = [row for row in table.TEMPLATE_EXCEPTIONS if row.condition is Condition.SUSPENDED_AFTER_RUN]
    assert after_run
    assert all(row.part in never_started and never_started[row.part] <= row.since for row in after_run)


def test_defaults_never_add_or_remove_a_field_a_path_steps_through() -> None:
    """kube.defaults walks each path once per Job; that is only right while no row changes what a path reaches."""
    steps: set[str] = set()
    for at in [row.at for row in table.DEFAULTS] + [alias.at for alias in table.ALIASES]:
        for step in at:
            steps.update((step,) if isinstance(step, str) else step if isinstance(step, tuple) else (step.field,))
    written = {row.field for row in table.DEFAULTS} | {name for a in table.ALIASES for name in (a.old, a.new)}
    assert not written & steps
