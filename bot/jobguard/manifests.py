"""Bytes of a changed file -> the Kubernetes objects in it, with the line of every field.

Why PyYAML's libyaml composer: every changed file of a pull request is parsed on both sides, and the C composer is
several times faster than any pure-Python parser while still giving exact node positions. Fixes use the same
positions to splice text (jobguard.fixes), so no round-trip parser is needed to keep comments and style.

Decoding follows what kubectl / Argo CD do (YAML 1.1 scalars, merge keys, multi-document
files, `kind: List`), and every way a file can be unusable becomes a `Problem` with a line, never an exception
(the size and alias limits: `jobguard.manifest_guards`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jobguard import manifest_guards as guards
from jobguard.diff import LineNumbers
from jobguard.manifest_guards import Unusable

try:  # libyaml is in every PyYAML wheel; the pure parser is the (slow but correct) fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

JOB_KINDS = frozenset({("batch", "Job")})
"""(API group, kind) of the objects jobguard reads in full."""

_STANDARD_TAG = re.compile(r"^tag:yaml\.org,2002:(str|int|float|bool|null|map|seq|timestamp|merge|binary)$")
_TEMPLATE_MARK = re.compile(r"\{\{|\{%")
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks, not str.splitlines()'
_COMMENT_START = re.compile(r"(?<![^ \t\r\n\x85\u2028\u2029])#")  # a `#` at a line start or after a blank
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """Why (part of) a file could not be checked; becomes a `manifest-invalid` finding."""

    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class ManifestIndex:
    """Where an object sits in its file: its document's number and, inside a `kind: List`, its item number.

    Shown as `N` or `N.items[i]` (messages); `jobguard.fixes` edits the object it points at.
    """

    document: int
    item: int | None = None

    def __str__(self) -> str:
        return str(self.document) if self.item is None else f"{self.document}.items[{self.item}]"


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object read in full, with the 1-based line span of each of its fields."""

    path: str
    index: ManifestIndex
    value: Mapping[str, Any]
    start_line: int
    end_line: int
    source: str  # the object's own text, to tell a textual edit from an untouched object
    spans: Mapping[Path, tuple[int, int]] = field(repr=False, compare=False)
    document: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)
    """Character range [lo, hi) of the object's YAML document in the decoded text: from the start of the line its
    root begins on to the root's end (jobguard.fixes edits and re-parses only that document)."""

    def span_of(self, path: Path) -> tuple[int, int]:
        """Line span of `path`, or of its deepest ancestor that exists (the whole object at worst)."""
        for cut in range(len(path), 0, -1):
            span = self.spans.get(path[:cut])
            if span is not None:
                return span
        return (self.start_line, self.end_line)

    def has(self, path: Path) -> bool:
        return path in self.spans


@dataclass(frozen=True)
class ManifestFile:
    """What one side of one file holds: the Jobs read in full, and the problems found."""

    path: str
    manifests: tuple[Manifest, ...] = ()
    problems: tuple[Problem, ...] = ()
    template: bool = False  # a Helm/Jinja template that is not YAML on its own: skipped, not an error
    text: str = ""  # the decoded text, kept only when the file holds Jobs (inline ignores read its comments)
    bom: bool = False  # the bytes began with a UTF-8 byte order mark (not part of `text`)


def load(path: str, data: bytes, *, jobs_only: bool = False) -> ManifestFile:
    """Read every document of a file; Jobs come back in full, everything unusable as a `Problem`.

    A file that cannot hold a Job (the word never appears) is only checked for YAML syntax, with the event
    parser: building nodes for it would cost more than all the rest of a review. With `jobs_only` (the base
    side, whose validity does not matter) such a file is not parsed at all.
    """
    refused = guards.refusal(data)
    if refused is not None:
        return _refused(path, refused)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ManifestFile(
            path, problems=(Problem(path, line, 1, f"not UTF-8 text (invalid byte at offset {exc.start})"),)
        )
    if b"Job" not in data:
        return ManifestFile(path) if jobs_only else _syntax_only(path, text)
    try:
        roots = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        return _syntax_error(path, text, exc)
    numbers = LineNumbers(text)
    manifests: list[Manifest] = []
    problems: list[Problem] = []
    looks_like_kubernetes = any(_is_object(root) for root in roots)
    for number, root in enumerate(roots):
        if root is None or (isinstance(root, ScalarNode) and root.tag.endswith(":null")):
            continue
        if not isinstance(root, MappingNode):
            if looks_like_kubernetes:
                kind = "a list" if isinstance(root, SequenceNode) else "a scalar"
                message = f"document {number + 1} is {kind}, not a Kubernetes object"
                problems.append(_problem(path, root, message, numbers))
            continue
        try:  # the whole document: the fix of a Job re-reads it, whatever its other List items hold
            guards.check_size(root)
        except Unusable as exc:
            problems.append(_problem(path, exc.node, exc.message, numbers))
            continue
        document = document_range(text, root)
        for index, obj in _objects(root, number):
            try:
                manifest = _read_job(path, index, obj, document, numbers)
            except Unusable as exc:
                problems.append(_problem(path, exc.node, exc.message, numbers))
                continue
            if manifest is not None:
                manifests.append(manifest)
    bom = data.startswith(b"\xef\xbb\xbf")
    return ManifestFile(path, tuple(manifests), tuple(problems), text=text if manifests else "", bom=bom)


