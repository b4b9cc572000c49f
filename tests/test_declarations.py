"""The repository-wide question (which GitOps tool, which files declare roots) is asked once, and only when needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobguard import declarations, pipeline
from jobguard.cli import main
from jobguard.controllers import argocd, flux
from jobguard.controllers.tool import GitOpsTool, detect
from jobguard.gitrepo import MANIFEST_PATHSPECS, Repo
from tests.conftest import RepoFactory, git
from tests.test_cli import BASE_JOB, HEAD_JOB
from tests.test_gitops import ARGO_APPLICATION, FLUX_KUSTOMIZATION

MENTIONS_ONLY = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: notes}
data: {text: "we might move to argoproj.io/v1alpha1 or kustomize.toolkit.fluxcd.io/v1 one day"}
"""
ANNOTATED = HEAD_JOB.replace(
    "  namespace: apps\n", "  namespace: apps\n  annotations: {argocd.argoproj.io/sync-wave: '1'}\n"
)


def full_search(repo: Repo, rev: str | None) -> GitOpsTool | None:
    """What `detect` answered before it had an index: both regular expressions over every manifest."""

    def declares(pattern: str) -> bool:
        args = ("grep", "-l", "--text", "-E", "-e", pattern, *([rev] if rev else []), "--", *MANIFEST_PATHSPECS)
        return bool((repo.text(*args) or "").strip())

    if declares(argocd.ARGO_API_VERSION):
        return GitOpsTool.ARGOCD
    return GitOpsTool.FLUX if declares(flux.FLUX_API_VERSION) else None


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"flux.yaml": FLUX_KUSTOMIZATION},
        {"argo/app.YML": ARGO_APPLICATION},
        {"flux.yaml": FLUX_KUSTOMIZATION, "argo/app.yml": ARGO_APPLICATION},
        {"notes.yaml": MENTIONS_ONLY},  # names both groups, declares nothing
        {"notes.yaml": MENTIONS_ONLY, "flux.yml": FLUX_KUSTOMIZATION},
        {"app.json": ARGO_APPLICATION, "notes.txt": FLUX_KUSTOMIZATION},  # neither is a manifest
        {"deep/er/path with space.yaml": ARGO_APPLICATION.replace("argoproj", "'argoproj").replace("/v1", "/v1'", 1)},
    ],
)
@pytest.mark.parametrize("rev", ["HEAD", None])
def test_detect_decides_as_the_full_search_did(make_repo: RepoFactory, files: dict[str, str], rev: str | None) -> None:
    repo = Repo(make_repo({"apps/job.yaml": BASE_JOB, **files}, {"apps/job.yaml": HEAD_JOB}))
    assert detect(repo, rev) == full_search(repo, rev)


def test_only_files_naming_a_group_are_candidates_and_a_revision_is_searched_once(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_repo({"a/notes.yaml": MENTIONS_ONLY, "b/app.json": ARGO_APPLICATION, "c/job.yaml": BASE_JOB}, {})
    declarations.clear()
    searches: list[str | None] = []
    search = declarations._search
    monkeypatch.setattr(declarations, "_search", lambda repo, rev: searches.append(rev) or search(repo, rev))
    assert declarations.declaring_files(Repo(path), "HEAD") == ("a/notes.yaml", "b/app.json")
    assert declarations.declaring_files(Repo(path), "change") == ("a/notes.yaml", "b/app.json")  # same tree
    assert searches == ["HEAD"]
    assert declarations.declaring_files(Repo(path / "a"), "HEAD") == ("notes.yaml",)  # relative, as git prints


def test_the_working_tree_is_searched_again_each_time(make_repo: RepoFactory) -> None:
    path = make_repo({"flux.yaml": FLUX_KUSTOMIZATION}, {})
    assert detect(Repo(path), None) is GitOpsTool.FLUX
    (path / "flux.yaml").unlink()
    assert declarations.declaring_files(Repo(path), None) == ()
    assert detect(Repo(path), None) is None


def test_a_new_commit_is_a_new_answer(make_repo: RepoFactory) -> None:
    path = make_repo({"flux.yaml": FLUX_KUSTOMIZATION}, {})
    assert detect(Repo(path), "HEAD") is GitOpsTool.FLUX
    (path / "argo.yaml").write_text(ARGO_APPLICATION)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "argo")
    assert detect(Repo(path), "HEAD") is GitOpsTool.ARGOCD


def count_detects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    monkeypatch.setattr(pipeline, "detect", lambda repo, rev: calls.append(rev) or detect(repo, rev))
    return calls


@pytest.mark.parametrize(
    ("head", "asked"),
    [
        ({"apps/job.yaml": ANNOTATED}, 0),  # the Job names its tool
        ({"apps/job.yaml": BASE_JOB, "apps/cm.yaml": MENTIONS_ONLY}, 0),  # no changed Job
        ({"apps/job.yaml": HEAD_JOB, "apps/other.yaml": HEAD_JOB.replace("name: migrate", "name: other")}, 1),
    ],
)
def test_the_repository_is_asked_only_when_a_changed_job_needs_it(
    make_repo: RepoFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    head: dict[str, str],
    asked: int,
) -> None:
    repo = make_repo({"flux.yaml": FLUX_KUSTOMIZATION, "apps/job.yaml": BASE_JOB}, head)
    monkeypatch.chdir(repo)
    calls = count_detects(monkeypatch)
    main(["check", "--base", "main", "--head", "HEAD", "--format", "json"])
    capsys.readouterr()
    assert len(calls) == asked


def test_a_job_without_its_own_tool_still_gets_the_repository_tool(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/apps.yaml": FLUX_KUSTOMIZATION, "apps/job.yaml": BASE_JOB}, {"apps/job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    assert main(["check", "--base", "main", "--head", "HEAD"]) == 1
    assert "Flux will fail the sync" in capsys.readouterr().out


def test_the_cache_never_outlives_a_repository(tmp_path: Path) -> None:
    """Not a git repository: no answer (None), and nothing kept."""
    declarations.clear()
    assert declarations.declaring_files(Repo(tmp_path, root=True), "HEAD") is None
    assert declarations._CACHE == {}
