"""The README's promises: its rule table comes from the registry, its commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobguard.formats import rules_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def between(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"README has no {name} markers"
    return match.group(1)


def test_rule_table_is_generated_from_the_registry() -> None:
    assert between(README, "rules") == rules_table()


def test_readme_starts_with_the_install_demo_and_test_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert "jobguard demo" in blocks[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1] in ci, "the README's test command must be what .ci/run runs"


def test_the_demo_sample_is_what_the_demo_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jobguard.cli import main

    monkeypatch.chdir(ROOT)  # the README runs it from the root of the checkout
    assert main(["demo"]) == 0
    out, err = capsys.readouterr()
    assert between(README, "demo") == f"```\n{err}{out}```\n"


def test_configuration_section_is_generated_from_the_schema() -> None:
    from jobguard.docs import markdown_reference

    assert between(README, "config") == markdown_reference() + ("" if markdown_reference().endswith("\n") else "\n")


def test_every_fix_strategy_is_documented() -> None:
    from jobguard.fixes.strategies import STRATEGIES

    for strategy in STRATEGIES:
        assert f"| `{strategy}` |" in README, strategy


def test_every_environment_variable_read_is_documented() -> None:
    """Any environment variable bot/ reads by name must appear in the README's table."""
    names: set[str] = set()
    pattern = re.compile(r"""(?:environ\.get\(|environ\[|env\.get\()\s*["']([A-Z][A-Z0-9_-]+)["']""")
    for path in (ROOT / "bot").rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert "GITHUB_EVENT_PATH" in names or "JOBGUARD_DEBUG" in names
    section = README[README.index("### Environment variables read") :]
    missing = sorted(n for n in names if f"`{n}`" not in section)
    assert not missing, missing


def test_the_github_workflow_in_the_readme_is_the_documented_one() -> None:
    doc = (ROOT / "docs" / "github-workflow.md").read_text(encoding="utf-8").replace("## GitHub Actions\n\n", "", 1)
    assert between(README, "github").strip() == doc.strip()
    workflows = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    assert any("pull-requests: write" in w and "contents: read" in w for w in workflows)
    assert any("issue_comment" in w and "contents: write" in w for w in workflows)


def test_the_architecture_section_names_every_module() -> None:
    """The README draws the data flow module by module; a new module must take its place there."""
    section = README[README.index("### Architecture") : README.index("### Tests")]
    block = section[section.index("```text") :]
    package = ROOT / "bot" / "jobguard"
    missing = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.name in {"__main__.py", "_version.py"} or (
            relative.name == "__init__.py" and not relative.parent.parts
        ):
            continue
        if relative.name == "__init__.py":
            named = f"{relative.parent.name}/" in block
        elif len(relative.parts) == 1:
            named = re.search(rf"(?<![\w/]){re.escape(relative.name)}\b", block) is not None
        else:  # a package's module: its folder's line (or the lines below it) names it, with or without .py
            after = block[block.index(f"{relative.parts[-2]}/") :]
            named = re.search(rf"\b{re.escape(relative.stem)}\b", after) is not None
        if not named:
            missing.append(str(relative))
    assert missing == []
