"""Which immutable fields of an existing batch/v1 Job an update changes, decided as kube-apiserver would.

The API server never compares YAML: it compares the stored Job with the object the request produces, both
fully defaulted (spec job-immutability.md §1). So the manifests are rebuilt into both objects:

* live = defaulted(base) plus the selector and template labels the server generated at creation (§4);
* new  = for ``apply`` (kubectl client-side three-way strategic merge, the Argo CD default): head merged onto
  live, fields removed from head deleted, merge-keyed lists merged element-wise, then defaulted again (§1.2);
  for ``replace`` (PUT): head alone, defaulted, nothing generated (§1.3, §6);

then compared row by row with `table` (§2 fields, §3 suspended-Job exceptions, version gates of the selected
Kubernetes minor). Quantities compare by value; null, empty and absent are equal (§1.4).

Pure functions over plain decoded YAML values; never raises on odd input.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobguard.kube import version as versions
from jobguard.kube.compare import CHECKS, Compare, Inputs, Semantics, check_equal, check_replacement_policy
from jobguard.kube.defaults import add_generated, default_job
from jobguard.kube.merge import merge3
from jobguard.kube.report import FieldChange, Reporter
from jobguard.kube.table import GATED_FIELDS, IMMUTABLE_SPEC_FIELDS
from jobguard.kube.values import MISSING, child_map, clean, same
from jobguard.kube.version import KubeVersion

__all__ = ["FieldChange", "Semantics", "Verdict", "immutable_changes"]

_IMMUTABLE = frozenset(row.field for row in IMMUTABLE_SPEC_FIELDS)
# (path below the Job spec, since): spec fields first, in gate order, then those deeper in the template.
_GATES: tuple[tuple[tuple[str, ...], KubeVersion], ...] = tuple(
    sorted(
        [((row.field,), row.since) for row in IMMUTABLE_SPEC_FIELDS if row.since is not None]
        + [(row.path, row.since) for row in GATED_FIELDS],
        key=lambda gate: (len(gate[0]) > 1, gate[1]),
    )
)


@dataclass(frozen=True)
class Verdict:
    """`changes` empty means the API server accepts the update; `notes` are caveats for the user."""

    changes: tuple[FieldChange, ...]
    notes: tuple[str, ...]


def immutable_changes(
    base: Mapping[str, Any],
    head: Mapping[str, Any],
    *,
    version: KubeVersion = versions.DEFAULT,
    semantics: Semantics = "apply",
) -> Verdict:
    """Immutable fields of an existing Job that updating `base` (live) to `head` changes (§7)."""
    head_raw: Mapping[Any, Any] = head if isinstance(head, Mapping) else {}
    try:
        cleaned_base = clean(dict(base) if isinstance(base, Mapping) else {})
        return _decide(Inputs.of(cleaned_base, head_raw, version, semantics))
    except Exception as error:  # never raise on odd input; say so instead of pretending it is fine
        return _fallback(error)


def _fallback(error: Exception) -> Verdict:
    """An internal error is never "no change": the manifests may look identical and still fail (Replace)."""
    note = f"jobguard could not compare these manifests ({type(error).__name__}); review the change by hand"
    return Verdict((FieldChange(("spec",), "could not be compared; treat as changed"),), (note,))


def _live(inputs: Inputs) -> dict[Any, Any]:
    """The stored object: base as created, with what the server generated, defaulted."""
    live = copy.deepcopy(inputs.base)
    if inputs.generated_selector:
        live = add_generated(live, inputs.name, inputs.version)
    return default_job(live)


def _decide(inputs: Inputs) -> Verdict:
    notes = list[str]()
    live = _live(inputs)
    if inputs.semantics == "replace":
        new = default_job(copy.deepcopy(inputs.head))
    else:
        new = default_job(copy.deepcopy(merge3(inputs.base, inputs.head, live, None)))
        # `live` was shared into the merge result; the deep copy above keeps the two apart.
    _drop_gated(live, new, inputs.version, notes)
    check = Compare(
        inputs, child_map(live, "spec") or {}, child_map(new, "spec") or {}, Reporter(inputs.head_raw), notes
    )
    for row in IMMUTABLE_SPEC_FIELDS:
        CHECKS.get(row.field, check_equal)(check, row)
    check_replacement_policy(check)
    changes = check.reporter.changes()
    if inputs.semantics == "replace" and inputs.generated_selector and changes:
        notes.append(
            "replace (PUT) sends the manifest alone: the selector and template labels the API server "
            "generated are not re-added, so only deleting and recreating the Job (Replace=true with "
            "Force=true) helps"
        )
    return Verdict(changes, tuple(dict.fromkeys(notes)))


def _pop(job: dict[Any, Any], path: tuple[str, ...]) -> Any:
    parent = child_map(job, "spec")
    for key in path[:-1]:
        parent = child_map(parent, key)
    return parent.pop(path[-1], MISSING) if parent is not None else MISSING


def _drop_gated(live: dict[Any, Any], new: dict[Any, Any], version: KubeVersion, notes: list[str]) -> None:
    """Drop fields whose feature is off in `version` from both objects, noting changes that stop mattering."""
    for path, since in _GATES:
        if version >= since:
            continue
        before, after = _pop(live, path), _pop(new, path)
        if path[0] in _IMMUTABLE and not same(before, after):  # changes of mutable fields never matter
            where = " on this version" if len(path) == 1 else ""
            notes.append(
                f"spec.{'.'.join(path)} is not enabled by default in Kubernetes {version} (since {since}): the API "
                f"server drops it, so changing it is not rejected{where}"
            )
