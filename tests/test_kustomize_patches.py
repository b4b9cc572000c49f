"""jobguard.kustomize_patches, and job-invalid on a patch: a partial Job is not judged as a whole one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jobguard.cli import main
from jobguard.kustomize_patches import patch_files
from tests.corpus import CORPUS

JAX = "kustomize/gke-samples-a100-jax/ai-ml/gke-a100-jax/kubernetes"


def reader(files: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda path: files[path].encode() if path in files else None


def test_patches_strategic_merge_and_json6902_entries_relative_to_their_folder() -> None:
    files = {
        "apps/overlay/kustomization.yaml": (
            "resources: [../base]\n"
            "patches:\n- path: patches/job.yaml\n- patch: |-\n    kind: Job\n"
            "patchesStrategicMerge: [sm.yaml, '../base/shared.yaml']\n"
            "patchesJson6902:\n- path: ops.yaml\n  target: {kind: Job, name: x}\n"
        ),
    }
    paths = [
        "apps/overlay/patches/job.yaml",
        "apps/overlay/sm.yaml",
        "apps/base/shared.yaml",
        "apps/overlay/ops.yaml",
        "apps/overlay/job.yaml",
        "other/job.yaml",
    ]
    assert patch_files(paths, reader(files)) == {
        "apps/overlay/patches/job.yaml",
        "apps/overlay/sm.yaml",
        "apps/overlay/ops.yaml",
    }  # ../base/shared.yaml is looked up from its own folders, where no kustomization lists it


def test_a_kustomization_in_a_folder_above_counts_and_each_folder_is_read_once() -> None:
    files = {"k/Kustomization": "patches:\n- path: deep/p.yaml\n"}
    asked: list[str] = []

    def read(path: str) -> bytes | None:
        asked.append(path)
        return reader(files)(path)

    assert patch_files(["k/deep/p.yaml", "k/deep/q.yaml"], read) == {"k/deep/p.yaml"}
    assert len(asked) == len(set(asked))


@pytest.mark.parametrize(
    "text",
    [
        "patches: [",
        "a: &a [*a]\n",
        "- just\n- a list\n",
        "\x00binary",
        "patches:\n- path: 3\n",
        "patches: " + "[" * 3000 + "]" * 3000 + "\n",  # was a RecursionError, and the review exited 3
    ],
    ids=["broken", "recursive-alias", "not-a-mapping", "binary", "path-not-a-string", "nested-too-deeply"],
)
def test_a_kustomization_jobguard_cannot_read_lists_no_patch(text: str) -> None:
    assert patch_files(["p.yaml"], reader({"kustomization.yaml": text})) == frozenset()


@pytest.fixture
def jax(tmp_path: Path) -> Path:
    """A real kustomize root whose job-patch.yaml is a partial Job (no restartPolicy, no image)."""
    if not (CORPUS / JAX).is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    root = tmp_path / "root"
    shutil.copytree(CORPUS / JAX, root)
    return root


def invalid(capsys: pytest.CaptureFixture[str], root: Path) -> list[tuple[str, str]]:
    main(["check", "--all", str(root), "--format", "json"])
    found = json.loads(capsys.readouterr().out)["findings"]
    return [(Path(f["path"]).name, f["message"]) for f in found if f["rule"] == "job-invalid"]


def test_a_listed_patch_is_not_judged_as_a_whole_job(jax: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invalid(capsys, jax) == []


def test_the_same_partial_job_not_listed_as_a_patch_is_refused(jax: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (jax / "kustomization.yaml").unlink()
    assert {name for name, _ in invalid(capsys, jax)} == {"job-patch.yaml"}


def test_a_wrong_type_in_a_patch_is_still_refused(jax: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = jax / "job-patch.yaml"
    patch.write_text(patch.read_text().replace("spec:\n  template:", "spec:\n  backoffLimit: '2'\n  template:", 1))
    [(name, message)] = invalid(capsys, jax)
    assert name == "job-patch.yaml" and "cannot unmarshal string" in message and "backoffLimit" in message
