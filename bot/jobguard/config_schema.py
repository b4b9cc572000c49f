"""What a `.jobguard.yaml` may say: the shipped JSON Schema, and the values only jobguard can judge.

The schema (`config.schema.json`, shipped in the package) is what editors use for completion and checks. A static
schema cannot know which Kubernetes versions this release has tables for, nor compile a gitignore-style pattern;
those two live here, next to the schema, because the model (`jobguard.config`) matches and judges with them, the
validation (`jobguard.config_errors`) reports with them and the docs (`jobguard.docs`) describe them: one copy.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import pathspec

from jobguard.kube.version import NEWEST as NEWEST_SUPPORTED
from jobguard.kube.version import KubeVersion

SCHEMA_URL = "https://raw.githubusercontent.com/jobguard/jobguard/main/bot/jobguard/config.schema.json"
"""Where editors fetch the schema (`# yaml-language-server: $schema=...`); also the schema's `$id`."""

SEVERITIES = ("error", "warning", "info", "off")  # what a rule may be set to (schema $defs.severity)


@functools.lru_cache(maxsize=1)
def schema() -> Mapping[str, Any]:
    """The JSON Schema shipped with the package (the same file editors use)."""
    text = resources.files("jobguard").joinpath("config.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.lru_cache(maxsize=256)
def path_spec(patterns: tuple[str, ...]) -> pathspec.PathSpec[Any]:
    """gitignore-style `patterns` compiled once (ValueError or re.error for one pathspec cannot read)."""
    # GitIgnoreSpec, not the "gitwildmatch" factory: that one is deprecated in pathspec 1.x, and GitIgnoreSpec
    # (same patterns, git's own precedence for `!` re-includes) exists since pathspec 0.10.
    return pathspec.GitIgnoreSpec.from_lines(patterns)


_MINOR = re.compile(r"v?1\.(\d{1,3})(?:\.\d{1,4})?")


def kube_version(text: str, what: str) -> tuple[KubeVersion, str | None]:
    """The version to judge by, and a warning when `text` is newer than the newest this release knows: its rules
    are the newest known ones (a cluster upgrade must not break CI). Older or malformed: ValueError."""
    try:
        return KubeVersion.parse(text), None
    except ValueError:
        match = _MINOR.fullmatch(text.strip())
        if match is None or int(match.group(1)) <= NEWEST_SUPPORTED.minor:
            raise
    newest = NEWEST_SUPPORTED
    warning = f"{what} {text.strip()} is newer than the newest Kubernetes version jobguard knows ({newest}); "
    return newest, warning + f"checking with the {newest} rules"
