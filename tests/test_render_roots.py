"""render.roots: what Argo CD and Flux render in a revision, on the real kustomize trees and on hostile files."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobguard.gitrepo import Repo
from jobguard.render.inputs import affected, inputs_of
from jobguard.render.model import Root, RootKind
from jobguard.render.roots import discover
from jobguard.render.snapshots import GitSnapshot
from tests.conftest import RepoFactory
from tests.render_files import Files, corpus_set, corpus_sets, needs_kustomize_corpus
from tests.test_fuzz import mutate, mutation

GPU = "gpu-operator-certified/operator/overlays"
ACS = "advanced-cluster-security-operator/instance"

# The layout roots of each real tree: what no other kustomization includes, Components left out.
CORPUS_ROOTS = {
    "redhat-cop-gitops-catalog-installplan-approver": ["installplan-approver/base"],
    "redhat-cop-gitops-catalog-acs-instance": [
        f"{ACS}/overlays/default",
        f"{ACS}/overlays/internal-registry-integration",
    ],
    "redhat-cop-gitops-catalog-odf-node-labeler": [
        "openshift-data-foundation-operator/config-helpers/node-labeler/overlays/default"
    ],
    "redhat-cop-gitops-catalog-gpu-operator": [
        f"{GPU}/{v}" for v in ("stable", "v1.10", "v1.11", "v22.9", "v23.3", "v23.9", "v24.9", "v25.3")
    ],
    "kubeflow-manifests-knative-post-install-jobs": [
        "common/knative/knative-eventing-post-install-jobs/base",
        "common/knative/knative-serving-post-install-jobs/base",
    ],
    "kubeflow-manifests-pipeline-openshift-env": ["applications/pipeline/upstream/env/openshift/base"],
    "gke-samples-a100-jax": ["ai-ml/gke-a100-jax/kubernetes"],
    "ingress-nginx-static-provider-cloud": ["deploy/static/provider/cloud"],
}

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
JOB = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n"


@needs_kustomize_corpus
@pytest.mark.parametrize("name", corpus_sets())
def test_the_roots_of_each_real_tree(name: str) -> None:
    roots = discover(corpus_set(name))
    assert [r.path for r in roots] == CORPUS_ROOTS[name]
    assert {r.kind for r in roots} == {RootKind.KUSTOMIZE}
    assert all(r.defined_by is None and r.name == r.path for r in roots)


def test_every_corpus_set_has_expected_roots() -> None:
    """The table above covers the corpus exactly, so a set added to it must be given its roots here."""
    assert sorted(CORPUS_ROOTS) == sorted(corpus_sets()) or not corpus_sets()


def test_a_component_is_never_a_root_and_what_it_includes_is_not_either() -> None:
    snapshot = Files(
        {
            "app/kustomization.yaml": KUSTOMIZATION + "components: [../comp]\n",
            "comp/kustomization.yaml": COMPONENT + "resources: [../shared]\n",
            "shared/kustomization.yaml": KUSTOMIZATION + "resources: [job.yaml]\n",
            "shared/job.yaml": JOB,
            "lonely-component/kustomization.yaml": COMPONENT,
        }
    )
    assert [r.path for r in discover(snapshot)] == ["app"]


def test_every_kustomization_file_name_and_a_root_at_the_repository_root() -> None:
    snapshot = Files(
        {
            "kustomization.yml": KUSTOMIZATION + "resources: [a, b]\n",
            "a/Kustomization": KUSTOMIZATION,
            "b/kustomization.yaml": KUSTOMIZATION,
        }
    )
    assert discover(snapshot) == (Root(RootKind.KUSTOMIZE, "", "."),)


def test_charts_inside_charts_library_charts_and_charts_kustomize_owns_are_not_roots() -> None:
    snapshot = Files(
        {
            "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
            "charts/app/charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
            "charts/lib/Chart.yaml": "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n",
            "both/Chart.yaml": "apiVersion: v2\nname: both\nversion: 1.0.0\n",
            "both/kustomization.yaml": KUSTOMIZATION,
            "inflate/kustomization.yaml": KUSTOMIZATION + "helmCharts:\n- name: vendored\n  releaseName: v\n",
            "inflate/charts/vendored/Chart.yaml": "apiVersion: v2\nname: vendored\nversion: 2.0.0\n",
            "pinned/kustomization.yaml": KUSTOMIZATION + "helmCharts:\n- {name: db, version: 1.2.3}\n",
            "pinned/charts/db-1.2.3/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.2.3\n",
        }
    )
    roots = discover(snapshot)
    assert [(r.kind, r.path) for r in roots] == [
        (RootKind.KUSTOMIZE, "both"),
        (RootKind.HELM, "charts/app"),
        (RootKind.KUSTOMIZE, "inflate"),
        (RootKind.KUSTOMIZE, "pinned"),
    ]


def test_declared_roots_come_first_and_claim_their_directory() -> None:
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: prod\nspec:\n"
        "  source:\n    repoURL: https://git.example/repo.git\n    path: overlays/prod\n"
    )
    snapshot = Files(
        {
            "apps/prod.yaml": app,
            "overlays/prod/kustomization.yaml": KUSTOMIZATION + "resources: [../../base]\n",
            "overlays/dev/kustomization.yaml": KUSTOMIZATION + "resources: [../../base]\n",
            "base/kustomization.yaml": KUSTOMIZATION + "resources: [job.yaml]\n",
            "base/job.yaml": JOB,
        }
    )
    roots = discover(snapshot)
    assert [(r.path, r.name, r.defined_by) for r in roots] == [
        ("overlays/prod", "prod", "apps/prod.yaml"),
        ("overlays/dev", "overlays/dev", None),
    ]


def test_two_applications_rendering_one_directory_are_two_roots() -> None:
    def app(name: str) -> str:
        return (
            f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n"
            "  source:\n    path: base\n"
        )

    snapshot = Files({"apps.yaml": app("one") + "---\n" + app("two"), "base/kustomization.yaml": KUSTOMIZATION})
    roots = discover(snapshot)
    assert [r.name for r in roots] == ["one", "two"]
    assert len({r.key for r in roots}) == 2


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
HOSTILE = {
    "alias bomb": BOMB,
    "deep flow nesting": "resources: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep block nesting": "".join("  " * i + f"k{i}:\n" for i in range(3000)),
    "recursive alias": "a: &a [*a]\n",
    "binary": b"\x00\x01kind: Kustomization",
    "not utf-8": b"kind: Kustomization\nnamePrefix: \xff\n",
    "huge": "resources: []\n" + "# filler\n" * 600_000,
    "two documents": KUSTOMIZATION + "---\n" + KUSTOMIZATION,
    "a list": "- a\n- b\n",
    "syntax error": "resources: [a\n",
    "tags": "resources: !!python/object:os.system [echo]\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_kustomizations_and_applications_never_crash_discovery(case: str) -> None:
    hostile = HOSTILE[case]
    marker = b"apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
    data = hostile.encode() if isinstance(hostile, str) else hostile
    snapshot = Files(
        {
            "bad/kustomization.yaml": hostile,
            "apps/bad.yaml": marker + data,
            "apps/bad-flux.yaml": b"apiVersion: kustomize.toolkit.fluxcd.io/v1\n" + data,
            "good/kustomization.yaml": KUSTOMIZATION,
        }
    )
    assert [r.path for r in discover(snapshot)] == ["good"]  # the unreadable ones are skipped, not fatal


def test_discovery_reads_each_yaml_file_once_and_nothing_absent_or_binary() -> None:
    """The cost of discovery: one read per YAML file (kustomizations: the layout's parse), no read of a file that
    is not there (Argo CD override files, charts' requirements.yaml), none of scripts or archives."""
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n"
        "  source:\n    path: overlay\n"
    )
    files = {
        "apps/web.yaml": app,
        "overlay/kustomization.yaml": KUSTOMIZATION + "resources: [../base]\n",
        "base/kustomization.yaml": KUSTOMIZATION + "resources: [job.yaml]\n",
        "base/job.yaml": JOB,
        "base/run.sh": "#!/bin/sh\n",
        "charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "charts/x-1.0.0.tgz": b"\x1f\x8b",
        **{f"docs/{n}.yaml": "kind: ConfigMap\n" for n in range(50)},
    }
    snapshot = Files(files)
    discover(snapshot)
    assert set(snapshot.reads) <= {p for p in files if p.endswith((".yaml", ".yml")) or "ustomization" in p}
    assert max(snapshot.reads.count(p) for p in snapshot.reads) == 1
    assert snapshot.listings == 1


APPLICATION_SET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: all}
spec:
  goTemplate: true
  generators:
    - git: {repoURL: x, directories: [{path: 'overlays/*'}, {path: overlays/dev, exclude: true}]}
    - list: {elements: [{p: base}], elementsYaml: "- {p: overlays/dev}"}
  template:
    metadata: {name: '{{.path.basename}}'}
    spec:
      sources:
        - {path: '{{.path.path}}', kustomize: {images: [a=b:1], patches: [{path: p.yaml}]}}
        - {ref: values}
