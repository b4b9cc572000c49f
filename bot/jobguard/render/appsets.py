"""Argo CD ApplicationSets -> the Applications they generate -> roots, for the generators a revision answers alone.

Read: the `list` generator (`elements`, `elementsYaml`) and the `git` generator's `directories` (Go `path.Match`
globs over every directory of this revision, `exclude: true` winning, as applicationset/generators/git.go does;
its `repoURL` is taken to be this repository, and only generated paths present here become roots). Parameters
are Argo CD's: fasttemplate `{{path}}`, `{{path.basename}}`, `{{path.basenameNormalized}}`, `{{path[n]}}`, and with
`goTemplate: true` `{{.path.path}}`, `{{.path.basename}}`, `{{.path.basenameNormalized}}`,
`{{index .path.segments n}}` (also under `pathParamPrefix`), and a generator's `values` as `values.x`.
Not read, so no root: the `files` git generator, clusters, SCM providers, pull requests, matrix, merge, plugins,
`templatePatch`, and Go templates beyond field lookups and `index` (Sprig functions, pipelines): an Application
whose name or path still holds a template after rendering is skipped.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jobguard.controllers.argocd import ARGO_API_GROUP
from jobguard.render import yamlfiles as plain
from jobguard.render.apps import application_roots
from jobguard.render.model import Root, Snapshot
from jobguard.render.tree import Tree

_FAST = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_GO = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_FIELD = re.compile(r"^((?:\.[A-Za-z0-9_]+)+)$")
_INDEX = re.compile(r"^index\s+((?:\.[A-Za-z0-9_]+)+)\s+(\d+)$")
_MAX_APPS = 1000  # generated Applications per ApplicationSet: a glob over a huge tree must not flood the review


def is_application_set(doc: object) -> bool:
    return plain.is_kind(doc, ARGO_API_GROUP, "ApplicationSet")


def application_set_roots(appset: Mapping[str, Any], defined_by: str, snapshot: Snapshot) -> list[Root]:
    spec = appset.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("template"), dict):
        return []
    go = spec.get("goTemplate") is True
    roots: list[Root] = []
    for count, params in enumerate(_params(spec, go, Tree.of(snapshot))):
        if count >= _MAX_APPS:
            break
        app = render(spec["template"], params, go)
        if isinstance(app, dict) and not _unresolved(app):
            roots.extend(application_roots(app, defined_by, snapshot))
    return roots


def _params(spec: Mapping[str, Any], go: bool, tree: Tree) -> Iterator[dict[str, Any]]:
    for generator in plain.as_list(spec.get("generators")):
        if not isinstance(generator, dict):
            continue
        values = plain.as_dict(plain.get(generator, "list", "values") or plain.get(generator, "git", "values"))
        if isinstance(generator.get("list"), dict):
            found = list_params(generator["list"], go)
        elif isinstance(generator.get("git"), dict) and plain.as_list(generator["git"].get("directories")):
            found = directory_params(generator["git"], go, tree)
        else:
            continue
        for params in found:
            yield _with_values(params, values, go)


def list_params(generator: Mapping[str, Any], go: bool) -> list[dict[str, Any]]:
    elements = [e for e in plain.as_list(generator.get("elements")) if isinstance(e, dict)]
    extra = generator.get("elementsYaml")
    if isinstance(extra, str):
        for doc in plain.documents(extra.encode()):
            elements.extend(e for e in plain.as_list(doc) if isinstance(e, dict))
    if go:
        return elements
    return [_flat(e) for e in elements]


def _flat(element: Mapping[str, Any]) -> dict[str, Any]:
    """fasttemplate parameters are strings; a list element's `values` map becomes `values.x`."""
    params = {str(k): v for k, v in element.items() if isinstance(v, str)}
    params.update({f"values.{k}": v for k, v in plain.as_dict(element.get("values")).items() if isinstance(v, str)})
    return params


