"""render.apps, appsets and flux: Applications, ApplicationSets and Flux objects pointing at the real trees."""

from __future__ import annotations

import textwrap

import pytest

from jobguard.render.appsets import go_match, sanitize
from jobguard.render.model import HelmSource, KustomizeSource, Root, RootKind
from jobguard.render.roots import declared_roots, discover
from tests.render_files import Files, corpus_set, needs_kustomize_corpus

ACS = "advanced-cluster-security-operator/instance"
GPU = "gpu-operator-certified/operator/overlays"
CHART = {
    "charts/batch/Chart.yaml": "apiVersion: v2\nname: batch\nversion: 1.2.0\n",
    "charts/batch/values.yaml": "image: busybox\n",
    "charts/batch/values-prod.yaml": "image: busybox:1.36\n",
    "charts/batch/templates/job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}\n",
    "envs/prod/values.yaml": "replicas: 2\n",
}


def app(body: str, name: str = "acs") -> str:
    head = f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
    return head + textwrap.dedent(body)


@needs_kustomize_corpus
def test_an_application_with_kustomize_overrides_on_a_real_overlay() -> None:
    manifest = app(
        f"""\
        spec:
          destination: {{namespace: stackrox}}
          source:
            repoURL: https://git.example/catalog.git
            path: {ACS}/overlays/default
            kustomize:
              images: [quay.io/rhacs/main=quay.io/rhacs/main:4.5.0]
              namePrefix: prod-
              nameSuffix: -a
              namespace: rhacs
              commonLabels: {{team: sec, tier: 1}}
              commonAnnotations: {{argocd.argoproj.io/sync-wave: "2"}}
              components: [../../components/extra]
              patches:
                - target: {{kind: Job}}
                  patch: |-
                    - op: add
                      path: /spec/backoffLimit
                      value: 1
          syncPolicy:
            syncOptions: [Replace=true, ServerSideApply=true]
        """
    )
    snapshot = corpus_set("redhat-cop-gitops-catalog-acs-instance", {"argocd/acs.yaml": manifest})
    roots = discover(snapshot)
    assert roots[0] == Root(
        RootKind.KUSTOMIZE,
        f"{ACS}/overlays/default",
        "acs",
        "argocd/acs.yaml",
        kustomize=KustomizeSource(
            images=("quay.io/rhacs/main=quay.io/rhacs/main:4.5.0",),
            name_prefix="prod-",
            name_suffix="-a",
            namespace="rhacs",
            common_labels=(("team", "sec"), ("tier", "1")),
            common_annotations=(("argocd.argoproj.io/sync-wave", "2"),),
            patches=("target:\n  kind: Job\npatch: |-\n  - op: add\n    path: /spec/backoffLimit\n    value: 1\n",),
            components=("../../components/extra",),
        ),
        sync_options=("Replace=true", "ServerSideApply=true"),
    )
    # the Application claims its overlay; the other overlay is still a layout root
    assert [r.path for r in roots[1:]] == [f"{ACS}/overlays/internal-registry-integration"]


def test_an_application_with_helm_values_parameters_and_release_name() -> None:
    manifest = app(
        """\
        spec:
          destination: {namespace: jobs}
          source:
            path: charts/batch
            helm:
              releaseName: nightly
              valueFiles: [values-prod.yaml, ../../envs/prod/values.yaml, missing.yaml]
              values: |
                ignored: true
              valuesObject: {image: busybox:1.37}
              parameters:
                - {name: schedule, value: "0 1 * * *"}
                - {name: enabled, value: true}
        """,
        name="batch",
    )
    (root,) = declared_roots(Files({**CHART, "apps/batch.yaml": manifest}))
    assert root == Root(
        RootKind.HELM,
        "charts/batch",
        "batch",
        "apps/batch.yaml",
        helm=HelmSource(
            value_files=("charts/batch/values-prod.yaml", "envs/prod/values.yaml", "charts/batch/missing.yaml"),
            values="image: busybox:1.37\n",  # valuesObject wins over values, as in Argo CD
            parameters=(("schedule", "0 1 * * *"), ("enabled", "true")),
            release_name="nightly",
            namespace="jobs",
        ),
    )


def test_helm_defaults_the_release_to_the_application_and_drops_missing_files_when_told() -> None:
    manifest = app(
        """\
        spec:
          source:
            path: ./charts/batch/
            helm: {valueFiles: [values-prod.yaml, nope.yaml], ignoreMissingValueFiles: true}
        """,
        name="batch",
    )
    (root,) = declared_roots(Files({**CHART, "apps/batch.yaml": manifest}))
    assert root.helm == HelmSource(("charts/batch/values-prod.yaml",), release_name="batch")


