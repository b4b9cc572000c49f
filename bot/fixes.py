"""Fix intents -> minimal, verified text edits of the head file, and where they can be one-click suggestions.

Why text splices and not a re-dump: a suggestion replaces whole lines verbatim (review-apis.md B5, C5), so any
line we re-format shows up in the review and loses the author's comments, quoting and indentation. Positions come
from PyYAML's composer (exact character indexes of every key, scalar and flow collection), every edit is spliced
into the original text, and the result is checked three ways before anyone sees it: it parses to exactly the
objects the intent describes, it keeps every comment, and the engine no longer reports the finding and reports
nothing new at warning or error (argocd-hooks.md §7: a fix that does not work is worse than none).
"""

from __future__ import annotations

import bisect
import copy
import difflib
import functools
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot import check as engine
from bot import hooks
from bot.diff import FileChange
from bot.findings import AnnotationEdit, Finding, Fix, FixIntent, Placement, Severity, TextEdit
from bot.jobs import job_doc
from bot.manifests import Manifest, load

if TYPE_CHECKING:
    from bot.check import CheckOptions, Reader, Side

try:  # libyaml gives the same marks (character indexes) as the pure parser, many times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

log = logging.getLogger("jobguard.fixes")

BOM = "\ufeff"
GITLAB_MAX_OFFSET = 100
"""review-apis.md C5: `suggestion:-N+M` reaches at most 100 lines above and 100 below the anchor."""
DEFAULT_INDENT = 2
ANNOTATIONS_AFTER = ("name", "generateName", "namespace", "labels")
"""A new `annotations:` goes right after the last of these metadata keys (where readers look for it)."""

_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_QUOTES = ("'", '"')
_INDEX = re.compile(r"^(\d+)(?:\.items\[(\d+)\])?$")
_COMMENT_START = re.compile(r"(?:^|(?<=[ \t]))#", re.MULTILINE)

Splice = tuple[int, int, str]


class NoFix(Exception):
    """Why an intent cannot be turned into a safe edit of this file (logged, never shown)."""


# --------------------------------------------------------------------------------------------------------
# Lines and edits


def lines_of(text: str) -> list[str]:
    """Lines split on LF only, each keeping its ending (CRLF keeps its CR): how git and the platforms count."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def newline_of(text: str) -> str:
    """The file's line ending, from its first line break (CRLF files stay CRLF)."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def apply(text: str, edit: TextEdit) -> str:
    """Replace (or, with `end_line == start_line - 1`, insert before) the edit's lines."""
    lines = lines_of(text)
    if not 1 <= edit.start_line <= len(lines) + 1 or not edit.start_line - 1 <= edit.end_line <= len(lines):
        raise ValueError(f"edit lines {edit.start_line}..{edit.end_line} outside a {len(lines)}-line text")
    return "".join(lines[: edit.start_line - 1]) + edit.new_text + "".join(lines[edit.end_line :])


def edit_between(before: str, after: str) -> TextEdit | None:
    """The smallest line range whose replacement turns `before` into `after` (None if equal).

    A pure insertion is widened to the line before it (or after, at the top of the file): a suggestion can only
    replace lines, so it repeats that line (review-apis.md B5), and the edit then maps 1:1 onto a suggestion.
    """
    if before == after:
        return None
    a, b = lines_of(before), lines_of(after)
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    start, end = prefix + 1, len(a) - suffix
    new_text = "".join(b[prefix : len(b) - suffix])
    if end < start and a:
        if prefix > 0:
            return TextEdit(prefix, prefix, a[prefix - 1] + new_text)
        return TextEdit(1, 1, new_text + a[0])
    return TextEdit(start, end, new_text)


