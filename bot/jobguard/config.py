"""`.jobguard.yaml`: the repository's settings (`Config`), where they are found and how they are loaded.

A file is read with positions (`jobguard.config_yaml`), checked (`jobguard.config_errors`: every mistake one
`FILE:LINE:COL` line, all of them at once) and only then built into a `Config`, so building never has to doubt
a value. Rule defaults are not copied here: `Config.setting` asks the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jobguard.config_errors import check
from jobguard.config_schema import kube_version, path_spec
from jobguard.controllers.tool import GitOpsTool
from jobguard.errors import ConfigError
from jobguard.findings import Severity
from jobguard.kube.version import DEFAULT as DEFAULT_KUBERNETES_VERSION
from jobguard.kube.version import KubeVersion
from jobguard.render.model import RenderSettings
from jobguard.rules import RULES, RULES_BY_ID

CONFIG_NAMES = (".jobguard.yaml", ".jobguard.yml", ".github/jobguard.yaml", ".github/jobguard.yml")
"""Looked up in this order in the repository root; the first that exists is used (with a warning if others do)."""


@dataclass(frozen=True)
class RuleSetting:
    """A rule's severity (None: off) and options, as the file or the registry sets them."""

    severity: Severity | None
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Override:
    """Rule settings for the files matching `paths` (gitignore-style patterns)."""

    paths: tuple[str, ...]
    rules: Mapping[str, RuleSetting]

    def matches(self, path: str) -> bool:
        return path_spec(self.paths).match_file(path)


@dataclass(frozen=True)
class ReviewSettings:
    max_inline_comments: int = 30
    summary: bool = True
    allow_head_config: bool = False  # off by default: a pull request must not switch off the rules it breaks


@dataclass(frozen=True)
class Config:
    """The settings of one run; `rules` and `overrides` hold only what the file set (defaults live in RULES)."""

    source: str | None
    kubernetes_version: KubeVersion = DEFAULT_KUBERNETES_VERSION
    gitops: GitOpsTool = GitOpsTool.AUTO
    fail_on: Severity | None = Severity.ERROR
    rules: Mapping[str, RuleSetting] = field(default_factory=lambda: MappingProxyType({}))
    fix_prefer: tuple[str, ...] = ()
    hook_phase: str | None = None
    include: tuple[str, ...] = ()  # empty: every file
    exclude: tuple[str, ...] = ()
    overrides: tuple[Override, ...] = ()
    review: ReviewSettings = field(default_factory=ReviewSettings)
    render: RenderSettings = field(default_factory=RenderSettings)
    warnings: tuple[str, ...] = field(default=(), compare=False)  # printed as `jobguard: warning: ...` lines

    def setting(self, rule_id: str, path: str) -> RuleSetting:
        """Registry default, then `rules`, then each override matching `path` in order (a later one wins).

        The severity is replaced at each step; options are merged key by key, so an override that only
        changes a severity keeps the options set above it. KeyError for a rule id jobguard does not know.
        """
        tops = [self.rules.get(rule_id)]
        tops += [top for o in self.overrides if (top := o.rules.get(rule_id)) is not None and o.matches(path)]
        result = RuleSetting(RULES_BY_ID[rule_id].severity)
        for top in tops:
            if top is not None:
                result = RuleSetting(top.severity, MappingProxyType({**result.options, **top.options}))
        return result

    def includes(self, path: str) -> bool:
        """`paths.include` (empty: everything) minus `paths.exclude`; paths are relative to the repo root."""
        if self.include and not path_spec(self.include).match_file(path):
            return False
        return not (self.exclude and path_spec(self.exclude).match_file(path))


DEFAULT = Config(source=None)


DEFAULT_SEVERITIES: Mapping[str, Severity] = MappingProxyType({rule.id: rule.severity for rule in RULES})
"""Every rule id a config may name, with its default severity, in registry order."""


# --------------------------------------------------------------------------------------------------- public API


