"""Fix intents -> minimal, verified text edits of the head file, and where they can be one-click suggestions.

Why text splices and not a re-dump: a suggestion replaces whole lines verbatim (review-apis.md B5, C5), so any
line we re-format shows up in the review and loses the author's comments, quoting and indentation. Positions come
from PyYAML's composer (exact character indexes of every key, scalar and flow collection), every edit is spliced
into the original text, and the result is checked three ways before anyone sees it: it parses to exactly the
objects the intent describes, it keeps every comment, and the engine no longer reports the finding and reports
nothing new at warning or error (argocd-hooks.md §7: a fix that does not work is worse than none).

The files come parsed from the engine (`CheckResult.files`): each `Manifest` knows its document's character
range, so only the target's document is composed again while editing and checking.
"""

from __future__ import annotations

import bisect
import copy
import functools
import itertools
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jobguard import check as engine
from jobguard import diff as diffs
from jobguard import hooks, ignores
from jobguard.diff import FileChange, split_lines
from jobguard.findings import AnnotationEdit, Finding, Fix, FixIntent, Placement, Severity, TextEdit
from jobguard.jobs import Identity, job_doc
from jobguard.manifests import Manifest, ManifestFile, comments_with_lines, document_range, load

if TYPE_CHECKING:
    from jobguard.check import CheckOptions, LoadedFile, Reader, Side

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
CONTEXT_LINES = 3
"""Lines of context around a fix's edit in its diff (git's default)."""

_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_QUOTES = ("'", '"')
_INDEX = re.compile(r"^(\d+)(?:\.items\[(\d+)\])?$")

Splice = tuple[int, int, str]


class NoFix(Exception):
    """Why an intent cannot be turned into a safe edit of this file (logged, never shown)."""


# --------------------------------------------------------------------------------------------------------
# Lines and edits (lines end at LF, as git and the platforms count them: jobguard.diff.split_lines)


def newline_of(text: str) -> str:
    """The file's line ending, from its first line break (CRLF files stay CRLF)."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def apply(text: str, edit: TextEdit) -> str:
    """Replace (or, with `end_line == start_line - 1`, insert before) the edit's lines."""
    lines = split_lines(text)
    if not 1 <= edit.start_line <= len(lines) + 1 or not edit.start_line - 1 <= edit.end_line <= len(lines):
        raise ValueError(f"edit lines {edit.start_line}..{edit.end_line} outside a {len(lines)}-line text")
    return "".join(lines[: edit.start_line - 1]) + edit.new_text + "".join(lines[edit.end_line :])


def edit_between(before: str, after: str) -> TextEdit | None:
    """The smallest line range whose replacement turns `before` into `after` (None if equal)."""
    return None if before == after else _edit(split_lines(before), split_lines(after))


def _edit(a: Sequence[str], b: Sequence[str]) -> TextEdit:
    """`edit_between` on lines. A pure insertion is widened to the line before it (or after, at the top of the
    file): a suggestion can only replace lines, so it repeats that line (review-apis.md B5), and every edit then
    maps 1:1 onto a suggestion."""
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


def _diff(path: str, lines: Sequence[str], edit: TextEdit) -> str:
    """The edit as a `--- a/PATH` / `+++ b/PATH` unified diff that `patch -p1` applies: only the edited lines
    and their context go through difflib, never the whole file."""
    first = max(edit.start_line - CONTEXT_LINES, 1)
    above = "".join(lines[first - 1 : edit.start_line - 1])
    below = "".join(lines[edit.end_line : edit.end_line + CONTEXT_LINES])
    old = above + "".join(lines[edit.start_line - 1 : edit.end_line]) + below
    return diffs.unified(path, path, old, above + edit.new_text + below, git_header=False, first_line=first)


