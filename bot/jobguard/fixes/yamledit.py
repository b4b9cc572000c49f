"""Intent -> splices -> new text, in the file's own style.

Why splices and not a re-dump: a suggestion replaces whole lines verbatim (review-apis.md B5, C5), so any line
re-formatted shows up in the review and loses the author's comments, quoting and indentation. Each step of an
intent re-parses the document, so positions always come from the current text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from yaml.nodes import MappingNode, Node, ScalarNode

from jobguard.findings import AnnotationEdit, FixIntent
from jobguard.fixes.source import NoFix, Source, Splice, Window, entries, entry, mapping
from jobguard.fixes.style import NULL, QUOTES, Style, habit, scalar_text, style_of
from jobguard.fixes.values import annotation_value
from jobguard.fixes.verify import check_text

ANNOTATIONS_AFTER = ("name", "generateName", "namespace", "labels")
"""A new `annotations:` goes right after the last of these metadata keys (where readers look for it)."""

Step = Callable[[Source, MappingNode, Style], list[Splice]]


def edited(intent: FixIntent, text: str, window: Window) -> str:
    """The text (without BOM) with the intent applied to the object in `window`, checked structurally.

    Raises NoFix with the reason when the intent cannot be applied safely or changes nothing.
    """
    new, hi = text, window.hi
    for step in _steps(intent):
        src = Source(new, replace(window, hi=hi))
        obj = src.obj(window.item)
        splices = step(src, obj, style_of(src, obj))
        if any(not window.lo <= start <= end <= hi for start, end, _ in splices):
            raise NoFix("the edit would reach outside the object's document")
        new = _splice(new, splices)
        hi += sum(len(added) - (end - start) for start, end, added in splices)
    if new == text:
        raise NoFix("the object already has what the fix adds")
    check_text(text, new, window, intent)
    return new


def _steps(intent: FixIntent) -> list[Step]:
    steps: list[Step] = [_rename_step] if intent.name_to_generate_name else []
    steps.extend(_annotation_step(a) for a in intent.annotations)
    steps.extend(_spec_step(name, value) for name, value in intent.spec_fields)
    return steps


def _splice(text: str, splices: Sequence[Splice]) -> str:
    for start, end, new in sorted(splices, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _replace_scalar(src: Source, node: ScalarNode, value: str, flow: bool, style: Style) -> Splice:
    """Rewrite a scalar in place, in its own quote style; a block scalar becomes a quoted one-liner."""
    quote = node.style if node.style in QUOTES else (style.quote if node.style in ("|", ">") else None)
    text = style.scalar(value, flow, quote)
    start, end = node.start_mark.index, src.content_end(node)
    if start == end:  # `key:` with no value: the empty scalar sits right after the colon
        text = " " + text
    return (start, end, text)


def _annotation_step(edit: AnnotationEdit) -> Step:
    fresh = annotation_value(None, edit)  # the value of an annotation that is not there yet
    if fresh is None:  # pragma: no cover - every mode writes its value into an absent annotation
        raise NoFix(f"annotation edit {edit} writes nothing")

    def step(src: Source, obj: MappingNode, style: Style) -> list[Splice]:
        _, meta = mapping(obj, "metadata")
        src.own(meta)
        found = entry(meta, "annotations")
        if found is None:
            return _create_annotations(src, meta, edit.key, fresh, style)
        key, block = found
        src.own(block)
        if isinstance(block, ScalarNode) and block.tag == NULL:
            pair = style.pair(edit.key, fresh, bool(meta.flow_style))
            return _fill_annotations(src, meta, (key, block), pair, style)
        if not isinstance(block, MappingNode):
            raise NoFix("`annotations:` is not a mapping")
        return _edit_annotations(src, block, edit, fresh, style)

    return step


def _edit_annotations(src: Source, block: MappingNode, edit: AnnotationEdit, fresh: str, style: Style) -> list[Splice]:
    """Change the annotation in an existing `annotations:` mapping, or add it after the others."""
    found = entry(block, edit.key)
    flow = bool(block.flow_style)
    if found is not None:
        if not isinstance(found[1], ScalarNode):
            raise NoFix(f"annotation {edit.key} is not a scalar")
        src.own(found[1])
        new = annotation_value(scalar_text(found[1]), edit)
        return [] if new is None else [_replace_scalar(src, found[1], new, flow, style)]
    keys = [k for k, _ in block.value]
    pair = style.pair(
        edit.key,
        fresh,
        flow,
        key_quote=habit(keys, flow),
        value_quote=habit([v for _, v in block.value], flow),
    )
    if flow:
        if block.value:
            return [(src.content_end(block.value[-1][1]), src.content_end(block.value[-1][1]), ", " + pair)]
        return [(block.start_mark.index + 1, block.start_mark.index + 1, pair)]
    indent = src.column(keys[0].start_mark.index)
    at = src.below_nested_comments(src.after_line(src.content_end(block)), indent)
    return [src.insert_lines(at, [" " * indent + pair])]


def _create_annotations(src: Source, meta: MappingNode, key: str, value: str, style: Style) -> list[Splice]:
    """`annotations:` right after name/namespace/labels, in the style of `metadata` itself."""
    pairs = entries(meta)
    if not pairs:
        raise NoFix("`metadata` is empty")
    after = max(
        (i for i, (k, _) in enumerate(pairs) if isinstance(k, ScalarNode) and k.value in ANNOTATIONS_AFTER),
        default=len(pairs) - 1,
    )
    anchor = src.content_end(pairs[after][1])
    flow = bool(meta.flow_style)
    key_quote = habit([k for k, _ in pairs], flow)  # metadata's own habits, e.g. `"name": 'x'`
    value_quote = habit([v for _, v in pairs if isinstance(v, ScalarNode)], flow)
    block = style.scalar("annotations", flow, key_quote)
    pair = style.pair(key, value, flow, key_quote=key_quote, value_quote=value_quote)
    if flow:
        return [(anchor, anchor, f", {block}: {{{pair}}}")]
    indent = src.column(pairs[0][0].start_mark.index)
    lines = [f"{' ' * indent}{block}:", " " * (indent + style.step) + pair]
    return [src.insert_lines(src.below_nested_comments(src.after_line(anchor), indent), lines)]


def _fill_annotations(
    src: Source, meta: MappingNode, annotations: tuple[Node, ScalarNode], pair: str, style: Style
) -> list[Splice]:
    """`annotations:` with no value (or `~`): give it a block mapping, keeping a comment on the key's line;
    inside a flow `metadata: {...}` a flow mapping in place of the null (`pair` is written for the style)."""
    key, null = annotations
    flow = bool(meta.flow_style)
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


def _rename_step(src: Source, obj: MappingNode, style: Style) -> list[Splice]:
    """argocd-hooks.md §7.B: `name: x` -> `generateName: x-`, quoting and the line's comment untouched.

    A Job that already has a `generateName` next to its `name` (the name wins, so it is unused) only loses the
    `name` line.
    """
    _, meta = mapping(obj, "metadata")
    found = entry(meta, "name")
    if found is None:
        raise NoFix("no `metadata.name` to turn into generateName")
    key, value = found
    src.own(meta, key, value)
    if not isinstance(value, ScalarNode) or value.style in ("|", ">") or value.tag == NULL:
        raise NoFix("`metadata.name` is not a one-line string")
    flow = bool(meta.flow_style)
    if entry(meta, "generateName") is not None:
        line_start = key.start_mark.index - src.column(key.start_mark.index)
        if flow or src.text[line_start : key.start_mark.index].strip():
            raise NoFix("`metadata.name` next to generateName does not sit on a line of its own")
        return [(line_start, src.after_line(src.content_end(value)), "")]
    key_quote = key.style if key.style in QUOTES else None
    value_quote = value.style if value.style in QUOTES else None
    return [
        (key.start_mark.index, key.end_mark.index, style.scalar("generateName", flow, key_quote)),
        (value.start_mark.index, value.end_mark.index, style.scalar(f"{value.value}-", flow, value_quote)),
    ]


def _spec_step(name: str, value: int) -> Step:
    def step(src: Source, obj: MappingNode, style: Style) -> list[Splice]:
        """§7.B: `ttlSecondsAfterFinished` as the first key of `spec`, unless the Job already sets it."""
        key, spec = mapping(obj, "spec")
        src.own(spec)
        if entry(spec, name) is not None:
            return []
        flow = bool(spec.flow_style)
        pair = f"{style.scalar(name, flow, habit([k for k, _ in spec.value], flow))}: {value}"
        if spec.flow_style:
            at = spec.start_mark.index + 1
            return [(at, at, pair + (", " if spec.value else ""))]
        indent = src.column(spec.value[0][0].start_mark.index)
        return [src.insert_lines(src.after_line(key.end_mark.index), [" " * indent + pair])]

    return step
