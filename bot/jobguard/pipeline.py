"""The one pipeline behind `check`, `check --all`, `review`, `fix`, the fix command and the demo.

A change source (two local trees, or a pull/merge request) -> the engine -> verified fixes -> findings and the exit
code. Every command reaches the engine through `analyse`, so a local check and a review of the same change cannot
disagree; fixes applied together follow the one policy of `jobguard.fixes.apply`.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobguard import check as engine
from jobguard import config as configuration
from jobguard import scope
from jobguard.controllers.tool import GitOpsTool, detect
from jobguard.diff import FileChange
from jobguard.errors import ConfigError
from jobguard.findings import Finding
from jobguard.fixes.apply import AppliedFixes, apply_all
from jobguard.fixes.attach import attach
from jobguard.platforms import ChangeSource
from jobguard.render import stage


@dataclass(frozen=True)
class RunOptions:
    """What the command line asks of one run; anything left None is decided by the configuration."""

    config_path: Path | None = None
    paths: tuple[str, ...] = ()  # only these files or directories of the change
    fail_on: str | None = None
    kubernetes_version: str | None = None
    strategy: str | None = None  # the fix strategy to use where it applies (`fix --strategy`)
    render: str | None = None  # `--render auto|off`

    def configured(self, config: configuration.Config) -> configuration.Config:
        """`config` with this run's --fail-on, --kubernetes-version and --render applied."""
        return configuration.with_overrides(config, self.fail_on, self.kubernetes_version, self.render)


@dataclass(frozen=True)
class Analysis:
    """What the engine made of the change: the findings with their verified fixes, and how it was run."""

    findings: tuple[Finding, ...]
    changes: Sequence[FileChange]
    options: engine.CheckOptions
    files_checked: int
    exit_code: int


def load_config(source: ChangeSource, config_path: Path | None) -> configuration.Config:
    """--config (read from the BASE revision too) wins; else the first config file of the BASE revision (the
    head's only if that base config allows it), else the defaults: a change cannot switch off its own check."""
    if config_path is not None:
        return _named_base_config(source, config_path)
    config = configuration.in_tree(lambda names: source.config_text(names, "base")) or configuration.DEFAULT
    if config.review.allow_head_config:
        config = configuration.in_tree(lambda names: source.config_text(names, "head")) or config
    return config


def _named_base_config(source: ChangeSource, config_path: Path) -> configuration.Config:
    """The file `--config` names, as the base revision has it: the pull request's checkout may have edited it."""
    path = config_path
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            raise ConfigError(
                f"{config_path}:1:1: review reads --config from the base revision: give a path inside the repository"
            ) from None
    name = posixpath.normpath(path.as_posix())
    found = source.config_text((name,), "base")
    if found is None:
        raise ConfigError(f"{name}:1:1: not in the base revision (review reads --config from the base branch)")
    return configuration.parse(found[1], found[0])


def analyse(source: ChangeSource, config: configuration.Config, paths: Sequence[str] = ()) -> Analysis:
    """Findings of the change (only its files under `paths`, if given), with their verified fixes."""
    changes = [change for change in source.changes() if scope.selected(change, paths)]
    checkout = source.checkout() if config.gitops is GitOpsTool.AUTO else None
    ask = functools.cache(functools.partial(detect, *checkout)) if checkout else None  # only if a Job needs it
    options = engine.options_from(config, ask_repository_tool=ask)
    result = engine.run(changes, source.read, options)
    rendered = stage.rendered(source.snapshot("base"), source.snapshot("head"), changes, options)
    raw = [f for f in result.findings if not rendered.covers(f)]  # one verdict per Job: the render wins
    findings = tuple(sorted((*attach(raw, result.files, options), *rendered.findings), key=Finding.sort_key))
    diffed = {c.path for c in changes}
    shown = [*changes, *(c for c in rendered.changes if c.path not in diffed)]  # edited inputs rendered findings use
    return Analysis(findings, shown, options, result.files_checked, engine.exit_code(findings, config.fail_on))


def apply_fixes(source: ChangeSource, analysis: Analysis, strategy: str | None) -> AppliedFixes:
    """The chosen verified fix of every finding applied to the head files, together (fixes.apply's policy)."""
    return apply_all(analysis.findings, lambda path: source.read(path, "head"), strategy)


def introduced(source: ChangeSource, analysis: Analysis, files: Mapping[str, str]) -> list[str]:
    """Rules that would report something new once all `files` are applied (the combined fix re-checked with the
    same options as the analysis, so only the fixes can make a difference)."""

    def read(path: str, side: engine.Side) -> bytes | None:
        if side == "head" and path in files:
            return files[path].encode("utf-8")
        return source.read(path, side)

    before = {f.fingerprint for f in analysis.findings}
    after = engine.run(analysis.changes, read, analysis.options).findings
    return sorted({f"{f.rule} at {f.location.path}:{f.location.line}" for f in after if f.fingerprint not in before})
