"""A rendered Job's root says how it is deployed (rules/base.Deployment): the Application's sync options, Flux's
`spec.force` and a HelmRelease reach the verdict exactly as the Job's own annotations would."""

from __future__ import annotations

import pytest

from jobguard import check as engine
from jobguard.controllers.tool import GitOpsTool
from jobguard.jobs import job_doc
from jobguard.manifests import load
from jobguard.rules import RuleContext
from jobguard.rules.base import Deployment
from tests.rule_cases import run_texts
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE


def rules(deployment: Deployment, base: str | None = SMALL_JOB, head: str = SMALL_JOB_NEW_IMAGE) -> list[str]:
    found = run_texts(base, head, engine.CheckOptions(deployment=deployment)).findings
    return [f.rule for f in found]


def test_a_plain_deployment_changes_nothing() -> None:
    assert rules(Deployment()) == ["job-immutable-field"]


def test_the_applications_replace_option_is_a_replace_without_force() -> None:
    """§6: Application-level Replace=true reaches gitops-engine; a PUT fails on the generated selector."""
    head = SMALL_JOB.replace("spec:\n  template:", "spec:\n  backoffLimit: 3\n  template:")
    assert rules(Deployment(), head=head) == []
    assert rules(Deployment(GitOpsTool.ARGOCD, ("Replace=true",)), head=head) == ["job-replace-without-force"]


def test_an_application_level_force_is_not_honoured() -> None:
    """§6.2: Force only comes from the resource or the sync strategy, never from the Application's options."""
    assert rules(Deployment(GitOpsTool.ARGOCD, ("Force=true",))) == ["job-immutable-field"]


def test_flux_spec_force_recreates_the_job() -> None:
    assert rules(Deployment(GitOpsTool.FLUX)) == ["job-immutable-field"]
    assert rules(Deployment(GitOpsTool.FLUX, flux_force=True)) == []


def test_the_deployment_tool_decides_auto_before_the_repository() -> None:
    found = run_texts(SMALL_JOB, SMALL_JOB_NEW_IMAGE, engine.CheckOptions(deployment=Deployment(GitOpsTool.FLUX)))
    assert "Flux will fail the sync" in found.findings[0].message


@pytest.mark.parametrize(
    ("deployment", "want"),
    [
        (Deployment(), GitOpsTool.FLUX),
        (Deployment(GitOpsTool.ARGOCD), GitOpsTool.ARGOCD),
        (Deployment(GitOpsTool.FLUX, flux_helm=True), GitOpsTool.FLUX_HELM),
    ],
)
def test_tool_for_a_rendered_job(deployment: Deployment, want: GitOpsTool) -> None:
    (manifest,) = load("job.yaml", SMALL_JOB.encode()).manifests
    ctx = RuleContext(repository_tool=GitOpsTool.FLUX, deployment=deployment)
    assert ctx.tool_for(job_doc(manifest)) is want
