"""How Flux treats a Job: kustomize-controller's force option and helm-controller's keys (spec §8).

Flux ignores Argo CD's annotations (§8.1); a Job a HelmRelease installs follows Helm (`helm`), and everything
else is applied by kustomize-controller, which only recreates a Job when forced (§8.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from jobguard.controllers.annotations import text_of

KUSTOMIZE_PREFIX = "kustomize.toolkit.fluxcd.io/"
HELM_RELEASE_PREFIX = "helm.toolkit.fluxcd.io/"
FLUX_GROUP_SUFFIX = "toolkit.fluxcd.io/"  # in every Flux apiVersion (kustomize., helm., source., ...)
"""helm-controller labels what a HelmRelease installs with keys under it (§8.1)."""
FLUX_API_VERSION = r"^apiVersion:[[:space:]]*[\"']?(kustomize|helm|source|notification|image)\.toolkit\.fluxcd\.io/"
"""§10: a manifest line declaring a Flux object (Kustomization, HelmRelease, sources...); POSIX ERE."""

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


FLUX_SUBSTITUTE = "kustomize.toolkit.fluxcd.io/substitute"
FLUX_SUBSTITUTE_DISABLED = "disabled"


def substitution_disabled(annotations: Mapping[str, object] | None, labels: Mapping[str, object] | None) -> bool:
    """fluxcd/pkg `kustomize.SubstituteVariables`: a label or an annotation exactly "disabled" keeps an object out of
    `postBuild.substitute` (compared as is, unlike the force option)."""
    return any(text_of(mapping, FLUX_SUBSTITUTE) == FLUX_SUBSTITUTE_DISABLED for mapping in (annotations, labels))


def names_flux(keys: Iterable[str]) -> bool:
    """Whether annotation or label keys belong to a Flux controller (§8.1)."""
    return any(k.startswith((KUSTOMIZE_PREFIX, HELM_RELEASE_PREFIX)) for k in keys)


def installed_by_helm_release(keys: Iterable[str]) -> bool:
    """Installed by a Flux HelmRelease (helm-controller's keys), so Helm's hook semantics apply (§8.1)."""
    return any(k.startswith(HELM_RELEASE_PREFIX) for k in keys)
