"""`.jobguard.yaml`: the repository's settings, validated so that every mistake is one `FILE:LINE:COL` line.

Why a JSON Schema and hand-written messages: the schema (`config.schema.json`, shipped in the package) is what
editors use for completion and checks; jobguard validates with the same schema, then turns each `jsonschema`
error into a sentence a user can act on (with a did-you-mean), and adds what a static schema cannot know: the
rule ids and rule options of this release's registry, supported Kubernetes versions, valid path patterns.

The file is read as YAML 1.2 (core schema), like yaml-language-server does: `off`, `yes` and `on` are strings,
so `rule-id: off` means off. YAML still reads an unquoted `1.30` as the number 1.3, which the messages point out.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pathspec
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jobguard import ignores
from jobguard.errors import ConfigError
from jobguard.findings import Severity
from jobguard.kube.version import DEFAULT as DEFAULT_KUBERNETES_VERSION
from jobguard.kube.version import NEWEST as NEWEST_SUPPORTED
from jobguard.kube.version import OLDEST as OLDEST_SUPPORTED
from jobguard.kube.version import KubeVersion
from jobguard.rules import RULES, RULES_BY_ID
from jobguard.suggest import did_you_mean, hint

if TYPE_CHECKING:  # imported when a file is validated: a run without a config file does not pay for it
    import jsonschema

SCHEMA_URL = "https://raw.githubusercontent.com/jobguard/jobguard/main/bot/jobguard/config.schema.json"
"""Where editors fetch the schema (`# yaml-language-server: $schema=...`); also the schema's `$id`."""

CONFIG_NAMES = (".jobguard.yaml", ".jobguard.yml", ".github/jobguard.yaml")
"""Looked up in this order in the repository root; the first that exists is used."""

SEVERITIES = ("error", "warning", "info", "off")  # what a rule may be set to (schema $defs.severity)

_MAX_NODES = 20_000  # a configuration is a few dozen nodes; this only stops alias bombs


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
        return _spec(self.paths).match_file(path)


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
    gitops: str = "auto"
    fail_on: Severity | None = Severity.ERROR
    rules: Mapping[str, RuleSetting] = field(default_factory=lambda: MappingProxyType({}))
    fix_prefer: tuple[str, ...] = ()
    hook_phase: str | None = None
    include: tuple[str, ...] = ()  # empty: every file
    exclude: tuple[str, ...] = ()
    overrides: tuple[Override, ...] = ()
    review: ReviewSettings = field(default_factory=ReviewSettings)

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
        if self.include and not _spec(self.include).match_file(path):
            return False
        return not (self.exclude and _spec(self.exclude).match_file(path))


DEFAULT = Config(source=None)


@functools.lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.PathSpec[Any]:
    # GitIgnoreSpec, not the "gitwildmatch" factory: that one is deprecated in pathspec 1.x, and GitIgnoreSpec
    # (same patterns, git's own precedence for `!` re-includes) exists since pathspec 0.10.
    return pathspec.GitIgnoreSpec.from_lines(patterns)


DEFAULT_SEVERITIES: Mapping[str, Severity] = MappingProxyType({rule.id: rule.severity for rule in RULES})
"""Every rule id a config may name, with its default severity, in registry order."""


# --------------------------------------------------------------------------------------------------- public API


def discover(root: Path) -> Path | None:
    """The first of CONFIG_NAMES that is a file under `root`."""
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


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
    found = discover(root) if root is not None else None
    return load(found) if found is not None else DEFAULT


FAIL_ON: Mapping[str, Severity | None] = MappingProxyType(
    {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "never": None}
)


def with_overrides(config: Config, fail_on: str | None, kubernetes_version: str | None) -> Config:
    """Command-line flags and Action inputs over the file's values (None or empty: not given)."""
    if fail_on:
        if fail_on not in FAIL_ON:
            raise ConfigError(f"--fail-on {fail_on}: expected one of {', '.join(FAIL_ON)}")
        config = replace(config, fail_on=FAIL_ON[fail_on])
    if kubernetes_version:
        try:
            config = replace(config, kubernetes_version=KubeVersion.parse(kubernetes_version))
        except ValueError as exc:
            raise ConfigError(f"--kubernetes-version: {exc}") from None
    return config