def place(edit: TextEdit, change: FileChange | None, line_count: int) -> Placement:
    """Where the edit can be a one-click suggestion: GitHub needs the whole range in one hunk (B3/B5), GitLab an
    anchor on a diff line inside the range with at most 100 lines above and below it (C5). A suggestion replaces
    lines, so an insertion (which `edit_between` never makes) has none."""
    start, end = edit.start_line, edit.end_line
    if change is None or not 1 <= start <= end <= line_count:
        return Placement()
    github = (start, end) if change.hunk_containing(start, end) is not None else None
    added = sorted(n for n in change.added_lines if start <= n <= end)
    context = sorted(n for h in change.hunks for n in h.context if start <= n <= end)
    anchors = [a for a in [*added, *context] if a - start <= GITLAB_MAX_OFFSET and end - a <= GITLAB_MAX_OFFSET]
    gitlab = (anchors[0], anchors[0] - start, end - anchors[0]) if anchors else None
    return Placement(github=github, gitlab=gitlab)


# --------------------------------------------------------------------------------------------------------
# Positions in the text


@dataclass(frozen=True)
class _Window:
    """The target object's document, [lo, hi) in the text without BOM (`Manifest.document`), and its item
    number when the document is a `kind: List`."""

    lo: int
    hi: int
    item: int | None


def _parse_index(index: str) -> tuple[int, int | None]:
    """(document number, List item or None) of a manifest index written as text (`N` or `N.items[i]`), as
    `fixed_text`'s callers give it."""
    match = _INDEX.match(index)
    if match is None:
        raise NoFix(f"bad manifest index {index!r}")
    return int(match.group(1)), None if match.group(2) is None else int(match.group(2))


