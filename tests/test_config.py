"""jobguard.config: every key valid and invalid (fixtures/config/), exact messages, precedence, schema and docs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from jobguard import config, config_errors, config_schema, docs, ignores
from jobguard.config import DEFAULT, Config, Override, RuleSetting
from jobguard.errors import ConfigError
from jobguard.findings import Severity
from jobguard.fixes.strategies import STRATEGIES
from jobguard.kube.version import NEWEST as NEWEST_SUPPORTED
from jobguard.kube.version import OLDEST as OLDEST_SUPPORTED
from jobguard.kube.version import KubeVersion
from jobguard.rules import RULES, RULES_BY_ID, job_ttl_after_finished

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "config"
ERROR_CASES = yaml.safe_load((FIXTURES / "errors.yaml").read_text(encoding="utf-8"))["cases"]
VALID_CASES = yaml.safe_load((FIXTURES / "valid.yaml").read_text(encoding="utf-8"))["cases"]
SCHEMA_FILE = ROOT / "bot" / "jobguard" / "config.schema.json"


def plain(cfg: Config) -> dict[str, Any]:
    """A Config as the plain data the fixtures spell out."""

    def setting(s: RuleSetting) -> Any:
        severity = s.severity.value if s.severity else "off"
        return {"severity": severity, **s.options} if s.options else severity

    return {
        "kubernetes_version": str(cfg.kubernetes_version),
        "gitops": cfg.gitops,
        "fail_on": cfg.fail_on.value if cfg.fail_on else None,
        "rules": {k: setting(v) for k, v in cfg.rules.items()},
        "fix_prefer": list(cfg.fix_prefer),
        "hook_phase": cfg.hook_phase,
        "include": list(cfg.include),
        "exclude": list(cfg.exclude),
        "overrides": [
            {"paths": list(o.paths), "rules": {k: setting(v) for k, v in o.rules.items()}} for o in cfg.overrides
        ],
        "review": {
            "max_inline_comments": cfg.review.max_inline_comments,
            "summary": cfg.review.summary,
            "allow_head_config": cfg.review.allow_head_config,
        },
        "render": {
            "enabled": cfg.render.enabled,
            "kubectl": cfg.render.kubectl,
            "helm": cfg.render.helm,
            "include": list(cfg.render.include),
            "exclude": list(cfg.render.exclude),
            "timeout": cfg.render.timeout_seconds,
            "max_output": cfg.render.max_output_bytes,
            "max_roots": cfg.render.max_roots,
            "workers": cfg.render.workers,
        },
    }


def problems(text: str, source: str) -> list[str]:
    """The `FILE:LINE:COL: message` lines `parse` stops with ([] when `text` is a valid configuration)."""
    try:
        config.parse(text, source)
    except ConfigError as exc:
        return str(exc).split("\n")
    return []


# --------------------------------------------------------------------------------------------- data-driven


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c["name"] for c in ERROR_CASES])
def test_invalid_file_gives_exact_errors(case: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse(case["text"], ".jobguard.yaml")
    assert str(info.value) == "\n".join(case["errors"])  # every mistake at once, by position


@pytest.mark.parametrize("case", VALID_CASES, ids=[c["name"] for c in VALID_CASES])
def test_valid_file_gives_config(case: dict[str, Any]) -> None:
    cfg = config.parse(case["text"], ".jobguard.yaml")
    assert cfg.source == ".jobguard.yaml"
    assert plain(cfg) == {**plain(DEFAULT), **case["expect"]}


def test_fixtures_cover_every_schema_key() -> None:
    """Every key of the schema appears in a valid case and in an invalid one."""
    valid = "\n".join(c["text"] for c in VALID_CASES)
    invalid = "\n".join(c["text"] for c in ERROR_CASES)
    for key in _schema_keys(config_schema.schema()) - RULE_IDS:
        assert re.search(rf"\b{re.escape(key)}\s*:", valid), f"no valid case sets {key}"
        assert re.search(rf"\b{re.escape(key)}\s*:", invalid), f"no invalid case sets {key}"


# ------------------------------------------------------------------------------------------ single messages


def test_unsupported_kubernetes_version() -> None:
    too_old = f"1.{OLDEST_SUPPORTED.minor - 1}"
    assert problems(f'kubernetes-version: "{too_old}"\n', "c.yaml") == [
        f"c.yaml:1:21: kubernetes-version '{too_old}' is not supported "
        f"(jobguard knows {OLDEST_SUPPORTED} to {NEWEST_SUPPORTED})"
    ]


def test_default_is_the_newest_kubernetes_version() -> None:
    assert DEFAULT.kubernetes_version == NEWEST_SUPPORTED
    assert DEFAULT.source is None
    assert config.parse("", "x.yaml") == Config(source="x.yaml")


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 6)]
    errors = problems("\n".join(lines) + "\n", "c.yaml")
    assert errors[-1].endswith("the configuration is too big (YAML aliases?)")
    assert len(errors) == 1


@pytest.mark.parametrize("depth", [1000, 5000])
def test_deep_nesting_is_a_configuration_error(depth: int) -> None:
    """PyYAML's composer recurses per level: too deep was a RecursionError (exit 3), now one mistake (exit 2),
    found on the event stream before anything is composed (config_yaml.MAX_DEPTH)."""
    assert problems("rules: " + "[" * depth + "]" * depth + "\n", "c.yaml") == [
        "c.yaml:1:1007: the configuration nests deeper than 64 levels"
    ]


def test_rule_options_are_checked_against_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """No rule has options today; a rule declares them as `OPTIONS` (name -> JSON Schema) in its module."""
    monkeypatch.setattr(
        job_ttl_after_finished, "OPTIONS", {"max-seconds": {"type": "integer", "minimum": 1}}, raising=False
    )
    text = "rules:\n  job-ttl-after-finished: {severity: info, max-seconds: 0, max-second: 5}\n"
    assert problems(text, "c.yaml") == [
        "c.yaml:2:57: rules.job-ttl-after-finished.max-seconds must be an integer >= 1, got 0",
        "c.yaml:2:60: unknown option 'max-second' for rule 'job-ttl-after-finished' (did you mean 'max-seconds'?)",
    ]
    assert problems("rules:\n  job-ttl-after-finished: {severity: info, ttl: 5}\n", "c.yaml") == [
        "c.yaml:2:44: unknown option 'ttl' for rule 'job-ttl-after-finished' (expected one of: max-seconds)"
    ]
    cfg = config.parse("rules:\n  job-ttl-after-finished: {severity: info, max-seconds: 60}\n", "c.yaml")
    assert cfg.setting("job-ttl-after-finished", "a.yaml") == RuleSetting(Severity.INFO, {"max-seconds": 60})


# ----------------------------------------------------------------------------------------------- precedence

PRECEDENCE = """\
rules:
  job-immutable-field: warning
  job-ttl-after-finished: {severity: info, max-seconds: 60}
