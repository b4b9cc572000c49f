"""Every mistake in a `.jobguard.yaml`, each as one sentence at the offending key or value.

Why a JSON Schema and hand-written messages: jobguard validates with the schema editors use
(`jobguard.config_schema`), then turns each `jsonschema` error into a sentence a user can act on (with a
did-you-mean), and adds what a static schema cannot know: the rule ids and rule options of this release's
registry, supported Kubernetes versions, valid path patterns.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobguard.config_schema import SEVERITIES, kube_version, path_spec, schema
from jobguard.config_yaml import Doc, Key, Problem, read
from jobguard.kube.version import NEWEST as NEWEST_SUPPORTED
from jobguard.kube.version import OLDEST as OLDEST_SUPPORTED
from jobguard.rules import RULES_BY_ID
from jobguard.suggest import did_you_mean, hint

if TYPE_CHECKING:  # imported when a file is validated: a run without a config file does not pay for it
    import jsonschema


def check(text: str) -> tuple[Any, list[Problem]]:
    """The plain value of `text` and every problem, sorted by position (an empty document is the defaults)."""
    found = read(text)
    if isinstance(found, Problem):
        return None, [found]
    value, doc = found
    if value is None:
        return None, doc.problems
    if not isinstance(value, dict):
        return None, [*doc.problems, Problem(*doc.value_pos(()), _top_level(value))]
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
    yield from _in_overrides(value, "rules", dict)


def _pattern_lists(value: Mapping[str, Any]) -> Iterator[tuple[Key, list[Any]]]:
    paths = value.get("paths")
    render = value.get("render")
    for key in ("include", "exclude"):
        if isinstance(paths, dict) and isinstance(paths.get(key), list):
            yield ("paths", key), paths[key]
        if isinstance(render, dict) and isinstance(render.get(key), list):
            yield ("render", key), render[key]
    yield from _in_overrides(value, "paths", list)


def _in_overrides(value: Mapping[str, Any], key: str, kind: type) -> Iterator[tuple[Key, Any]]:
    """`overrides[i].<key>` wherever it has the right type (the schema reports the others)."""
    overrides = value.get("overrides")
    for i, item in enumerate(overrides if isinstance(overrides, list) else []):
        if isinstance(item, dict) and isinstance(item.get(key), kind):
            yield ("overrides", i, key), item[key]


def _check_version(value: Mapping[str, Any], doc: Doc) -> None:
    """The schema checks the form; only KubeVersion knows which minors jobguard has tables for."""
    text = value.get("kubernetes-version")
    pattern = schema()["properties"]["kubernetes-version"]["pattern"]
    if not isinstance(text, str) or not re.search(pattern, text):
        return
    try:
        kube_version(text, "kubernetes-version")
    except ValueError:
        doc.add(
            doc.value_pos(("kubernetes-version",)),
            f"kubernetes-version {text!r} is not supported (jobguard knows {OLDEST_SUPPORTED} to {NEWEST_SUPPORTED})",
        )


def _check_rules(path: Key, rules: Mapping[str, Any], doc: Doc) -> None:
    """Rule ids and options against this release's registry (a static schema cannot know them)."""
    for rule_id, setting in rules.items():
        if rule_id not in RULES_BY_ID:
            doc.add(doc.key_pos((*path, rule_id)), f"unknown rule {rule_id!r}{hint(rule_id, RULES_BY_ID, 'rules')}")
        elif isinstance(setting, dict):
            _check_options(rule_id, (*path, rule_id), setting, doc)


def _check_options(rule_id: str, path: Key, setting: Mapping[str, Any], doc: Doc) -> None:
    """A rule's options: `OPTIONS` in its module, option name -> JSON Schema of the value (none today)."""
    declared = getattr(RULES_BY_ID[rule_id].module, "OPTIONS", None)
    options: Mapping[str, Mapping[str, Any]] = declared if isinstance(declared, Mapping) else {}
    for option, option_value in setting.items():
        if option == "severity":
            continue
        if option not in options:
            advice = hint(option, options, "options") if options else " (it has no options)"
            doc.add(doc.key_pos((*path, option)), f"unknown option {option!r} for rule {rule_id!r}{advice}")
            continue
        for error in _validator_class()(options[option]).iter_errors(option_value):
            _translate(error, doc, (*path, option))


def _check_patterns(path: Key, patterns: Sequence[Any], doc: Doc) -> None:
    for i, pattern in enumerate(patterns):
        if not isinstance(pattern, str) or not pattern:
            continue  # the schema reports those
        try:
            path_spec((pattern,))
        except (ValueError, re.error):
            doc.add(
                doc.value_pos((*path, i)), f"{_name((*path, i))} is not a valid gitignore-style pattern: {pattern!r}"
            )


# ----------------------------------------------------------------------------------- jsonschema -> sentences


