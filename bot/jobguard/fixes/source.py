"""One YAML document of a file as nodes whose marks index the whole text, and the node helpers edits use.

Positions come from PyYAML's composer (exact character indexes of every key, scalar and flow collection), so
every edit can be spliced into the original text without re-dumping anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jobguard import yamlnodes
from jobguard.fixes.lines import newline_of
from jobguard.manifests import Manifest

try:  # libyaml gives the same marks (character indexes) as the pure parser, many times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Loader = _Loader

DEFAULT_INDENT = 2
MERGE = "tag:yaml.org,2002:merge"

Splice = tuple[int, int, str]
"""Replace text[start:end] by the string."""


class NoFix(Exception):
    """Why an intent cannot be turned into a safe edit of this file (logged, never shown)."""


@dataclass(frozen=True)
class Window:
    """The target object's document, [lo, hi) in the text without BOM (`Manifest.document`), and its item
    number when the document is a `kind: List`."""

    lo: int
    hi: int
    item: int | None

    @classmethod
    def of(cls, manifest: Manifest) -> Window:
        return cls(*manifest.document, manifest.index.item)


class Source:
    """One parse of one document of the text (without BOM): its node tree, with marks that are indexes into
    the whole text, plus line/column arithmetic on LF lines."""

    def __init__(self, text: str, window: Window) -> None:
        self.text = text
        self.newline = newline_of(text)
        try:
            roots = list(yaml.compose_all(text[window.lo : window.hi], Loader=Loader))
        except yaml.YAMLError as exc:
            raise NoFix(f"the document is not valid YAML: {exc}") from None
        if len(roots) != 1:
            raise NoFix("the document does not parse on its own")
        self.root: Node = _shifted(roots[0], window.lo)
        self.shared = shared(self.root)

    def own(self, *nodes: Node) -> None:
        """Refuse to edit a node an alias also uses: the change would show up in another place too."""
        if any(id(node) in self.shared for node in nodes):
            raise NoFix("the node to edit is shared through a YAML alias")

    def column(self, index: int) -> int:
        return index - (self.text.rfind("\n", 0, index) + 1)

    def after_line(self, index: int) -> int:
        """Index just past the line break that ends `index`'s line (the end of the text on the last line)."""
        brk = self.text.find("\n", index)
        return len(self.text) if brk < 0 else brk + 1

    def insert_lines(self, index: int, lines: Sequence[str]) -> Splice:
        """Insert whole lines at a line start (`index` from `after_line`), in the file's line ending."""
        block = "".join(line + self.newline for line in lines)
        if index == len(self.text) and self.text and not self.text.endswith("\n"):
            block = self.newline + block[: -len(self.newline)]  # the last line had no line break: keep it so
        return (index, index, block)

    def below_nested_comments(self, index: int, indent: int) -> int:
        """Past the comment lines at `index` indented deeper than `indent`: they belong to the block above
        (a commented-out label stays with the labels), so new sibling lines go after them."""
        while index < len(self.text):
            end = self.after_line(index)
            line = self.text[index:end]
            body = line.lstrip(" ")
            if not body.startswith("#") or len(line) - len(body) <= indent:
                break
            index = end
        return index

    def content_end(self, node: Node) -> int:
        """Index just past the last character of a node's own text (block collections end at their last
        child; block scalars before their trailing blank lines), so insertions land above following comments."""
        if isinstance(node, ScalarNode):
            if node.style in ("|", ">"):
                end = node.end_mark.index
                while end > node.start_mark.index and self.text[end - 1] in " \t\r\n":
                    end -= 1
                return end
            return int(node.end_mark.index)
        if isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
            last = node.value[-1]
            if isinstance(node, MappingNode):
                key, value = last
                empty = isinstance(value, ScalarNode) and value.start_mark.index == value.end_mark.index
                return self.content_end(key if empty else value)
            return self.content_end(last)
        return int(node.end_mark.index)

    def obj(self, item: int | None) -> MappingNode:
        """The target object: the document itself, or item `item` of its `kind: List`."""
        node: Node | None = self.root
        if item is not None:
            items = entry(node, "items") if isinstance(node, MappingNode) else None
            seq = items[1] if items else None
            node = seq.value[item] if isinstance(seq, SequenceNode) and item < len(seq.value) else None
        if not isinstance(node, MappingNode):
            raise NoFix("no object at the manifest index")
        self.own(node)
        return node


def _shifted(root: Node, offset: int) -> Node:
    """Marks of a document composed alone made indexes into the whole text (only `index` is read here). Composing
    the text before the document too, even as blank lines, would cost each fix the size of the file before it."""
    if offset:
        for node, again in yamlnodes.walk(root):
            if not again:
                node.start_mark = _moved(node.start_mark, offset)
                node.end_mark = _moved(node.end_mark, offset)
    return root


def _moved(mark: Mark, offset: int) -> Mark:
    return Mark(mark.name, mark.index + offset, mark.line, mark.column, None, 0)


def entries(node: MappingNode) -> list[tuple[Node, Node]]:
    if any(k.tag == MERGE for k, _ in node.value):
        raise NoFix("a YAML merge key (<<) supplies keys here; editing it could drop merged keys")
    return list(node.value)


def entry(node: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    for k, v in entries(node):
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def mapping(node: MappingNode, key: str) -> tuple[ScalarNode, MappingNode]:
    found = entry(node, key)
    if found is None or not isinstance(found[1], MappingNode):
        raise NoFix(f"no `{key}:` mapping to edit")
    return found[0], found[1]


def shared(root: Node) -> set[int]:
    """Ids of the nodes reachable more than once (anchored and aliased), each counted under its parent."""
    return {id(node) for node, again in yamlnodes.walk(root) if again}


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node` in document order, a shared (aliased) one once."""
    return (found for found, again in yamlnodes.walk(node) if not again)


def indent_step(src: Source, obj: MappingNode) -> int:
    """The file's indentation unit (2 or 4...): a nested block mapping's key column minus its parent key's."""

    def steps(node: Node) -> Iterator[int]:
        if isinstance(node, MappingNode) and not node.flow_style:
            for k, v in node.value:
                if isinstance(v, MappingNode) and not v.flow_style and v.value:
                    yield src.column(v.value[0][0].start_mark.index) - src.column(k.start_mark.index)
                yield from steps(v)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                yield from steps(item)

    return next((s for s in steps(obj) if s > 0), DEFAULT_INDENT)