def parse(text: str, source: str) -> Config:
    """The configuration in `text`; ConfigError with the first problem (by line) if there is any."""
    value, problems = _check(text)
    if problems:
        raise ConfigError(problems[0].format(source))
    return _build(value, source)


def validate(text: str, source: str) -> list[str]:
    """Every problem of `text` as `FILE:LINE:COL: message` lines, sorted by position; [] if it is valid."""
    return [p.format(source) for p in _check(text)[1]]


@functools.lru_cache(maxsize=1)
def schema() -> Mapping[str, Any]:
    """The JSON Schema shipped with the package (the same file editors use)."""
    text = resources.files("jobguard").joinpath("config.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# ------------------------------------------------------------------------------------------ YAML with positions

Key = tuple[str | int, ...]
Pos = tuple[int, int]  # 1-based line and column


@dataclass(frozen=True)
class _Problem:
    line: int
    column: int
    message: str

    def format(self, source: str) -> str:
        return f"{source}:{self.line}:{self.column}: {self.message}"


@dataclass
class _Doc:
    """The plain value of the file, with the position of every key and every value by path."""

    keys: dict[Key, Pos] = field(default_factory=dict)
    values: dict[Key, Pos] = field(default_factory=dict)
    problems: list[_Problem] = field(default_factory=list)

    def key_pos(self, path: Key) -> Pos:
        return self.keys.get(path) or self.value_pos(path)

    def value_pos(self, path: Key) -> Pos:
        for cut in range(len(path), -1, -1):
            pos = self.values.get(path[:cut])
            if pos is not None:
                return pos
        return (1, 1)

    def add(self, pos: Pos, message: str) -> None:
        self.problems.append(_Problem(pos[0], pos[1], message))


class _Loader(yaml.SafeLoader):
    """PyYAML with the YAML 1.2 core schema's implicit types (what editors use): `off` stays a string."""


_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])

_SCALAR_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}


def _pos(node: Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _read(text: str) -> tuple[Any, _Doc] | _Problem:
    """Compose the one document of `text` into plain values with positions; a syntax error is one problem."""
    loader = _Loader(text.removeprefix("\ufeff"))
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if exc.context == "expected a single document in the stream":
            return _Problem(line, column, "a configuration file holds one YAML document; remove the second one")
        problem = str(exc.problem or exc.context or "cannot parse")
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        return _Problem(line, column, f"invalid YAML: {problem}{context}")
    finally:
        loader.dispose()
    doc = _Doc()
    if root is None:
        return None, doc
    try:
        return _Converter(doc, loader).convert(root, ()), doc
    except _TooBig as exc:
        return _Problem(*exc.pos, "the configuration is too big (YAML aliases?)")


class _Converter:
    """Nodes -> plain values, recording positions and the problems a schema cannot see (duplicates, tags)."""

    def __init__(self, doc: _Doc, loader: _Loader) -> None:
        self.doc = doc
        self.constructor = loader
        self.active: set[int] = set()
        self.count = 0

    def convert(self, node: Node, path: Key) -> Any:
        self.doc.values.setdefault(path, _pos(node))
        self.count += 1
        if self.count > _MAX_NODES:
            raise _TooBig(_pos(node))
        if id(node) in self.active:
            self.doc.add(_pos(node), "recursive YAML alias")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                if node.tag != "tag:yaml.org,2002:seq":
                    self.doc.add(_pos(node), _tag_message(node))
                return [self.convert(child, (*path, i)) for i, child in enumerate(node.value)]
            assert isinstance(node, ScalarNode)
            return self._scalar(node)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: MappingNode, path: Key) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            self.doc.add(_pos(node), _tag_message(node))
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                kind = "a mapping" if isinstance(key_node, MappingNode) else "a list"
                self.doc.add(_pos(key_node), f"a key must be a plain string, got {kind}")
                continue
            name = str(key_node.value)
            child = (*path, name)
            first = self.doc.keys.get(child)
            if first is not None:
                self.doc.add(_pos(key_node), f"duplicate key {name!r} (first on line {first[0]})")
                continue
            self.doc.keys[child] = _pos(key_node)
            result[name] = self.convert(value_node, child)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS and node.tag not in ("!", "?"):
            self.doc.add(_pos(node), _tag_message(node))
            return node.value
        if node.tag in ("tag:yaml.org,2002:str", "!", "?"):
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError):
            self.doc.add(_pos(node), f"cannot read {node.value!r} as {node.tag.rpartition(':')[2]}")
            return node.value