@dataclass(frozen=True)
class _Failure:
    """One jsonschema error with where it is in the file (`base`: the key its schema was applied at)."""

    error: jsonschema.ValidationError
    base: Key

    @property
    def path(self) -> Key:
        return (*self.base, *self.error.absolute_path)

    @property
    def name(self) -> str:
        return _name(self.path)

    @property
    def subschema(self) -> Mapping[str, Any]:
        return self.error.schema if isinstance(self.error.schema, Mapping) else {}

    @property
    def instance(self) -> Any:
        return self.error.instance

    @property
    def schema_value(self) -> Any:
        """The keyword's value in the schema: the allowed values, the required keys, the minimum."""
        return self.error.validator_value


def _translate(error: jsonschema.ValidationError, doc: Doc, base: Key) -> None:
    """One schema error -> one or more human problems at the offending key or value."""
    failure = _Failure(error, base)
    _SENTENCES.get(str(error.validator), _other)(failure, doc)


def _additional_properties(f: _Failure, doc: Doc) -> None:
    known = list(f.subschema.get("properties", {}))
    where = f" in {f.name}" if f.path else ""
    for key in f.instance:
        if key not in known:
            doc.add(doc.key_pos((*f.path, key)), f"unknown key {key!r}{where}{hint(key, known, 'keys')}")


def _any_of(f: _Failure, doc: Doc) -> None:
    instance = f.instance
    if f.subschema != schema()["$defs"]["rule"]:
        _other(f, doc)
    elif isinstance(instance, dict):  # the mapping form: report what is wrong inside it
        for sub in f.error.context or ():
            if sub.relative_schema_path and sub.relative_schema_path[0] == 1:
                _translate(sub, doc, f.base)
    else:
        message = f"{f.name} must be {_either(SEVERITIES)} (or a mapping with a severity), got {_shown(instance)}"
        doc.add(doc.value_pos(f.path), message + did_you_mean(instance, SEVERITIES))


def _enum(f: _Failure, doc: Doc) -> None:
    instance, allowed = f.instance, f.schema_value
    if len(f.path) == 3 and f.path[:2] == ("fix", "prefer"):
        advice = hint(instance, list(allowed), "strategies")
        doc.add(doc.value_pos(f.path), f"unknown fix strategy {_shown(instance)} in fix.prefer{advice}")
    else:
        message = f"{f.name} must be {_either(allowed)}, got {_shown(instance)}"
        doc.add(doc.value_pos(f.path), message + did_you_mean(instance, allowed))


def _type(f: _Failure, doc: Doc) -> None:
    doc.add(doc.value_pos(f.path), _type_message(f.name, f.subschema, f.instance))


def _pattern(f: _Failure, doc: Doc) -> None:
    example = json.dumps(f.subschema.get("examples", ["..."])[0])
    doc.add(doc.value_pos(f.path), f"{f.name} must look like {example}, got {_shown(f.instance)}")


def _required(f: _Failure, doc: Doc) -> None:
    for key in f.schema_value:
        if key not in f.instance:
            doc.add(doc.value_pos(f.path), f"{f.name} is missing the key {key!r}")


def _empty(f: _Failure, doc: Doc) -> None:
    doc.add(doc.value_pos(f.path), f"{f.name} must not be empty")


def _minimum(f: _Failure, doc: Doc) -> None:
    got = _shown(f.instance)
    doc.add(doc.value_pos(f.path), f"{f.name} must be {expected(f.subschema)} >= {f.schema_value}, got {got}")


def _unique_items(f: _Failure, doc: Doc) -> None:
    instance = f.instance
    for i, item in enumerate(instance):
        if item in instance[:i]:
            doc.add(doc.value_pos((*f.path, i)), f"{f.name} lists {_shown(item)} twice")


def _other(f: _Failure, doc: Doc) -> None:  # pragma: no cover - the shipped schema uses only the keywords above
    doc.add(doc.value_pos(f.path), f"{f.name}: {f.error.message}")


_SENTENCES: Mapping[str, Callable[[_Failure, Doc], None]] = {
    "additionalProperties": _additional_properties,
    "anyOf": _any_of,
    "enum": _enum,
    "type": _type,
    "pattern": _pattern,
    "required": _required,
    "minItems": _empty,
    "minLength": _empty,
    "minimum": _minimum,
    "uniqueItems": _unique_items,
}
"""jsonschema keyword -> how its error reads (the keywords the shipped schema and rule options use)."""


def _type_message(name: str, subschema: Mapping[str, Any], instance: object) -> str:
    phrase = expected(subschema)
    message = f"{name} must be {phrase}, got {_shown(instance)}"
    if phrase.startswith("a string") and isinstance(instance, (int, float)):  # bool too: `true` -> "true"
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


def expected(subschema: Mapping[str, Any]) -> str:
    """What a value of `subschema` is, in words (`a string like "1.30"`); the docs' table uses it too."""
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
