"""Which GitOps tool applies a Job: the `GitOpsTool` enum, from the Job's own keys or the repository's content.

A Job's own annotations and labels decide first (§8.1, `declared_tool`); `detect` gives the `gitops: auto`
fallback for Jobs that carry none: a repository that declares Flux objects (`Kustomization`/`HelmRelease`/sources
of the `*.toolkit.fluxcd.io` groups) and no Argo CD ones (`argoproj.io` Applications, ApplicationSets,
AppProjects) is deployed by Flux; anything else is treated as Argo CD, the conservative default (§10).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from jobguard import declarations
from jobguard.controllers import argocd, flux
from jobguard.gitrepo import MANIFEST_PATHSPECS, Repo


class GitOpsTool(str, enum.Enum):
    """A tool and the controller that applies a Job; the values are the config's `gitops:` words.

    A `str` enum so that the values compare, format and serialise as the words they always were (config
    values, JSON output, messages). `AUTO` is only a setting (decide per Job); `FLUX_HELM` only a resolved
    tool (Flux helm-controller, Helm's hook semantics, §8.3), never written in a config.
    """

    AUTO = "auto"
    ARGOCD = "argocd"
    FLUX = "flux"
    FLUX_HELM = "flux-helm"

    def __str__(self) -> str:
        return self.value

    @property
    def display(self) -> str:
        """The product's name in messages (`auto` is not a product: it stays as written)."""
        return _DISPLAY.get(self, self.value)


_DISPLAY = {GitOpsTool.ARGOCD: "Argo CD", GitOpsTool.FLUX: "Flux", GitOpsTool.FLUX_HELM: "Flux"}


def declared_tool(keys: Iterable[str]) -> GitOpsTool | None:
    """ARGOCD or FLUX when a Job's annotation or label keys name a GitOps tool (§8.1), else None."""
    names = tuple(keys)
    if argocd.names_argocd(names):
        return GitOpsTool.ARGOCD
    if flux.names_flux(names):
        return GitOpsTool.FLUX
    return None


def detect(repo: Repo, rev: str | None) -> GitOpsTool | None:
    """FLUX, ARGOCD, or None when the repository declares neither. The regular expressions run only over the few
    files that name an Argo CD or Flux API group (`declarations`, one search per revision, kept)."""
    candidates = declarations.declaring_files(repo, rev)
    if candidates is not None and not candidates:
        return None
    within = _within(candidates)
    if _declares(repo, rev, argocd.ARGO_API_VERSION, within):
        return GitOpsTool.ARGOCD
    if _declares(repo, rev, flux.FLUX_API_VERSION, within):
        return GitOpsTool.FLUX
    return None


_MAX_NAMED = 1000
"""More candidate files than this are searched through the manifest pathspecs instead (the command line's size)."""


def _within(candidates: tuple[str, ...] | None) -> tuple[str, ...]:
    manifests = [name for name in candidates or () if name.lower().endswith((".yaml", ".yml"))]
    if candidates is None or len(manifests) > _MAX_NAMED:
        return MANIFEST_PATHSPECS
    return tuple(f":(literal){name}" for name in manifests)


def _declares(repo: Repo, rev: str | None, pattern: str, within: tuple[str, ...]) -> bool:
    if not within:
        return False
    # --text, not -I: a pull request's `.gitattributes` (`binary`, `-diff`) must not hide a file from the search
    out = repo.text("grep", "-l", "--text", "-E", "-e", pattern, *([rev] if rev else []), "--", *within)
    return bool(out and out.strip())
