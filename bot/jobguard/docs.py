"""Documentation generated from the configuration schema and the defaults, so that it cannot drift from them:
the file `jobguard init` writes and the README's configuration section (a test compares it with the README).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator, Mapping
from typing import Any

from jobguard import ignores
from jobguard.config import CONFIG_NAMES, DEFAULT, DEFAULT_SEVERITIES
from jobguard.config_errors import expected
from jobguard.config_schema import SCHEMA_URL, schema
from jobguard.rules import RULES_BY_ID


def _yaml_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_scalar(v) for v in value) + "]"
    if (
        isinstance(value, str)
        and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", value)
        and value not in ("true", "false", "null")
    ):
        return value
    return json.dumps(value)


def _defaults() -> dict[str, str]:
    """Dotted key -> the default as YAML, from DEFAULT (so docs cannot drift from the code)."""
    review = DEFAULT.review
    return {
        "kubernetes-version": _yaml_scalar(str(DEFAULT.kubernetes_version)),
        "gitops": DEFAULT.gitops,
        "fail-on": DEFAULT.fail_on.value if DEFAULT.fail_on else "never",
        "fix.prefer": _yaml_scalar(list(DEFAULT.fix_prefer)),
        "paths.include": _yaml_scalar(list(DEFAULT.include)),
        "paths.exclude": _yaml_scalar(list(DEFAULT.exclude)),
        "overrides": "[]",
        "review.max-inline-comments": _yaml_scalar(review.max_inline_comments),
        "review.summary": _yaml_scalar(review.summary),
        "review.allow-head-config": _yaml_scalar(review.allow_head_config),
        **_render_defaults(),
    }


def _render_defaults() -> dict[str, str]:
    render = DEFAULT.render
    values: dict[str, object] = {
        "enabled": render.enabled,
        "include": list(render.include),
        "exclude": list(render.exclude),
        "timeout": int(render.timeout_seconds),
        "max-output": render.max_output_bytes,
        "max-roots": render.max_roots,
        "workers": render.workers,
    }
    return {f"render.{key}": _yaml_scalar(value) for key, value in values.items()}


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width=108 - len(indent))]


def init_text() -> str:
    """A configuration with every key at its default, each explained (`jobguard init` writes it)."""
    props = schema()["properties"]
    defaults = _defaults()
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "# jobguard configuration: every key is optional; these are the defaults.",
    ]
    for key, sub in props.items():
        lines.append("")
        lines.extend(_comment(sub["description"], ""))
        if key == "rules":
            lines.append("rules:")
            for rule_id, severity in DEFAULT_SEVERITIES.items():
                lines.extend(_comment(_summary(rule_id), "  "))
                lines.append(f"  {rule_id}: {severity.value}")
        elif key == "overrides":
            lines.append("overrides: []")
            lines.extend(["#  - paths: [tests/**, examples/**]", "#    rules:", "#      job-immutable-field: warning"])
        elif "properties" in sub:
            lines.append(f"{key}:")
            for child, child_sub in sub["properties"].items():
                lines.extend(_comment(child_sub["description"], "  "))
                dotted = f"{key}.{child}"
                if dotted in defaults:
                    lines.append(f"  {child}: {defaults[dotted]}")
                else:  # no value stands for the default (hook-phase: inferred per Job; render.helm: on PATH)
                    lines.append(f"  # {child}: {child_sub.get('examples', child_sub.get('enum'))[0]}")
        else:
            lines.append(f"{key}: {defaults[key]}")
    return "\n".join(lines) + "\n"


def _summary(rule_id: str) -> str:
    return RULES_BY_ID[rule_id].summary


def _type_cell(sub: Mapping[str, Any]) -> str:
    if "enum" in sub:
        return " \\| ".join(f"`{v}`" for v in sub["enum"])
    if "$ref" in sub and sub["$ref"].endswith("/patterns"):
        return "list of patterns"
    if "$ref" in sub and sub["$ref"].endswith("/rules"):
        return "mapping: rule id → setting"
    if "items" in sub and "enum" in sub["items"]:
        return "list of strategy ids"
    if "items" in sub:
        return "list of patterns" if sub["items"].get("$ref", "").endswith("/pattern") else "list"
    cell = expected(sub).removeprefix("a ").removeprefix("an ")
    return f"{cell} ≥ {sub['minimum']}" if "minimum" in sub else cell


def _rows(props: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for key, sub in props.items():
        dotted = f"{prefix}{key}"
        yield dotted, sub
        if "properties" in sub:
            yield from _rows(sub["properties"], f"{dotted}.")
        items = sub.get("items", {})
        if "properties" in items:
            yield from _rows(items["properties"], f"{dotted}[].")


def markdown_reference() -> str:
    """The README's configuration section, generated from the schema (run `jobguard init` for a file)."""
    return "\n".join([*_intro(), *_table(), *_rule_settings(), *_inline_ignores(), *_example()]) + "\n"


