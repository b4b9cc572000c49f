"""render.roots: what Argo CD and Flux render in a revision, on the real kustomize trees and on hostile files."""

from __future__ import annotations

import pytest

from jobguard.render.model import Root, RootKind
from jobguard.render.roots import discover
from tests.render_files import Files, corpus_set, corpus_sets, needs_kustomize_corpus

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
        }
    )
    roots = discover(snapshot)
    assert [(r.kind, r.path) for r in roots] == [
        (RootKind.KUSTOMIZE, "both"),
        (RootKind.HELM, "charts/app"),
        (RootKind.KUSTOMIZE, "inflate"),
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
