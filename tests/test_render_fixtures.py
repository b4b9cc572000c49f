"""The real trees under fixtures/render/ are complete: each set names its source and license in SOURCE.md, has the
files SOURCE.md lists and nothing it does not, every chart vendors exactly the dependencies Chart.lock pins, and every
local file a kustomization reads is there. Then the pinned tools render them offline as SOURCE.md says.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RENDER = ROOT / "fixtures" / "render"
SETS = sorted(p for kind in ("charts", "kustomize") for p in (RENDER / kind).iterdir() if p.is_dir())
LICENSES = {"Apache-2.0": "Apache License", "MIT": "Permission is hereby granted", "BSD-3-Clause": "Redistribution"}
BIN = Path(sys.executable).parent
SUPERSET = RENDER / "charts" / "superset"
GPU = RENDER / "kustomize" / "redhat-cop-gitops-catalog-gpu-operator" / "gpu-operator-certified" / "operator"


def fields(source: str) -> dict[str, str]:
    """The `| field | value |` rows of SOURCE.md (first table cell plain text, second the value)."""
    rows = re.findall(r"^\| ([a-z ]+) \| (.+?) \|$", source, re.MULTILINE)
    return {key: value for key, value in rows}


def listed(source: str) -> list[str]:
    """The paths the `## Files` section lists: the first cell of each table row, in backticks."""
    section = source.split("\n## Files\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)


def set_problems(directory: Path) -> list[str]:
    """What makes a vendored set incomplete or unaccounted for."""
    source_md = directory / "SOURCE.md"
    if not source_md.is_file():
        return ["no SOURCE.md"]
    source = source_md.read_text(encoding="utf-8")
    info = fields(source)
    problems = [f"SOURCE.md has no {key}" for key in ("repository", "license", "license file") if key not in info]
    if not re.search(r"\b[0-9a-f]{40}\b", source):
        problems.append("SOURCE.md names no full commit")
    license_file = re.match(r"`([^`]+)`", info.get("license file", ""))
    license_path = directory / license_file[1] if license_file else None
    expected = LICENSES.get(info.get("license", ""))
    if expected is None:
        problems.append(f"license {info.get('license')!r} is not one of {sorted(LICENSES)}")
    elif license_path is None or not license_path.is_file() or expected not in license_path.read_text("utf-8"):
        problems.append(f"the license file does not hold the {info['license']} text")
    paths = listed(source) if "\n## Files\n" in source else []
    problems += [f"{path} is listed but missing" for path in paths if not (directory / path).exists()]
    covered = [directory / p for p in paths] + [source_md] + ([license_path] if license_path else [])
    for file in sorted(f for f in directory.rglob("*") if f.is_file()):
        if not any(file == c or c in file.parents for c in covered):
            problems.append(f"{file.relative_to(directory)} is not listed in SOURCE.md")
    return problems or ([] if paths else ["SOURCE.md lists no files"])


def load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), path
    return loaded


def chart_problems(chart: Path) -> list[str]:
    """Declared (Chart.yaml), locked (Chart.lock) and vendored (charts/) dependencies must be the same set."""
    declared = {d["name"] for d in load(chart / "Chart.yaml").get("dependencies") or []}
    lock = chart / "Chart.lock"
    locked = {d["name"]: str(d["version"]) for d in (load(lock)["dependencies"] if lock.exists() else [])}
    vendored = {p.name: p for p in (chart / "charts").glob("*") if p.is_dir()}
    problems = [f"{chart}: {name} is declared but not locked" for name in sorted(declared - set(locked))]
    problems += [f"{chart}: {name} is declared but not vendored" for name in sorted(declared - set(vendored))]
    problems += [f"{chart}: charts/{name} is vendored but not declared" for name in sorted(set(vendored) - declared)]
    problems += [f"{chart}: {name} archives are not vendored charts" for name in (chart / "charts").glob("*.tgz")]
    for name in sorted(declared & set(vendored)):
        version = str(load(vendored[name] / "Chart.yaml")["version"])
        if name in locked and version != locked[name]:
            problems.append(f"{chart}: charts/{name} is {version}, Chart.lock pins {locked[name]}")
        problems += chart_problems(vendored[name])
    return problems


def local_reads(kustomization: dict[str, Any]) -> Iterator[str]:
    """The local paths a kustomization reads (remote bases and Helm repositories are not local)."""
    for key in ("resources", "bases", "components", "crds", "patchesStrategicMerge"):
        yield from (entry for entry in kustomization.get(key) or [] if isinstance(entry, str) and "\n" not in entry)
    for patch in (kustomization.get("patches") or []) + (kustomization.get("patchesJson6902") or []):
        if isinstance(patch, dict) and "path" in patch:
            yield patch["path"]
    for generator in (kustomization.get("configMapGenerator") or []) + (kustomization.get("secretGenerator") or []):
        yield from (entry.split("=", 1)[-1] for entry in generator.get("files") or [])
        yield from generator.get("envs") or []
        yield from [generator["env"]] if "env" in generator else []


def kustomize_problems(tree: Path) -> list[str]:
    problems = []
    for file in sorted(tree.rglob("kustomization.yaml")):
        for entry in local_reads(load(file)):
            if "://" not in entry and not entry.startswith("github.com/") and not (file.parent / entry).exists():
                problems.append(f"{file.relative_to(tree)} reads {entry}, which is missing")
    return problems


@pytest.mark.parametrize("directory", SETS, ids=[p.name for p in SETS])
def test_each_set_names_its_source_and_license_and_has_exactly_the_files_it_lists(directory: Path) -> None:
    assert set_problems(directory) == []


def test_there_are_real_charts_and_kustomize_trees() -> None:
    assert {p.parent.name for p in SETS} == {"charts", "kustomize"}
    assert [p.name for p in SUPERSET.iterdir() if p.is_dir()] and GPU.is_dir()


@pytest.mark.parametrize("chart", sorted(p.parent for p in RENDER.glob("charts/*/*/Chart.yaml")), ids=str)
def test_each_chart_vendors_exactly_the_dependencies_it_locks(chart: Path) -> None:
    assert chart_problems(chart) == []


def test_every_local_file_a_kustomization_reads_is_vendored() -> None:
    assert kustomize_problems(RENDER / "kustomize") == []


def test_the_checks_catch_an_incomplete_set(tmp_path: Path) -> None:
    """What the corpus copy of the gpu set lacked (the generator's script), an extra file and a missing dependency."""
    gpu = tmp_path / "gpu"
    shutil.copytree(GPU.parents[1], gpu)
    script = gpu / "gpu-operator-certified/operator/components/console-plugin/console-plugin-job.sh"
    script.unlink()
    (gpu / "stray.yaml").write_text("kind: Job\n", encoding="utf-8")
    assert kustomize_problems(gpu) == [
        "gpu-operator-certified/operator/components/console-plugin/kustomization.yaml reads console-plugin-job.sh, "
        "which is missing"
    ]
    assert set_problems(gpu) == [
        "gpu-operator-certified/operator/components/console-plugin/console-plugin-job.sh is listed but missing",
        "stray.yaml is not listed in SOURCE.md",
    ]
    chart = tmp_path / "chart"
    shutil.copytree(SUPERSET / "5.0.1", chart)
    shutil.rmtree(chart / "charts" / "redis")
    shutil.copytree(chart / "charts" / "common", chart / "charts" / "extra")
    assert chart_problems(chart) == [
        f"{chart}: redis is declared but not vendored",
        f"{chart}: charts/extra is vendored but not declared",
    ]


def tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"no {path}: .ci/run installs helm with `.ci/install-helm .venv`; kubectl is a dependency")
    return path


