"""`jobguard check --base --head` with rendering, end to end on git repositories built from the real kustomize trees
of ../shared/corpus/kustomize: the issue's edit classes, breaking and harmless, each judged on what Argo CD or Flux
would apply and anchored on the changed line that caused it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from jobguard.cli import main
from tests.conftest import RepoFactory
from tests.render_files import KUSTOMIZE, needs_kustomize_corpus

pytestmark = needs_kustomize_corpus

APPROVER = "installplan-approver"
PROD = f"{APPROVER}/overlays/prod/kustomization.yaml"
JOB_FILE = f"{APPROVER}/base/installplan-approver-job.yaml"
IMAGE = "registry.redhat.io/openshift4/ose-cli"


def corpus(name: str) -> dict[str, str]:
    root = KUSTOMIZE / name
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file()}


def overlay(*lines: str) -> str:
    return "\n".join(["resources:", "  - ../../base", "namePrefix: prod-", *lines]) + "\n"


def approver(prod: str, **extra: str) -> dict[str, str]:
    """The real installplan-approver base (a plain Job) with a prod overlay, as a repository."""
    return {**corpus("redhat-cop-gitops-catalog-installplan-approver"), PROD: prod, **extra}


def check(
    make_repo: RepoFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    base: Mapping[str, str],
    head: Mapping[str, str | None],
    *flags: str,
) -> tuple[int, list[dict[str, Any]]]:
    monkeypatch.chdir(make_repo(base, head))
    code = main(["check", "--base", "main", "--head", "change", "--format", "json", *flags])
    out, err = capsys.readouterr()
    assert err == "", err
    return code, json.loads(out)["findings"]


def where(findings: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return sorted((f["rule"], f["path"], f["line"]) for f in findings)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


IMAGES_V44 = ("images:", f"  - name: {IMAGE}", "    newTag: v4.4")
IMAGES_V45 = ("images:", f"  - name: {IMAGE}", "    newTag: v4.5")


@pytest.fixture
def run(make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    def go(base: Mapping[str, str], head: Mapping[str, str | None], *flags: str) -> tuple[int, list[dict[str, Any]]]:
        return check(make_repo, monkeypatch, capsys, base, head, *flags)

    return go


# ------------------------------------------------------------------------------------------------ breaking


def test_an_overlay_newtag_bump_is_flagged_on_the_newtag_line(run: Any) -> None:
    code, found = run(approver(overlay(*IMAGES_V44)), {PROD: overlay(*IMAGES_V45)})
    assert code == 1
    assert where(found) == [("job-immutable-field", PROD, line_of(overlay(*IMAGES_V45), "newTag"))]
    (finding,) = found
    assert f"`{IMAGE}:v4.4` → `{IMAGE}:v4.5`" in finding["message"]
    assert "kustomization `installplan-approver/overlays/prod`" in finding["message"]


@pytest.mark.parametrize(
    "edit",
    [
        ("commonLabels:", "  team: payments"),
        ("labels:", "  - pairs: {team: payments}", "    includeTemplates: true"),
        ("commonAnnotations:", "  team: payments"),
    ],
    ids=["commonLabels", "labels-includeTemplates", "commonAnnotations"],
)
def test_labels_and_annotations_that_reach_the_pod_template_are_flagged(run: Any, edit: tuple[str, ...]) -> None:
    head = overlay(*edit)
    code, found = run(approver(overlay()), {PROD: head})
    assert code == 1
    assert where(found) == [("job-immutable-field", PROD, line_of(head, "payments"))]
    assert "spec.template.metadata" in found[0]["message"]


def test_an_inline_json6902_patch_on_the_template_is_flagged_on_the_patch_line(run: Any) -> None:
    patch = (
        "patches:",
        "  - target: {kind: Job, name: installplan-approver}",
        "    patch: |-",
        "      - op: add",
        "        path: /spec/template/spec/serviceAccountName",
        "        value: approver-v2",
    )
    code, found = run(approver(overlay()), {PROD: overlay(*patch)})
    assert code == 1
    assert where(found) == [("job-immutable-field", PROD, line_of(overlay(*patch), "approver-v2"))]


def test_a_new_patch_file_is_flagged_in_that_file(run: Any) -> None:
    patch_file = f"{APPROVER}/overlays/prod/resources.yaml"
    patch = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: installplan-approver\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: installplan-approver\n          resources:\n"
        "            limits: {memory: 256Mi}\n"
    )
    head = overlay("patches:", "  - path: resources.yaml")
    code, found = run(approver(overlay()), {PROD: head, patch_file: patch})
    assert code == 1
    assert where(found) == [("job-immutable-field", patch_file, line_of(patch, "256Mi"))]


def test_the_gke_sample_inline_patch_changing_completions(run: Any) -> None:
    """The real gke-a100-jax kustomization: its inline JSON6902 patch sets `completions`, an immutable field."""
    files = corpus("gke-samples-a100-jax")
    path = "ai-ml/gke-a100-jax/kubernetes/kustomization.yaml"
    head = files[path].replace("value: 32", "value: 16")
    code, found = run(files, {path: head})
    assert code == 1
    assert ("job-immutable-field", path, line_of(head, "value: 16")) in where(found)


def test_a_config_map_generator_script_edit_is_flagged_on_the_script(run: Any) -> None:
    """The generated ConfigMap's hash suffix changes, so does the volume name in the Job's pod template."""
    volume = (
        "configMapGenerator:",
        "  - name: approver-script",
        "    files: [approve.sh]",
        "patches:",
        "  - target: {kind: Job}",
        "    patch: |-",
        "      - op: add",
        "        path: /spec/template/spec/volumes",
        "        value: [{name: script, configMap: {name: approver-script}}]",
    )
    script = f"{APPROVER}/overlays/prod/approve.sh"
    base = approver(overlay(*volume), **{script: "#!/bin/sh\noc get installplan\n"})
    code, found = run(base, {script: "#!/bin/sh\noc get installplan -A\n"})
    assert code == 1
    assert where(found) == [("job-immutable-field", script, 2)]
    assert "spec.template.spec.volumes" in found[0]["message"]


# ------------------------------------------------------------------------------------------------ harmless


@pytest.mark.parametrize(
    "edit",
    [
        ("nameSuffix: -v2",),
        ("namespace: approvals",),
        ("labels:", "  - pairs: {team: payments}"),
    ],
    ids=["nameSuffix", "namespace", "labels-metadata-only"],
)
def test_harmless_overlay_edits_are_silent(run: Any, edit: tuple[str, ...]) -> None:
    assert run(approver(overlay()), {PROD: overlay(*edit)}) == (0, [])


def test_an_overlay_that_makes_the_job_a_hook_is_silent(run: Any) -> None:
    """The base file's image edit looks immutable raw; rendered, the overlay's hook annotation makes it a hook."""
    hook = ("commonAnnotations:", "  argocd.argoproj.io/hook: Sync")
    base = approver(overlay())
    job = base[JOB_FILE].replace(":v4.4", ":v4.5")
    assert run(base, {PROD: overlay(*hook), JOB_FILE: job}) == (0, [])


# ------------------------------------------------------------------------------------------------ the rest


def test_a_base_edit_is_reported_once_with_the_render_winning(run: Any) -> None:
    base = approver(overlay())
    job = base[JOB_FILE].replace(":v4.4", ":v4.5")
    code, found = run(base, {JOB_FILE: job})
    assert code == 1
    assert where(found) == [("job-immutable-field", JOB_FILE, line_of(job, ":v4.5"))]
    assert "Rendered (kustomize)" in found[0]["message"] and "prod-installplan-approver" in found[0]["message"]


def test_render_off_judges_the_raw_files_only(run: Any) -> None:
    code, found = run(approver(overlay(*IMAGES_V44)), {PROD: overlay(*IMAGES_V45)}, "--render", "off")
    assert (code, found) == (0, [])


def test_a_head_that_does_not_render_is_one_error_on_the_kustomization(run: Any) -> None:
    head = overlay().replace("  - ../../base\n", "  - ../../base\n  - missing.yaml\n")
    code, found = run(approver(overlay()), {PROD: head})
    assert code == 1
    assert where(found) == [("render-failed", PROD, 1)]
    assert "does not render" in found[0]["message"]


def test_a_remote_base_is_skipped_with_an_info_and_the_raw_check_still_runs(run: Any) -> None:
    remote = "resources:\n  - github.com/redhat-cop/gitops-catalog/installplan-approver/base?ref=main\n"
    base = approver(overlay(), **{"remote/kustomization.yaml": remote})
    job = base[JOB_FILE].replace(":v4.4", ":v4.5")
    code, found = run(base, {"remote/kustomization.yaml": remote + "namePrefix: x-\n", JOB_FILE: job})
    assert code == 1
    rules = [f["rule"] for f in found]
    assert rules.count("render-skipped") == 1 and rules.count("job-immutable-field") == 1


def test_a_change_touching_no_root_renders_nothing(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from jobguard.render import run as renders

    called: list[int] = []
    real = renders.render_all
    monkeypatch.setattr(
        renders, "render_all", lambda requests, settings: called.append(len(requests)) or real(requests, settings)
    )
    base = approver(overlay(), **{"docs/notes.yaml": "a: 1\n"})
    assert run(base, {"docs/notes.yaml": "a: 2\n"}) == (0, [])
    assert called == []


def test_the_fix_goes_into_the_base_job_file_verified_by_rendering_again(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobguard fix` applies the rendered finding's verified fix to the file defining the Job; the check after it
    (rendered again) is clean."""
    base = approver(overlay())
    repo = make_repo(base, {JOB_FILE: base[JOB_FILE].replace(":v4.4", ":v4.5")})
    monkeypatch.chdir(repo)
    assert main(["fix", "--base", "main"]) == 0
    out = capsys.readouterr().out
    assert f"{JOB_FILE}:" in out and "0 findings left" in out
    fixed = (repo / JOB_FILE).read_text(encoding="utf-8")
    assert "argocd.argoproj.io/hook: Sync" in fixed and "hook-delete-policy: BeforeHookCreation" in fixed