def document_range(text: str, root: Node) -> tuple[int, int]:
    """`Manifest.document` of a document root composed from `text`."""
    start = root.start_mark.index
    return text.rfind("\n", 0, start) + 1, max(start, root.end_mark.index)


def comments_with_lines(text: str) -> tuple[tuple[int, str], ...]:
    """(1-based line, text) of every comment of a YAML text (a BOM is skipped), in order; lines are counted at LF
    only, as git and every position of a `Manifest` count them (a comment still ends at any YAML line break).

    A comment is a `#` at a line start or after a blank that lies outside every token of YAML's own scanner, so
    a `#` in a quoted value or in the lines of a block scalar is none (the scanner drops comments, it never
    returns them). A block scalar's header line may end in a comment: its token counts from the next line.
    Raises yaml.YAMLError for text the scanner rejects.
    """
    body = text.removeprefix("\ufeff")
    if "#" not in body:
        return ()
    starts: list[int] = []
    ends: list[int] = []
    for token in yaml.scan(body, Loader=_Loader):
        start, end = token.start_mark.index, token.end_mark.index
        if getattr(token, "style", None) in ("|", ">"):
            header_end = _BREAK.search(body, start)
            start = end if header_end is None else min(header_end.start(), end)
        if end > start:
            starts.append(start)
            ends.append(end)
    found: list[tuple[int, str]] = []
    done = counted = 0  # `done`: end of the last comment (a `#` inside one starts none)
    line = 1  # the line of position `counted`
    for match in _COMMENT_START.finditer(body):
        at = match.start()
        i = bisect.bisect_right(starts, at) - 1
        if at < done or (i >= 0 and ends[i] > at):
            continue
        line += body.count("\n", counted, at)
        counted = at
        brk = _BREAK.search(body, at)
        done = len(body) if brk is None else brk.start()
        found.append((line, body[at:done]))
    return tuple(found)


def _syntax_only(path: str, text: str) -> ManifestFile:
    loader = _Loader(text)
    try:
        while loader.check_event():
            loader.get_event()
    except yaml.YAMLError as exc:
        return _syntax_error(path, text, exc)
    finally:
        loader.dispose()
    return ManifestFile(path)


def _syntax_error(path: str, text: str, exc: yaml.YAMLError) -> ManifestFile:
    if _TEMPLATE_MARK.search(text):
        return ManifestFile(path, template=True)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML forbids, reported by offset
        before = text[: exc.position]
        line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
        code = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        reason = f"character U+{code:04X} is not allowed in YAML"
    else:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, column = (_start(LineNumbers(text), mark), mark.column + 1) if mark else (1, 1)
        parts = (getattr(exc, "context", None), getattr(exc, "problem", None))
        reason = " ".join(str(p) for p in parts if p) or str(exc)
    return ManifestFile(path, problems=(Problem(path, line, column, f"invalid YAML: {reason}"),))


def _refused(path: str, message: str) -> ManifestFile:
    return ManifestFile(path, problems=(Problem(path, 1, 1, message),))


def _problem(path: str, node: Node, message: str, numbers: LineNumbers) -> Problem:
    return Problem(path, _start(numbers, node.start_mark), node.start_mark.column + 1, message)


def _start(numbers: LineNumbers, mark: Any) -> int:
    return numbers.start(mark.index, mark.line)


def _top_scalar(node: MappingNode, key: str) -> str | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v.value if isinstance(v, ScalarNode) else None
    return None