def load(path: Path) -> Config:
    """Read and parse a configuration file; ConfigError (one `FILE:LINE:COL: message` line) if it is unusable."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}:1:1: cannot read the configuration: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{source}:{line}:1: not UTF-8 text (invalid byte at offset {exc.start})") from None
    return parse(text, source)


def for_root(config_path: Path | None, root: Path | None) -> Config:
    """`--config`, else the first config file under `root` (a local run: your own change), else the defaults."""
    if config_path is not None:
        return load(config_path)
    present = [name for name in CONFIG_NAMES if root is not None and (root / name).is_file()]
    if root is None or not present:
        return DEFAULT
    return _warned(load(root / present[0]), _several(present))


def in_tree(config_text: Callable[[Sequence[str]], tuple[str, str] | None]) -> Config | None:
    """Discovery in a revision's tree (`review` reads the base's): `config_text((name,))` gives (path, text) or
    None; the first of CONFIG_NAMES wins, with a warning when others exist there too."""
    found = [hit for name in CONFIG_NAMES if (hit := config_text((name,))) is not None]
    if not found:
        return None
    return _warned(parse(found[0][1], found[0][0]), _several([name for name, _ in found]))


def _several(present: Sequence[str]) -> str | None:
    """Two config files would silently disagree; say which one counts."""
    if len(present) < 2:
        return None
    return (
        f"several configuration files: {', '.join(present)}; using {present[0]} "
        f"(the first of {', '.join(CONFIG_NAMES)}); remove the others"
    )


FAIL_ON: Mapping[str, Severity | None] = MappingProxyType(
    {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "never": None}
)


def _warned(config: Config, warning: str | None) -> Config:
    return config if warning is None else replace(config, warnings=(*config.warnings, warning))


RENDER_MODES = ("auto", "off")
"""`--render`: `auto` renders as the configuration says (`render.enabled`), `off` judges plain files only."""


def with_overrides(
    config: Config, fail_on: str | None, kubernetes_version: str | None, render: str | None = None
) -> Config:
    """Command-line flags and Action inputs over the file's values (None or empty: not given)."""
    if render:
        if render not in RENDER_MODES:
            raise ConfigError(f"--render {render}: expected one of {', '.join(RENDER_MODES)}")
        if render == "off":
            config = replace(config, render=replace(config.render, enabled=False))
    if fail_on:
        if fail_on not in FAIL_ON:
            raise ConfigError(f"--fail-on {fail_on}: expected one of {', '.join(FAIL_ON)}")
        config = replace(config, fail_on=FAIL_ON[fail_on])
    if kubernetes_version:
        try:
            version, warning = kube_version(kubernetes_version, "--kubernetes-version")
        except ValueError as exc:
            raise ConfigError(f"--kubernetes-version: {exc}") from None
        config = _warned(replace(config, kubernetes_version=version), warning)
    return config


def parse(text: str, source: str) -> Config:
    """The configuration in `text`; ConfigError with every problem, one line each by position, if there is any."""
    value, problems = check(text)
    if problems:
        raise ConfigError("\n".join(p.format(source) for p in problems))
    return _build(value, source)


# --------------------------------------------------------------------------------------------------- building


def _build(value: Mapping[str, Any] | None, source: str) -> Config:
    """A validated plain value -> Config (null sections count as empty ones)."""
    if value is None:
        return Config(source=source)
    fix = value.get("fix") or {}
    paths = value.get("paths") or {}
    review = value.get("review") or {}
    version, warning = (DEFAULT_KUBERNETES_VERSION, None)
    if value.get("kubernetes-version") is not None:
        version, warning = kube_version(value["kubernetes-version"], f"{source}: kubernetes-version")
    fail_on = value.get("fail-on", "error")
    return Config(
        source=source,
        warnings=(warning,) if warning else (),
        kubernetes_version=version,
        gitops=GitOpsTool(value.get("gitops", DEFAULT.gitops)),
        fail_on=None if fail_on == "never" else Severity(fail_on),
        rules=_rule_settings(value.get("rules")),
        fix_prefer=tuple(fix.get("prefer") or ()),
        hook_phase=fix.get("hook-phase"),
        include=tuple(paths.get("include") or ()),
        exclude=tuple(paths.get("exclude") or ()),
        overrides=tuple(
            Override(tuple(o["paths"]), _rule_settings(o.get("rules"))) for o in value.get("overrides") or ()
        ),
        review=ReviewSettings(
            max_inline_comments=review.get("max-inline-comments", DEFAULT.review.max_inline_comments),
            summary=review.get("summary", DEFAULT.review.summary),
            allow_head_config=review.get("allow-head-config", DEFAULT.review.allow_head_config),
        ),
        render=_render_settings(value.get("render") or {}),
    )


def _render_settings(raw: Mapping[str, Any]) -> RenderSettings:
    """`render:` -> RenderSettings; a key not given keeps the model's default."""
    default = RenderSettings()
    return RenderSettings(
        enabled=raw.get("enabled", default.enabled),
        kubectl=raw.get("kubectl"),
        helm=raw.get("helm"),
        include=tuple(raw.get("include") or ()),
        exclude=tuple(raw.get("exclude") or ()),
        timeout_seconds=float(raw.get("timeout", default.timeout_seconds)),
        max_output_bytes=raw.get("max-output", default.max_output_bytes),
        max_roots=raw.get("max-roots", default.max_roots),
        workers=raw.get("workers", default.workers),
    )


def _rule_settings(raw: Mapping[str, Any] | None) -> Mapping[str, RuleSetting]:
    settings: dict[str, RuleSetting] = {}
    for rule_id, setting in (raw or {}).items():
        if isinstance(setting, dict):
            options = {k: v for k, v in setting.items() if k != "severity"}
            settings[rule_id] = RuleSetting(_severity(setting["severity"]), MappingProxyType(options))
        else:
            settings[rule_id] = RuleSetting(_severity(setting), MappingProxyType({}))
    return MappingProxyType(settings)


def _severity(word: str) -> Severity | None:
    return None if word == "off" else Severity(word)