@functools.lru_cache(maxsize=8)
def _document_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """Every document's `Manifest.document` range, for a text that does not come from the engine."""
    try:
        return tuple(document_range(text, root) for root in yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise NoFix(f"the file is not valid YAML: {exc}") from None


class _Source:
    """One parse of one document of the text (without BOM): its node tree, with marks that are indexes into
    the whole text, plus line/column arithmetic on LF lines."""

    def __init__(self, text: str, window: _Window) -> None:
        self.text = text
        self.newline = newline_of(text)
        try:  # blank lines stand in for what comes before the document, so marks index the whole text
            roots = list(yaml.compose_all("\n" * window.lo + text[window.lo : window.hi], Loader=_Loader))
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

    def obj(self, item: int | None) -> MappingNode:
        """The target object: the document itself, or item `item` of its `kind: List`."""
        node: Node | None = self.root
        if item is not None:
            items = _entry(node, "items") if isinstance(node, MappingNode) else None
            seq = items[1] if items else None
            node = seq.value[item] if isinstance(seq, SequenceNode) and item < len(seq.value) else None
        if not isinstance(node, MappingNode):
            raise NoFix("no object at the manifest index")
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


def annotation_value(old: str | None, edit: AnnotationEdit) -> str | None:
    """The annotation's new value, or None when it already says what the edit wants.

    csv-append keeps the user's items and separator style and adds only what is missing (argocd-hooks.md §7.D:
    never a second key); csv-replace-item swaps one mistyped item in place. Items are read as the controllers
    read them (jobguard.hooks.csv_items).
    """
    if edit.mode == "set":
        return None if old == edit.value else edit.value
    items = hooks.csv_items(old)
    if edit.mode == "csv-append":
        if old is None or not items:
            return edit.value
        missing = [item for item in hooks.csv_items(edit.value) if item not in items]
        if not missing:
            return None
        joiner = ", " if ", " in old else ","
        kept = old.rstrip().rstrip(",").rstrip()
        return kept + joiner + joiner.join(missing)
    if edit.mode == "csv-replace-item":
        if old is None or not items:
            return edit.value
        if (edit.replaces or "") not in items:
            raise NoFix(f"{edit.replaces!r} is not an item of {old!r}")
        done = edit.value in items  # then the mistyped item only goes away
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
    fresh = annotation_value(None, edit)  # the value of an annotation that is not there yet
    if fresh is None:  # pragma: no cover - every mode writes its value into an absent annotation
        raise NoFix(f"annotation edit {edit} writes nothing")

    def step(src: _Source, obj: MappingNode, style: _Style) -> list[Splice]:
        _, meta = _mapping(obj, "metadata")
        src.own(meta)
        found = _entry(meta, "annotations")
        if found is None:
            return _create_annotations(src, meta, edit.key, fresh, style)
        key, block = found
        src.own(block)
        if isinstance(block, ScalarNode) and block.tag == _NULL:
            flow = bool(meta.flow_style)
            return _fill_annotations(src, key, block, _pair(edit.key, fresh, flow, style), style, flow=flow)
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
        keys = [k for k, _ in block.value]
        pair = _pair(
            edit.key,
            fresh,
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


def _create_annotations(src: _Source, meta: MappingNode, key: str, value: str, style: _Style) -> list[Splice]:
    """`annotations:` right after name/namespace/labels, in the style of `metadata` itself."""
    entries = _entries(meta)
    if not entries:
        raise NoFix("`metadata` is empty")
    after = max(
        (i for i, (k, _) in enumerate(entries) if isinstance(k, ScalarNode) and k.value in ANNOTATIONS_AFTER),
        default=len(entries) - 1,
    )
    anchor = src.content_end(entries[after][1])
    flow = bool(meta.flow_style)
    key_quote = _habit([k for k, _ in entries], flow)  # metadata's own habits, e.g. `"name": 'x'`
    value_quote = _habit([v for _, v in entries if isinstance(v, ScalarNode)], flow)
    block = style.scalar("annotations", flow, key_quote)
    pair = _pair(key, value, flow, style, key_quote=key_quote, value_quote=value_quote)
    if flow:
        return [(anchor, anchor, f", {block}: {{{pair}}}")]
    indent = src.column(entries[0][0].start_mark.index)
    lines = [f"{' ' * indent}{block}:", " " * (indent + style.step) + pair]
    return [src.insert_lines(src.below_nested_comments(src.after_line(anchor), indent), lines)]


def _fill_annotations(
    src: _Source, key: ScalarNode, null: ScalarNode, pair: str, style: _Style, *, flow: bool
) -> list[Splice]:
    """`annotations:` with no value (or `~`): give it a block mapping, keeping a comment on the key's line;
    inside a flow `metadata: {...}` a flow mapping in place of the null (`pair` is written for the style)."""
    splices: list[Splice] = []
    start, end = null.start_mark.index, null.end_mark.index
    if flow:
        return [(start, end, ("" if end > start else " ") + f"{{{pair}}}")]
    if end > start:  # `annotations: ~` / `null`: drop the null and the spaces before it
        if src.text[key.end_mark.index] != ":":
            raise NoFix("unusual spacing around `annotations:`")
        splices.append((key.end_mark.index + 1, end, ""))
    indent = src.column(key.start_mark.index) + style.step
    splices.append(src.insert_lines(src.after_line(key.end_mark.index), [" " * indent + pair]))
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
    text = head_text.removeprefix(BOM)
    number, item = _parse_index(manifest_index)
    ranges = _document_ranges(text)
    if number >= len(ranges):
        raise NoFix(f"no document for manifest index {manifest_index!r}")
    bom = BOM if head_text.startswith(BOM) else ""
    return bom + _edited(intent, text, _Window(*ranges[number], item))


def _edited(intent: FixIntent, text: str, window: _Window) -> str:
    """`fixed_text` on the text without BOM, for an object whose document is already known."""
    new, hi = text, window.hi
    for step in _steps(intent):
        src = _Source(new, replace(window, hi=hi))
        obj = src.obj(window.item)
        splices = step(src, obj, _style(src, obj))
        if any(not window.lo <= start <= end <= hi for start, end, _ in splices):
            raise NoFix("the edit would reach outside the object's document")
        new = _splice(new, splices)
        hi += sum(len(added) - (end - start) for start, end, added in splices)
    if new == text:
        raise NoFix("the object already has what the fix adds")
    _check_text(text, new, window, intent)
    return new


# --------------------------------------------------------------------------------------------------------
# Structural verification


@functools.lru_cache(maxsize=8)
def _comments(text: str) -> tuple[str, ...]:
    try:
        return tuple(comment for _, comment in comments_with_lines(text))
    except yaml.YAMLError as exc:
        raise NoFix(f"not valid YAML: {exc}") from None


@functools.lru_cache(maxsize=8)
def _documents(text: str) -> tuple[Any, ...]:
    try:
        return tuple(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise NoFix(f"not valid YAML: {exc}") from None


def expected(document: Any, item: int | None, intent: FixIntent) -> Any:
    """What the target's document must parse to after the fix: only the target object changes, only as intended."""
    result = copy.deepcopy(document)
    obj = result
    if item is not None:
        obj = result["items"][item] = copy.deepcopy(result["items"][item])  # aliases must not carry the change
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


def _check_text(head: str, new: str, window: _Window, intent: FixIntent) -> None:
    """Raise NoFix unless the new text (both without BOM) parses to exactly the intended objects and keeps every
    comment.

    Documents are independent in YAML (no anchors across them), so when everything outside the target's
    document is unchanged text, checking that document alone checks the file.
    """
    lo, hi = window.lo, window.hi
    new_hi = hi + len(new) - len(head)
    if head[:lo] != new[:lo] or head[hi:] != new[new_hi:]:
        raise NoFix("the edit reaches outside the object's document")
    before, after = _documents(head[lo:hi]), _documents(new[lo:new_hi])
    if len(before) != 1 or len(after) != 1:
        raise NoFix("the edited document does not parse as one document")
    try:
        want = expected(before[0], window.item, intent)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise NoFix(f"cannot model the fix on this object: {exc!r}") from None
    if after[0] != want:
        raise NoFix("the edited file does not parse to the intended objects")
    if _comments(new[lo:new_hi]) != _comments(head[lo:hi]):
        raise NoFix("the edit would lose or move a comment")


# --------------------------------------------------------------------------------------------------------
# Engine verification and attaching


@dataclass(frozen=True)
class _Text:
    """A text (without BOM) split into lines once, with the index each line starts at."""

    text: str
    lines: list[str]
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> _Text:
        lines = split_lines(text)
        return cls(text, lines, [0, *itertools.accumulate(len(line) for line in lines)])

    def header(self, lo: int) -> int:
        """Where the comment lines right above the line at `lo` begin: inline ignores of the whole object sit
        there (`ignores.top_lines`). A `...` ending the document before is left out: no text starts with one."""
        number = bisect.bisect_right(self.starts, lo)
        first = min(ignores.top_lines(self.lines, number), default=number)
        if first < number and self.lines[first - 1].strip().startswith("..."):
            first += 1
        return self.starts[first - 1]


@dataclass(frozen=True)
class _Target:
    """The head object a finding is about, and the base the engine judges its edits against."""

    manifest: Manifest
    window: _Window
    header: int  # where its reduced text (its document and the comment lines above it) begins
    base: ManifestFile  # the base document holding the same Job, else the whole base file
    base_key: tuple[int, int] | None  # that document's range, None for the whole file


@dataclass
class _FileContext:
    """One changed file, parsed once by the engine, and what its verifications share.

    The engine is re-run on the target's document alone, paired with the base document of the same identity:
    rules judge one Job's base and head (jobguard.jobs pairs by identity within a file), so the other documents of a
    large file cannot change the verdict, only the time it takes. A finding the reduced run does not reproduce
    (a Job moved between files) is verified on the whole change instead, with the engine's own findings as the
    state before the fix.
    """

    file: LoadedFile
    head: _Text
    options: CheckOptions
    findings: Sequence[Finding]  # the engine's findings on the whole, unedited change
    whole: Callable[[str], tuple[Finding, ...]]  # the engine on the whole change with another head text
    before: dict[tuple[tuple[int, int], tuple[int, int] | None], tuple[Finding, ...]] = field(default_factory=dict)
    bases: dict[tuple[int, int], ManifestFile] = field(default_factory=dict)

    @functools.cached_property
    def raw_lines(self) -> list[str]:
        """The head's lines as the file holds them (a BOM opens the first): what edits and diffs count."""
        lines = self.head.lines
        return [BOM + lines[0], *lines[1:]] if self.file.head.bom and lines else lines

    @functools.cached_property
    def base_documents(self) -> dict[Identity, list[tuple[int, int]]]:
        """Identity -> ranges of the base documents holding a Job with it."""
        found: dict[Identity, list[tuple[int, int]]] = defaultdict(list)
        for manifest in self.file.base.manifests:
            identity = job_doc(manifest).identity
            if identity is not None and manifest.document not in found[identity]:
                found[identity].append(manifest.document)
        return found

    @functools.cached_property
    def base_text(self) -> _Text:
        return _Text.of(self.file.base.text)

    def target(self, finding: Finding) -> _Target:
        """Which object of the head file a finding is about (same identity, preferring the one at its line)."""
        ref = finding.object
        matches = [m for m in self.file.head.manifests if job_doc(m).ref == ref]
        chosen = [m for m in matches if m.start_line <= finding.location.line <= m.end_line] or matches
        if ref is None or not chosen:
            raise NoFix(f"object {ref} not found in the head file")
        manifest = chosen[0]
        window = _Window(*manifest.document, manifest.index.item)
        docs = self.base_documents.get((ref.group, ref.kind, ref.namespace, ref.name)) if ref.name else None
        if docs is None or len(docs) != 1:
            return _Target(manifest, window, self.head.header(window.lo), self.file.base, None)
        return _Target(manifest, window, self.head.header(window.lo), self.base_document(docs[0]), docs[0])

    def base_document(self, document: tuple[int, int]) -> ManifestFile:
        """One base document with the comment lines above it, parsed once."""
        if document not in self.bases:
            lo, hi = document
            text = self.base_text.text[self.base_text.header(lo) : hi]
            self.bases[document] = load(self.file.base.path, text.encode("utf-8"), jobs_only=True)
        return self.bases[document]

    def judge(self, head_text: str, base: ManifestFile) -> tuple[Finding, ...]:
        """The engine's findings on this file's change with these texts (the other files left out)."""
        change = self.file.change
        head = load(change.new_path or "", head_text.encode("utf-8"))
        reduced = FileChange(change.old_path, change.new_path, change.status)
        return engine.judge([engine.LoadedFile(reduced, base, head)], self.options)


def _about(f: Finding, g: Finding) -> bool:
    return g.rule == f.rule and g.object == f.object and g.location.path == f.location.path


def verify(finding: Finding, target: _Target, new: str, ctx: _FileContext) -> None:
    """Raise NoFix unless the engine, re-run on the edited head (`new`, without BOM), no longer reports the
    finding and reports nothing new at warning or error (disappearing findings, e.g. ttl after a hook
    conversion, are fine)."""
    hi = target.window.hi
    key = (target.manifest.document, target.base_key)
    if key not in ctx.before:
        ctx.before[key] = ctx.judge(ctx.head.text[target.header : hi], target.base)
    before = ctx.before[key]
    if any(_about(finding, g) for g in before):
        after = ctx.judge(new[target.header : hi + len(new) - len(ctx.head.text)], target.base)
    else:
        before, after = tuple(ctx.findings), ctx.whole(new)
        if not any(_about(finding, g) for g in before):
            raise NoFix("the engine does not reproduce the finding")
    if any(_about(finding, g) for g in after):
        raise NoFix("the finding is still reported after the fix")
    seen = {(g.rule, g.location.path, g.object) for g in before}
    for g in after:
        if g.severity.rank >= Severity.WARNING.rank and (g.rule, g.location.path, g.object) not in seen:
            raise NoFix(f"the fix would introduce {g.rule}: {g.message}")


def _fix(finding: Finding, intent: FixIntent, target: _Target, ctx: _FileContext) -> Fix:
    new = _edited(intent, ctx.head.text, target.window)
    verify(finding, target, new, ctx)
    new_lines = split_lines(new)
    if ctx.file.head.bom and new_lines:
        new_lines[0] = BOM + new_lines[0]
    edit = _edit(ctx.raw_lines, new_lines)
    return Fix(
        strategy=intent.strategy,
        title=intent.title,
        tradeoff=intent.tradeoff,
        edit=edit,
        diff=_diff(finding.location.path, ctx.raw_lines, edit),
        placement=place(edit, ctx.file.change, len(ctx.raw_lines)),
    )


def _context(
    path: str,
    findings: Sequence[Finding],
    changes: Sequence[FileChange],
    read: Reader,
    options: CheckOptions,
    *,
    files: Sequence[LoadedFile],
) -> _FileContext | None:
    file = next((f for f in files if f.change.new_path == path), None)
    if file is None:
        change = next((c for c in changes if c.new_path == path), None)
        if change is None:
            return None
        file = engine.load_change(change, read)
    if not file.head.manifests:
        return None
    loaded = file

    def whole(new: str) -> tuple[Finding, ...]:
        if files:
            head = load(path, new.encode("utf-8"))
            return engine.judge([replace(f, head=head) if f is loaded else f for f in files], options)

        def reader(p: str, side: Side) -> bytes | None:
            return new.encode("utf-8") if side == "head" and p == path else read(p, side)

        return engine.run(changes, reader, options).findings

    return _FileContext(file, _Text.of(file.head.text), options, findings, whole)


def _fixes(finding: Finding, ctx: _FileContext) -> Iterator[Fix]:
    """The finding's verified fixes, in intent order; one that cannot be built or verified is logged only."""
    path = finding.location.path
    try:
        target = ctx.target(finding)
    except NoFix as exc:
        log.info("no fixes for %s %s: %s", finding.rule, path, exc)
        return
    for intent in finding.intents:
        try:
            yield _fix(finding, intent, target, ctx)
        except NoFix as exc:
            log.info("fix %s for %s %s dropped: %s", intent.strategy, finding.rule, path, exc)
        except Exception as exc:  # a bug in one fix must not cost the whole review
            log.info("fix %s for %s %s failed: %r", intent.strategy, finding.rule, path, exc)


def attach(
    findings: Sequence[Finding],
    changes: Sequence[FileChange],
    read: Reader,
    options: CheckOptions,
    files: Sequence[LoadedFile] = (),
) -> tuple[Finding, ...]:
    """Findings with `fixes` filled: every intent's edit built on the head text and verified, in intent order.

    `files` are the engine's parsed files (`CheckResult.files`); a file not among them is read and parsed once
    more. A fix that cannot be built or verified is dropped and logged, never shown and never raised: a review
    must not fail because one fix did not work out.
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
                contexts[path] = _context(path, findings, changes, read, options, files=files)
            except Exception as exc:  # unreadable or undecodable head: the findings stay, without fixes
                log.info("no fixes for %s: %r", path, exc)
                contexts[path] = None
        ctx = contexts[path]
        try:
            fixes = tuple(_fixes(finding, ctx)) if ctx is not None else ()
        except Exception as exc:  # a bug in one fix must not cost the whole review
            log.info("fixes for %s %s failed: %r", finding.rule, path, exc)
            fixes = ()
        result.append(replace(finding, fixes=fixes))
    return tuple(result)


# ---- applying several fixes at once (jobguard fix, the fix command) ----------------------------------------


def chosen_fix(finding: Finding, strategy: str | None) -> Fix | None:
    """The fix of `strategy` when the finding has one, else its preferred fix."""
    if not finding.fixes:
        return None
    return next((f for f in finding.fixes if f.strategy == strategy), finding.fixes[0])


def strategy_misses(findings: Sequence[Finding], strategy: str) -> str | None:
    """Why `strategy` cannot be used (it fits none or only some of the fixable findings, each named with the
    strategies it does take), or None: applying another fix where it does not fit would be a silent surprise."""
    fixable = [f for f in findings if f.fixes]
    missed = [f for f in fixable if all(fix.strategy != strategy for fix in f.fixes)]
    if not missed:
        return None
    n = len(fixable)
    scope = f"none of the {n}" if len(missed) == n else f"{n - len(missed)} of {n}"
    each = "; ".join(
        f"{f.location.path}:{f.location.line} {f.rule} takes {', '.join(fix.strategy for fix in f.fixes)}"
        for f in missed
    )
    plural = "s" if n != 1 else ""
    return f"--strategy {strategy} applies to {scope} fixable finding{plural}, so nothing was changed: {each}"


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
        text = data.decode("utf-8")  # a BOM stays: the edits count it in line 1
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
