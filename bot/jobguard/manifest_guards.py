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

MAX_DEPTH = 100
"""Bound on a document's nesting (a real Job nests about 12 levels): every later walk may then recurse safely."""


class UnreadableFile(Exception):
    """A file a reader refuses before reading it (too big, a symlink out of the tree or a loop); the engine reports
    it as manifest-invalid at line 1."""


class Unusable(Exception):
    """A node the manifest cannot be read past; `manifests.load` turns it into a `Problem` at the node's line."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def too_big(size: int, limit: int | None = None) -> str | None:
    """Why a file of `size` bytes is not read at all, or None: readers that know the size first (git) ask this
    before reading the file, so a huge blob never reaches memory. `limit` defaults to a manifest's."""
    limit = MAX_FILE_BYTES if limit is None else limit
    if size > limit:
        return f"file is {size:,} bytes, over the {limit:,}-byte limit; not checked"
    return None


def refusal(data: bytes) -> str | None:
    """Why a file is not parsed at all (too big, binary), or None."""
    if (big := too_big(len(data))) is not None:
        return big
    if b"\x00" in data[:8192]:
        return "binary file (NUL byte); not checked"
    return None


def check_size(root: Node) -> None:
    """Refuse alias bombs, recursive aliases and deep nesting before anything walks the document.

    Iterative (an explicit stack), so a document nested as deep as libyaml allows (999 levels) is refused with a line
    rather than exhausting Python's recursion limit; each node is measured once, so an alias bomb costs its text.
    """
    sizes: dict[int, tuple[int, int]] = {}  # node -> (nodes after alias expansion, nesting depth)
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            sizes[key] = _measured(node, sizes)
        elif key not in sizes:
            sizes[key] = _ACTIVE
            stack.append((node, True))
            for child in children(node):
                if sizes.get(id(child)) is _ACTIVE:
                    raise Unusable(child, "recursive YAML alias")
                stack.append((child, False))


_ACTIVE = (-1, -1)
"""The mark of a node whose children are still being measured: meeting it again is a recursive alias."""


def _measured(node: Node, sizes: dict[int, tuple[int, int]]) -> tuple[int, int]:
    measured = [sizes[id(child)] for child in children(node)]
    total = 1 + sum(size for size, _ in measured)
    depth = 1 + max((d for _, d in measured), default=0)
    if total > MAX_EXPANDED_NODES:
        raise Unusable(node, f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (alias bomb?)")
    if depth > MAX_DEPTH:
        raise Unusable(node, f"nested deeper than {MAX_DEPTH} levels; not checked")
    return total, depth
