"""`.jobguard.yaml` read as plain values, with the position of every key and value for the messages.

The file is read as YAML 1.2 (core schema), like yaml-language-server does: `off`, `yes` and `on` are strings,
so `rule-id: off` means off. YAML still reads an unquoted `1.30` as the number 1.3, which the messages point out.
What a schema cannot see is reported here: duplicate keys, YAML tags, keys that are not strings, alias bombs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_MAX_NODES = 20_000  # a configuration is a few dozen nodes; this stops alias bombs and huge files
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64  # a configuration nests about 5 levels; composing is recursive in PyYAML

try:  # libyaml's event parser for the bounds check: C speed, so a huge file is refused in milliseconds
    from yaml import CSafeLoader as _Events
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Events  # type: ignore[assignment]

Key = tuple[str | int, ...]
Pos = tuple[int, int]  # 1-based line and column


@dataclass(frozen=True)
class Problem:
    """One mistake at a 1-based position, printed as `FILE:LINE:COL: message`."""

    line: int
    column: int
    message: str

    def format(self, source: str) -> str:
        return f"{source}:{self.line}:{self.column}: {self.message}"


@dataclass
class Doc:
    """The plain value of the file, with the position of every key and every value by path."""

    keys: dict[Key, Pos] = field(default_factory=dict)
    values: dict[Key, Pos] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def key_pos(self, path: Key) -> Pos:
        return self.keys.get(path) or self.value_pos(path)

    def value_pos(self, path: Key) -> Pos:
        for cut in range(len(path), -1, -1):
            pos = self.values.get(path[:cut])
            if pos is not None:
                return pos
        return (1, 1)

    def add(self, pos: Pos, message: str) -> None:
        self.problems.append(Problem(pos[0], pos[1], message))


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


def read(text: str) -> tuple[Any, Doc] | Problem:
    """Compose the one document of `text` into plain values with positions; a syntax error is one problem, and so
    is a text over the bounds (checked on the event stream before anything is composed)."""
    body = text.removeprefix("\ufeff")
    refused = _bounds(body)
    if refused is not None:
        return refused
    try:
        loader = _Loader(body)  # the reader checks every character here
    except yaml.reader.ReaderError as exc:
        return _reader_problem(body, exc)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return _syntax_problem(exc)
    finally:
        loader.dispose()
    doc = Doc()
    if root is None:
        return None, doc
    try:
        return _Converter(doc, loader).convert(root, ()), doc
    except _TooBig as exc:
        return Problem(*exc.pos, "the configuration is too big (YAML aliases?)")


def _bounds(text: str) -> Problem | None:
    """Why `text` is refused before composing (too many bytes, values or levels), or None. Syntax errors are left
    to the composer, which reports them with PyYAML's own messages."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return Problem(1, 1, f"the configuration is {size:,} bytes, over the {MAX_BYTES:,}-byte limit")
    events = _Events(text)
    try:
        return _counted(events)
    except yaml.MarkedYAMLError as exc:  # libyaml's scanner reads ahead: its own depth limit may come first
        deep = "nesting depth" in str(exc.problem)
        return (
            Problem(*_mark(exc.problem_mark), f"the configuration nests deeper than {MAX_DEPTH} levels")
            if deep
            else None
        )
    except yaml.YAMLError:
        return None
    finally:
        events.dispose()


def _counted(events: _Events) -> Problem | None:
    depth = nodes = 0
    while events.check_event():
        event = events.get_event()
        nodes += isinstance(event, yaml.NodeEvent)
        depth += isinstance(event, yaml.CollectionStartEvent) - isinstance(event, yaml.CollectionEndEvent)
        if depth > MAX_DEPTH:
            return Problem(*_mark(event), f"the configuration nests deeper than {MAX_DEPTH} levels")
        if nodes > _MAX_NODES:
            return Problem(*_mark(event), f"the configuration is too big (more than {_MAX_NODES:,} values)")
    return None


def _mark(at: yaml.Event | yaml.Mark | None) -> Pos:
    mark = at.start_mark if isinstance(at, yaml.Event) else at
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> Problem:
    """A character YAML forbids (a NUL byte, a control character), reported by its offset."""
    before = text[: exc.position]
    code = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
    column = len(before) - before.rfind("\n")
    return Problem(before.count("\n") + 1, column, f"character U+{code:04X} is not allowed in YAML")


def _syntax_problem(exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if exc.context == "expected a single document in the stream":
        return Problem(line, column, "a configuration file holds one YAML document; remove the second one")
    problem = str(exc.problem or exc.context or "cannot parse")
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return Problem(line, column, f"invalid YAML: {problem}{context}")


class _Converter:
    """Nodes -> plain values, recording positions and the problems a schema cannot see (duplicates, tags)."""

    def __init__(self, doc: Doc, loader: _Loader) -> None:
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
