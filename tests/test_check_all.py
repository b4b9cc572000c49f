"""`jobguard check --all PATH`: every Job of a tree judged alone (as new), as `kube-linter lint DIR` does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jobguard.cli import main
from tests.conftest import RepoFactory
from tests.corpus import CORPUS
from tests.test_cli import BASE_JOB, HEAD_JOB

GKE = "GoogleCloudPlatform__kubernetes-engine-samples__"
FILES = {
    "ttl.yaml": f"{GKE}ai-ml__gke-ray__rayserve__llm__tpu__components__model-downloader-job.yaml",
    "kueue.yaml": f"{GKE}batch__kueue-cohort__job-team-a.yaml",
    "hook.yaml": "redhat-cop__gitops-catalog__openshift-cert-manager-operator__examples__"
    "openshift-api-certificate__patch-cluster-api-cert-job.yaml",
    "invalid.yaml": "kubernetes__website__content__en__examples__controllers__job-pod-failure-policy-ignore.yaml",
    "clean.yaml": f"{GKE}ai-ml__gke-a100-jax__kubernetes__job.yaml",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Real manifests from the shared corpus, copied into a directory that is not a git repository."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    root = tmp_path / "manifests"
    (root / "jobs").mkdir(parents=True)
    for name, source in FILES.items():
        shutil.copy(CORPUS / "files" / source, root / "jobs" / name)
    (root / "README.md").write_text("# not a manifest\n")
    return root


def test_every_job_of_a_directory_is_judged_alone(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--all", str(tree), "--format", "json")
    assert (code, err) == (1, "")
    found = [(f["path"], f["line"], f["rule"]) for f in json.loads(out)["findings"]]
    assert sorted(found) == [
        ("jobs/hook.yaml", 47, "job-hook-not-recreated"),
        ("jobs/invalid.yaml", 24, "manifest-invalid"),
        ("jobs/kueue.yaml", 20, "job-generate-name-without-hook"),
        ("jobs/kueue.yaml", 24, "job-ttl-after-finished"),
        ("jobs/ttl.yaml", 21, "job-ttl-after-finished"),
    ]
    code, out, _ = run(capsys, "check", "--all", str(tree / "jobs" / "clean.yaml"))
    assert (code, out) == (0, "jobguard: no findings (1 manifest file checked).\n")
    code, out, _ = run(capsys, "check", "--all", str(tree / "jobs" / "ttl.yaml"), "--fail-on", "warning")
    assert (code, out.splitlines()[-1]) == (1, "jobguard: 1 warning (1 manifest file checked).")


def test_all_defaults_to_the_current_directory_and_needs_no_base(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Job the change does not touch is out of `check`, in `check --all`; immutable fields have no base."""
    generate = BASE_JOB.replace("  name: migrate\n", "  generateName: seed-\n")
    top = generate.replace("seed-", "top-")
    repo = make_repo({"job.yaml": BASE_JOB, "top.yaml": top, "old/seed.yaml": generate}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo / "old")
    assert run(capsys, "check", "--format", "json", "..")[0] == 1  # only job.yaml's immutable edit
    code, out, _ = run(capsys, "check", "--all", "--format", "json")
    assert code == 1
    assert [(f["path"], f["rule"]) for f in json.loads(out)["findings"]] == [
        ("old/seed.yaml", "job-generate-name-without-hook")
    ]  # `.` is old/ here; the rest of the repository is out of scope
    code, out, _ = run(capsys, "check", "--all", "--format", "json", "..")
    assert [(f["path"], f["rule"]) for f in json.loads(out)["findings"]] == [
        ("old/seed.yaml", "job-generate-name-without-hook"),
        ("top.yaml", "job-generate-name-without-hook"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "nowhere"], "jobguard: error: nowhere: no such file or directory\n"),
        (
            ["--all", "--base", "main"],
            "jobguard: error: --all judges every Job as it is: it takes no --base or --head\n",
        ),
        (["--all", "--head", "."], "jobguard: error: --all judges every Job as it is: it takes no --base or --head\n"),
    ],
)
def test_all_usage_errors(
    make_repo: RepoFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB}))
    assert run(capsys, "check", *args) == (2, "", message)