"""
FLUX = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: k}
spec: {path: ./base, sourceRef: {kind: GitRepository, name: r}, images: [{name: a, newTag: '2'}]}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: h}
spec: {chart: {spec: {chart: ./chart, sourceRef: {kind: GitRepository, name: r}}}, values: {a: 1}}
"""
FUZZ_TREE = {
    "apps/all.yaml": APPLICATION_SET,
    "apps/flux.yaml": FLUX,
    "overlays/prod/kustomization.yaml": KUSTOMIZATION + "resources: [../../base]\npatches: [{path: p.yaml}]\n",
    "overlays/prod/.argocd-source.yaml": "kustomize: {images: [a=b:2]}\n",
    "overlays/dev/kustomization.yaml": KUSTOMIZATION + "components: [../../comp]\n",
    "comp/kustomization.yaml": COMPONENT + "configMapGenerator: [{name: s, files: [run.sh]}]\n",
    "base/kustomization.yaml": KUSTOMIZATION + "resources: [job.yaml]\nhelmCharts: [{name: c, repo: x}]\n",
    "base/job.yaml": JOB,
    "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies: [{name: d, repository: x}]\n",
}


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(sorted(FUZZ_TREE)), steps=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_declarations_never_raise(target: str, steps: list[tuple[str, int, int, str]]) -> None:
    """Whatever a pull request makes of an Application, ApplicationSet, Flux object or kustomization, finding roots
    and their inputs returns, and every input is a file of the revision."""
    snapshot = Files({**FUZZ_TREE, target: mutate(FUZZ_TREE[target], steps)})
    inputs = [inputs_of(root, snapshot) for root in discover(snapshot)]
    assert all(item.files <= set(snapshot.files) for item in inputs)
    affected(inputs, [target])


APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web}
spec:
  source: {repoURL: https://git.example/g.git, path: web}
  destination: {namespace: web}
"""


def _counting(snapshot: GitSnapshot) -> list[str]:
    reads: list[str] = []
    original = snapshot.read

    def read(path: str) -> bytes | None:
        reads.append(path)
        return original(path)

    snapshot.read = read  # type: ignore[method-assign]
    return reads


def test_discovery_in_a_git_revision_reads_only_the_files_that_name_an_api_group(make_repo: RepoFactory) -> None:
    """A small change in a big repository must not read every file to find the few Applications (issue 16)."""
    plain = {f"misc/cm-{n}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{n}}}\n" for n in range(40)}
    files = {"apps/web.yaml": APP, "web/kustomization.yaml": "resources: [cm.yaml]\n", **plain}
    repo = make_repo(files, {})
    snapshot = GitSnapshot(Repo(repo), "change")
    reads = _counting(snapshot)
    found = discover(snapshot)
    assert [(r.name, r.path) for r in found] == [("web", "web")]
    assert "apps/web.yaml" in reads and not [p for p in reads if p.startswith("misc/")]


def test_discovery_from_a_subdirectory_still_finds_declarations_outside_it(make_repo: RepoFactory) -> None:
    """`declarations` searches below `repo.path` only: from a subdirectory discovery reads every file instead."""
    repo = make_repo({"apps/web.yaml": APP, "web/kustomization.yaml": "resources: [cm.yaml]\n"}, {})
    snapshot = GitSnapshot(Repo(repo / "web"), "change")
    assert [(r.name, r.path) for r in discover(snapshot)] == [("web", "web")]