overrides:
  - paths: [apps/**]
    rules: {job-immutable-field: info, job-hook-not-recreated: off}
  - paths: [apps/legacy/**, "!apps/legacy/keep.yaml"]
    rules: {job-immutable-field: off, job-ttl-after-finished: {severity: error, window: 5}}
  - paths: ["*.yml"]
    rules: {job-ttl-after-finished: warning}
"""


@pytest.fixture
def layered(monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setattr(
        job_ttl_after_finished,
        "OPTIONS",
        {"max-seconds": {"type": "integer"}, "window": {"type": "integer"}},
        raising=False,
    )
    return config.parse(PRECEDENCE, ".jobguard.yaml")


@pytest.mark.parametrize(
    ("rule", "path", "severity"),
    [
        ("job-immutable-field", "other/job.yaml", Severity.WARNING),  # rules beats the default (error)
        ("job-immutable-field", "apps/a/job.yaml", Severity.INFO),  # first override
        ("job-immutable-field", "apps/legacy/job.yaml", None),  # both match: the later one wins
        ("job-immutable-field", "apps/legacy/keep.yaml", Severity.INFO),  # negated in the later override
        ("job-hook-not-recreated", "apps/x.yaml", None),
        ("job-hook-not-recreated", "other/x.yaml", Severity.WARNING),  # registry default
        ("job-hook-unknown-phase", "apps/legacy/job.yaml", Severity.ERROR),  # named nowhere
        ("ignore-unused", "apps/x.yaml", Severity.INFO),  # the ignore rules' defaults live on their rule modules
    ],
)
def test_setting_precedence(layered: Config, rule: str, path: str, severity: Severity | None) -> None:
    assert layered.setting(rule, path).severity == severity


def test_options_merge_key_by_key(layered: Config) -> None:
    rule = "job-ttl-after-finished"
    assert layered.setting(rule, "other/job.yaml") == RuleSetting(Severity.INFO, {"max-seconds": 60})
    assert layered.setting(rule, "apps/legacy/j.yaml") == RuleSetting(Severity.ERROR, {"max-seconds": 60, "window": 5})
    # a later override that names only a severity keeps the options above it
    assert layered.setting(rule, "apps/legacy/j.yml") == RuleSetting(Severity.WARNING, {"max-seconds": 60, "window": 5})


def test_setting_of_unknown_rule_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        DEFAULT.setting("no-such-rule", "a.yaml")


def test_defaults_come_from_the_registry() -> None:
    for rule in RULES:
        assert DEFAULT.setting(rule.id, "any.yaml") == RuleSetting(rule.severity, {})


def test_override_matches() -> None:
    override = Override(("apps/**/jobs/", "*.yml"), {})
    assert override.matches("apps/a/jobs/x.yaml")
    assert override.matches("deep/dir/x.yml")
    assert not override.matches("apps/a/x.yaml")


@pytest.mark.parametrize(
    ("text", "path", "included"),
    [
        ("", "anything/at/all.yaml", True),
        ("paths: {include: [apps/**]}", "apps/a.yaml", True),
        ("paths: {include: [apps/**]}", "charts/a.yaml", False),
        ("paths: {exclude: [apps/legacy/]}", "apps/legacy/a.yaml", False),
        ("paths: {exclude: [apps/legacy/]}", "apps/new/a.yaml", True),
        ("paths: {include: [apps/**], exclude: ['*.tmpl.yaml']}", "apps/x/a.tmpl.yaml", False),
        ("paths: {include: [apps/**], exclude: ['*.tmpl.yaml', '!keep.tmpl.yaml']}", "apps/keep.tmpl.yaml", True),
        ("paths: {include: ['/top.yaml']}", "sub/top.yaml", False),
    ],
)
def test_includes(text: str, path: str, included: bool) -> None:
    assert config.parse(text, "c.yaml").includes(path) is included


# ------------------------------------------------------------------------------------------- files on disk


def test_discover_order(tmp_path: Path) -> None:
    assert config.for_root(None, tmp_path).source is None
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "jobguard.yaml").write_text("gitops: flux\n")
    assert config.for_root(None, tmp_path).source == str(tmp_path / ".github" / "jobguard.yaml")
    (tmp_path / ".jobguard.yml").write_text("")
    assert config.for_root(None, tmp_path).source == str(tmp_path / ".jobguard.yml")
    (tmp_path / ".jobguard.yaml").mkdir()  # a directory is not a config file
    assert config.for_root(None, tmp_path).source == str(tmp_path / ".jobguard.yml")
    assert config.CONFIG_NAMES == (".jobguard.yaml", ".jobguard.yml", ".github/jobguard.yaml", ".github/jobguard.yml")


