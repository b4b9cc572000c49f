"""Rule cases as data: `fixtures/rules/<rule-id>.yaml` holds base/head manifests, options and the findings expected.

Shared by the rule tests and the fix tests, so every case that expects a finding also proves its fix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jobguard import check as engine
from jobguard import config
from jobguard import diff as diffs

ROOT = Path(__file__).resolve().parent.parent
RULE_FIXTURES = ROOT / "fixtures" / "rules"


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    base: str | None
    head: str
    options: Mapping[str, Any]
    expect: tuple[Mapping[str, Any], ...]
    fixed: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.name}"


def load_cases() -> Iterator[Case]:
    for path in sorted(RULE_FIXTURES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in data["cases"]:
            yield Case(
                rule=path.stem,
                name=raw["name"],
                base=raw.get("base"),
                head=raw["head"],
                options=raw.get("options", {}),
                expect=tuple(raw.get("expect", ())),
                fixed=raw.get("fixed"),
                extra={k: v for k, v in raw.items() if k not in {"name", "base", "head", "options", "expect", "fixed"}},
            )


def options_for(case: Case) -> engine.CheckOptions:
    """The case's `options` are config keys (`kubernetes-version`, `gitops`, `fix`, `rules`, ...)."""
    text = yaml.safe_dump(dict(case.options)) if case.options else ""
    return engine.CheckOptions(config.parse(text, f"{case.id} options"))


def run_case(case: Case, path: str = "job.yaml") -> engine.CheckResult:
    return run_texts(case.base, case.head, options_for(case), path)


def run_texts(base: str | None, head: str, options: engine.CheckOptions, path: str = "job.yaml") -> engine.CheckResult:
    text = diffs.unified(path if base is not None else None, path, base or "", head)
    files = {("base", path): base, ("head", path): head}

    def read(p: str, side: engine.Side) -> bytes | None:
        content = files.get((side, p))
        return None if content is None else content.encode("utf-8")

    return engine.run(diffs.parse(text), read, options)
