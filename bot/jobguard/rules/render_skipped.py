"""render-skipped: a root the change touches that jobguard did not render, and why.

Rendering runs offline and sandboxed: a remote kustomize base (`github.com/...?ref=`), a chart dependency that is
not vendored in the repository, an exec or KRM function plugin, more affected roots than `render.max-roots`, or a
change source without whole revisions (two single files, or a review without a clone) are not rendered. The Jobs
such a root produces are judged as plain files only, so an overlay's edit to them may go unseen. Informational:
it says what was not looked at; the plain files of the change are still checked.

Failing (the overlay's base is fetched from the network):

    # overlays/prod/kustomization.yaml
    resources:
      - github.com/example/catalog/installplan-approver/base?ref=main

Fixed: vendor the base into the repository (or accept that jobguard judges only the plain files), or raise
`render.max-roots` when the cap was the reason.
"""

from __future__ import annotations

from jobguard.findings import Severity
from jobguard.rules.base import EVERY_TOOL

ID = "render-skipped"
SEVERITY = Severity.INFO
SUMMARY = "A root the change touches was not rendered (remote base, unvendored chart, cap, no revisions): says why."
TOOLS = EVERY_TOOL
