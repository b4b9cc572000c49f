"""render.inputs: the files each root reads (the real trees, every kustomization field, charts) and `affected`."""

from __future__ import annotations

import pytest

from jobguard.render.inputs import affected, inputs_of
from jobguard.render.model import HelmSource, KustomizeSource, Root, RootInputs, RootKind
from jobguard.render.roots import discover
from tests.render_files import Files, corpus_set, corpus_sets, job_files, needs_kustomize_corpus

GPU = "gpu-operator-certified/operator"
ACS = "advanced-cluster-security-operator/instance"
K = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"

# Job files no root of the set reads: a Component nothing includes.
UNREAD_JOBS = {
    "redhat-cop-gitops-catalog-gpu-operator": {f"{GPU}/components/console-plugin-helm/console-plugin-job.yaml"}
}


def all_inputs(snapshot: Files) -> list[RootInputs]:
    return [inputs_of(root, snapshot) for root in discover(snapshot)]


@needs_kustomize_corpus
@pytest.mark.parametrize("name", corpus_sets())
def test_the_roots_of_each_real_tree_read_its_job_files(name: str) -> None:
    snapshot = corpus_set(name)
    inputs = all_inputs(snapshot)
    read = set().union(*(i.files for i in inputs))
    assert job_files(snapshot) - read == UNREAD_JOBS.get(name, set())
    assert read <= set(snapshot.files)
    assert all(i.remote is None for i in inputs)


@needs_kustomize_corpus
def test_a_real_overlay_reads_its_base_and_not_its_sibling() -> None:
    snapshot = corpus_set("redhat-cop-gitops-catalog-acs-instance")
    default, integration = all_inputs(snapshot)
    assert f"{ACS}/base/create-cluster-init-bundle-job.yaml" in default.files
    assert f"{ACS}/base/kustomization.yaml" in default.files
    assert not any("internal-registry-integration" in f for f in default.files)
    job = f"{ACS}/overlays/internal-registry-integration/stackrox-image-integration-update-job.yaml"
    assert job in integration.files


@needs_kustomize_corpus
def test_a_real_overlay_reads_its_component_and_patch_and_parses_only_kustomizations() -> None:
    snapshot = corpus_set("redhat-cop-gitops-catalog-gpu-operator")
    root = Root(RootKind.KUSTOMIZE, f"{GPU}/overlays/stable", "stable")
    snapshot.paths()  # the tree of paths is built once per snapshot (and cached), not per root
    snapshot.reads.clear()
    inputs = inputs_of(root, snapshot)
    assert sorted(snapshot.reads) == [
        f"{GPU}/base/kustomization.yaml",
        f"{GPU}/components/console-plugin/kustomization.yaml",
        f"{GPU}/overlays/stable/kustomization.yaml",
    ]
    assert f"{GPU}/components/console-plugin/console-plugin-job.yaml" in inputs.files
    assert f"{GPU}/overlays/stable/patch-channel.yaml" in inputs.files
    assert not any("console-plugin-helm" in f or "v1.10" in f for f in inputs.files)