def test_discovery_finds_github_yml_and_warns_when_several_exist(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "jobguard.yml").write_text("gitops: flux\n")
    found = config.for_root(None, tmp_path)
    assert (found.source, found.gitops, found.warnings) == (str(tmp_path / ".github" / "jobguard.yml"), "flux", ())
    (tmp_path / ".jobguard.yaml").write_text("gitops: argocd\n")
    found = config.for_root(None, tmp_path)
    assert (found.source, found.gitops) == (str(tmp_path / ".jobguard.yaml"), "argocd")
    assert found.warnings == (
        "several configuration files: .jobguard.yaml, .github/jobguard.yml; using .jobguard.yaml (the first of "
        ".jobguard.yaml, .jobguard.yml, .github/jobguard.yaml, .github/jobguard.yml); remove the others",
    )


def test_load(tmp_path: Path) -> None:
    path = tmp_path / ".jobguard.yaml"
    path.write_bytes(b"\xef\xbb\xbfgitops: flux\n")
    cfg = config.load(path)
    assert (cfg.gitops, cfg.source) == ("flux", str(path))
    path.write_text("gitops: flux\nfail_on: error\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:2:1: unknown key 'fail_on' (did you mean 'fail-on'?)")):
        config.load(path)


def test_load_unreadable_and_not_utf8(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError) as info:
        config.load(missing)
    assert str(info.value) == f"{missing}:1:1: cannot read the configuration: No such file or directory"
    assert info.value.exit_code == 2
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"gitops: flux\n# caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        config.load(latin)
    assert str(info.value) == f"{latin}:2:1: not UTF-8 text (invalid byte at offset 18)"


# ------------------------------------------------------------------------------------------ schema and docs


