"""Render a KUSTOMIZE root: check what it would load, apply the root's overrides, run `kubectl kustomize`.

Argo CD's and Flux's build, offline and without plugins: `--load-restrictor=LoadRestrictionsRootOnly`, never
`--enable-alpha-plugins`, `--enable-exec` or `--network`; `helmCharts` only with a vendored chart and the pinned
Helm. A Flux `postBuild.substitute` is applied to the output afterwards, as kustomize-controller does, and a root
with overrides but no kustomization (a Flux Kustomization on a folder of plain manifests) gets the kustomization
kustomize-controller generates. Unlike kustomize-controller (LoadRestrictionsNone), files outside a kustomization's
folder are refused: a root that needs them fails to render rather than reading across the tree.
"""

from __future__ import annotations

import posixpath

from jobguard.render import kustomization, output, overrides, postbuild, sandbox, scan, tools
from jobguard.render.envsubst import SubstitutionError
from jobguard.render.model import RenderSettings, Root
from jobguard.render.workspace import Inputs, Workspace


def build(
    root: Root, workspace: Workspace, inputs: Inputs, found: tools.Tools, settings: RenderSettings
) -> output.Result:
    """The root's objects, or why not (skipped: cannot render offline; error: refused or failed)."""
    files = dict(inputs.files)
    verdict = scan.scan(files, root.path)
    refusal = _refusal(root, workspace, files, verdict, found)
    if refusal is not None:
        return refusal
    assert found.kubectl is not None
    argv = [
        str(found.kubectl),
        "kustomize",
        str(workspace.path(root.path)),
        "--load-restrictor=LoadRestrictionsRootOnly",
    ]
    if verdict.helm:
        argv += ["--enable-helm", f"--helm-command={found.helm}", f"--helm-kube-version={settings.kubernetes_version}"]
    outcome = sandbox.run(argv, workspace, settings)
    if outcome.error is not None:
        return output.Result(error=outcome.error)
    docs = output.kustomize_docs(outcome.stdout.decode("utf-8", "replace"), root.path)
    try:
        docs = postbuild.substitute_docs(docs, root.kustomize.substitute if root.kustomize else ())
    except SubstitutionError as exc:
        return output.Result(error=f"postBuild variable substitution failed: {exc}")
    return output.Result(documents=docs)


def _refusal(
    root: Root, workspace: Workspace, files: dict[str, bytes], verdict: scan.Scan, found: tools.Tools
) -> output.Result | None:
    """Why the build must not run (and why), else None with the overridden kustomization written."""
    if verdict.skipped or verdict.refused:
        return output.Result(skipped=verdict.skipped, error=verdict.refused)
    if verdict.helm and not tools.usable(found.helm):
        return output.Result(skipped=f"its helmCharts need Helm; {tools.HELM_MISSING}")
    path = kustomization.kustomization_file(files, root.path)
    if path is None and root.kustomize is None:
        return output.Result(error=f"no kustomization.yaml in {root.path or '.'}")
    if path is None:  # a Flux Kustomization on plain manifests: kustomize-controller generates one
        path = posixpath.join(root.path, "kustomization.yaml") if root.path else "kustomization.yaml"
        values: dict[str, object] | str = kustomization.generated(files, root.path)
    else:
        values = kustomization.read_root(files[path], path)
    if isinstance(values, str):
        return output.Result(error=values)
    try:
        overrides.rewrite(workspace.path(path), values, root.kustomize)
    except overrides.OverrideError as exc:
        return output.Result(error=str(exc))
    return None
