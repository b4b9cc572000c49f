"""render/judge, verdict and anchor on hand-made renders: the engine's verdict, anchored where the change is."""

from __future__ import annotations

from collections.abc import Mapping

from jobguard import check as engine
from jobguard.controllers.tool import GitOpsTool
from jobguard.diff import between
from jobguard.findings import Finding, Location, ObjectRef, Severity
from jobguard.render.anchor import Edited
from jobguard.render.judge import Outcome, Target, judge
from jobguard.render.model import Render, RenderedDoc, Root, RootInputs, RootKind, Side
from jobguard.rules.base import Deployment

PLAIN = Deployment()
OVERLAY = Root(RootKind.KUSTOMIZE, "overlays/prod", "overlays/prod")
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: prod-migrate
  annotations: {ANNOTATIONS}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: registry.example/migrate:{TAG}
"""


def job(tag: str, annotations: str = "{}") -> RenderedDoc:
    return RenderedDoc(JOB.replace("{TAG}", tag).replace("{ANNOTATIONS}", annotations), "base/job.yaml")


def edited(base: Mapping[str, str], head: Mapping[str, str]) -> Edited:
    changes = [between(p, p, _b(base.get(p)), _b(head.get(p))) for p in sorted(base.keys() | head.keys())]
    return Edited(tuple(c for c in changes if c is not None), lambda path: _b(head.get(path)))


def _b(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def run(
    base: tuple[RenderedDoc, ...] | None,
    head: Render | tuple[RenderedDoc, ...],
    files: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {}),
    root: Root = OVERLAY,
    deployment: Deployment = PLAIN,
) -> Outcome:
    inputs = RootInputs(
        root, frozenset({"base/job.yaml", "base/kustomization.yaml", f"{root.path}/kustomization.yaml"})
    )
    target = Target(
        inputs if base is not None else None, inputs, f"{root.path}/kustomization.yaml", deployment, edited(*files)
    )
    renders: dict[tuple[str, Side], Render] = {
        (root.key, "head"): head if isinstance(head, Render) else Render(root, "head", head)
    }
    if base is not None:
        renders[(root.key, "base")] = Render(root, "base", base)
    return judge([target], renders, engine.CheckOptions())


OVERLAY_BASE = "resources: [../../base]\nimages:\n  - name: registry.example/migrate\n    newTag: v1\n"
OVERLAY_HEAD = OVERLAY_BASE.replace("newTag: v1", "newTag: v2")
KUSTOMIZATION = "overlays/prod/kustomization.yaml"


def test_an_overlay_tag_bump_is_flagged_on_the_newtag_line() -> None:
    outcome = run((job("v1"),), (job("v2"),), ({KUSTOMIZATION: OVERLAY_BASE}, {KUSTOMIZATION: OVERLAY_HEAD}))
    (finding,) = outcome.findings
    assert finding.rule == "job-immutable-field"
    assert finding.location == Location(KUSTOMIZATION, 4, 4)
    assert "from kustomization `overlays/prod`" in finding.message
    assert "`registry.example/migrate:v1` → `registry.example/migrate:v2`" in finding.message
    assert [c.path for c in outcome.changes] == [KUSTOMIZATION]


def test_without_a_changed_line_the_finding_sits_on_the_job_in_its_defining_file() -> None:
    base_file = JOB.replace("{TAG}", "v1").replace("{ANNOTATIONS}", "{}").replace("prod-migrate", "migrate")
    outcome = run((job("v1"),), (job("v2"),), ({}, {}))
    assert outcome.findings[0].location == Location("overlays/prod/kustomization.yaml", 1, 1)  # nothing to read
    files = ({"base/job.yaml": base_file}, {"base/job.yaml": base_file})
    outcome = run((job("v1"),), (job("v2"),), files)
    assert outcome.findings[0].location == Location("base/job.yaml", 4, 4)  # `name: migrate`, prefix stripped


def test_an_overlay_that_makes_the_job_a_hook_is_silent() -> None:
    hook = "{argocd.argoproj.io/hook: PreSync}"
    assert run((job("v1"),), (job("v2", hook),)).findings == ()


def test_a_harmless_render_change_is_silent() -> None:
    assert run((job("v1"),), (job("v1", "{team: data}"),)).findings == ()


def test_a_new_root_judges_its_jobs_as_new() -> None:
    assert run(None, (job("v1"),)).findings == ()


def test_a_failing_head_render_is_one_error_on_the_roots_file() -> None:
    (finding,) = run((job("v1"),), Render(OVERLAY, "head", error="accumulating resources: missing.yaml")).findings
    assert (finding.rule, finding.severity) == ("render-failed", Severity.ERROR)
    assert finding.location == Location(KUSTOMIZATION, 1, 1)
    assert "`overlays/prod` does not render: accumulating resources: missing.yaml" in finding.message


def test_a_skipped_root_is_one_info_saying_why() -> None:
    (finding,) = run((job("v1"),), Render(OVERLAY, "head", skipped="remote base github.com/x/y")).findings
    assert (finding.rule, finding.severity) == ("render-skipped", Severity.INFO)
    assert "remote base github.com/x/y" in finding.message


def test_the_applications_replace_sync_option_reaches_the_verdict() -> None:
    app = Root(RootKind.KUSTOMIZE, "overlays/prod", "prod", defined_by="apps/prod.yaml", sync_options=("Replace=true",))
    plain = run((job("v1"),), (job("v1", "{team: data}"),), root=app, deployment=Deployment(GitOpsTool.ARGOCD))
    assert plain.findings == ()
    replaced = Deployment(GitOpsTool.ARGOCD, ("Replace=true",))
    (finding,) = run((job("v1"),), (job("v1", "{team: data}"),), root=app, deployment=replaced).findings
    assert finding.rule == "job-replace-without-force"
    assert "from Application `prod`" in finding.message


def test_flux_force_silences_the_immutable_edit() -> None:
    assert run((job("v1"),), (job("v2"),), deployment=Deployment(GitOpsTool.FLUX, flux_force=True)).findings == ()


def test_covers_a_raw_finding_on_a_file_the_root_reads_for_the_same_job() -> None:
    outcome = run((job("v1"),), (job("v2"),))

    def raw(path: str, name: str, kind: str = "Job") -> Finding:
        ref = ObjectRef("batch/v1", kind, None, name)
        return Finding("job-immutable-field", Severity.ERROR, Location(path, 1, 1), ref, (), "", "x")

    assert outcome.covers(raw("base/job.yaml", "migrate"))  # namePrefix prod- added by the overlay
    assert not outcome.covers(raw("base/job.yaml", "other"))
    assert not outcome.covers(raw("elsewhere/job.yaml", "migrate"))
    assert not outcome.covers(raw("base/job.yaml", "migrate", kind="CronJob"))
    assert outcome.covers(raw("base/kustomization.yaml", "anything"))  # read, but no document's source: a patch


def test_one_finding_per_line_when_many_roots_share_a_base() -> None:
    roots = [Root(RootKind.KUSTOMIZE, f"overlays/{n}", f"overlays/{n}") for n in ("a", "b", "c")]
    base_file = {"base/job.yaml": JOB.replace("{TAG}", "v1").replace("{ANNOTATIONS}", "{}")}
    head_file = {"base/job.yaml": JOB.replace("{TAG}", "v2").replace("{ANNOTATIONS}", "{}")}
    targets, renders = [], {}
    for root in roots:
        inputs = RootInputs(root, frozenset({"base/job.yaml"}))
        targets.append(
            Target(inputs, inputs, f"{root.path}/kustomization.yaml", Deployment(), edited(base_file, head_file))
        )
        renders[(root.key, "base")] = Render(root, "base", (job("v1"),))
        renders[(root.key, "head")] = Render(root, "head", (job("v2"),))
    (finding,) = judge(targets, renders, engine.CheckOptions()).findings
    assert finding.location == Location("base/job.yaml", 12, 12)  # the image line carries the new tag
    assert finding.message.endswith("(2 more roots alike.)")


def test_the_tools_words_are_shown_inert() -> None:
    """A render error quotes what the pull request wrote: a mention or a link in it must not act in a comment."""
    error = "accumulating resources: open @team [x](https://e.example) <b>: no such file"
    (finding,) = run((job("v1"),), Render(OVERLAY, "head", error=error)).findings
    assert f"`{error}`" in finding.message