def _tag_message(node: Node) -> str:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    return f"YAML tag {tag!r} is not allowed in the configuration"


class _TooBig(Exception):
    def __init__(self, pos: Pos) -> None:
        super().__init__("too big")
        self.pos = pos


# ------------------------------------------------------------------------------------------------- validation


def _check(text: str) -> tuple[Any, list[_Problem]]:
    """The plain value and every problem, sorted by position (an empty document is the defaults)."""
    read = _read(text)
    if isinstance(read, _Problem):
        return None, [read]
    value, doc = read
    if value is None:
        return None, doc.problems
    if not isinstance(value, dict):
        return None, [*doc.problems, _Problem(*doc.value_pos(()), _top_level(value))]
    for error in _validator().iter_errors(value):
        _translate(error, doc, ())
    _check_version(value, doc)
    for path, rules in _rule_sections(value):
        _check_rules(path, rules, doc)
    for path, patterns in _pattern_lists(value):
        _check_patterns(path, patterns, doc)
    unique = sorted(set(doc.problems), key=lambda p: (p.line, p.column, p.message))
    return value, unique


def _top_level(value: object) -> str:
    return f"the configuration must be a mapping of keys (like 'fail-on: error'), got {_shown(value)}"


def _is_int(_checker: object, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)  # 2.0 is not a count of comments


@functools.lru_cache(maxsize=1)
def _validator_class() -> type[jsonschema.protocols.Validator]:
    """Draft 2020-12 where `integer` means a YAML integer (jsonschema also accepts 2.0)."""
    import jsonschema.validators

    base = jsonschema.Draft202012Validator
    strict: type[jsonschema.protocols.Validator] = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_int)
    )
    return strict


@functools.lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    return _validator_class()(schema())


def _rule_sections(value: Mapping[str, Any]) -> Iterator[tuple[Key, Mapping[str, Any]]]:
    if isinstance(value.get("rules"), dict):
        yield ("rules",), value["rules"]
    overrides = value.get("overrides")
    for i, item in enumerate(overrides if isinstance(overrides, list) else []):
        if isinstance(item, dict) and isinstance(item.get("rules"), dict):
            yield ("overrides", i, "rules"), item["rules"]


def _pattern_lists(value: Mapping[str, Any]) -> Iterator[tuple[Key, list[Any]]]:
    paths = value.get("paths")
    if isinstance(paths, dict):
        for key in ("include", "exclude"):
            if isinstance(paths.get(key), list):
                yield ("paths", key), paths[key]
    overrides = value.get("overrides")
    for i, item in enumerate(overrides if isinstance(overrides, list) else []):
        if isinstance(item, dict) and isinstance(item.get("paths"), list):
            yield ("overrides", i, "paths"), item["paths"]


def _check_version(value: Mapping[str, Any], doc: _Doc) -> None:
    """The schema checks the form; only KubeVersion knows which minors jobguard has tables for."""
    text = value.get("kubernetes-version")
    pattern = schema()["properties"]["kubernetes-version"]["pattern"]
    if not isinstance(text, str) or not re.search(pattern, text):
        return
    try:
        KubeVersion.parse(text)
    except ValueError:
        doc.add(
            doc.value_pos(("kubernetes-version",)),
            f"kubernetes-version {text!r} is not supported (jobguard knows {OLDEST_SUPPORTED} to {NEWEST_SUPPORTED})",
        )


def _check_rules(path: Key, rules: Mapping[str, Any], doc: _Doc) -> None:
    """Rule ids and options against this release's registry (a static schema cannot know them)."""
    known = DEFAULT_SEVERITIES
    for rule_id, setting in rules.items():
        if rule_id not in known:
            doc.add(doc.key_pos((*path, rule_id)), f"unknown rule {rule_id!r}{hint(rule_id, known, 'rules')}")
            continue
        if not isinstance(setting, dict):
            continue
        options = _rule_options(rule_id)
        for option, option_value in setting.items():
            option_path = (*path, rule_id, option)
            if option == "severity":
                continue
            if option not in options:
                advice = hint(option, options, "options") if options else " (it has no options)"
                doc.add(doc.key_pos(option_path), f"unknown option {option!r} for rule {rule_id!r}{advice}")
                continue
            for error in _validator_class()(options[option]).iter_errors(option_value):
                _translate(error, doc, option_path)


