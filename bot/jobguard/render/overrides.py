"""An Application's `source.kustomize` (or a Flux Kustomization's overrides) applied to the workspace copy of the
root's kustomization, the way Argo CD does with `kustomize edit` before it builds.

Also asks kustomize for origin annotations (`buildMetadata: [originAnnotations]`) so that each rendered object
names its file. Only the copy is rewritten (re-serialized with PyYAML: it is never shown to anyone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jobguard.render.model import KustomizeSource

TAG = re.compile(r"^(.*):([a-zA-Z0-9._-]*|\*)$")
"""kustomize's `edit set image` pattern for `<image>:<tag>`."""
PRESERVE = "*"


class OverrideError(ValueError):
    """An override kustomize itself would reject (a malformed image, an unreadable kustomization)."""


@dataclass(frozen=True)
class Image:
    name: str
    new_name: str = ""
    new_tag: str = ""
    digest: str = ""

    def entry(self) -> dict[str, str]:
        fields = (("name", self.name), ("newName", self.new_name), ("newTag", self.new_tag), ("digest", self.digest))
        return {key: value for key, value in fields if value}


def parse_image(arg: str) -> Image:
    """`kustomize edit set image` syntax: name=newName:newTag, name=newName@digest, name=newName, name:tag,
    name@digest."""
    parts = arg.split("=")
    if len(parts) == 2:
        name, tag, digest = _overwrite(parts[1], named=True)
        return Image(parts[0], name, tag, digest)
    name, tag, digest = _overwrite(arg, named=False)
    return Image(name, "", tag, digest)


def _overwrite(arg: str, *, named: bool) -> tuple[str, str, str]:
    if "@" in arg:
        name, _, digest = arg.partition("@")
        return name, "", digest.split("@")[0]
    match = TAG.match(arg)
    if match:
        return match.group(1), match.group(2), ""
    if arg and named:
        return arg, "", ""
    raise OverrideError(f"invalid image override {arg!r} (use name=newName:newTag, name:tag or name@digest)")


def set_images(existing: list[Any], args: tuple[str, ...]) -> list[dict[str, str]]:
    """The `images:` list after `kustomize edit set image ARGS`: same-name entries replaced (`*` keeps a field),
    sorted by name."""
    wanted = {image.name: image for image in map(parse_image, args)}
    merged: dict[str, Image] = {}
    for entry in existing:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        old = Image(
            entry["name"], str(entry.get("newName", "")), str(entry.get("newTag", "")), str(entry.get("digest", ""))
        )
        new = wanted.get(old.name)
        merged[old.name] = old if new is None else _preserving(new, old)
    for name, image in wanted.items():
        merged.setdefault(name, _preserving(image, Image(name)))
    return [merged[name].entry() for name in sorted(merged)]


def _preserving(new: Image, old: Image) -> Image:
    def keep(value: str, previous: str) -> str:
        return previous if value == PRESERVE else value

    return Image(
        new.name, keep(new.new_name, old.new_name), keep(new.new_tag, old.new_tag), keep(new.digest, old.digest)
    )


def apply(kustomization: dict[str, Any], source: KustomizeSource | None) -> dict[str, Any]:
    """A new kustomization with the overrides and origin annotations; `kustomization` is left unchanged."""
    result = dict(kustomization)
    if source is not None:
        _apply_source(result, source)
    metadata = [m for m in result.get("buildMetadata") or [] if m != "originAnnotations"]
    result["buildMetadata"] = [*metadata, "originAnnotations"]
    return result


def _apply_source(result: dict[str, Any], source: KustomizeSource) -> None:
    if source.images:
        result["images"] = set_images(list(result.get("images") or []), source.images)
    for key, value in (("namePrefix", source.name_prefix), ("nameSuffix", source.name_suffix)):
        if value is not None:
            result[key] = value
    if source.namespace is not None:
        result["namespace"] = source.namespace
    for key, pairs in (("commonLabels", source.common_labels), ("commonAnnotations", source.common_annotations)):
        if pairs:
            result[key] = {**(result.get(key) or {}), **dict(pairs)}
    if source.patches:
        result["patches"] = [*(result.get("patches") or []), *(_patch(text) for text in source.patches)]
    if source.components:
        result["components"] = [*(result.get("components") or []), *source.components]


def _patch(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise OverrideError(f"unreadable kustomize patch override: {str(exc).splitlines()[0]}") from exc


def rewrite(path: Path, loaded: dict[str, Any], source: KustomizeSource | None) -> None:
    """Write the overridden copy of the root kustomization at `path` (in the workspace)."""
    text = yaml.safe_dump(apply(loaded, source), sort_keys=False, allow_unicode=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