def test_every_kustomization_field_that_names_a_file() -> None:
    kustomization = (
        K
        + """\
resources: [job.yaml, ../shared, https://example.invalid/x.yaml]
bases: [../legacy]
components: [../component]
patches: [{path: patch.yaml}, {patch: "- op: remove\\n  path: /x"}]
patchesStrategicMerge: [smp.yaml, "apiVersion: v1\\nkind: X\\n"]
patchesJson6902: [{path: json6902.yaml, target: {kind: Job}}]
replacements: [{path: replacement.yaml}]
configMapGenerator:
  - {name: script, files: [run.sh, key=scripts/alt.sh], envs: [app.env]}
secretGenerator:
  - {name: s, env: secret.env}
helmCharts:
  - {name: vendored, valuesFile: chart-values.yaml, additionalValuesFiles: [more-values.yaml]}
crds: [crd.json]
openapi: {path: schema.json}
configurations: [config.yaml]
generators: [gen.yaml, ../gen-dir, "apiVersion: x\\nkind: Inline\\n"]
transformers: [transformer.yaml]
validators: [validator.yaml]
"""
    )
    app = [
        "job.yaml", "patch.yaml", "smp.yaml", "json6902.yaml", "replacement.yaml", "run.sh", "scripts/alt.sh",
        "app.env", "secret.env", "chart-values.yaml", "more-values.yaml", "crd.json", "schema.json", "config.yaml",
        "gen.yaml", "transformer.yaml", "validator.yaml", "charts/vendored/Chart.yaml",
        "charts/vendored/templates/job.yaml",
    ]  # fmt: skip
    files = {f"app/{name}": "x: 1\n" for name in app}
    files.update(
        {
            "app/kustomization.yaml": kustomization,
            "shared/kustomization.yml": K + "resources: [cm.yaml]\n",
            "shared/cm.yaml": "kind: ConfigMap\n",
            "legacy/Kustomization": K,
            "component/kustomization.yaml": "kind: Component\nresources: [extra.yaml]\n",
            "component/extra.yaml": "kind: Job\n",
            "gen-dir/kustomization.yaml": K,
            "app/unrelated.yaml": "kind: Job\n",
            "other/kustomization.yaml": K + "resources: [job.yaml]\n",
            "other/job.yaml": "kind: Job\n",
        }
    )
    inputs = inputs_of(Root(RootKind.KUSTOMIZE, "app", "app"), Files(files))
    assert inputs.files == {f"app/{name}" for name in app} | {
        "app/kustomization.yaml",
        "shared/kustomization.yml",
        "shared/cm.yaml",
        "legacy/Kustomization",
        "component/kustomization.yaml",
        "component/extra.yaml",
        "gen-dir/kustomization.yaml",
    }
    assert inputs.remote == "remote https://example.invalid/x.yaml in app"


@pytest.mark.parametrize(
    ("entry", "remote"),
    [
        ("github.com/redhat-cop/gitops-catalog/installplan-approver/base?ref=main", True),
        ("https://github.com/kubernetes-sigs/kustomize//examples/multibases?ref=v1.0.6", True),
        ("git@github.com:owner/repo.git//base", True),
        ("ssh://git@example.invalid/repo.git", True),
        ("../missing-local-base", False),  # kustomize fails on it: render-failed, not render-skipped
    ],
)
def test_remote_bases_are_named_as_why_a_root_cannot_render(entry: str, remote: bool) -> None:
    files = {"app/kustomization.yaml": K + f"resources: ['{entry}', job.yaml]\n", "app/job.yaml": "kind: Job\n"}
    inputs = inputs_of(Root(RootKind.KUSTOMIZE, "app", "app"), Files(files))
    assert inputs.files == {"app/kustomization.yaml", "app/job.yaml"}
    assert inputs.remote == (f"remote {entry} in app" if remote else None)


def test_a_helm_chart_that_is_not_vendored_cannot_render() -> None:
    files = {"app/kustomization.yaml": K + "helmCharts: [{name: cert-manager, repo: https://charts.example}]\n"}
    inputs = inputs_of(Root(RootKind.KUSTOMIZE, "app", "app"), Files(files))
    assert inputs.remote == "helm chart cert-manager (https://charts.example) is not vendored in app/charts"


def test_application_overrides_and_components_are_read() -> None:
    files = {
        "apps/web.yaml": "kind: Application\n",
        "overlay/kustomization.yaml": K,
        "overlay/.argocd-source.yaml": "kustomize: {}\n",
        "overlay/.argocd-source-web.yaml": "kustomize: {}\n",
        "overlay/.argocd-source-other.yaml": "kustomize: {}\n",
        "overlay/.argocd-source-team_web.yaml": "kustomize: {}\n",
        "overlay/nested/.argocd-source.yaml": "kustomize: {}\n",
        "component/kustomization.yaml": "kind: Component\nresources: [job.yaml]\n",
        "component/job.yaml": "kind: Job\n",
        "overlay/patches/job.yaml": "kind: Job\n",
    }
    options = KustomizeSource(
        patches=("path: patches/job.yaml\ntarget: {kind: Job}\n", "patch: '[]'\ntarget: {kind: Job}\n"),
        components=("../component",),
    )
    root = Root(RootKind.KUSTOMIZE, "overlay", "web", "apps/web.yaml", kustomize=options)
    assert inputs_of(root, Files(files)).files == {
        "apps/web.yaml",
        "overlay/kustomization.yaml",
        "overlay/.argocd-source.yaml",
        "overlay/.argocd-source-web.yaml",
        "overlay/.argocd-source-team_web.yaml",
        "overlay/patches/job.yaml",
        "component/kustomization.yaml",
        "component/job.yaml",
    }