def _rule_options(rule_id: str) -> Mapping[str, Mapping[str, Any]]:
    """A rule's options: `OPTIONS` in its module, option name -> JSON Schema of the value (none today)."""
    rule = RULES_BY_ID.get(rule_id)
    options = getattr(rule.module, "OPTIONS", None) if rule is not None else None
    return options if isinstance(options, Mapping) else {}


def _check_patterns(path: Key, patterns: Sequence[Any], doc: _Doc) -> None:
    for i, pattern in enumerate(patterns):
        if not isinstance(pattern, str) or not pattern:
            continue  # the schema reports those
        try:
            _spec((pattern,))
        except (ValueError, re.error):
            doc.add(
                doc.value_pos((*path, i)), f"{_name((*path, i))} is not a valid gitignore-style pattern: {pattern!r}"
            )


# ----------------------------------------------------------------------------------- jsonschema -> sentences


def _translate(error: jsonschema.ValidationError, doc: _Doc, base: Key) -> None:
    """One schema error -> one or more human problems at the offending key or value."""
    path: Key = (*base, *error.absolute_path)
    name = _name(path)
    instance: Any = error.instance
    expected: Any = error.validator_value
    subschema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    kind = error.validator
    if kind == "additionalProperties":
        known = list(subschema.get("properties", {}))
        where = f" in {name}" if path else ""
        for key in instance:
            if key not in known:
                doc.add(doc.key_pos((*path, key)), f"unknown key {key!r}{where}{hint(key, known, 'keys')}")
    elif kind == "anyOf" and subschema == schema()["$defs"]["rule"]:
        if isinstance(instance, dict):  # the mapping form: report what is wrong inside it
            for sub in error.context or ():
                if sub.relative_schema_path and sub.relative_schema_path[0] == 1:
                    _translate(sub, doc, base)
        else:
            message = f"{name} must be {_either(SEVERITIES)} (or a mapping with a severity), got {_shown(instance)}"
            doc.add(doc.value_pos(path), message + did_you_mean(instance, SEVERITIES))
    elif kind == "enum" and len(path) == 3 and path[:2] == ("fix", "prefer"):
        strategies = list(expected)
        doc.add(
            doc.value_pos(path),
            f"unknown fix strategy {_shown(instance)} in fix.prefer{hint(instance, strategies, 'strategies')}",
        )
    elif kind == "enum":
        doc.add(
            doc.value_pos(path),
            f"{name} must be {_either(expected)}, got {_shown(instance)}" + did_you_mean(instance, expected),
        )
    elif kind == "type":
        doc.add(doc.value_pos(path), _type_message(name, subschema, instance))
    elif kind == "pattern":
        example = json.dumps(subschema.get("examples", ["..."])[0])
        doc.add(doc.value_pos(path), f"{name} must look like {example}, got {_shown(instance)}")
    elif kind == "required":
        for key in expected:
            if key not in instance:
                doc.add(doc.value_pos(path), f"{name} is missing the key {key!r}")
    elif kind in ("minItems", "minLength"):
        doc.add(doc.value_pos(path), f"{name} must not be empty")
    elif kind == "minimum":
        doc.add(
            doc.value_pos(path),
            f"{name} must be {_expected(subschema)} >= {expected}, got {_shown(instance)}",
        )
    elif kind == "uniqueItems":
        for i, item in enumerate(instance):
            if item in instance[:i]:
                doc.add(doc.value_pos((*path, i)), f"{name} lists {_shown(item)} twice")
    else:  # pragma: no cover - the shipped schema uses only the keywords above
        doc.add(doc.value_pos(path), f"{name}: {error.message}")


def _type_message(name: str, subschema: Mapping[str, Any], instance: object) -> str:
    expected = _expected(subschema)
    message = f"{name} must be {expected}, got {_shown(instance)}"
    if expected.startswith("a string") and isinstance(instance, (int, float)):  # bool too: `true` -> "true"
        message += " (quote it)"
    return message


_TYPE_PHRASES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}