def helm_jobs(version: str) -> list[dict[str, Any]]:
    argv = [str(tool("helm")), "template", "superset", str(SUPERSET / version), "--namespace", "superset"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d and d.get("kind") == "Job"]


def test_the_chart_bump_changes_the_pod_template_of_a_non_hook_job_by_its_chart_label_only() -> None:
    (old,) = helm_jobs("5.0.0")
    (new,) = helm_jobs("5.0.1")
    assert old["metadata"]["name"] == new["metadata"]["name"] == "superset-init"
    assert not old["metadata"].get("annotations") and not new["metadata"].get("annotations")  # no hook
    old_labels, new_labels = (
        old["spec"]["template"]["metadata"]["labels"],
        new["spec"]["template"]["metadata"]["labels"],
    )
    assert (old_labels.pop("helm.sh/chart"), new_labels.pop("helm.sh/chart")) == ("superset-5.0.0", "superset-5.0.1")
    assert old["spec"] == new["spec"]


def test_the_kustomize_tree_builds_with_its_generated_script(tmp_path: Path) -> None:
    tree = tmp_path / "gpu"
    shutil.copytree(GPU, tree)
    kubectl = str(tool("kubectl"))

    def build() -> dict[tuple[str, str], dict[str, Any]]:
        done = subprocess.run([kubectl, "kustomize", str(tree / "overlays" / "stable")], capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(done.stdout)}

    before = build()
    script = tree / "components" / "console-plugin" / "console-plugin-job.sh"
    assert before[("ConfigMap", "job-gpu-console-plugin")]["data"]["console-plugin-job.sh"] == script.read_text()
    script.write_text(script.read_text() + "echo edited\n")
    after = build()
    assert after[("ConfigMap", "job-gpu-console-plugin")]["data"]["console-plugin-job.sh"].endswith("echo edited\n")
    assert after[("Job", "job-gpu-console-plugin")] == before[("Job", "job-gpu-console-plugin")]  # suffix hash off
