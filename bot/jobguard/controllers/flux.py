"""How Flux treats a Job: kustomize-controller's force option and helm-controller's keys (spec §8).

Flux ignores Argo CD's annotations (§8.1); a Job a HelmRelease installs follows Helm (`helm`), and everything
else is applied by kustomize-controller, which only recreates a Job when forced (§8.2).
"""

from __future__ import annotations

from collections.abc import Mapping

from jobguard.controllers.annotations import text_of

FLUX_FORCE = "kustomize.toolkit.fluxcd.io/force"
# §8.2: compared case-insensitively.
FLUX_FORCE_VALUE = "enabled"


def flux_force_enabled(annotations: Mapping[str, object] | None, labels: Mapping[str, object] | None = None) -> bool:
    """§8.2 fluxcd/pkg `AnyInMetadata`: annotation OR label, non-empty, `strings.EqualFold` with "enabled".

    No trimming (`" enabled"` does not count), matching the Go code.
    """
    for mapping in (annotations, labels):
        value = text_of(mapping, FLUX_FORCE)
        if value and value.casefold() == FLUX_FORCE_VALUE:
            return True
    return False
