"""The one way jobguard walks a composed YAML node graph: children in document order, each node once.

PyYAML's composer shares one node object wherever an alias points to an anchor, so a walk that follows aliases
naively visits a subtree once per alias (an alias bomb) or forever (a recursive alias). Every walker in jobguard
(the guards, the fix editor) goes through these two functions instead of repeating the Mapping/Sequence switch.
"""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, SequenceNode


def children(node: Node) -> Iterator[Node]:
    """A node's direct children in document order: a mapping's keys and values in turn, a sequence's items."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value


def walk(root: Node) -> Iterator[tuple[Node, bool]]:
    """Every node reachable from `root`, depth first in document order, with True the second (and later) time an
    alias reaches it; a node reached again is not descended into, so the walk is linear and never loops."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        again = id(node) in seen
        yield node, again
        if not again:
            seen.add(id(node))
            stack.extend(reversed(list(children(node))))