def _intro() -> list[str]:
    return [
        "## Configuration",
        "",
        f"jobguard reads the first of {', '.join(f'`{n}`' for n in CONFIG_NAMES)} in the repository root "
        "(`review`: in the base revision's tree), and warns on standard error when more than one exists. "
        "Every key is optional. Unknown keys, unknown rule ids and invalid values stop the run with exit code 2 "
        "and one `FILE:LINE:COL: message` line each, with a did-you-mean where one is close. "
        "`jobguard init` writes a file with every default and a comment on each key.",
        "",
        "The file is YAML 1.2, as editors read it: `off` is a word, but an unquoted `1.30` is the number 1.3, "
        'so quote versions (`kubernetes-version: "1.30"`). Editors with yaml-language-server (the VS Code YAML '
        "extension, and others) complete and check the file when it starts with:",
        "",
        "```yaml",
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "```",
        "",
    ]


def _table() -> list[str]:
    out = ["| Key | Value | Default | Meaning |", "| --- | --- | --- | --- |"]
    for dotted, sub in _rows(schema()["properties"], ""):
        kind = "mapping" if "properties" in sub else _type_cell(sub)
        out.append(f"| `{dotted}` | {kind} | {_default_cell(dotted)} | {sub.get('description', '')} |")
    return out


def _default_cell(dotted: str) -> str:
    defaults = _defaults()
    if dotted == "kubernetes-version":
        return f"`{defaults[dotted]}` (newest known)"
    if dotted in defaults:
        return f"`{defaults[dotted]}`"
    return "inferred per Job" if dotted == "fix.hook-phase" else ""


def _rule_settings() -> list[str]:
    rule_ids = ", ".join(f"`{r}`" for r in schema()["$defs"]["rules"]["properties"])
    return [
        "",
        "### Rule settings",
        "",
        "Under `rules` (and `overrides[].rules`), each rule id takes a severity, `error`, `warning`, `info` or "
        "`off`, or a mapping `{severity: ..., <option>: ...}` for rules that have options. "
        f"Rule ids: {rule_ids}.",
        "",
        "A rule's setting for a file is its default severity, then `rules`, then every override whose `paths` "
        "match the file, in order: a later override wins. Options are merged key by key.",
        "",
        "`paths.include`, `paths.exclude` and `overrides[].paths` are gitignore-style patterns relative to the "
        "repository root (`apps/**/jobs/`, `*.yaml`, `!keep.yaml`). A file is checked when it matches `include` "
        "(or `include` is empty) and does not match `exclude`.",
    ]


def _inline_ignores() -> list[str]:
    return [
        "",
        "### Inline ignores",
        "",
        "A comment `# jobguard: ignore[rule-id, ...] reason` on the line of a Job's `metadata:` or `name:`, or "
        "in the comment lines above the Job's first key, silences those rules for that Job. The annotation "
        f"`{ignores.ANNOTATION}: rule-id,...` does the same from the manifest, with the reason in "
        f"`{ignores.REASON_ANNOTATION}`. An ignore without a reason is reported as `ignore-without-reason` "
        "(warning); one that silences nothing, names an unknown rule or sits where it has no effect as "
        "`ignore-unused` (info).",
        "",
        "```yaml",
        "metadata:",
        "  name: db-migrate  # jobguard: ignore[job-immutable-field] the old Job is deleted by the release script",
        "```",
    ]


def _example() -> list[str]:
    return [
        "",
        "### Example",
        "",
        "```yaml",
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        'kubernetes-version: "1.30"',
        "gitops: argocd",
        "fail-on: warning",
        "rules:",
        "  job-ttl-after-finished: off",
        "fix:",
        "  prefer: [argocd-force, argocd-hook]",
        "paths:",
        "  exclude: [charts/**/templates/]",
        "overrides:",
        "  - paths: [sandbox/**]",
        "    rules:",
        "      job-immutable-field: warning",
        "review:",
        "  max-inline-comments: 10",
        "```",
    ]
