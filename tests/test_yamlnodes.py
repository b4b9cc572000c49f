"""jobguard.yamlnodes: document order, each shared node once, alias bombs walked in linear time."""

from __future__ import annotations

import yaml

from jobguard.yamlnodes import children, walk


def values(text: str) -> list[tuple[str, bool]]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    return [(node.value if isinstance(node, yaml.ScalarNode) else node.id, again) for node, again in walk(root)]


def test_walks_in_document_order_keys_before_values() -> None:
    assert values("a: 1\nb: [x, y]\n") == [
        ("mapping", False),
        ("a", False),
        ("1", False),
        ("b", False),
        ("sequence", False),
        ("x", False),
        ("y", False),
    ]


def test_an_aliased_node_is_visited_once_and_marked_when_reached_again() -> None:
    walked = values("a: &k {x: 1}\nb: *k\nc: *k\n")
    assert walked.count(("x", False)) == 1 and ("x", True) not in walked
    assert [v for v in walked if v[1]] == [("mapping", True), ("mapping", True)]


def test_an_alias_bomb_costs_its_text_not_its_expansion() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    assert len(values("\n".join(levels) + "\n")) < 300  # 10**9 nodes once expanded


def test_children_of_a_scalar_are_none() -> None:
    assert list(children(yaml.compose("x", Loader=yaml.SafeLoader))) == []
