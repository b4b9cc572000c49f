"""The layout's promises (design.md): imports run down the data flow, platforms stay behind their protocol."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot" / "jobguard"


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = {p.relative_to(BOT).as_posix(): imports(p) for p in BOT.rglob("*.py")}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_platform_adapters_import_the_platform_libraries(module: str) -> None:
    third_party = {name.split(".")[0] for name in MODULES[module]}
    if module.startswith("platforms/github/"):
        assert "gitlab" not in third_party
    elif module.startswith("platforms/gitlab/"):
        assert "github" not in third_party
    else:
        assert not third_party & {"github", "gitlab"}, module


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("rules/") or m in {"check.py"}))
def test_the_engine_and_rules_know_no_platform(module: str) -> None:
    assert not any(name.startswith("jobguard.platforms") for name in MODULES[module]), module


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("rules/")))
def test_rules_never_touch_yaml_nodes(module: str) -> None:
    assert not any(name.split(".")[0] in {"yaml", "ruamel"} for name in MODULES[module]), module


def test_start_up_does_not_load_the_platform_libraries() -> None:
    code = (
        "import sys, jobguard.cli, jobguard.check, jobguard.review;"
        " print(sorted({'github', 'gitlab'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _module(relative: str) -> str:
    parts = ["jobguard", *Path(relative).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path of module names ([] when there is none), by depth-first search."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        for target in sorted(graph[name]):
            found = visit(target, [*path, name])
            if found:
                return found
        done.add(name)
        return []

    return next((found for name in sorted(graph) if (found := visit(name, []))), [])


def test_no_import_cycles() -> None:
    """Late imports inside functions count too: a cycle means two modules share one job, whichever import hides it."""
    names = {_module(relative): relative for relative in MODULES}
    graph = {name: _edges(name, MODULES[relative], names.keys()) for name, relative in names.items()}
    assert _cycle(graph) == []


def _edges(importer: str, imported: set[str], modules: Iterable[str]) -> set[str]:
    """The modules `importer` depends on. `from pkg import sibling` inside pkg loads the sibling module, not pkg's
    `__init__` (which is already being imported): that is an edge to the sibling only."""
    known = set(modules)
    edges = {n for n in imported if n in known and n != importer}
    return {n for n in edges if not (importer.startswith(f"{n}.") and any(m.startswith(f"{n}.") for m in edges))}


def _function_lengths(path: Path) -> dict[str, int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_small(module: str) -> None:
    """design.md: no module over 300 non-blank lines; small functions (none over 60 lines)."""
    path = BOT / module
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) <= 300, module
    assert {name: n for name, n in _function_lengths(path).items() if n > 60} == {}, module


ENGINE = ("check.py", "rules/", "kube/", "controllers/", "jobs.py", "manifests.py", "manifest_guards.py", "fixes/")
ABOVE_THE_ENGINE = ("jobguard.platforms", "jobguard.cli", "jobguard.review", "jobguard.pipeline")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(ENGINE)))
def test_the_engine_imports_nothing_above_it(module: str) -> None:
    """The layers run one way: commands and platforms use the engine, never the other way round (late imports
    inside functions count too)."""
    assert _above_the_engine(MODULES[module]) == set(), module


def _above_the_engine(names: Iterable[str]) -> set[str]:
    return {n for n in names if any(n == m or n.startswith(f"{m}.") for m in ABOVE_THE_ENGINE)}


def test_the_size_and_layer_checks_catch_a_violation(tmp_path: Path) -> None:
    """The two checks above can fail: a long function, and an engine module importing the pipeline late."""
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    module = tmp_path / "long.py"
    module.write_text(f"def long() -> None:\n    from jobguard import pipeline\n{body}\n", encoding="utf-8")
    assert _function_lengths(module) == {"long": 62}
    assert _above_the_engine(imports(module)) == {"jobguard.pipeline"}


def test_the_platform_roles_stay_small() -> None:
    """design.md convention 3: each role a caller depends on is a handful of members."""
    from jobguard import platforms

    def members(role: type) -> set[str]:
        own = {name for name in vars(role) if not name.startswith("_")}
        return own | set(getattr(role, "__annotations__", {}))

    sizes = {
        role.__name__: len(members(role))
        for role in (platforms.ChangeSource, platforms.ReviewChannel, platforms.FixPusher)
    }
    assert sizes == {
        "ChangeSource": 5,  # + snapshot(side): whole revisions to render
        "ReviewChannel": 10,
        "FixPusher": 3,
    }  # + the dialect: suggestion, fix hint, reports
    assert members(platforms.Platform) == {"notes"}  # the CLI's union adds only the log lines it prints


PLATFORM_NAMES = re.compile("github|gitlab", re.IGNORECASE)

# The documented exceptions: words outside platforms/ that must name a platform. Everything else asks the adapter.
NAMES_ALLOWED_OUTSIDE_PLATFORMS = {
    "cli.py": {
        # the factory that picks an adapter (`--platform` choices, detect()'s answers, the adapters' packages)
        "github",
        "gitlab",
        "GITHUB_WORKSPACE",  # --working-directory handed to the GitHub adapter's environment
        " is another checkout; GitLab reviews CI_PROJECT_DIR",  # the factory's usage error
        "GITLAB_USER_LOGIN",  # `fix --push`: who asked, from the CI environment
        "GITHUB_ACTOR",
        # the comment on the GitHub Action's empty inputs is a comment, not a name
    },
    "formats.py": {"github", "https://github.com/jobguard/jobguard"},  # a public --format name; the SARIF homepage
    "config.py": {".github/jobguard.yaml", ".github/jobguard.yml"},  # documented config file locations
    "config_schema.py": {"https://raw.githubusercontent.com/jobguard/jobguard/main/bot/jobguard/config.schema.json"},
}
# Messages for people that name where to change a setting, matched by a fragment (the rest of the text may move).
MESSAGES_ALLOWED_OUTSIDE_PLATFORMS = {"local.py": "; in GitHub Actions `fetch-depth: 0` on actions/checkout"}


def platform_words(path: Path) -> set[str]:
    """Identifiers and string literals naming a platform (docstrings and comments explain, so they may)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.add(node.value)
        elif isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.alias):
            words.update(filter(None, (node.name, node.asname)))
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.add(node.module)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            words.add(node.name)
        elif isinstance(node, (ast.arg, ast.keyword)) and node.arg:
            words.add(node.arg)
    return {word for word in words if PLATFORM_NAMES.search(word)}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.startswith("platforms/")))
