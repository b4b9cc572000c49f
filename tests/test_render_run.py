"""Rendering roots end to end: kustomize on the real corpus trees, Helm on the fixture chart, base/head in
parallel, the input-hash cache, and the snapshots they read (directory, git revision, mapping)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobguard.gitrepo import Repo
from jobguard.render import run, sandbox
from jobguard.render.model import HelmSource, KustomizeSource, RenderSettings, Root, RootKind
from jobguard.render.run import RenderRequest, render, render_all
from jobguard.render.snapshots import DirSnapshot, GitSnapshot, MappingSnapshot
from tests.conftest import RepoFactory
from tests.corpus import CORPUS, needs_corpus
from tests.render_helpers import SETTINGS, chart_files, jobs, needs_helm, objects, snapshot_of

KUSTOMIZE_CORPUS = CORPUS / "kustomize"

ACS = "advanced-cluster-security-operator/instance"
ODF = "openshift-data-foundation-operator/config-helpers/node-labeler"
KNATIVE = "common/knative/knative-{}-post-install-jobs/base"
ACS_JOB = f"{ACS}/base/create-cluster-init-bundle-job.yaml"
ODF_JOB = ("storage-cluster-label-worker-nodes", f"{ODF}/base/node-label-job.yaml")
# root -> {Job name: defining file}: what `kubectl kustomize` of each real root applies, and where each Job comes from
CORPUS_JOBS = {
    "installplan-approver/base": {"installplan-approver": "installplan-approver/base/installplan-approver-job.yaml"},
    f"{ACS}/base": {"create-cluster-init-bundle": ACS_JOB},
    f"{ACS}/overlays/default": {"create-cluster-init-bundle": ACS_JOB},
    f"{ACS}/overlays/internal-registry-integration": {
        "create-cluster-init-bundle": ACS_JOB,
        "updated-image-integration-creds": f"{ACS}/overlays/internal-registry-integration/"
        "stackrox-image-integration-update-job.yaml",
    },
    f"{ODF}/base": dict([ODF_JOB]),
    f"{ODF}/overlays/default": dict([ODF_JOB]),
    KNATIVE.format("eventing"): {
        "storage-version-migration-eventing": KNATIVE.format("eventing") + "/eventing-post-install.yaml"
    },
    KNATIVE.format("serving"): {
        "storage-version-migration-serving": KNATIVE.format("serving") + "/serving-post-install-jobs.yaml"
    },
    "ai-ml/gke-a100-jax/kubernetes": {"jax-hello-world": "ai-ml/gke-a100-jax/kubernetes/job.yaml"},
    "deploy/static/provider/cloud": {
        "ingress-nginx-admission-create": "deploy/static/provider/cloud/deploy.yaml",
        "ingress-nginx-admission-patch": "deploy/static/provider/cloud/deploy.yaml",
    },
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    run.CACHE.clear()


def _corpus_sets() -> dict[str, DirSnapshot]:
    sets = json.loads((KUSTOMIZE_CORPUS / "SETS.json").read_text(encoding="utf-8"))
    return {entry["set"]: DirSnapshot(KUSTOMIZE_CORPUS / entry["set"]) for entry in sets}


def _kustomize(path: str, **options: object) -> Root:
    source = KustomizeSource(**options) if options else None  # type: ignore[arg-type]
    return Root(RootKind.KUSTOMIZE, path, path, kustomize=source)


@needs_corpus
def test_every_corpus_root_renders_with_its_jobs_and_their_defining_files() -> None:
    requests = []
    for snapshot in _corpus_sets().values():
        for path in snapshot.paths():
            if path.rsplit("/", 1)[0] in CORPUS_JOBS and path.endswith("/kustomization.yaml"):
                requests.append(
                    RenderRequest(_kustomize(path.rsplit("/", 1)[0]), snapshot, frozenset(snapshot.paths()), "head")
                )
    renders = render_all(requests, SETTINGS)
    assert {r.root.path for r in renders} == set(CORPUS_JOBS)
    for done in renders:
        assert (done.error, done.skipped) == (None, None), done.root.path
        assert {name: source for name, (source, _) in jobs(done).items()} == CORPUS_JOBS[done.root.path]
        assert all("config.kubernetes.io/origin" not in doc.text for doc in done.documents)
        assert done.seconds > 0


@needs_corpus
def test_a_corpus_component_whose_script_is_not_in_the_tree_fails_with_one_repository_relative_line() -> None:
    snapshot = _corpus_sets()["redhat-cop-gitops-catalog-gpu-operator"]
    done = render(
        _kustomize("gpu-operator-certified/operator/components/console-plugin"),
        snapshot,
        snapshot.paths(),
        SETTINGS,
        "base",
    )
    assert done.error is not None and "\n" not in done.error and "/tmp/" not in done.error
    assert "gpu-operator-certified/operator/components/console-plugin/console-plugin-job.sh" in done.error


@needs_corpus
def test_overrides_reach_the_rendered_job() -> None:
    snapshot = _corpus_sets()["gke-samples-a100-jax"]
    root = _kustomize(
        "ai-ml/gke-a100-jax/kubernetes",
        images=("gcr.io/<<PROJECT>>/jax/hello:latest=registry.example.com/jax:v9",),
        name_prefix="pre-",
        namespace="ml",
        common_labels=(("team", "ml"),),
        common_annotations=(("argocd.argoproj.io/hook", "Sync"),),
    )
    source, job = jobs(render(root, snapshot, snapshot.paths(), SETTINGS, "head"))["pre-jax-hello-world"]
    assert source == "ai-ml/gke-a100-jax/kubernetes/job.yaml"
    assert job["metadata"]["namespace"] == "ml"
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/jax:v9"
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"
    assert job["spec"]["template"]["metadata"]["labels"]["team"] == "ml"
    assert job["spec"]["template"]["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"


KUSTOMIZE_TREE = {
    "apps/base/kustomization.yaml": "resources: [job.yaml]\n",
    "apps/base/job.yaml": (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n"
        "      restartPolicy: Never\n      containers:\n      - name: m\n        image: busybox:1.36\n"
    ),
    "apps/prod/kustomization.yaml": "resources: [../base]\nimages:\n- name: busybox\n  newTag: '1.37'\n",
}


def test_a_git_revision_renders_from_its_blobs_not_from_the_working_tree(make_repo: RepoFactory) -> None:
    head = {"apps/prod/kustomization.yaml": "resources: [../base]\nimages:\n- name: busybox\n  newTag: '1.38'\n"}
    path = make_repo(KUSTOMIZE_TREE, head)
    (path / "apps/prod/kustomization.yaml").write_text("resources: [../base]\nnamePrefix: dirty-\n", encoding="utf-8")
    repo = Repo(path, root=True)
    base, change = GitSnapshot(repo, "main"), GitSnapshot(repo, "change")
    root = _kustomize("apps/prod")
    renders = render_all(
        [
            RenderRequest(root, base, frozenset(base.paths()), "base"),
            RenderRequest(root, change, frozenset(change.paths()), "head"),
        ],
        SETTINGS,
    )
    repo.close()
    images = [jobs(done)["migrate"][1]["spec"]["template"]["spec"]["containers"][0]["image"] for done in renders]
    assert images == ["busybox:1.37", "busybox:1.38"]
    assert [done.side for done in renders] == ["base", "head"]
    assert jobs(renders[0])["migrate"][0] == "apps/base/job.yaml"


def test_identical_inputs_render_once_and_a_second_render_runs_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = sandbox.run

    def counting(argv: list[str], *args: object, **kwargs: object) -> sandbox.Outcome:
        calls.append(list(argv))
        return real(argv, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sandbox, "run", counting)
    snapshot = snapshot_of(dict(KUSTOMIZE_TREE))
    other = snapshot_of(dict(KUSTOMIZE_TREE))  # another snapshot object with the same bytes: same key
    root = _kustomize("apps/prod")
    requests = [
        RenderRequest(root, s, frozenset(KUSTOMIZE_TREE), side) for s, side in ((snapshot, "base"), (other, "head"))
    ]
    first = render_all(requests, SETTINGS)
    assert len(calls) == 1
    assert first[0].documents == first[1].documents and [r.side for r in first] == ["base", "head"]
    again = render(root, snapshot, KUSTOMIZE_TREE, SETTINGS, "head")
    assert len(calls) == 1 and again.documents == first[1].documents
    changed = MappingSnapshot.overlay(
        snapshot, {"apps/base/job.yaml": KUSTOMIZE_TREE["apps/base/job.yaml"].replace("1.36", "1.35").encode()}
    )
    render(root, changed, KUSTOMIZE_TREE, SETTINGS, "head")
    assert len(calls) == 2


def test_the_kubernetes_version_and_the_options_are_part_of_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = sandbox.run
    monkeypatch.setattr(sandbox, "run", lambda *a, **k: calls.append(1) or real(*a, **k))
    snapshot = snapshot_of(dict(KUSTOMIZE_TREE))
    render(_kustomize("apps/prod"), snapshot, KUSTOMIZE_TREE, SETTINGS, "head")
    render(_kustomize("apps/prod", name_prefix="x-"), snapshot, KUSTOMIZE_TREE, SETTINGS, "head")
    render(_kustomize("apps/prod"), snapshot, KUSTOMIZE_TREE, RenderSettings(kubernetes_version="1.30"), "head")
    assert len(calls) == 3


def test_results_come_back_in_request_order_whatever_finishes_first() -> None:
    snapshot = snapshot_of(dict(KUSTOMIZE_TREE))
    roots = [_kustomize("apps/prod"), _kustomize("apps/base"), _kustomize("apps/missing")]
    renders = render_all(
        [RenderRequest(r, snapshot, frozenset(KUSTOMIZE_TREE), "head") for r in roots], RenderSettings(workers=0)
    )
    assert [r.root.path for r in renders] == ["apps/prod", "apps/base", "apps/missing"]
    assert renders[2].error == "no kustomization.yaml in apps/missing"


@needs_helm
def test_a_chart_renders_like_argo_cd_with_values_parameters_and_the_template_of_each_object() -> None:
    files = {
        **chart_files(),
        "envs/prod.yaml": b"image:\n  tag: '2.1.0'\nbackoffLimit: 5\n",
    }
    root = Root(
        RootKind.HELM,
        "charts/chart-job",
        "migrations",
        defined_by="apps/migrations.yaml",
        helm=HelmSource(
            value_files=("envs/prod.yaml",),
            values="image:\n  repository: mirror.example.com/migrate\n",
            parameters=(("backoffLimit", "7"), ("image.tag", "2.1.0,rc")),
            namespace="db",
        ),
    )
    done = render(root, MappingSnapshot(files), files, RenderSettings(kubernetes_version="1.29"), "head")
    assert (done.error, done.skipped) == (None, None)
    source, job = jobs(done)["migrations-chart-job-migrate"]
    assert source == "charts/chart-job/templates/job.yaml"
    assert job["spec"]["backoffLimit"] == 7  # --set after the value files
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "mirror.example.com/migrate:2.1.0,rc"  # inline values after the value file; a comma
    # in a parameter is escaped as Argo CD does, so it stays in the value
    assert container["args"][-1] == "v1.29.0"  # --kube-version
    assert job["spec"]["template"]["metadata"]["labels"]["helm.sh/chart"] == "chart-job-1.4.0"
    assert done.documents[0].text.startswith("# Source: chart-job/")


@needs_helm
def test_a_chart_found_by_layout_is_released_under_its_folder_name() -> None:
    files = chart_files("deploy/chart-job")
    root = Root(RootKind.HELM, "deploy/chart-job", "deploy/chart-job")
    names = [name for _, name, _, _ in objects(render(root, MappingSnapshot(files), files, SETTINGS, "base"))]
    assert "chart-job-chart-job-migrate" in names


def test_a_missing_tool_skips_the_root_with_how_to_fix_it(tmp_path: Path) -> None:
    files = chart_files()
    settings = RenderSettings(helm=str(tmp_path / "no-helm"))
    done = render(Root(RootKind.HELM, "charts/chart-job", "c"), MappingSnapshot(files), files, settings, "head")
    assert done.skipped == "helm not found: set render.helm or put helm on PATH"
    assert done.documents == () and done.error is None


GENERATOR_TREE = {
    "app/kustomization.yaml": "resources: [job.yaml]\nconfigMapGenerator:\n- name: scripts\n  files: [run.sh]\n",
    "app/run.sh": "#!/bin/sh\necho migrate\n",
    "app/job.yaml": KUSTOMIZE_TREE["apps/base/job.yaml"].replace(
        "      restartPolicy: Never\n",
        "      restartPolicy: Never\n      volumes:\n      - name: s\n        configMap:\n          name: scripts\n",
    ),
}


def test_a_generator_script_edit_changes_the_generated_name_in_the_jobs_pod_template() -> None:
    base = snapshot_of(dict(GENERATOR_TREE))
    head = MappingSnapshot.overlay(base, {"app/run.sh": b"#!/bin/sh\necho migrate --all\n"})
    root = _kustomize("app")
    renders = render_all(
        [RenderRequest(root, s, frozenset(GENERATOR_TREE), side) for s, side in ((base, "base"), (head, "head"))],
        SETTINGS,
    )
    volumes = [jobs(r)["migrate"][1]["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] for r in renders]
    assert volumes[0].startswith("scripts-") and volumes[1].startswith("scripts-") and volumes[0] != volumes[1]
    generated = [(kind, source) for kind, _, source, _ in objects(renders[1]) if kind == "ConfigMap"]
    assert generated == [("ConfigMap", "app/kustomization.yaml")]


def test_flux_post_build_substitution_applies_to_the_rendered_objects() -> None:
    tree = {
        "app/kustomization.yaml": "resources: [job.yaml]\n",
        "app/job.yaml": KUSTOMIZE_TREE["apps/base/job.yaml"].replace("busybox:1.36", "busybox:${TAG:=1.0}-${ENV}"),
    }
    snapshot = snapshot_of(dict(tree))
    with_vars = render(_kustomize("app", substitute=(("ENV", "prod"),)), snapshot, tree, SETTINGS, "head")
    image = jobs(with_vars)["migrate"][1]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "busybox:1.0-prod"
    untouched = render(_kustomize("app"), snapshot, tree, SETTINGS, "head")
    assert "busybox:${TAG:=1.0}-${ENV}" in untouched.documents[0].text  # no postBuild: no substitution at all
    broken = render(_kustomize("app", substitute=(("bad-name", "x"),)), snapshot, tree, SETTINGS, "head")
    assert broken.error is not None and broken.error.startswith("postBuild variable substitution failed: 'bad-name'")


def test_a_root_at_the_top_of_the_repository_renders_with_top_level_origins() -> None:
    tree = {
        "kustomization.yaml": "resources: [apps/base]\n",
        **{k: v for k, v in KUSTOMIZE_TREE.items() if "base" in k},
    }
    done = render(_kustomize(""), snapshot_of(dict(tree)), tree, SETTINGS, "head")
    assert done.error is None and jobs(done)["migrate"][0] == "apps/base/job.yaml"


@needs_helm
def test_a_chart_at_the_top_of_the_repository_renders() -> None:
    files = chart_files("").items()
    tree = {path.lstrip("/"): data for path, data in files}
    done = render(Root(RootKind.HELM, "", "top", defined_by="app.yaml"), MappingSnapshot(tree), tree, SETTINGS, "head")
    assert done.error is None and jobs(done)["top-chart-job-migrate"][0] == "templates/job.yaml"


@needs_helm
def test_a_chart_version_bump_changes_the_chart_label_in_the_jobs_pod_template() -> None:
    base = MappingSnapshot(chart_files())
    bumped = base.read("charts/chart-job/Chart.yaml") or b""
    head = MappingSnapshot.overlay(base, {"charts/chart-job/Chart.yaml": bumped.replace(b"1.4.0", b"1.5.0")})
    root = Root(RootKind.HELM, "charts/chart-job", "migrations", defined_by="apps/migrations.yaml")
    sides = [RenderRequest(root, s, frozenset(base.paths()), side) for s, side in ((base, "base"), (head, "head"))]
    labels = [
        jobs(r)["migrations-chart-job-migrate"][1]["spec"]["template"]["metadata"]["labels"]
        for r in render_all(sides, SETTINGS)
    ]
    assert [label["helm.sh/chart"] for label in labels] == ["chart-job-1.4.0", "chart-job-1.5.0"]
    assert render_all([], SETTINGS) == []


def test_a_flux_kustomization_on_plain_manifests_renders_as_kustomize_controller_generates_it() -> None:
    tree = {
        "clusters/prod/apps/job.yaml": KUSTOMIZE_TREE["apps/base/job.yaml"].replace("busybox:1.36", "busybox:${TAG}"),
        "clusters/prod/apps/notes.txt": "not a manifest\n",
        "clusters/prod/infra/kustomization.yaml": "resources: [cm.yaml]\n",
        "clusters/prod/infra/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
        "clusters/prod/infra/ignored/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    }
    root = _kustomize("clusters/prod", namespace="prod", substitute=(("TAG", "1.37"),))
    done = render(root, snapshot_of(dict(tree)), tree, SETTINGS, "head")
    assert done.error is None, done.error
    found = {(kind, name, source) for kind, name, source, _ in objects(done)}
    assert found == {
        ("Job", "migrate", "clusters/prod/apps/job.yaml"),
        ("ConfigMap", "settings", "clusters/prod/infra/cm.yaml"),
    }
    job = jobs(done)["migrate"][1]
    assert job["metadata"]["namespace"] == "prod"
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.37"
    layout = render(_kustomize("clusters/prod"), snapshot_of(dict(tree)), tree, SETTINGS, "head")
    assert layout.error == "no kustomization.yaml in clusters/prod"  # found by layout alone: not a root


def test_a_surprise_in_one_render_is_that_roots_error_and_the_others_still_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = run.kustomize.build

    def fragile(root: Root, *args: object) -> object:
        if root.path == "apps/base":
            raise RecursionError("maximum recursion depth exceeded\nwhile parsing")
        return real(root, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run.kustomize, "build", fragile)
    snapshot = snapshot_of(dict(KUSTOMIZE_TREE))
    roots = [_kustomize("apps/base"), _kustomize("apps/prod")]
    renders = render_all([RenderRequest(r, snapshot, frozenset(KUSTOMIZE_TREE), "head") for r in roots], SETTINGS)
    assert renders[0].error == "render failed unexpectedly: RecursionError: maximum recursion depth exceeded"
    assert renders[1].error is None and "migrate" in jobs(renders[1])
