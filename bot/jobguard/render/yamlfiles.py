"""The files that declare roots, read as plain values behind the same guards as every manifest.

A pull request writes these files: an alias bomb, a file nested ten thousand levels deep, a binary blob or a huge
file must make a file unreadable here, never stall or crash the review. An unreadable file is skipped (None or no
documents): the engine reports broken YAML on its own, with a line.
"""

from __future__ import annotations

from typing import Any

import yaml

from jobguard import config_yaml, manifest_guards
from jobguard.render.model import Snapshot
from jobguard.render.tree import Tree

try:  # libyaml is in every PyYAML wheel, and it refuses nesting deeper than 1,000 levels by itself
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def text_of(data: bytes | None) -> str | None:
    """The file as text, or None when the guards refuse it (too big, binary, not UTF-8)."""
    if data is None or manifest_guards.refusal(data) is not None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def one(snapshot: Snapshot, path: str) -> dict[str, Any] | None:
    """A one-document YAML file that must be a mapping (kustomization, Chart.yaml, `.argocd-source.yaml`), read as
    kustomize and Argo CD read it (YAML 1.2 plain values, config_yaml's alias guard); None when unreadable."""
    if not Tree.of(snapshot).is_file(path):  # no read for a file that is not there (a git lookup that fails)
        return None
    body = text_of(snapshot.read(path))
    if body is None:
        return None
    read = config_yaml.read(body)  # bounded on the event stream first (bytes, values, config_yaml.MAX_DEPTH)
    if isinstance(read, config_yaml.Problem) or read[1].problems or not isinstance(read[0], dict):
        return None  # recursive aliases, tags and duplicate keys too: kustomize and Argo CD refuse those files
    return read[0]


def documents(data: bytes | None) -> list[Any]:
    """Every document of a multi-document file (Applications, Flux objects), or [] when any part is unreadable."""
    body = text_of(data)
    if body is None:
        return []
    try:
        roots = list(yaml.compose_all(body, Loader=_Loader))
        values = []
        for root in roots:
            if root is None:
                continue
            manifest_guards.check_size(
                root
            )  # alias bombs, recursive aliases and deep nesting, before anything walks it
            values.append(yaml.constructor.SafeConstructor().construct_document(root))
        return values
    except (yaml.YAMLError, manifest_guards.Unusable, RecursionError, ValueError, TypeError):
        return []


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (an inline patch) as literal blocks, so the text reads as it was written."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(c.isspace() and c not in " \n" for c in value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def dump(value: object) -> str:
    """Plain values as YAML text again (inline Helm values, one kustomize patch entry), keys in their order."""
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


# Plain values read from a file the pull request controls: any field may have any type, so every access checks.


def is_kind(doc: object, group: str, kind: str) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == kind and str(doc.get("apiVersion", "")).startswith(group)


def get(value: object, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def pairs(value: object) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), scalar(v)) for k, v in value.items()) if isinstance(value, dict) else ()