def test_nothing_outside_platforms_names_a_platform(module: str) -> None:
    """design.md: platform knowledge (anchoring, fences, fix hints, report files) lives behind the adapters."""
    words = platform_words(BOT / module) - NAMES_ALLOWED_OUTSIDE_PLATFORMS.get(module, set())
    message = MESSAGES_ALLOWED_OUTSIDE_PLATFORMS.get(module)
    assert {word for word in words if message is None or message not in word} == set(), module


def test_the_platform_name_exceptions_are_all_still_needed() -> None:
    for module, allowed in NAMES_ALLOWED_OUTSIDE_PLATFORMS.items():
        assert allowed <= platform_words(BOT / module), module
    for module, message in MESSAGES_ALLOWED_OUTSIDE_PLATFORMS.items():
        assert any(message in word for word in platform_words(BOT / module)), module


PUBLISHING = ["publish.py", "routing.py", "formats.py", "comments.py"]


@pytest.mark.parametrize("module", PUBLISHING)
def test_publishing_modules_stay_small(module: str) -> None:
    """Issue 11: routing, the executor, formats and comment markdown each a small module of small functions."""
    path = BOT / module
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) <= 300, module
    assert {name: n for name, n in _function_lengths(path).items() if n > 40} == {}, module


def test_publishing_functions_pass_the_complexity_checks() -> None:
    """The ruff checks the project otherwise ignores (branches, returns, statements, arguments) hold here."""
    rules = "PLR0911,PLR0912,PLR0913,PLR0915"
    paths = [str(BOT / module) for module in PUBLISHING]
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", rules, "--no-cache", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