def test_the_kubernetes_version_reaches_the_renders(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--kubernetes-version` is what `helm template --kube-version` gets (render-tools passes it on)."""
    from jobguard.render import run as renders

    seen: list[str] = []
    real = renders.render_all

    def spy(requests: Any, settings: Any) -> Any:
        seen.append(settings.kubernetes_version)
        return real(requests, settings)

    monkeypatch.setattr(renders, "render_all", spy)
    run(approver(overlay(*IMAGES_V44)), {PROD: overlay(*IMAGES_V45)}, "--kubernetes-version", "1.30")
    assert seen and set(seen) == {"1.30"}


def test_a_bug_while_rendering_costs_the_rendered_verdict_only(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from jobguard.render import roots

    def broken(snapshot: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(roots, "discover", broken)
    base = approver(overlay())
    code, found = run(base, {JOB_FILE: base[JOB_FILE].replace(":v4.4", ":v4.5")})
    assert code == 1
    assert sorted(f["rule"] for f in found) == ["job-immutable-field", "render-skipped"]  # the raw check still runs
    assert (
        "rendering failed unexpectedly (RuntimeError): boom"
        in next(f for f in found if f["rule"] == "render-skipped")["message"]
    )


def test_a_local_check_renders_the_working_tree_as_git_lists_it(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default head is the working tree: an uncommitted overlay edit is rendered; ignored files are not read."""
    repo = make_repo(approver(overlay(*IMAGES_V44)), {".gitignore": "ignored/\n"})
    (repo / PROD).write_text(overlay(*IMAGES_V45), encoding="utf-8")
    (repo / "ignored").mkdir()
    ignored = "resources: [../installplan-approver/overlays/prod, missing.yaml]\n"  # would claim the overlay
    (repo / "ignored" / "kustomization.yaml").write_text(ignored, encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["check", "--base", "main", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert where(found) == [("job-immutable-field", PROD, line_of(overlay(*IMAGES_V45), "newTag"))]
