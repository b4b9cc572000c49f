"""What the API server adds to a Job: the default rows of `table` applied in order, and the selector and
template labels it generates at creation (spec job-immutability.md §4).

Both manifests are normalised with these before they are compared, so writing or removing an explicit default
is not a change. Rows are applied in table order, each one to every object its path selects, with setdefault
semantics: a row never overwrites a field the manifest (or an earlier row) set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jobguard.kube.table import (
    ALIASES,
    DEFAULTS,
    GENERATED_SELECTOR,
    GENERATED_TEMPLATE_LABELS,
    Alias,
    CopyOf,
    Default,
    Generated,
    GeneratedLabel,
    IsSet,
    OnlyKeys,
    PullPolicyOf,
    Step,
    Unset,
    Where,
)
from jobguard.kube.values import MISSING, child_map
from jobguard.kube.version import KubeVersion

__all__ = ["UID", "add_generated", "default_job", "generated_labels", "pull_policy"]

UID = "<uid>"  # the uid is not known before creation; both sides carry the same placeholder

_DOMAIN_RE = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?)"
_COMPONENT_RE = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_RE = re.compile(
    rf"(?:{_DOMAIN_RE}/)?{_COMPONENT_RE}(?:/{_COMPONENT_RE})*(?::(?P<tag>[\w][\w.-]{{0,127}}))?"
    r"(?P<digest>@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)


def pull_policy(image: Any) -> str:
    """§4: `Always` for tag `latest` or no tag and no digest, else `IfNotPresent` (also for references
    the server cannot parse, e.g. templated ones: parseImageName fails and yields no tag)."""
    if not isinstance(image, str):
        return "IfNotPresent"
    match = _IMAGE_RE.fullmatch(image)
    if match is None:
        return "IfNotPresent"
    tag = match.group("tag") or ("" if match.group("digest") else "latest")
    return "Always" if tag == "latest" else "IfNotPresent"


def _plan(paths: list[tuple[Step, ...]]) -> tuple[list[tuple[int, Step]], list[int]]:
    """Every distinct path prefix once, parents first, as (parent index, step); and each path's index."""
    index: dict[tuple[Step, ...], int] = {(): 0}
    prefixes: list[tuple[int, Step]] = [(0, "")]
    for path in paths:
        for end in range(1, len(path) + 1):
            if path[:end] not in index:
                index[path[:end]] = len(prefixes)
                prefixes.append((index[path[: end - 1]], path[end - 1]))
    return prefixes, [index[path] for path in paths]


_PREFIXES, _ENDS = _plan([row.at for row in DEFAULTS] + [alias.at for alias in ALIASES])
_DEFAULT_ENDS, _ALIAS_ENDS = _ENDS[: len(DEFAULTS)], _ENDS[len(DEFAULTS) :]


def default_job(job: dict[Any, Any]) -> dict[Any, Any]:
    """SetDefaults_Job plus the pod template defaults, in place on a cleaned copy (§4)."""
    reached = _reach(job)
    for row, end in zip(DEFAULTS, _DEFAULT_ENDS, strict=True):
        for node in reached[end]:
            if isinstance(node, dict):
                _set_default(node, row)
    for alias, end in zip(ALIASES, _ALIAS_ENDS, strict=True):
        for node in reached[end]:
            if isinstance(node, dict):
                _fold(node, alias)
    return job


def _reach(root: Any) -> list[list[Any]]:
    """What each path prefix reaches, every prefix walked once per Job. Defaults only add or remove fields no
    path steps through (tests/test_kube_table.py checks it), so what a path reaches never changes meanwhile."""
    nodes: list[list[Any]] = [[root]]
    for parent, step in _PREFIXES[1:]:
        found = nodes[parent]
        nodes.append([child for node in found for child in _step(node, step)] if found else found)
    return nodes


def _step(node: Any, step: Step) -> list[Any]:
    """One step of a path: "*" into the maps of a list, a filter, or into the children named by a key tuple."""
    if step == "*":
        return [item for item in node if isinstance(item, dict)] if isinstance(node, list) else []
    if not isinstance(node, dict):
        return []
    if isinstance(step, Where):
        value = node.get(step.field, MISSING)
        return [node] if type(value) is type(step.value) and value == step.value else []
    return [node[key] for key in ((step,) if isinstance(step, str) else step) if key in node]


def _holds(node: dict[Any, Any], when: Unset | IsSet | OnlyKeys | None) -> bool:
    if isinstance(when, Unset):
        return when.field not in node
    if isinstance(when, IsSet):
        return when.field in node
    if isinstance(when, OnlyKeys):
        return all(key in when.fields for key in node)
    return True


def _set_default(node: dict[Any, Any], row: Default) -> None:
    if row.field in node or not _holds(node, row.when):
        return
    value = row.value
    if isinstance(value, CopyOf):
        value = node.get(value.field, MISSING)
    elif isinstance(value, PullPolicyOf):
        value = pull_policy(node.get(value.field))
    elif isinstance(value, Mapping):
        value = dict(value)  # a fresh map per object
    if value is not MISSING:
        node[row.field] = value


def _fold(node: dict[Any, Any], alias: Alias) -> None:
    """Only the successor reaches the internal object; a non-string alias does not survive conversion."""
    value = node.pop(alias.old, MISSING)
    if alias.new not in node and isinstance(value, str):
        node[alias.new] = value


def _applies(row: GeneratedLabel, version: KubeVersion) -> bool:
    return row.since is None or version >= row.since


def _resolve(value: Generated, name: str) -> str:
    return UID if value is Generated.UID else name


def generated_labels(name: str, version: KubeVersion) -> dict[str, str]:
    """Template labels PrepareForCreate adds without manualSelector (§4.1); uid is a placeholder."""
    return {row.key: _resolve(row.value, name) for row in GENERATED_TEMPLATE_LABELS if _applies(row, version)}


def _selector_label(version: KubeVersion) -> GeneratedLabel:
    return [row for row in GENERATED_SELECTOR if _applies(row, version)][-1]


def add_generated(job: dict[Any, Any], name: str, version: KubeVersion) -> dict[Any, Any]:
    """generateSelector: add the uid selector and the job-name/controller-uid template labels if absent."""
    labels = generated_labels(name, version)
    spec = child_map(job, "spec")
    if spec is None:
        return job
    template = spec.setdefault("template", {})
    if not isinstance(template, dict):
        return job
    template_meta = template.setdefault("metadata", {})
    if isinstance(template_meta, dict):
        present = template_meta.setdefault("labels", {})
        if isinstance(present, dict):
            for key, value in labels.items():
                present.setdefault(key, value)
    selector = spec.setdefault("selector", {})
    if isinstance(selector, dict):
        match_labels = selector.setdefault("matchLabels", {})
        if isinstance(match_labels, dict):
            row = _selector_label(version)
            match_labels.setdefault(row.key, _resolve(row.value, name))
    return job
