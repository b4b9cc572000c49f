"""job-invalid: a Job the API server refuses to decode or validate, so the sync fails with its message.

kubectl and Argo CD send the manifest as JSON; the API server first decodes it into the Go types (a quoted
`'2'` is a string and cannot fill an int32) and then runs `ValidateJob` with the pod template checks (negative
counts, `restartPolicy: Always`, no containers, container names that are not DNS-1123 labels, a Job name too long
for the generated `job-name` label, requests above limits, podFailurePolicy rules it does not support, ...). Argo CD
and Flux fail the sync with the same message, which jobguard repeats with the field it names. The rows and their Go
sources are in `jobguard.kube.validation`. A Kustomize patch file (listed in a kustomization's `patches`) is a
partial Job merged into its base, so there only wrong types are reported: missing fields are the base's business.

Failing:

    spec:
      backoffLimit: '2'
      template:
        spec:
          restartPolicy: Always

Fixed:

    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: Never
"""

from __future__ import annotations

from collections.abc import Iterator

from jobguard.findings import Severity
from jobguard.inert import code_span, quoted_answer
from jobguard.jobs import JobChange
from jobguard.kube.validate import refusals
from jobguard.rules.base import EVERY_TOOL, Hit, RuleContext, hit

ID = "job-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A Job the API server refuses to decode or validate (wrong types, invalid values): every sync fails."
TOOLS = EVERY_TOOL  # the API server refuses it whoever applies it


def check(change: JobChange, ctx: RuleContext) -> Iterator[Hit]:
    head = change.head
    if head is None or not change.touched:
        return
    name = head.ref.name or head.ref.generate_name or ""
    for refusal in refusals(head.value):
        if ctx.kustomize_patch and not refusal.decode:
            continue  # a patch is partial: only its own wrong types survive the merge for certain
        answer = (
            f'Job in version "v1" cannot be handled as a Job: {refusal.text}'
            if refusal.decode
            else f'Job.batch "{name}" is invalid: {refusal.text}'
        )
        yield hit(
            refusal.path,
            f"Job {code_span(head.ref.display())} would be refused by the API server: {quoted_answer(answer)}",
        )