def _schema_keys(node: Any) -> set[str]:
    """Every property name anywhere in the schema, rule ids included."""
    keys: set[str] = set()
    if isinstance(node, dict):
        for name, sub in node.items():
            if name == "properties" and isinstance(sub, dict):
                keys |= set(sub)
            keys |= _schema_keys(sub)
    elif isinstance(node, list):
        for item in node:
            keys |= _schema_keys(item)
    return keys


RULE_IDS = set(config_schema.schema()["$defs"]["rules"]["properties"])


def test_schema_file_is_a_valid_json_schema() -> None:
    loaded = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["$id"] == config_schema.SCHEMA_URL
    jsonschema.Draft202012Validator.check_schema(loaded)
    assert config_schema.schema() == loaded  # the packaged copy is this file


def test_schema_knows_every_rule_and_strategy() -> None:
    rules = config_schema.schema()["$defs"]["rules"]["properties"]
    assert list(rules) == list(config.DEFAULT_SEVERITIES)
    for rule_id, sub in rules.items():
        default = config.DEFAULT_SEVERITIES[rule_id]
        assert sub["default"] == default.value
        assert sub["description"] == f"{RULES_BY_ID[rule_id].summary} Default: {default.value}.", rule_id
    assert {ignores.IGNORE_UNUSED, ignores.IGNORE_WITHOUT_REASON} <= set(rules)
    prefer = config_schema.schema()["properties"]["fix"]["properties"]["prefer"]
    assert prefer["items"]["enum"] == list(STRATEGIES)


def test_schema_defaults_match_default_config() -> None:
    props = config_schema.schema()["properties"]
    assert props["gitops"]["default"] == DEFAULT.gitops
    assert props["fail-on"]["default"] == DEFAULT.fail_on.value  # type: ignore[union-attr]
    assert props["fix"]["properties"]["prefer"]["default"] == list(DEFAULT.fix_prefer)
    review = props["review"]["properties"]
    assert review["max-inline-comments"]["default"] == DEFAULT.review.max_inline_comments
    assert review["summary"]["default"] is DEFAULT.review.summary
    assert review["allow-head-config"]["default"] is DEFAULT.review.allow_head_config
    assert KubeVersion.parse(props["kubernetes-version"]["examples"][0])


def test_editor_view_of_the_schema_agrees_on_valid_files() -> None:
    """What an editor validates with the bare schema passes for every valid case (YAML 1.2 reading)."""
    validator = jsonschema.Draft202012Validator(config_schema.schema())
    for case in VALID_CASES:
        value, problems = config_errors.check(case["text"])
        assert problems == []
        assert list(validator.iter_errors(value)) == [], case["name"]


def test_init_text_parses_back_to_the_defaults() -> None:
    text = docs.init_text()
    assert text.startswith(f"# yaml-language-server: $schema={config_schema.SCHEMA_URL}\n")
    assert problems(text, "init.yaml") == []
    cfg = config.parse(text, "init.yaml")
    fields = ("kubernetes_version", "gitops", "fail_on", "fix_prefer", "hook_phase", "include", "exclude")
    for name in (*fields, "overrides", "review"):
        assert getattr(cfg, name) == getattr(DEFAULT, name), name
    for rule_id in config.DEFAULT_SEVERITIES:
        assert cfg.setting(rule_id, "a/b.yaml") == DEFAULT.setting(rule_id, "a/b.yaml")
    for key in _schema_keys(config_schema.schema()) - {"severity"}:
        assert f"{key}:" in text, key
    assert all(len(line) <= 110 for line in text.splitlines()[1:])  # all but the schema URL


def test_markdown_reference_mentions_every_key() -> None:
    text = docs.markdown_reference()
    for key in _schema_keys(config_schema.schema()):
        assert f"`{key}" in text or f"{key}:" in text or f".{key}`" in text, key
    assert f"# yaml-language-server: $schema={config_schema.SCHEMA_URL}" in text
    for rule_id in config.DEFAULT_SEVERITIES:
        assert f"`{rule_id}`" in text


def test_markdown_example_is_a_valid_config() -> None:
    example = docs.markdown_reference().split("### Example")[1]
    block = re.search(r"```yaml\n(.*?)```", example, re.DOTALL)
    assert block is not None
    cfg = config.parse(block.group(1), "README.md")
    assert cfg.setting("job-immutable-field", "sandbox/a.yaml").severity == Severity.WARNING
    assert not cfg.includes("charts/x/templates/job.yaml")
