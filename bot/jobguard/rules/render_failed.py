"""render-failed: a root Argo CD or Flux renders (a kustomization, a chart, an Application) fails to render.

jobguard renders the roots a change touches with the real tools (`kubectl kustomize`, `helm template`), as Argo CD
and Flux do before they apply anything. When the head side of a root does not render, the controller cannot
render it either: the whole application fails its sync, and jobguard cannot judge the Jobs inside it. The finding
sits on the root's file (`kustomization.yaml`, `Chart.yaml` or the Application) with the tool's one-line error;
every other root and every plain file is still checked.

Failing (a resource the kustomization lists does not exist):

    # overlays/prod/kustomization.yaml
    resources:
      - ../../base
      - job-patch.yaml      # no such file

Fixed: list only files that exist in the repository (remote bases and plugins are never rendered, see
render-skipped).
"""

from __future__ import annotations

from jobguard.findings import Severity
from jobguard.rules.base import EVERY_TOOL

ID = "render-failed"
SEVERITY = Severity.ERROR
SUMMARY = "A changed kustomization, chart or Application fails to render, so its sync fails and its Jobs go unjudged."
TOOLS = EVERY_TOOL
