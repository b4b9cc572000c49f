"""Which GitOps tool deploys a repository, from its content (`gitops: auto`).

A Job's own annotations decide first (`jobguard.rules.base.RuleContext.tool_for`); this module gives the fallback for
Jobs that carry none: a repository that declares Flux objects (`Kustomization`/`HelmRelease`/sources of the
`*.toolkit.fluxcd.io` groups) and no Argo CD ones (`argoproj.io` Applications, ApplicationSets, AppProjects) is
deployed by Flux; anything else is treated as Argo CD, the conservative default (argocd-hooks.md section 10).
"""

from __future__ import annotations

from jobguard.gitrepo import MANIFEST_PATHSPECS, Repo

_FLUX = r"^apiVersion:[[:space:]]*[\"']?(kustomize|helm|source|notification|image)\.toolkit\.fluxcd\.io/"
_ARGO = r"^apiVersion:[[:space:]]*[\"']?argoproj\.io/"


def detect(repo: Repo, rev: str | None) -> str | None:
    """`flux`, `argocd`, or None when the repository declares neither (git grep: one pass each, no parsing)."""
    flux = _declares(repo, rev, _FLUX)
    argo = _declares(repo, rev, _ARGO)
    if argo:
        return "argocd"
    if flux:
        return "flux"
    return None


def _declares(repo: Repo, rev: str | None, pattern: str) -> bool:
    out = repo.text("grep", "-l", "-I", "-E", "-e", pattern, *([rev] if rev else []), "--", *MANIFEST_PATHSPECS)
    return bool(out and out.strip())
