"""A fix is checked twice before anyone sees it (argocd-hooks.md §7: a fix that does not work is worse than none).

Structurally (`check_text`): the edited document parses to exactly the objects the intent describes and keeps
every comment. By the engine (`verify`): re-run on the edited head, it no longer reports the finding and reports
nothing new at warning or error.
"""

from __future__ import annotations

import copy
import functools
from typing import TYPE_CHECKING, Any

import yaml

from jobguard.controllers.annotations import annotation_text
from jobguard.findings import Finding, FixIntent, Severity
from jobguard.fixes.source import Loader, NoFix, Window
from jobguard.fixes.values import annotation_value
from jobguard.manifests import comments_with_lines

if TYPE_CHECKING:
    from jobguard.fixes.context import FileContext, Target


@functools.lru_cache(maxsize=8)
def _comments(text: str) -> tuple[str, ...]:
    try:
        return tuple(comment for _, comment in comments_with_lines(text))
    except yaml.YAMLError as exc:
        raise NoFix(f"not valid YAML: {exc}") from None


@functools.lru_cache(maxsize=8)
def _documents(text: str) -> tuple[Any, ...]:
    try:
        return tuple(yaml.load_all(text, Loader=Loader))
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
        new = annotation_value(None if old is None else annotation_text(old), edit)
        if new is not None:
            annotations[edit.key] = new
            meta["annotations"] = annotations
    for name, value in intent.spec_fields:
        obj["spec"].setdefault(name, value)
    return result


def check_text(head: str, new: str, window: Window, intent: FixIntent) -> None:
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


def _about(f: Finding, g: Finding) -> bool:
    return g.rule == f.rule and g.object == f.object and g.location.path == f.location.path


def verify(finding: Finding, target: Target, new: str, ctx: FileContext) -> None:
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
