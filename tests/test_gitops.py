"""`gitops: auto` falls back to what the repository declares: Flux objects and no Argo CD ones mean Flux."""

from __future__ import annotations

import json

import pytest

from jobguard.cli import main
from jobguard.controllers.tool import detect
from jobguard.gitrepo import Repo
from tests.conftest import RepoFactory
from tests.test_cli import BASE_JOB, HEAD_JOB

FLUX_KUSTOMIZATION = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
"""
ARGO_APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps, namespace: argocd}
spec: {project: default, source: {repoURL: https://example.invalid/repo.git, path: apps}}
"""


def strategies(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["check", "--format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    return [fix["strategy"] for fix in finding["fixes"]]


def test_a_flux_repository_gets_flux_fixes(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(
        {"clusters/prod/apps.yaml": FLUX_KUSTOMIZATION, "apps/job.yaml": BASE_JOB}, {"apps/job.yaml": HEAD_JOB}
    )
    monkeypatch.chdir(repo)
    assert detect(Repo(repo), "HEAD") == "flux"
    assert strategies(capsys) == ["flux-force"]


def test_argo_cd_objects_win_and_no_objects_mean_argo_cd(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    both = {"flux.yaml": FLUX_KUSTOMIZATION, "argo/app.yml": ARGO_APPLICATION, "apps/job.yaml": BASE_JOB}
    repo = make_repo(both, {"apps/job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    assert detect(Repo(repo), None) == "argocd"
    assert strategies(capsys)[0] == "argocd-hook"
    (repo / "flux.yaml").unlink()
    (repo / "argo" / "app.yml").unlink()
    assert detect(Repo(repo), None) is None  # the working tree: nothing declared any more
    assert strategies(capsys)[0] == "argocd-hook"


def test_the_config_and_annotations_override_the_repository(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    annotated = HEAD_JOB.replace(
        "  namespace: apps\n", "  namespace: apps\n  annotations: {argocd.argoproj.io/sync-wave: '1'}\n"
    )
    repo = make_repo({"flux.yaml": FLUX_KUSTOMIZATION, "apps/job.yaml": BASE_JOB}, {"apps/job.yaml": annotated})
    monkeypatch.chdir(repo)
    assert strategies(capsys)[0] == "argocd-hook"  # the Job's own Argo CD annotation decides
    (repo / "apps/job.yaml").write_text(HEAD_JOB)
    (repo / ".jobguard.yaml").write_text("gitops: argocd\n")
    assert strategies(capsys)[0] == "argocd-hook"  # the config decides


@pytest.mark.parametrize("rev", ["HEAD", None])
def test_gitattributes_in_the_change_do_not_hide_what_the_repository_declares(
    make_repo: RepoFactory, rev: str | None
) -> None:
    """A PR marking manifests `binary` must not turn a Flux repository into an unknown one (issue 14)."""
    base = {"clusters/prod/apps.yaml": FLUX_KUSTOMIZATION, "apps/job.yaml": BASE_JOB}
    repo = make_repo(base, {"apps/job.yaml": HEAD_JOB, ".gitattributes": "*.yaml binary\n"})
    assert detect(Repo(repo), rev) == "flux"
