"""The guards `manifests.load` applies before and while parsing: what a file may cost a review.

A pull request is untrusted input: a huge file, a binary blob or a YAML alias bomb must become a `Problem` with a
line, never a stalled or crashed review. Kept apart from the parser so the limits are read (and tested) in one place.
"""

from __future__ import annotations

from yaml.nodes import Node

from jobguard.yamlnodes import children

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Larger files are refused: real manifests are far smaller, and a huge file would stall the review."""

MAX_EXPANDED_NODES = 200_000
"""Bound on a document's size after alias expansion ("billion laughs" guard)."""


class Unusable(Exception):
    """A node the manifest cannot be read past; `manifests.load` turns it into a `Problem` at the node's line."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def refusal(data: bytes) -> str | None:
    """Why a file is not parsed at all (too big, binary), or None."""
    if len(data) > MAX_FILE_BYTES:
        return f"file is {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; not checked"
    if b"\x00" in data[:8192]:
        return "binary file (NUL byte); not checked"
    return None


def check_size(root: Node) -> None:
    """Refuse alias bombs and recursive aliases before expanding anything."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise Unusable(node, "recursive YAML alias")
        active.add(key)
        total = 1 + sum(size(child) for child in children(node))
        active.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise Unusable(root, f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (alias bomb?)")
        sizes[key] = total
        return total

    size(root)