def test_helm_namespace_wins_over_the_destination() -> None:
    manifest = app("spec:\n  destination: {namespace: a}\n  source: {path: charts/batch, helm: {namespace: b}}\n")
    (root,) = declared_roots(Files({**CHART, "apps/batch.yaml": manifest}))
    assert root.helm is not None and root.helm.namespace == "b"


def test_multiple_sources_with_a_values_ref() -> None:
    manifest = app(
        """\
        spec:
          sources:
            - repoURL: https://git.example/repo.git
              path: charts/batch
              helm:
                valueFiles: [$values/envs/prod/values.yaml, values.yaml]
            - repoURL: https://git.example/repo.git
              ref: values
            - repoURL: https://charts.example
              chart: remote-chart
              targetRevision: 1.0.0
        """,
        name="batch",
    )
    (root,) = declared_roots(Files({**CHART, "apps/batch.yaml": manifest}))
    assert root.helm is not None
    assert root.helm.value_files == ("envs/prod/values.yaml", "charts/batch/values.yaml")


@pytest.mark.parametrize(
    "source",
    [
        "{repoURL: https://charts.example, chart: batch, targetRevision: 1.2.0}",  # a chart repository
        "{repoURL: https://git.example/repo.git, path: charts/gone}",  # not in this revision
        "{repoURL: https://git.example/repo.git, path: plain}",  # plain manifests: no render
        "{repoURL: https://git.example/repo.git, path: ../outside}",
    ],
)
def test_sources_that_are_not_roots_of_this_repository(source: str) -> None:
    manifest = app(f"spec:\n  source: {source}\n")
    snapshot = Files({**CHART, "plain/job.yaml": "kind: Job\n", "apps/a.yaml": manifest})
    assert declared_roots(snapshot) == []


def _overlay_app(extra: dict[str, str]) -> Root:
    manifest = app(
        """\
        spec:
          source:
            path: overlay
            targetRevision: main
            kustomize: {images: [app=app:1.0], namePrefix: app-}
        """,
        name="web",
    )
    files = {"overlay/kustomization.yaml": "resources: []\n", "apps/web.yaml": manifest, **extra}
    (root,) = declared_roots(Files(files))
    return root


def test_argocd_source_files_merge_over_the_source_the_app_specific_one_last() -> None:
    root = _overlay_app(
        {
            "overlay/.argocd-source.yaml": "kustomize:\n  images: [app=app:2.0]\n  nameSuffix: -g\n",
            "overlay/.argocd-source-web.yaml": "kustomize:\n  images: [app=app:3.0]\n  namePrefix: null\n",
            "overlay/.argocd-source-other.yaml": "kustomize:\n  images: [app=app:9.9]\n",
        }
    )
    assert root.kustomize == KustomizeSource(images=("app=app:3.0",), name_suffix="-g")


def test_an_application_in_another_namespace_reads_its_namespaced_override_file() -> None:
    manifest = app("spec:\n  source: {path: overlay, kustomize: {images: [app=app:1.0]}}\n", name="web")
    files = {
        "overlay/kustomization.yaml": "resources: []\n",
        "overlay/.argocd-source-web.yaml": "kustomize: {images: [app=app:2.0]}\n",
        "overlay/.argocd-source-argocd_web.yaml": "kustomize: {images: [app=app:3.0]}\n",
    }
    (root,) = declared_roots(Files({"apps/web.yaml": manifest, **files}))  # metadata.namespace: argocd
    assert root.kustomize == KustomizeSource(images=("app=app:3.0",))
    no_namespace = manifest.replace("  namespace: argocd\n", "")
    (root,) = declared_roots(Files({"apps/web.yaml": no_namespace, **files}))
    assert root.kustomize == KustomizeSource(images=("app=app:2.0",))


def test_argocd_source_files_cannot_move_the_source_and_a_broken_one_is_skipped() -> None:
    root = _overlay_app(
        {
            "overlay/.argocd-source.yaml": "path: elsewhere\nkustomize:\n  images: [app=app:2.0]\n",
            "overlay/.argocd-source-web.yaml": "kustomize: [unclosed\n",
        }
    )
    assert root.path == "overlay"
    assert root.kustomize == KustomizeSource(images=("app=app:2.0",), name_prefix="app-")


@needs_kustomize_corpus
def test_an_application_set_with_a_list_generator() -> None:
    appset = """\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: gpu}
        spec:
          generators:
            - list:
                elements:
                  - {version: v24.9}
                  - {version: v25.3}
                  - {version: v0.0}
          template:
            metadata: {name: 'gpu-{{version}}'}
            spec:
              source: {repoURL: https://git.example/catalog.git, path: 'OVERLAYS/{{ version }}'}
              syncPolicy: {syncOptions: [Replace=true]}
        """.replace("OVERLAYS", GPU)
    snapshot = corpus_set("redhat-cop-gitops-catalog-gpu-operator", {"appsets/gpu.yaml": textwrap.dedent(appset)})
    roots = declared_roots(snapshot)
    assert [(r.name, r.path, r.sync_options) for r in roots] == [
        ("gpu-v24.9", f"{GPU}/v24.9", ("Replace=true",)),
        ("gpu-v25.3", f"{GPU}/v25.3", ("Replace=true",)),
    ]


