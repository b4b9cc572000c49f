"""render/fixes: the hook annotations inserted into a chart template as text, only where that is safe."""

from __future__ import annotations

from jobguard.findings import Finding, Location, ObjectRef, Severity
from jobguard.fixes import strategies
from jobguard.render.fixes import _template

TEMPLATE = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
spec:
  template:
    metadata:
      labels: {app: migrate}
"""


def finding() -> Finding:
    ref = ObjectRef("batch/v1", "Job", None, "r-migrate")
    intents = (strategies.argocd_hook("PreSync"), strategies.argocd_hook_generate_name("PreSync"))
    return Finding("job-immutable-field", Severity.ERROR, Location("t.yaml", 1, 1), ref, (), "", "x", intents=intents)


def test_annotations_go_right_below_the_top_level_metadata_line() -> None:
    ((intent, text),) = list(_template(finding(), TEMPLATE))  # the generateName strategy is no text insertion
    assert intent.strategy == "argocd-hook"
    assert text.splitlines()[2:6] == [
        "metadata:",
        "  annotations:",
        "    argocd.argoproj.io/hook: PreSync",
        "    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation",
    ]
    assert text.endswith("      labels: {app: migrate}\n")  # the pod template's metadata is left alone


def test_a_template_with_its_own_annotations_or_no_plain_metadata_gets_no_fix() -> None:
    own = TEMPLATE.replace(
        "metadata:\n  name:", "metadata:\n  annotations:\n    {{- toYaml .Values.a | nindent 4 }}\n  name:"
    )
    assert list(_template(finding(), own)) == []
    assert list(_template(finding(), TEMPLATE.replace("metadata:\n  name", "metadata: {{ x }}\n  name"))) == []
    two = TEMPLATE + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    assert list(_template(finding(), two)) == []