CHART = {
    "charts/app/Chart.yaml": """\
apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - {name: common, repository: "file://../common"}
  - {name: sub, repository: https://charts.example}
  - {name: packed, repository: https://charts.example}
  - {name: redis, repository: oci://registry.example/charts}
""",
    "charts/app/values.yaml": "a: 1\n",
    "charts/app/templates/job.yaml": "kind: Job\n",
    "charts/app/templates/_helpers.tpl": '{{- define "x" -}}{{- end -}}\n',
    "charts/app/charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
    "charts/app/charts/packed-2.0.0.tgz": b"\x1f\x8b binary",
    "charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n",
    "charts/common/templates/_lib.tpl": '{{- define "lib" -}}{{- end -}}\n',
    "envs/prod.yaml": "a: 2\n",
    "charts/other/Chart.yaml": "apiVersion: v2\nname: other\nversion: 1.0.0\n",
}


def test_a_chart_reads_its_whole_directory_local_dependencies_and_value_files() -> None:
    helm = HelmSource(value_files=("envs/prod.yaml", "envs/gone.yaml"))
    inputs = inputs_of(Root(RootKind.HELM, "charts/app", "app", "apps/app.yaml", helm=helm), Files(CHART))
    assert inputs.files == {p for p in CHART if p.startswith(("charts/app/", "charts/common/"))} | {"envs/prod.yaml"}
    assert inputs.remote == (
        "chart dependency redis (oci://registry.example/charts) is not vendored in charts/; "
        "value file envs/gone.yaml is not in this revision"
    )


@needs_kustomize_corpus
def test_a_change_to_a_shared_base_affects_every_overlay_and_nothing_else() -> None:
    inputs = all_inputs(corpus_set("redhat-cop-gitops-catalog-gpu-operator"))
    hit = affected(inputs, [f"{GPU}/base/subscription.yaml"])
    assert hit == inputs and len(hit) == 8
    one = affected(inputs, [f"{GPU}/overlays/v23.9/patch-channel.yaml", "README.md"])
    assert [i.root.path for i in one] == [f"{GPU}/overlays/v23.9"]
    assert affected(inputs, [f"{GPU}/components/console-plugin-helm/console-plugin-job.yaml"]) == []
    assert affected(inputs, []) == []


def test_affected_keeps_the_order_of_the_inputs_and_finds_new_files_under_a_chart() -> None:
    snapshot = Files({**CHART, "base/kustomization.yaml": K + "resources: [job.yaml]\n", "base/job.yaml": "x: 1\n"})
    inputs = all_inputs(snapshot)
    assert [(i.root.kind, i.root.path) for i in inputs] == [
        (RootKind.KUSTOMIZE, "base"),
        (RootKind.HELM, "charts/app"),
        (RootKind.HELM, "charts/other"),
    ]
    changed = ["base/job.yaml", "charts/common/templates/_lib.tpl"]  # the library is read by charts/app only
    assert [i.root.path for i in affected(inputs, changed)] == ["base", "charts/app"]
    assert [i.root.path for i in affected(list(reversed(inputs)), changed)] == ["charts/app", "base"]
    assert [i.root.path for i in affected(inputs, ["charts/app/templates/new-job.yaml"])] == ["charts/app"]


def test_the_defining_file_affects_its_root() -> None:
    root = Root(RootKind.KUSTOMIZE, "base", "app", "apps/app.yaml")
    inputs = [inputs_of(root, Files({"apps/app.yaml": "kind: Application\n", "base/kustomization.yaml": K}))]
    assert affected(inputs, ["apps/app.yaml"]) == inputs


def test_cycles_and_hostile_kustomizations_end() -> None:
    files = {
        "a/kustomization.yaml": K + "resources: [../b]\n",
        "b/kustomization.yaml": K + "resources: [../a, ../bomb]\n",
        "bomb/kustomization.yaml": "a: &a [x, x]\nb: &b [*a, *a]\nresources: " + "[" * 3000 + "]" * 3000 + "\n",
    }
    inputs = inputs_of(Root(RootKind.KUSTOMIZE, "a", "a"), Files(files))
    assert inputs.files == set(files)