def unified_diff(path: str, before: str, after: str) -> str:
    """`--- a/PATH` / `+++ b/PATH` unified diff (3 lines of context) that `patch -p1` applies."""
    out = []
    for line in difflib.unified_diff(lines_of(before), lines_of(after), f"a/{path}", f"b/{path}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def suggestion(edit: TextEdit, head_text: str) -> tuple[int, int, str]:
    """(start_line, end_line, replacement) of the suggestion block for an edit (B5: insertions repeat a line)."""
    if edit.end_line >= edit.start_line:
        return edit.start_line, edit.end_line, edit.new_text
    lines = lines_of(head_text)
    if edit.start_line > 1:
        k = edit.start_line - 1
        return k, k, lines[k - 1] + edit.new_text
    return 1, 1, edit.new_text + lines[0]


def place(edit: TextEdit, change: FileChange | None, head_text: str) -> Placement:
    """Where the edit can be a one-click suggestion: GitHub needs the whole range in one hunk (B3/B5), GitLab an
    anchor on a diff line inside the range with at most 100 lines above and below it (C5)."""
    if change is None:
        return Placement()
    start, end, _ = suggestion(edit, head_text)
    if not 1 <= start <= end <= len(lines_of(head_text)):
        return Placement()
    github = (start, end) if change.hunk_containing(start, end) is not None else None
    gitlab = None
    added = sorted(n for h in change.hunks for n in h.added if start <= n <= end)
    context = sorted(n for h in change.hunks for n in h.context if start <= n <= end)
    for anchor in [*added, *context]:
        if anchor - start <= GITLAB_MAX_OFFSET and end - anchor <= GITLAB_MAX_OFFSET:
            gitlab = (anchor, anchor - start, end - anchor)
            break
    return Placement(github=github, gitlab=gitlab)


# --------------------------------------------------------------------------------------------------------
# Positions in the text


@functools.lru_cache(maxsize=8)
def _windows(text: str) -> tuple[tuple[int, int], ...]:
    """Each document's character range [lo, hi): from the start of its root node's line to the root's end.

    Only the target's document is parsed again while editing and checking: files with hundreds of documents
    (release manifests) would otherwise be parsed a dozen times per fix.
    """
    try:
        roots = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise NoFix(f"the file is not valid YAML: {exc}") from None
    windows = []
    for root in roots:
        start = root.start_mark.index
        windows.append((text.rfind("\n", 0, start) + 1, max(start, root.end_mark.index)))
    return tuple(windows)


def _window_text(text: str, lo: int, hi: int) -> str:
    """One document's text at its own character indexes: blank lines stand in for what comes before it."""
    return "\n" * lo + text[lo:hi]


class _Source:
    """One parse of one document of the text (without BOM): its node tree, with marks that are indexes into
    the whole text, plus line/column arithmetic on LF lines."""

    def __init__(self, text: str, lo: int, hi: int) -> None:
        self.text = text
        self.newline = newline_of(text)
        try:
            roots = list(yaml.compose_all(_window_text(text, lo, hi), Loader=_Loader))
        except yaml.YAMLError as exc:
            raise NoFix(f"the document is not valid YAML: {exc}") from None
        if len(roots) != 1:
            raise NoFix("the document does not parse on its own")
        self.root: Node = roots[0]
        self.shared = _shared(self.root)

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

    def obj(self, index: str) -> MappingNode:
        """The object at a manifest index (`bot.manifests`): document `N` or item `N.items[i]` of a List."""
        match = _INDEX.match(index)
        if match is None:
            raise NoFix(f"bad manifest index {index!r}")
        node: Node | None = self.root
        if match.group(2) is not None:
            items = _entry(node, "items") if isinstance(node, MappingNode) else None
            seq = items[1] if items else None
            item = int(match.group(2))
            node = seq.value[item] if isinstance(seq, SequenceNode) and item < len(seq.value) else None
        if not isinstance(node, MappingNode):
            raise NoFix(f"no object at manifest index {index}")
        self.own(node)
        return node


def _entries(node: MappingNode) -> list[tuple[Node, Node]]:
    if any(k.tag == _MERGE for k, _ in node.value):
        raise NoFix("a YAML merge key (<<) supplies keys here; editing it could drop merged keys")
    return list(node.value)


def _entry(node: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    for k, v in _entries(node):
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _mapping(node: MappingNode, key: str) -> tuple[ScalarNode, MappingNode]:
    found = _entry(node, key)
    if found is None or not isinstance(found[1], MappingNode):
        raise NoFix(f"no `{key}:` mapping to edit")
    return found[0], found[1]


def _shared(root: Node) -> set[int]:
    """Ids of the nodes reachable more than once (anchored and aliased), each counted under its parent."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return shared


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, MappingNode):
        for k, v in node.value:
            yield from _walk(k)
            yield from _walk(v)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _walk(item)


def _indent_step(src: _Source, obj: MappingNode) -> int:
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


# --------------------------------------------------------------------------------------------------------
# Scalars


@functools.lru_cache(maxsize=1024)
def _plain_ok(value: str, flow: bool) -> bool:
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
class _Style:
    """How the object writes things, so additions look like the author's own lines."""

    step: int
    quote: str  # the quote character the object uses most ('"' when it quotes nothing)

    def scalar(self, value: str, flow: bool, quote: str | None = None) -> str:
        """Plain when YAML reads it back unchanged, else quoted (`quote` forces one style)."""
        if quote is None and _plain_ok(value, flow):
            return value
        return _quoted(value, quote or self.quote)


def _style(src: _Source, obj: MappingNode) -> _Style:
    counts = {q: 0 for q in _QUOTES}
    for node in _walk(obj):
        if isinstance(node, ScalarNode) and node.style in counts:
            counts[node.style] += 1
    return _Style(_indent_step(src, obj), "'" if counts["'"] > counts['"'] else '"')


def _habit(nodes: Sequence[Node], flow: bool) -> str | None:
    """The quote style siblings use by habit: all quoted alike, at least one where YAML did not need it.

    (`sync-wave: "10"` alone is quoted out of need, so new values next to it stay plain.)
    """
    styles = {n.style if isinstance(n, ScalarNode) else None for n in nodes}
    style = styles.pop() if len(styles) == 1 else None
    if style not in _QUOTES or not any(_plain_ok(str(n.value), flow) for n in nodes):
        return None
    return style


def _scalar_text(node: ScalarNode) -> str | None:
    """The annotation text a controller sees (None: the value is null, as good as absent)."""
    return None if node.tag == _NULL else str(node.value)


# --------------------------------------------------------------------------------------------------------
# Annotation values (the same function computes the text edit and the expected parse, so they must agree)


def _items(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]


def annotation_value(old: str | None, edit: AnnotationEdit) -> str | None:
    """The annotation's new value, or None when it already says what the edit wants.

    csv-append keeps the user's items and separator style and adds only what is missing (argocd-hooks.md §7.D:
    never a second key); csv-replace-item swaps one mistyped item in place.
    """
    if edit.mode == "set":
        return None if old == edit.value else edit.value
    if edit.mode == "csv-append":
        if old is None or not _items(old):
            return edit.value
        missing = [item for item in _items(edit.value) if item not in _items(old)]
        if not missing:
            return None
        joiner = ", " if ", " in old else ","
        kept = old.rstrip().rstrip(",").rstrip()
        return kept + joiner + joiner.join(missing)
    if edit.mode == "csv-replace-item":
        if old is None or not _items(old):
            return edit.value
        if (edit.replaces or "") not in _items(old):
            raise NoFix(f"{edit.replaces!r} is not an item of {old!r}")
        done = edit.value in _items(old)  # then the mistyped item only goes away
        parts = []
        for part in old.split(","):
            if part.strip() != edit.replaces:
                parts.append(part)
            elif not done:
                lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
                parts.append(lead + edit.value + trail)
                done = True
        return ",".join(parts).strip() if len(parts) < len(old.split(",")) else ",".join(parts)
    raise NoFix(f"unknown annotation edit mode {edit.mode!r}")


# --------------------------------------------------------------------------------------------------------
# The text edits, one step at a time (each step re-parses: positions always come from the current text)

Step = Callable[[_Source, MappingNode, _Style], list[Splice]]


def _replace_scalar(src: _Source, node: ScalarNode, value: str, flow: bool, style: _Style) -> Splice:
    """Rewrite a scalar in place, in its own quote style; a block scalar becomes a quoted one-liner."""
    quote = node.style if node.style in _QUOTES else (style.quote if node.style in ("|", ">") else None)
    text = style.scalar(value, flow, quote)
    start, end = node.start_mark.index, src.content_end(node)
    if start == end:  # `key:` with no value: the empty scalar sits right after the colon
        text = " " + text
    return (start, end, text)


def _annotation_step(edit: AnnotationEdit) -> Step:
    def step(src: _Source, obj: MappingNode, style: _Style) -> list[Splice]:
        _, meta = _mapping(obj, "metadata")
        src.own(meta)
        found = _entry(meta, "annotations")
        if found is None:
            return _create_annotations(src, meta, edit, style)
        key, block = found
        src.own(block)
        if isinstance(block, ScalarNode) and block.tag == _NULL:
            return _fill_annotations(src, key, block, edit, style, flow=bool(meta.flow_style))
        if not isinstance(block, MappingNode):
            raise NoFix("`annotations:` is not a mapping")
        entry = _entry(block, edit.key)
        flow = bool(block.flow_style)
        if entry is not None:
            if not isinstance(entry[1], ScalarNode):
                raise NoFix(f"annotation {edit.key} is not a scalar")
            src.own(entry[1])
            new = annotation_value(_scalar_text(entry[1]), edit)
            return [] if new is None else [_replace_scalar(src, entry[1], new, flow, style)]
        new = annotation_value(None, edit)
        assert new is not None
        keys = [k for k, _ in block.value]
        pair = _pair(
            edit.key,
            new,
            flow,
            style,
            key_quote=_habit(keys, flow),
            value_quote=_habit([v for _, v in block.value], flow),
        )
        if flow:
            if block.value:
                return [(src.content_end(block.value[-1][1]), src.content_end(block.value[-1][1]), ", " + pair)]
            return [(block.start_mark.index + 1, block.start_mark.index + 1, pair)]
        indent = src.column(keys[0].start_mark.index)
        at = src.below_nested_comments(src.after_line(src.content_end(block)), indent)
        return [src.insert_lines(at, [" " * indent + pair])]

    return step


def _pair(
    key: str, value: str, flow: bool, style: _Style, *, key_quote: str | None = None, value_quote: str | None = None
) -> str:
    return f"{style.scalar(key, flow, key_quote)}: {style.scalar(value, flow, value_quote)}"


def _create_annotations(src: _Source, meta: MappingNode, edit: AnnotationEdit, style: _Style) -> list[Splice]:
    """`annotations:` right after name/namespace/labels, in the style of `metadata` itself."""
    entries = _entries(meta)
    if not entries:
        raise NoFix("`metadata` is empty")
    after = max(
        (i for i, (k, _) in enumerate(entries) if isinstance(k, ScalarNode) and k.value in ANNOTATIONS_AFTER),
        default=len(entries) - 1,
    )
    anchor = src.content_end(entries[after][1])
    new = annotation_value(None, edit)
    assert new is not None
    flow = bool(meta.flow_style)
    key_quote = _habit([k for k, _ in entries], flow)  # metadata's own habits, e.g. `"name": 'x'`
    value_quote = _habit([v for _, v in entries if isinstance(v, ScalarNode)], flow)
    block = style.scalar("annotations", flow, key_quote)
    pair = _pair(edit.key, new, flow, style, key_quote=key_quote, value_quote=value_quote)
    if flow:
        return [(anchor, anchor, f", {block}: {{{pair}}}")]
    indent = src.column(entries[0][0].start_mark.index)
    lines = [f"{' ' * indent}{block}:", " " * (indent + style.step) + pair]
    return [src.insert_lines(src.below_nested_comments(src.after_line(anchor), indent), lines)]


def _fill_annotations(
    src: _Source, key: ScalarNode, null: ScalarNode, edit: AnnotationEdit, style: _Style, *, flow: bool
) -> list[Splice]:
    """`annotations:` with no value (or `~`): give it a block mapping, keeping a comment on the key's line;
    inside a flow `metadata: {...}` a flow mapping in place of the null."""
    new = annotation_value(None, edit)
    assert new is not None
    splices: list[Splice] = []
    start, end = null.start_mark.index, null.end_mark.index
    if flow:
        return [(start, end, ("" if end > start else " ") + f"{{{_pair(edit.key, new, True, style)}}}")]
    if end > start:  # `annotations: ~` / `null`: drop the null and the spaces before it
        if src.text[key.end_mark.index] != ":":
            raise NoFix("unusual spacing around `annotations:`")
        splices.append((key.end_mark.index + 1, end, ""))
    indent = src.column(key.start_mark.index) + style.step
    splices.append(
        src.insert_lines(src.after_line(key.end_mark.index), [" " * indent + _pair(edit.key, new, False, style)])
    )
    return splices


def _rename_step(src: _Source, obj: MappingNode, style: _Style) -> list[Splice]:
    """argocd-hooks.md §7.B: `name: x` -> `generateName: x-`, quoting and the line's comment untouched.

    A Job that already has a `generateName` next to its `name` (the name wins, so it is unused) only loses the
    `name` line.
    """
    _, meta = _mapping(obj, "metadata")
    found = _entry(meta, "name")
    if found is None:
        raise NoFix("no `metadata.name` to turn into generateName")
    key, value = found
    src.own(meta, key, value)
    if not isinstance(value, ScalarNode) or value.style in ("|", ">") or value.tag == _NULL:
        raise NoFix("`metadata.name` is not a one-line string")
    flow = bool(meta.flow_style)
    if _entry(meta, "generateName") is not None:
        line_start = key.start_mark.index - src.column(key.start_mark.index)
        if flow or src.text[line_start : key.start_mark.index].strip():
            raise NoFix("`metadata.name` next to generateName does not sit on a line of its own")
        return [(line_start, src.after_line(src.content_end(value)), "")]
    key_quote = key.style if key.style in _QUOTES else None
    value_quote = value.style if value.style in _QUOTES else None
    return [
        (key.start_mark.index, key.end_mark.index, style.scalar("generateName", flow, key_quote)),
        (value.start_mark.index, value.end_mark.index, style.scalar(f"{value.value}-", flow, value_quote)),
    ]


def _spec_step(name: str, value: int) -> Step:
    def step(src: _Source, obj: MappingNode, style: _Style) -> list[Splice]:
        """§7.B: `ttlSecondsAfterFinished` as the first key of `spec`, unless the Job already sets it."""
        key, spec = _mapping(obj, "spec")
        src.own(spec)
        if _entry(spec, name) is not None:
            return []
        flow = bool(spec.flow_style)
        pair = f"{style.scalar(name, flow, _habit([k for k, _ in spec.value], flow))}: {value}"
        if spec.flow_style:
            at = spec.start_mark.index + 1
            return [(at, at, pair + (", " if spec.value else ""))]
        indent = src.column(spec.value[0][0].start_mark.index)
        return [src.insert_lines(src.after_line(key.end_mark.index), [" " * indent + pair])]

    return step


def _steps(intent: FixIntent) -> list[Step]:
    steps: list[Step] = [_rename_step] if intent.name_to_generate_name else []
    steps.extend(_annotation_step(a) for a in intent.annotations)
    steps.extend(_spec_step(name, value) for name, value in intent.spec_fields)
    return steps


def _splice(text: str, splices: Sequence[Splice]) -> str:
    for start, end, new in sorted(splices, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def fixed_text(intent: FixIntent, head_text: str, manifest_index: str) -> str:
    """The head text with the intent applied to the object at `manifest_index`, checked structurally.

    Raises NoFix with the reason when the intent cannot be applied safely or changes nothing.
    """
    bom = head_text.startswith(BOM)
    text = head_text[1:] if bom else head_text
    lo, hi = _window(text, manifest_index)
    for step in _steps(intent):
        src = _Source(text, lo, hi)
        obj = src.obj(manifest_index)
        splices = step(src, obj, _style(src, obj))
        if any(not lo <= start <= end <= hi for start, end, _ in splices):
            raise NoFix("the edit would reach outside the object's document")
        text = _splice(text, splices)
        hi += sum(len(new) - (end - start) for start, end, new in splices)
    new = BOM + text if bom else text
    if new == head_text:
        raise NoFix("the object already has what the fix adds")
    check_text(head_text, new, manifest_index, intent)
    return new


def edit_for(intent: FixIntent, head_text: str, manifest_index: str) -> TextEdit | None:
    """The minimal line edit for one intent on one object of the head text (None: not safely possible)."""
    try:
        return edit_between(head_text, fixed_text(intent, head_text, manifest_index))
    except NoFix as exc:
        log.info("fix %s not built: %s", intent.strategy, exc)
        return None


@functools.lru_cache(maxsize=8)
def _manifests(path: str, text: str, jobs_only: bool = False) -> tuple[Manifest, ...]:
    return load(path, text.encode("utf-8"), jobs_only=jobs_only).manifests


def manifest_index(finding: Finding, head_text: str) -> str | None:
    """Which object of the head file a finding is about: same identity, preferring the one at its line."""
    if finding.object is None:
        return None
    matches = [m for m in _manifests(finding.location.path, head_text) if job_doc(m).ref == finding.object]
    at_line = [m for m in matches if m.start_line <= finding.location.line <= m.end_line]
    chosen = at_line or matches
    return chosen[0].index if chosen else None


def build(finding: Finding, head_text: str, intent: FixIntent | None = None) -> tuple[TextEdit | None, str]:
    """(edit, "") for one intent of a finding (its first by default), or (None, why not)."""
    intent = intent or (finding.intents[0] if finding.intents else None)
    if intent is None:
        return None, "the finding proposes no fix"
    index = manifest_index(finding, head_text)
    if index is None:
        return None, f"object {finding.object} not found in {finding.location.path}"
    try:
        return edit_between(head_text, fixed_text(intent, head_text, index)), ""
    except NoFix as exc:
        return None, str(exc)


# --------------------------------------------------------------------------------------------------------
# Structural verification


@functools.lru_cache(maxsize=8)
def comments(text: str) -> tuple[str, ...]:
    """Every comment of a YAML text, in order: a `#` outside all tokens, at a line start or after a blank."""
    body = text.removeprefix(BOM)
    starts: list[int] = []
    ends: list[int] = []
    try:
        for token in yaml.scan(body, Loader=_Loader):
            if token.end_mark.index > token.start_mark.index:
                starts.append(token.start_mark.index)
                ends.append(token.end_mark.index)
    except yaml.YAMLError as exc:
        raise NoFix(f"not valid YAML: {exc}") from None
    found = []
    done = 0  # end of the last comment found: a `#` inside a comment starts none
    for match in _COMMENT_START.finditer(body):
        at = match.start()
        i = bisect.bisect_right(starts, at) - 1
        if at >= done and (i < 0 or ends[i] <= at):
            end = body.find("\n", at)
            done = len(body) if end < 0 else end
            found.append(body[at:done].rstrip("\r"))
    return tuple(found)


@functools.lru_cache(maxsize=8)
def _documents(text: str) -> tuple[Any, ...]:
    try:
        return tuple(yaml.load_all(text.removeprefix(BOM), Loader=_Loader))
    except yaml.YAMLError as exc:
        raise NoFix(f"not valid YAML: {exc}") from None


def _target(docs: list[Any], index: str) -> tuple[Any, Any]:
    """(container, key) of the object at a manifest index inside `yaml.safe_load_all` output."""
    match = _INDEX.match(index)
    assert match is not None
    number = int(match.group(1))
    if match.group(2) is None:
        return docs, number
    return docs[number]["items"], int(match.group(2))


def expected(docs: list[Any], index: str, intent: FixIntent) -> list[Any]:
    """What the documents must parse to after the fix: only the target object changes, only as intended."""
    result = copy.deepcopy(docs)
    container, key = _target(result, index)
    obj = copy.deepcopy(container[key])  # a copy of its own: aliases must not carry the change elsewhere
    container[key] = obj
    meta = obj["metadata"]
    if intent.name_to_generate_name:
        name = meta.pop("name")
        meta.setdefault("generateName", f"{name}-")
    for edit in intent.annotations:
        annotations = meta.get("annotations") or {}
        old = annotations.get(edit.key)
        new = annotation_value(None if old is None else hooks.annotation_text(old), edit)
        if new is not None:
            annotations[edit.key] = new
            meta["annotations"] = annotations
    for name, value in intent.spec_fields:
        obj["spec"].setdefault(name, value)
    return result


def check_text(head_text: str, new_text: str, manifest_index: str, intent: FixIntent) -> None:
    """Raise NoFix unless the new text parses to exactly the intended objects and keeps every comment.

    Documents are independent in YAML (no anchors across them), so when everything outside the target's
    document is unchanged text, checking that document alone checks the file.
    """
    head, new = head_text.removeprefix(BOM), new_text.removeprefix(BOM)
    if head_text.startswith(BOM) != new_text.startswith(BOM):
        raise NoFix("the edit would add or drop the byte order mark")
    lo, hi = _window(head, manifest_index)
    new_hi = hi + len(new) - len(head)
    if head[:lo] != new[:lo] or head[hi:] != new[new_hi:]:
        raise NoFix("the edit reaches outside the object's document")
    before, after = _documents(_window_text(head, lo, hi)), _documents(_window_text(new, lo, new_hi))
    if len(before) != 1 or len(after) != 1:
        raise NoFix("the edited document does not parse as one document")
    single = re.sub(r"^\d+", "0", manifest_index)
    try:
        want = expected(list(before), single, intent)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise NoFix(f"cannot model the fix on this object: {exc!r}") from None
    if list(after) != want:
        raise NoFix("the edited file does not parse to the intended objects")
    if comments(new[lo:new_hi]) != comments(head[lo:hi]):
        raise NoFix("the edit would lose or move a comment")


def _window(text: str, manifest_index: str) -> tuple[int, int]:
    match = _INDEX.match(manifest_index)
    windows = _windows(text)
    if match is None or int(match.group(1)) >= len(windows):
        raise NoFix(f"no document for manifest index {manifest_index!r}")
    return windows[int(match.group(1))]


# --------------------------------------------------------------------------------------------------------
# Engine verification and attaching


def _reduced(text: str, lo: int, hi: int) -> str:
    """One document of a text with the comment lines right above it, where inline ignores of the whole object
    sit (bot.ignores). Line numbers shift, which is fine: verification compares findings by rule and object."""
    while lo > 0:
        above = text.rfind("\n", 0, lo - 1) + 1
        if not text[above:lo].strip().startswith("#"):
            break
        lo = above
    return text[lo:hi]


@dataclass
class _FileContext:
    """One changed file's texts, and the engine's findings before any fix (computed once, reused per fix).

    The engine is re-run on the target's document alone, paired with the base document of the same identity:
    rules judge one Job's base and head (bot.jobs pairs by identity within a file), so the other documents of a
    large file cannot change the verdict, only the time it takes. A finding the reduced run does not reproduce
    (a Job moved between files) is verified on the whole change instead.
    """

    change: FileChange
    raw: str  # the head text as the file holds it (BOM included)
    head: str  # without BOM
    base: str | None  # without BOM
    changes: Sequence[FileChange]
    read: Reader
    options: CheckOptions
    before: dict[tuple[int, int, str | None], tuple[Finding, ...]] = field(default_factory=dict)
    full: tuple[Finding, ...] | None = None

    def base_for(self, finding: Finding) -> str | None:
        """The base document holding the same Job (by identity), or the whole base if that is ambiguous."""
        if self.base is None or finding.object is None or finding.object.name is None:
            return self.base
        path = self.change.old_path or ""
        identity = (finding.object.group, finding.object.kind, finding.object.namespace, finding.object.name)
        docs = {m.index.split(".")[0] for m in _manifests(path, self.base, True) if job_doc(m).identity == identity}
        if len(docs) != 1:
            return self.base
        windows = _windows(self.base)
        number = int(docs.pop())
        return _reduced(self.base, *windows[number]) if number < len(windows) else self.base

    def run_pair(self, head: str, base: str | None) -> tuple[Finding, ...]:
        old, new = self.change.old_path, self.change.new_path
        files = {(old, "base"): base, (new, "head"): head}

        def read(path: str, side: Side) -> bytes | None:
            text = files.get((path, side))
            return None if text is None else text.encode("utf-8")

        return engine.run([FileChange(old, new, self.change.status)], read, self.options).findings

    def run_full(self, head: str) -> tuple[Finding, ...]:
        path = self.change.new_path

        def read(p: str, side: Side) -> bytes | None:
            return head.encode("utf-8") if side == "head" and p == path else self.read(p, side)

        return engine.run(self.changes, read, self.options).findings


def _about(f: Finding, g: Finding) -> bool:
    return g.rule == f.rule and g.object == f.object and g.location.path == f.location.path


def verify(finding: Finding, manifest_index: str, new_text: str, ctx: _FileContext) -> None:
    """Raise NoFix unless the engine, re-run on the edited head, no longer reports the finding and reports
    nothing new at warning or error (disappearing findings, e.g. ttl after a hook conversion, are fine)."""
    new = new_text.removeprefix(BOM)
    lo, hi = _window(ctx.head, manifest_index)
    base = ctx.base_for(finding)
    key = (lo, hi, base)
    if key not in ctx.before:
        ctx.before[key] = ctx.run_pair(_reduced(ctx.head, lo, hi), base)
    before = ctx.before[key]
    if any(_about(finding, g) for g in before):
        after = ctx.run_pair(_reduced(new, lo, hi + len(new) - len(ctx.head)), base)
    else:
        if ctx.full is None:
            ctx.full = ctx.run_full(ctx.head)
        before, after = ctx.full, ctx.run_full(new)
        if not any(_about(finding, g) for g in before):
            raise NoFix("the engine does not reproduce the finding")
    if any(_about(finding, g) for g in after):
        raise NoFix("the finding is still reported after the fix")
    seen = {(g.rule, g.location.path, g.object) for g in before}
    for g in after:
        if g.severity.rank >= Severity.WARNING.rank and (g.rule, g.location.path, g.object) not in seen:
            raise NoFix(f"the fix would introduce {g.rule}: {g.message}")


def _context(path: str, changes: Sequence[FileChange], read: Reader, options: CheckOptions) -> _FileContext | None:
    change = next((c for c in changes if c.new_path == path), None)
    if change is None or change.new_path is None:
        return None
    head = read(change.new_path, "head")
    base = read(change.old_path, "base") if change.old_path else None
    if head is None:
        return None
    raw = head.decode("utf-8")
    base_text = None if base is None else base.decode("utf-8", "replace").removeprefix(BOM)
    return _FileContext(change, raw, raw.removeprefix(BOM), base_text, changes, read, options)


def _fix(finding: Finding, intent: FixIntent, ctx: _FileContext) -> Fix:
    head_text = ctx.raw
    index = manifest_index(finding, head_text)
    if index is None:
        raise NoFix(f"object {finding.object} not found in the head file")
    new_text = fixed_text(intent, head_text, index)
    edit = edit_between(head_text, new_text)
    if edit is None or apply(head_text, edit) != new_text:
        raise NoFix("the line edit does not reproduce the fixed text")
    verify(finding, index, new_text, ctx)
    path = finding.location.path
    return Fix(
        strategy=intent.strategy,
        title=intent.title,
        tradeoff=intent.tradeoff,
        edit=edit,
        diff=unified_diff(path, head_text, new_text),
        placement=place(edit, ctx.change, head_text),
    )


def attach(
    findings: Sequence[Finding], changes: Sequence[FileChange], read: Reader, options: CheckOptions
) -> tuple[Finding, ...]:
    """Findings with `fixes` filled: every intent's edit built on the head text and verified, in intent order.

    A fix that cannot be built or verified is dropped and logged, never shown and never raised: a review must
    not fail because one fix did not work out.
    """
    contexts: dict[str, _FileContext | None] = {}
    result = []
    for finding in findings:
        if not finding.intents or finding.object is None:
            result.append(finding)
            continue
        path = finding.location.path
        if path not in contexts:
            try:
                contexts[path] = _context(path, changes, read, options)
            except Exception as exc:  # unreadable or undecodable head: the findings stay, without fixes
                log.info("no fixes for %s: %r", path, exc)
                contexts[path] = None
        ctx = contexts[path]
        fixes = []
        for intent in finding.intents if ctx is not None else ():
            assert ctx is not None
            try:
                fixes.append(_fix(finding, intent, ctx))
            except NoFix as exc:
                log.info("fix %s for %s %s dropped: %s", intent.strategy, finding.rule, path, exc)
            except Exception as exc:  # a bug in one fix must not cost the whole review
                log.info("fix %s for %s %s failed: %r", intent.strategy, finding.rule, path, exc)
        result.append(replace(finding, fixes=tuple(fixes)))
    return tuple(result)


def counts(findings: Sequence[Finding]) -> dict[str, dict[str, int]]:
    """Per strategy: verified fixes, and how many can be one-click suggestions on GitHub and on GitLab."""
    table: dict[str, dict[str, int]] = {}
    for finding in findings:
        for fix in finding.fixes:
            row = table.setdefault(fix.strategy, {"fixes": 0, "github": 0, "gitlab": 0})
            row["fixes"] += 1
            row["github"] += fix.placement.github is not None
            row["gitlab"] += fix.placement.gitlab is not None
    return table


# ---- applying several fixes at once (jobguard fix, the fix command) ----------------------------------------


def chosen_fix(finding: Finding, strategy: str | None) -> Fix | None:
    """The fix of `strategy` when the finding has one, else its preferred fix."""
    if not finding.fixes:
        return None
    return next((f for f in finding.fixes if f.strategy == strategy), finding.fixes[0])


def fixed_files(
    findings: Sequence[Finding], read_head: Callable[[str], bytes | None], strategy: str | None = None
) -> dict[str, str]:
    """Head texts with each finding's chosen fix applied (back to front; overlapping edits wait for a re-run)."""
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for finding in findings:
        fix = chosen_fix(finding, strategy)
        if fix is not None:
            by_path[finding.location.path].append(fix)
    result: dict[str, str] = {}
    for path, items in by_path.items():
        data = read_head(path)
        if data is None:
            continue
        text = data.decode("utf-8-sig")
        edits = sorted({f.edit for f in items}, key=lambda e: e.start_line, reverse=True)
        applied, last_start = text, None
        for edit in edits:
            if last_start is not None and edit.end_line >= last_start:
                continue  # overlapping edits: the next run picks up what is left
            applied = apply(applied, edit)
            last_start = edit.start_line
        if applied != text:
            result[path] = applied
    return result
