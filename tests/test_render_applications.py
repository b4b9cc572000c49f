"""`jobguard check` with rendering on charts and Argo CD Applications, end to end: a chart version bump on a non-hook
Job with chart labels in its pod template, Applications with Helm values and kustomize overrides pointing at a
chart and at a real kustomize tree, and the Application's sync options reaching the verdict."""

from __future__ import annotations

from typing import Any

import pytest

from tests.render_helpers import FIXTURES, chart_files, needs_helm
from tests.test_render_check import APPROVER, approver, line_of, overlay, run, where

__all__ = ["run"]

CHART = "charts/chart-job"


def chart(**extra: str) -> dict[str, str]:
    return {**{p: data.decode() for p, data in chart_files(CHART).items()}, **extra}


def application(source: str, name: str = "migrate", sync: str = "") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
        f"  name: {name}\n  namespace: argocd\nspec:\n  project: default\n"
        "  destination: {server: https://kubernetes.default.svc, namespace: jobs}\n"
        f"  source:\n    repoURL: https://git.example/gitops.git\n    targetRevision: main\n{source}{sync}"
    )


@needs_helm
def test_a_chart_version_bump_is_flagged_on_the_version_line(run: Any) -> None:
    base = chart()
    head = base[f"{CHART}/Chart.yaml"].replace("version: 1.4.0", "version: 1.5.0")
    code, found = run(base, {f"{CHART}/Chart.yaml": head})
    assert code == 1
    assert where(found) == [("job-immutable-field", f"{CHART}/Chart.yaml", line_of(head, "version: 1.5.0"))]
    assert "`chart-job-1.4.0` → `chart-job-1.5.0`" in found[0]["message"]


@needs_helm
def test_a_chart_bump_on_a_helm_hook_job_is_silent(run: Any) -> None:
    template = f"{CHART}/templates/job.yaml"
    base = chart()
    hooked = base[template].replace("  labels:\n", '  annotations:\n    "helm.sh/hook": pre-upgrade\n  labels:\n', 1)
    base[template] = hooked
    head = base[f"{CHART}/Chart.yaml"].replace("version: 1.4.0", "version: 1.5.0")
    assert run(base, {f"{CHART}/Chart.yaml": head}) == (0, [])


@needs_helm
def test_an_applications_helm_values_edit_is_flagged_on_the_values_line(run: Any) -> None:
    source = f'    path: {CHART}\n    helm:\n      values: |\n        image:\n          tag: "2.0.0"\n'
    app = "apps/migrate.yaml"
    base = chart(**{app: application(source)})
    head = application(source.replace('"2.0.0"', '"2.1.0"'))
    code, found = run(base, {app: head})
    assert code == 1
    assert where(found) == [("job-immutable-field", app, line_of(head, "2.1.0"))]
    assert "Application `migrate`" in found[0]["message"]


@needs_helm
def test_an_applications_value_file_edit_is_flagged_in_that_file(run: Any) -> None:
    values = f"{CHART}/values-prod.yaml"
    source = f"    path: {CHART}\n    helm:\n      valueFiles: [values-prod.yaml]\n"
    base = chart(**{"apps/migrate.yaml": application(source), values: "backoffLimit: 2\nimage: {tag: '2.0.0'}\n"})
    code, found = run(base, {values: "backoffLimit: 2\nimage: {tag: '3.0.0'}\n"})
    assert code == 1
    assert where(found) == [("job-immutable-field", values, 2)]


def test_an_applications_kustomize_image_override_is_flagged_on_the_application(run: Any) -> None:
    """An Application pointing at the real installplan-approver base, with a `source.kustomize.images` override."""
    image = "registry.redhat.io/openshift4/ose-cli:v4.4"
    source = f"    path: {APPROVER}/base\n    kustomize:\n      images:\n        - {image}\n"
    app = "apps/approver.yaml"
    base = approver(overlay(), **{app: application(source, name="approver")})
    head = application(source.replace(":v4.4", ":v4.6"), name="approver")
    code, found = run(base, {app: head})
    assert code == 1
    assert ("job-immutable-field", app, line_of(head, ":v4.6")) in where(found)


