"""How an object writes its scalars (indentation unit, quoting habits), so added lines look like the author's."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from jobguard.fixes.source import Source, indent_step, walk

NULL = "tag:yaml.org,2002:null"
QUOTES = ("'", '"')


@functools.lru_cache(maxsize=1024)
def plain_ok(value: str, flow: bool) -> bool:
    """Whether `value` can be written unquoted and still read back as that string (YAML 1.1, as Kubernetes'
    decoder: `-1`, `true`, `on`, `1e3` need quotes; commas need them inside a flow mapping)."""
    if not value or value != value.strip() or any(c in value for c in "\r\n\t\"'"):
        return False
    try:
        loaded = yaml.safe_load(f"{{k: {value}}}" if flow else f"k: {value}")
    except yaml.YAMLError:
        return False
    return bool(loaded == {"k": value})


def _quoted(value: str, quote: str) -> str:
    if quote == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


@dataclass(frozen=True)
class Style:
    """How the object writes things, so additions look like the author's own lines."""

    step: int
    quote: str  # the quote character the object uses most ('"' when it quotes nothing)

    def scalar(self, value: str, flow: bool, quote: str | None = None) -> str:
        """Plain when YAML reads it back unchanged, else quoted (`quote` forces one style)."""
        if quote is None and plain_ok(value, flow):
            return value
        return _quoted(value, quote or self.quote)

    def pair(
        self, key: str, value: str, flow: bool, *, key_quote: str | None = None, value_quote: str | None = None
    ) -> str:
        return f"{self.scalar(key, flow, key_quote)}: {self.scalar(value, flow, value_quote)}"


def style_of(src: Source, obj: MappingNode) -> Style:
    counts = {q: 0 for q in QUOTES}
    for node in walk(obj):
        if isinstance(node, ScalarNode) and node.style in counts:
            counts[node.style] += 1
    return Style(indent_step(src, obj), "'" if counts["'"] > counts['"'] else '"')


def habit(nodes: Sequence[Node], flow: bool) -> str | None:
    """The quote style siblings use by habit: all quoted alike, at least one where YAML did not need it.

    (`sync-wave: "10"` alone is quoted out of need, so new values next to it stay plain.)
    """
    styles = {n.style if isinstance(n, ScalarNode) else None for n in nodes}
    style = styles.pop() if len(styles) == 1 else None
    if style not in QUOTES or not any(plain_ok(str(n.value), flow) for n in nodes):
        return None
    return style


def scalar_text(node: ScalarNode) -> str | None:
    """The annotation text a controller sees (None: the value is null, as good as absent)."""
    return None if node.tag == NULL else str(node.value)