def _expected(subschema: Mapping[str, Any]) -> str:
    types = subschema.get("type", "string")
    first = next(t for t in ([types] if isinstance(types, str) else types) if t != "null")
    phrase = _TYPE_PHRASES[first]
    examples = subschema.get("examples")
    if first == "string" and examples:
        phrase += f" like {json.dumps(examples[0])}"
    return phrase


def _name(path: Key) -> str:
    """`review.max-inline-comments`, `overrides[0].paths[1]`; the empty path is the whole file."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the configuration"


def _shown(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _either(choices: Sequence[object]) -> str:
    words = [str(c) for c in choices]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


# --------------------------------------------------------------------------------------------------- building


def _build(value: Mapping[str, Any] | None, source: str) -> Config:
    """A validated plain value -> Config (null sections count as empty ones)."""
    if value is None:
        return Config(source=source)
    fix = value.get("fix") or {}
    paths = value.get("paths") or {}
    review = value.get("review") or {}
    version = value.get("kubernetes-version")
    fail_on = value.get("fail-on", "error")
    return Config(
        source=source,
        kubernetes_version=KubeVersion.parse(version) if version is not None else DEFAULT_KUBERNETES_VERSION,
        gitops=value.get("gitops", DEFAULT.gitops),
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


# ------------------------------------------------------------------------------------ generated documentation


def _yaml_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_scalar(v) for v in value) + "]"
    if (
        isinstance(value, str)
        and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", value)
        and value not in ("true", "false", "null")
    ):
        return value
    return json.dumps(value)


def _defaults() -> dict[str, str]:
    """Dotted key -> the default as YAML, from DEFAULT (so docs cannot drift from the code)."""
    review = DEFAULT.review
    return {
        "kubernetes-version": _yaml_scalar(str(DEFAULT.kubernetes_version)),
        "gitops": DEFAULT.gitops,
        "fail-on": DEFAULT.fail_on.value if DEFAULT.fail_on else "never",
        "fix.prefer": _yaml_scalar(list(DEFAULT.fix_prefer)),
        "paths.include": _yaml_scalar(list(DEFAULT.include)),
        "paths.exclude": _yaml_scalar(list(DEFAULT.exclude)),
        "overrides": "[]",
        "review.max-inline-comments": _yaml_scalar(review.max_inline_comments),
        "review.summary": _yaml_scalar(review.summary),
        "review.allow-head-config": _yaml_scalar(review.allow_head_config),
    }


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width=108 - len(indent))]


def init_text() -> str:
    """A configuration with every key at its default, each explained (`jobguard init` writes it)."""
    props = schema()["properties"]
    defaults = _defaults()
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "# jobguard configuration: every key is optional; these are the defaults.",
    ]
    for key, sub in props.items():
        lines.append("")
        lines.extend(_comment(sub["description"], ""))
        if key == "rules":
            lines.append("rules:")
            for rule_id, severity in DEFAULT_SEVERITIES.items():
                lines.extend(_comment(_summary(rule_id), "  "))
                lines.append(f"  {rule_id}: {severity.value}")
        elif key == "overrides":
            lines.append("overrides: []")
            lines.extend(["#  - paths: [tests/**, examples/**]", "#    rules:", "#      job-immutable-field: warning"])
        elif "properties" in sub:
            lines.append(f"{key}:")
            for child, child_sub in sub["properties"].items():
                lines.extend(_comment(child_sub["description"], "  "))
                dotted = f"{key}.{child}"
                if dotted in defaults:
                    lines.append(f"  {child}: {defaults[dotted]}")
                else:  # no value stands for the default (hook-phase: inferred per Job)
                    lines.append(f"  # {child}: {child_sub['enum'][0]}")
        else:
            lines.append(f"{key}: {defaults[key]}")
    return "\n".join(lines) + "\n"


def _summary(rule_id: str) -> str:
    return RULES_BY_ID[rule_id].summary


def _type_cell(sub: Mapping[str, Any]) -> str:
    if "enum" in sub:
        return " \\| ".join(f"`{v}`" for v in sub["enum"])
    if "$ref" in sub and sub["$ref"].endswith("/patterns"):
        return "list of patterns"
    if "$ref" in sub and sub["$ref"].endswith("/rules"):
        return "mapping: rule id → setting"
    if "items" in sub and "enum" in sub["items"]:
        return "list of strategy ids"
    if "items" in sub:
        return "list of patterns" if sub["items"].get("$ref", "").endswith("/pattern") else "list"
    cell = _expected(sub).removeprefix("a ").removeprefix("an ")
    return f"{cell} ≥ {sub['minimum']}" if "minimum" in sub else cell


def _rows(props: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for key, sub in props.items():
        dotted = f"{prefix}{key}"
        yield dotted, sub
        if "properties" in sub:
            yield from _rows(sub["properties"], f"{dotted}.")
        items = sub.get("items", {})
        if "properties" in items:
            yield from _rows(items["properties"], f"{dotted}[].")


def markdown_reference() -> str:
    """The README's configuration section, generated from the schema (run `jobguard init` for a file)."""
    defaults = _defaults()
    out = [
        "## Configuration",
        "",
        f"jobguard reads the first of {', '.join(f'`{n}`' for n in CONFIG_NAMES)} in the repository root. "
        "Every key is optional. Unknown keys, unknown rule ids and invalid values stop the run with exit code 2 "
        "and one `FILE:LINE:COL: message` line each, with a did-you-mean where one is close. "
        "`jobguard init` writes a file with every default and a comment on each key.",
        "",
        "The file is YAML 1.2, as editors read it: `off` is a word, but an unquoted `1.30` is the number 1.3, "
        'so quote versions (`kubernetes-version: "1.30"`). Editors with yaml-language-server (the VS Code YAML '
        "extension, and others) complete and check the file when it starts with:",
        "",
        "```yaml",
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "```",
        "",
        "| Key | Value | Default | Meaning |",
        "| --- | --- | --- | --- |",
    ]
    for dotted, sub in _rows(schema()["properties"], ""):
        if dotted == "kubernetes-version":
            default = f"`{defaults[dotted]}` (newest known)"
        elif dotted in defaults:
            default = f"`{defaults[dotted]}`"
        elif dotted == "fix.hook-phase":
            default = "inferred per Job"
        else:
            default = ""
        kind = "mapping" if "properties" in sub else _type_cell(sub)
        out.append(f"| `{dotted}` | {kind} | {default} | {sub.get('description', '')} |")
    rule_ids = ", ".join(f"`{r}`" for r in schema()["$defs"]["rules"]["properties"])
    out += [
        "",
        "### Rule settings",
        "",
        "Under `rules` (and `overrides[].rules`), each rule id takes a severity, `error`, `warning`, `info` or "
        "`off`, or a mapping `{severity: ..., <option>: ...}` for rules that have options. "
        f"Rule ids: {rule_ids}.",
        "",
        "A rule's setting for a file is its default severity, then `rules`, then every override whose `paths` "
        "match the file, in order: a later override wins. Options are merged key by key.",
        "",
        "`paths.include`, `paths.exclude` and `overrides[].paths` are gitignore-style patterns relative to the "
        "repository root (`apps/**/jobs/`, `*.yaml`, `!keep.yaml`). A file is checked when it matches `include` "
        "(or `include` is empty) and does not match `exclude`.",
        "",
        "### Inline ignores",
        "",
        "A comment `# jobguard: ignore[rule-id, ...] reason` on the line of a Job's `metadata:` or `name:`, or "
        "in the comment lines above the Job's first key, silences those rules for that Job. The annotation "
        f"`{ignores.ANNOTATION}: rule-id,...` does the same from the manifest, with the reason in "
        f"`{ignores.REASON_ANNOTATION}`. An ignore without a reason is reported as `ignore-without-reason` "
        "(warning); one that silences nothing, names an unknown rule or sits where it has no effect as "
        "`ignore-unused` (info).",
        "",
        "```yaml",
        "metadata:",
        "  name: db-migrate  # jobguard: ignore[job-immutable-field] the old Job is deleted by the release script",
        "```",
        "",
        "### Example",
        "",
        "```yaml",
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        'kubernetes-version: "1.30"',
        "gitops: argocd",
        "fail-on: warning",
        "rules:",
        "  job-ttl-after-finished: off",
        "fix:",
        "  prefer: [argocd-force, argocd-hook]",
        "paths:",
        "  exclude: [charts/**/templates/]",
        "overrides:",
        "  - paths: [sandbox/**]",
        "    rules:",
        "      job-immutable-field: warning",
        "review:",
        "  max-inline-comments: 10",
        "```",
    ]
    return "\n".join(out) + "\n"