@pytest.mark.parametrize(("sync", "rules"), [("", []), ("Replace=true", ["job-replace-without-force"])])
def test_the_applications_sync_options_reach_the_verdict(run: Any, sync: str, rules: list[str]) -> None:
    """The Job's own annotations say nothing: the Application's `syncOptions: [Replace=true]` decide."""
    source = f"    path: {APPROVER}/base\n"
    policy = f"  syncPolicy:\n    syncOptions: [{sync}]\n" if sync else ""
    app = "apps/approver.yaml"
    base = approver(overlay(), **{app: application(source, name="approver", sync=policy)})
    job = f"{APPROVER}/base/installplan-approver-job.yaml"
    head = base[job].replace("spec:\n  template:", "spec:\n  backoffLimit: 3\n  template:", 1)
    code, found = run(base, {job: head})
    assert [f["rule"] for f in found] == rules
    assert code == (1 if rules else 0)


@needs_helm
def test_a_template_edit_gets_the_hook_annotations_inserted_into_the_template(run: Any) -> None:
    template = f"{CHART}/templates/job.yaml"
    base = chart()
    head = base[template].replace('args: ["migrate",', 'args: ["migrate", "--verbose",')
    code, found = run(base, {template: head})
    assert code == 1
    (finding,) = found
    assert finding["path"] == template
    fix = finding["fixes"][0]
    assert fix["strategy"] == "argocd-hook"
    assert " metadata:\n+  annotations:\n+    argocd.argoproj.io/hook: PreSync\n" in fix["diff"]  # a migration
    assert '   name: {{ include "chart-job.fullname" . }}-migrate\n' in fix["diff"]  # a template stays a template


@needs_helm
def test_a_chart_bump_names_the_fix_in_the_template(run: Any) -> None:
    base = chart()
    head = base[f"{CHART}/Chart.yaml"].replace("version: 1.4.0", "version: 1.5.0")
    _, (finding,) = run(base, {f"{CHART}/Chart.yaml": head})
    assert finding["fixes"] == []
    assert f"The fix goes where the Job is defined, `{CHART}/templates/job.yaml`" in finding["message"]


def flux_kustomization(force: bool) -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: approver\n"
        "  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./installplan-approver/overlays/prod\n"
        f"  prune: true\n  force: {'true' if force else 'false'}\n"
        "  sourceRef: {kind: GitRepository, name: gitops}\n"
    )


@pytest.mark.parametrize("force", [False, True])
def test_a_flux_kustomizations_force_reaches_the_verdict(run: Any, force: bool) -> None:
    """A Flux Kustomization pointing at the prod overlay: `spec.force: true` recreates the Job, so the overlay's
    tag bump is silent; without it Flux fails the apply."""
    from tests.test_render_check import IMAGES_V44, IMAGES_V45, PROD

    base = approver(overlay(*IMAGES_V44), **{"clusters/prod/approver.yaml": flux_kustomization(force)})
    code, found = run(base, {PROD: overlay(*IMAGES_V45)})
    if force:
        assert (code, found) == (0, [])
    else:
        assert code == 1 and [f["rule"] for f in found] == ["job-immutable-field"]
        assert (
            "Flux will fail the sync" in found[0]["message"] and "Flux Kustomization `approver`" in found[0]["message"]
        )


def superset(version: str) -> dict[str, str]:
    """Bitnami's real superset chart at one release (fixtures/render/charts/superset), as `charts/superset/`."""
    root = FIXTURES / "charts" / "superset" / version
    return {
        f"charts/superset/{p.relative_to(root).as_posix()}": p.read_text(encoding="utf-8")
        for p in root.rglob("*")
        if p.is_file()
    }


@needs_helm
def test_a_real_chart_release_that_only_bumps_its_version_is_flagged_on_the_version_line(run: Any) -> None:
    """superset 5.0.0 -> 5.0.1 changed nothing but Chart.yaml; the non-hook `superset-init` Job's pod template
    carries `helm.sh/chart`, so Argo CD's next sync after this upgrade fails with `field is immutable`."""
    base, head = superset("5.0.0"), superset("5.0.1")
    changed = {path: text for path, text in head.items() if base.get(path) != text}
    assert list(changed) == ["charts/superset/Chart.yaml"]  # the release is the version bump alone
    code, found = run(base, changed)
    assert code == 1
    version_line = line_of(head["charts/superset/Chart.yaml"], "version: 5.0.1")
    assert where(found) == [("job-immutable-field", "charts/superset/Chart.yaml", version_line)]
    assert "superset-init" in found[0]["message"] and "`superset-5.0.0` → `superset-5.0.1`" in found[0]["message"]