def _is_object(node: Node | None) -> bool:
    return isinstance(node, MappingNode) and bool(_top_scalar(node, "apiVersion") and _top_scalar(node, "kind"))


def _objects(root: MappingNode, number: int) -> Iterator[tuple[ManifestIndex, MappingNode]]:
    """The document itself, or the items of a `kind: List` (kubectl and Argo CD unpack those)."""
    kind = _top_scalar(root, "kind")
    if kind is not None and kind.endswith("List") and _top_scalar(root, "apiVersion") == "v1":
        for k, v in root.value:
            if isinstance(k, ScalarNode) and k.value == "items" and isinstance(v, SequenceNode):
                for i, item in enumerate(v.value):
                    if isinstance(item, MappingNode):
                        yield ManifestIndex(number, i), item
        return
    yield ManifestIndex(number), root


def _read_job(
    path: str, index: ManifestIndex, node: MappingNode, document: tuple[int, int], numbers: LineNumbers
) -> Manifest | None:
    api_version, kind = _top_scalar(node, "apiVersion"), _top_scalar(node, "kind")
    if api_version is None or kind is None or (api_version.rpartition("/")[0], kind) not in JOB_KINDS:
        return None
    spans: dict[Path, tuple[int, int]] = {}
    value = _Converter(spans, numbers).convert(node, ())
    if not isinstance(value, dict):  # pragma: no cover - a MappingNode converts to a dict
        raise Unusable(node, "Job is not a mapping")
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        raise Unusable(node, f"Job in document {index} has no metadata mapping")
    if not _is_name(metadata.get("name")) and not _is_name(metadata.get("generateName")):
        raise Unusable(node, "Job has neither metadata.name nor metadata.generateName")
    start, end = _span(node, numbers)
    return Manifest(path, index, value, start, end, "".join(numbers.lines[start - 1 : end]), spans, document)


def _is_name(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _span(node: Node, numbers: LineNumbers) -> tuple[int, int]:
    """1-based inclusive lines."""
    start = _start(numbers, node.start_mark)
    end = node.end_mark
    return start, max(start, numbers.end(end.index, end.line, end.column))


class _Converter:
    """Nodes -> plain Python values as Kubernetes decodes them, recording each field's line span."""

    def __init__(self, spans: dict[Path, tuple[int, int]], numbers: LineNumbers) -> None:
        self.spans = spans
        self.numbers = numbers
        self.constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: Node, path: Path) -> Any:
        if not _STANDARD_TAG.match(node.tag) and not (isinstance(node, ScalarNode) and node.tag in ("!", "?")):
            raise Unusable(node, f"YAML tag {node.tag!r} is not allowed in a Kubernetes manifest")
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            items = []
            for i, child in enumerate(node.value):
                item: Path = (*path, i)
                self.spans[item] = _span(child, self.numbers)
                items.append(self.convert(child, item))
            return items
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        """Merge keys (YAML 1.1, accepted by Kubernetes) first, each later one winning, then the explicit keys,
        which win over merged ones; only two explicit keys of one name are a duplicate."""
        explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        if explicit < len(node.value):
            try:
                self.constructor.flatten_mapping(node)  # merged pairs first, then the explicit ones in order
            except yaml.constructor.ConstructorError as exc:
                raise Unusable(node, f"invalid merge key: {exc.problem}") from None
        merged = len(node.value) - explicit
        chosen: dict[Any, tuple[ScalarNode, Node]] = {}
        seen: set[Any] = set()  # explicit keys
        for number, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, ScalarNode):
                raise Unusable(key_node, "a mapping key must be a scalar in a Kubernetes manifest")
            key = self._scalar(key_node)
            if not isinstance(key, str):
                key = str(key_node.value)
            if number >= merged:
                if key in seen:
                    raise Unusable(key_node, f"duplicate key {key!r}")
                seen.add(key)
            chosen[key] = (key_node, value_node)
        result: dict[Any, Any] = {}
        for key, (key_node, value_node) in chosen.items():
            child = (*path, key)
            self.spans[child] = (_start(self.numbers, key_node.start_mark), _span(value_node, self.numbers)[1])
            result[key] = self.convert(value_node, child)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
            # sigs.k8s.io/yaml keeps timestamps as strings for untyped fields; binary stays text too
            return node.value
        if node.tag in ("!", "?"):
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError) as exc:
            raise Unusable(node, f"cannot decode scalar {node.value!r}: {exc}") from None
