"""The controllers package's promises: the GitOps tool as an enum, Helm's mapping in Argo CD's words, and nothing
outside `controllers/` knowing an annotation key or comparing a tool word (design.md)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from jobguard import config
from jobguard.controllers import argocd, flux, helm
from jobguard.controllers.tool import GitOpsTool, declared_tool
from jobguard.jobs import job_doc
from jobguard.manifests import load
from jobguard.rules.base import RuleContext

BOT = Path(__file__).resolve().parent.parent / "bot" / "jobguard"
OUTSIDE = sorted(p for p in BOT.rglob("*.py") if "controllers" not in p.relative_to(BOT).parts)


@pytest.mark.parametrize("word", ["auto", "argocd", "flux", "flux-helm"])
def test_the_tool_reads_and_writes_as_its_word(word: str) -> None:
    """Config values, JSON output and messages stay byte-identical to the strings the enum replaced."""
    tool = GitOpsTool(word)
    assert tool == word and str(tool) == word and f"{tool}" == word
    assert json.dumps({"gitops": tool}) == json.dumps({"gitops": word})


@pytest.mark.parametrize("word", ["auto", "argocd", "flux"])
def test_the_config_parses_gitops_into_the_enum(word: str) -> None:
    assert config.parse(f"gitops: {word}\n", "test").gitops is GitOpsTool(word)
    assert config.parse("fail-on: error\n", "test").gitops is GitOpsTool.AUTO


def test_the_tool_names_its_product() -> None:
    assert [t.display for t in GitOpsTool] == ["auto", "Argo CD", "Flux", "Flux"]


def test_helm_maps_into_argo_cd_vocabulary() -> None:
    """helm.py writes Argo CD's words as literals (argocd.py imports helm.py); a typo there must fail here."""
    assert set(helm.HELM_TO_ARGO_PHASE.values()) <= set(argocd.ARGO_SYNC_PHASES)
    assert set(helm.HELM_TO_ARGO_DELETE.values()) == set(argocd.ARGO_DELETE_TYPES)
    assert tuple(helm.HELM_TO_ARGO_DELETE_POLICY) == helm.HELM_DELETE_POLICIES
    assert tuple(helm.HELM_TO_ARGO_DELETE_POLICY.values()) == argocd.ARGO_DELETE_POLICIES


@pytest.mark.parametrize(
    ("keys", "tool"),
    [
        ([argocd.ARGO_SYNC_OPTIONS, flux.FLUX_FORCE], GitOpsTool.ARGOCD),  # Argo CD's keys win (§8.1)
        (["argocd.argoproj.io/sync-wave"], GitOpsTool.ARGOCD),
        ([flux.FLUX_FORCE], GitOpsTool.FLUX),
        (["helm.toolkit.fluxcd.io/name"], GitOpsTool.FLUX),
        ([helm.HELM_HOOK, "app.kubernetes.io/name"], None),  # Helm's own keys name no GitOps tool
        ([], None),
    ],
)
def test_declared_tool(keys: list[str], tool: GitOpsTool | None) -> None:
    assert declared_tool(keys) is tool


JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  labels: {LABELS}
spec: {{template: {{spec: {{restartPolicy: Never, containers: [{{name: m, image: m:1}}]}}}}}}
"""


@pytest.mark.parametrize(
    ("setting", "labels", "repository", "want"),
    [
        (GitOpsTool.AUTO, "{}", None, GitOpsTool.ARGOCD),
        (GitOpsTool.AUTO, "{}", GitOpsTool.FLUX, GitOpsTool.FLUX),
        (GitOpsTool.AUTO, "{helm.toolkit.fluxcd.io/name: app}", None, GitOpsTool.FLUX_HELM),
        (GitOpsTool.AUTO, "{argocd.argoproj.io/instance: app}", GitOpsTool.FLUX, GitOpsTool.ARGOCD),
        (GitOpsTool.FLUX, "{argocd.argoproj.io/instance: app}", None, GitOpsTool.FLUX),
        (GitOpsTool.FLUX, "{helm.toolkit.fluxcd.io/name: app}", None, GitOpsTool.FLUX_HELM),
        (GitOpsTool.ARGOCD, "{helm.toolkit.fluxcd.io/name: app}", GitOpsTool.FLUX, GitOpsTool.ARGOCD),
    ],
)
def test_tool_for_resolves_to_a_controller(
    setting: GitOpsTool, labels: str, repository: GitOpsTool | None, want: GitOpsTool
) -> None:
    (manifest,) = load("job.yaml", JOB.format(LABELS=labels).encode()).manifests
    ctx = RuleContext(gitops=setting, repository_tool=repository)
    assert ctx.tool_for(job_doc(manifest)) is want


def _code_strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are code, not documentation (docstrings and bare string statements are skipped)."""
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: p.relative_to(BOT).as_posix())
def test_nothing_outside_controllers_knows_an_annotation_key(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    keys = [n.value for n in _code_strings(tree) if any(g in n.value for g in ("argoproj.io", "helm.sh/", "fluxcd.io"))]
    assert keys == []


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: p.relative_to(BOT).as_posix())
def test_nothing_outside_controllers_compares_a_tool_word(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    words = {t.value for t in GitOpsTool} - {GitOpsTool.AUTO.value}  # `auto` is also a --platform word
    compared = [
        (node.lineno, side.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        for side in (node.left, *node.comparators)
        if isinstance(side, ast.Constant) and side.value in words | {"helm"}
    ]
    assert compared == []