def directory_params(generator: Mapping[str, Any], go: bool, tree: Tree) -> list[dict[str, Any]]:
    items = [d for d in plain.as_list(generator.get("directories")) if isinstance(d, dict)]
    include = [d["path"] for d in items if isinstance(d.get("path"), str) and d.get("exclude") is not True]
    exclude = [d["path"] for d in items if isinstance(d.get("path"), str) and d.get("exclude") is True]
    prefix = plain.text(generator.get("pathParamPrefix"))
    found = []
    for path in tree.directories:
        if any(go_match(g, path) for g in include) and not any(go_match(g, path) for g in exclude):
            found.append(_path_params(path, go, prefix))
    return found


def _path_params(path: str, go: bool, prefix: str | None) -> dict[str, Any]:
    base = path.rsplit("/", 1)[-1]
    if go:
        value = {"path": path, "basename": base, "basenameNormalized": sanitize(base), "segments": path.split("/")}
        return {prefix: {"path": value}} if prefix else {"path": value}
    name = f"{prefix}.path" if prefix else "path"
    params = {name: path, f"{name}.basename": base, f"{name}.basenameNormalized": sanitize(base)}
    params.update({f"{name}[{i}]": part for i, part in enumerate(path.split("/")) if part})
    return params


def sanitize(name: str) -> str:
    """applicationset/utils.SanitizeName: lower case, DNS characters only, at most 253, no `-`/`.` at the ends."""
    return re.sub(r"[^-a-z0-9.]", "-", name.lower())[:253].strip("-.")


def go_match(pattern: str, path: str) -> bool:
    """Go's path.Match: `*` and `?` never cross a `/`, `[^...]` negates, `\\` escapes. Matched segment by segment
    with fnmatch, whose translation is linear (a regex built from `[^/]*` backtracks exponentially on `*a*a*a*b`)."""
    parts, names = pattern.split("/"), path.split("/")
    if len(parts) != len(names):
        return False
    return all(fnmatch.fnmatchcase(n, _fnmatch(p)) for p, n in zip(parts, names, strict=True))


def _fnmatch(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        c = segment[i]
        if c == "\\" and i + 1 < len(segment):
            i += 1
            out.append(f"[{segment[i]}]")
        elif c == "[" and segment.startswith("[^", i):
            out.append("[!")
            i += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _with_values(params: dict[str, Any], values: Mapping[str, Any], go: bool) -> dict[str, Any]:
    if not values:
        return params
    rendered = {str(k): render(v, params, go) for k, v in values.items() if isinstance(v, str)}
    if go:
        return {**params, "values": rendered}
    return {**params, **{f"values.{k}": v for k, v in rendered.items()}}


def render(value: object, params: Mapping[str, Any], go: bool) -> object:
    """Every string of a template with its parameters; an unknown one stays as written (Argo CD's fasttemplate
    keeps it; its Go templates would fail), which `_unresolved` then catches where it matters."""
    if isinstance(value, str):
        if go:
            return _GO.sub(lambda m: _go_value(m.group(1), params, m.group(0)), value)
        return _FAST.sub(lambda m: _fast_value(m.group(1).strip(), params, m.group(0)), value)
    if isinstance(value, dict):
        return {k: render(v, params, go) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, params, go) for v in value]
    return value


def _fast_value(tag: str, params: Mapping[str, Any], original: str) -> str:
    value = params.get(tag)
    return value if isinstance(value, str) else original


def _go_value(expression: str, params: Mapping[str, Any], original: str) -> str:
    field, index = _FIELD.match(expression), _INDEX.match(expression)
    value: Any = None
    if field:
        value = plain.get(params, *field.group(1)[1:].split("."))
    elif index:
        items = plain.get(params, *index.group(1)[1:].split("."))
        position = int(index.group(2))
        value = items[position] if isinstance(items, list) and position < len(items) else None
    if isinstance(value, bool):
        return plain.scalar(value)
    return str(value) if isinstance(value, (str, int, float)) else original


def _unresolved(app: Mapping[str, Any]) -> bool:
    name = plain.get(app, "metadata", "name")
    spec = plain.as_dict(app.get("spec"))
    sources = [spec.get("source"), *plain.as_list(spec.get("sources"))]
    paths = [plain.get(s, "path") for s in sources]
    return any(isinstance(v, str) and "{{" in v for v in (name, *paths))