GIT_DIRECTORIES = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: overlays}
spec:
  GO
  generators:
    - git:
        repoURL: https://git.example/catalog.git
        revision: HEAD
        directories:
          - path: gpu-operator-certified/operator/overlays/*
          - path: gpu-operator-certified/operator/overlays/v1.*
            exclude: true
  template:
    metadata: {name: NAME}
    spec:
      source: {path: PATH}
"""


@needs_kustomize_corpus
@pytest.mark.parametrize(
    ("go", "name", "path"),
    [
        ("", "'{{path.basename}}-{{path[2]}}'", "'{{path}}'"),
        ("goTemplate: true", "'{{.path.basename}}-{{index .path.segments 2}}'", "'{{ .path.path }}'"),
    ],
)
def test_an_application_set_with_a_git_directory_generator(go: str, name: str, path: str) -> None:
    appset = GIT_DIRECTORIES.replace("GO", go).replace("NAME", name).replace("PATH", path)
    snapshot = corpus_set("redhat-cop-gitops-catalog-gpu-operator", {"appsets/overlays.yaml": appset})
    roots = discover(snapshot)
    expected = ["stable", "v22.9", "v23.3", "v23.9", "v24.9", "v25.3"]  # v1.10 and v1.11 excluded
    assert [r.name for r in roots[:6]] == [f"{v}-overlays" for v in expected]
    assert [r.path for r in roots[:6]] == [f"{GPU}/{v}" for v in expected]
    assert all(r.defined_by == "appsets/overlays.yaml" for r in roots[:6])
    assert [r.path for r in roots[6:]] == [f"{GPU}/v1.10", f"{GPU}/v1.11"]  # unclaimed: layout roots


@pytest.mark.parametrize(
    "generator",
    [
        "git: {repoURL: x, files: [{path: 'apps/*.json'}]}",
        "clusters: {}",
        "matrix: {generators: [{clusters: {}}, {list: {elements: [{p: overlay}]}}]}",
        "list: {elements: [{other: overlay}]}",  # the template names a parameter no element has
    ],
)
def test_generators_a_revision_cannot_answer_make_no_roots(generator: str) -> None:
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n"
        f"  generators:\n    - {generator}\n"
        "  template:\n    metadata: {name: 'app-{{p}}'}\n    spec:\n      source: {path: '{{p}}'}\n"
    )
    snapshot = Files({"appset.yaml": appset, "overlay/kustomization.yaml": "resources: []\n"})
    assert declared_roots(snapshot) == []


def test_go_path_match_semantics() -> None:
    assert go_match("apps/*", "apps/web")
    assert not go_match("apps/*", "apps/web/prod")
    assert go_match("apps/[^x]?b", "apps/wab")
    assert not go_match("apps/[^w]*", "apps/web")
    assert go_match("apps/\\*", "apps/*") and not go_match("apps/\\*", "apps/web")
    assert sanitize("My_App.V1-") == "my-app.v1"


def test_a_hostile_glob_does_not_backtrack() -> None:
    """`*a*a...*b` against a long run of `a`s is exponential for a backtracking regex; fnmatch's is linear."""
    hostile = "*a" * 30 + "*b"
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n"
        f"  generators:\n    - git: {{repoURL: x, directories: [{{path: '{hostile}'}}]}}\n"
        "  template:\n    metadata: {name: '{{path.basename}}'}\n    spec:\n      source: {path: '{{path}}'}\n"
    )
    files = {f"{'a' * 200}{n}/kustomization.yaml": "resources: []\n" for n in range(20)}
    assert declared_roots(Files({"appset.yaml": appset, **files})) == []


def test_a_flux_kustomization() -> None:
    flux = """\
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: jobs, namespace: flux-system}
        spec:
          sourceRef: {kind: GitRepository, name: flux-system}
          path: ./overlay
          force: true
          targetNamespace: batch
          namePrefix: p-
          nameSuffix: -s
          components: [../component]
          images:
            - {name: app, newName: registry.example/app, newTag: "2.0"}
            - {name: tool, digest: "sha256:abc"}
            - {name: other, newTag: v3}
          patches:
            - patch: '[{"op": "add", "path": "/spec/backoffLimit", "value": 1}]'
              target: {kind: Job}
          postBuild:
            substitute: {cluster: prod, replicas: "3"}
        """
    files = {"clusters/prod/jobs.yaml": textwrap.dedent(flux), "overlay/kustomization.yaml": "resources: []\n"}
    (root,) = declared_roots(Files(files))
    assert root == Root(
        RootKind.KUSTOMIZE,
        "overlay",
        "jobs",
        "clusters/prod/jobs.yaml",
        kustomize=KustomizeSource(
            images=("app=registry.example/app:2.0", "tool@sha256:abc", "other:v3"),
            name_prefix="p-",
            name_suffix="-s",
            namespace="batch",
            patches=('patch: \'[{"op": "add", "path": "/spec/backoffLimit", "value": 1}]\'\ntarget:\n  kind: Job\n',),
            components=("../component",),
            substitute=(("cluster", "prod"), ("replicas", "3")),
        ),
        flux_force=True,
    )


def test_a_flux_helm_release_with_a_chart_in_this_repository() -> None:
    release = """\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: batch, namespace: flux-system}
        spec:
          targetNamespace: jobs
          chart:
            spec:
              chart: ./charts/batch
              sourceRef: {kind: GitRepository, name: flux-system}
              valuesFiles: [charts/batch/values-prod.yaml, envs/prod/values.yaml]
          values: {image: busybox:1.37}
        """
    (root,) = declared_roots(Files({**CHART, "releases/batch.yaml": textwrap.dedent(release)}))
    assert root == Root(
        RootKind.HELM,
        "charts/batch",
        "batch",
        "releases/batch.yaml",
        helm=HelmSource(
            ("charts/batch/values-prod.yaml", "envs/prod/values.yaml"),
            "image: busybox:1.37\n",
            release_name="jobs-batch",
            namespace="jobs",
        ),
        flux_helm=True,
    )


@pytest.mark.parametrize(
    "doc",
    [
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: r}\n"
        "spec: {chart: {spec: {chart: batch, sourceRef: {kind: HelmRepository, name: charts}}}}\n",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k}\n"
        "spec: {path: ./overlay, sourceRef: {kind: OCIRepository, name: oci}}\n",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k}\n"
        "spec: {path: ./charts, sourceRef: {kind: GitRepository, name: repo}}\n",  # no kustomization there
    ],
)
def test_flux_objects_whose_source_is_not_here(doc: str) -> None:
    files = {**CHART, "flux.yaml": doc, "overlay/kustomization.yaml": "resources: []\n"}
    assert declared_roots(Files(files)) == []


def test_an_application_set_generates_at_most_a_thousand_applications() -> None:
    """A list of thousands of elements (or a glob over a huge tree) must not turn one file into endless renders."""
    elements = "".join(f"      - {{n: '{n}'}}\n" for n in range(1500))
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n"
        f"  generators:\n  - list:\n      elements:\n{elements}"
        "  template:\n    metadata: {name: 'app-{{n}}'}\n    spec:\n      source: {path: overlay}\n"
    )
    roots = declared_roots(Files({"appset.yaml": appset, "overlay/kustomization.yaml": "resources: []\n"}))
    assert len(roots) == 1000
    assert roots[-1].name == "app-999"


@pytest.mark.parametrize("kind", ["Application", "ApplicationSet"])
def test_deeply_nested_values_are_refused_not_a_crash(kind: str) -> None:
    """Helm values 400 levels deep pass libyaml, but dumping them again would recurse past
    Python's limit: a file nested past manifest_guards.MAX_DEPTH is unreadable, like any broken file."""
    deep = "{a: " * 400 + "1" + "}" * 400
    source = f"source: {{path: charts/batch, helm: {{valuesObject: {deep}}}}}"
    spec = (
        f"spec: {{{source}}}"
        if kind == "Application"
        else (
            "spec: {generators: [{list: {elements: [{n: x}]}}], "
            f"template: {{metadata: {{name: '{{{{n}}}}'}}, spec: {{{source}}}}}}}"
        )
    )
    doc = f"apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata: {{name: deep}}\n{spec}\n"
    roots = discover(Files({**CHART, "apps/deep.yaml": doc}))
    assert [(r.path, r.defined_by) for r in roots] == [("charts/batch", None)]  # the layout root only


@pytest.mark.parametrize(("source", "kind"), [("{}", RootKind.KUSTOMIZE), ("{helm: {}}", RootKind.HELM)])
def test_a_directory_with_a_chart_and_a_kustomization_renders_as_argo_cd_chooses(source: str, kind: RootKind) -> None:
    """Argo CD's discovery makes such a directory a Kustomize app unless the source says `helm:` explicitly."""
    manifest = app(f"spec:\n  source: {{path: charts/batch, {source[1:-1]}}}\n".replace(", }", "}"))
    files = {**CHART, "charts/batch/kustomization.yaml": "resources: []\n", "apps/a.yaml": manifest}
    (root,) = declared_roots(Files(files))
    assert root.kind is kind
