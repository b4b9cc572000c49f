"""Render a HELM root the way Argo CD does: `helm template` with the Application's release name, namespace, value
files, inline values and parameters, `--kube-version` from the settings and `--include-crds`.

Offline only: a Chart.yaml dependency must be vendored in the chart's `charts/` (a folder or a `.tgz`), else the
root is skipped. `helm template` never reaches a cluster, so `lookup` returns nothing, as it does in Argo CD.
"""

from __future__ import annotations

import posixpath
import re

from jobguard.render import kustomization, output, sandbox, tools
from jobguard.render.model import HelmSource, RenderSettings, Root
from jobguard.render.workspace import Inputs, Workspace


def build(
    root: Root, workspace: Workspace, inputs: Inputs, found: tools.Tools, settings: RenderSettings
) -> output.Result:
    """The chart's objects (each with its template's path), or why not."""
    files = dict(inputs.files)
    chart_file = posixpath.join(root.path, "Chart.yaml") if root.path else "Chart.yaml"
    if chart_file not in files:
        return output.Result(error=f"no Chart.yaml in {root.path or '.'}")
    missing = unvendored(kustomization.load(files[chart_file]), root.path, inputs.paths)
    if missing is not None:
        return output.Result(skipped=missing)
    source = root.helm or HelmSource()
    absent = [path for path in source.value_files if path not in files]
    if absent:
        return output.Result(error=f"value file {absent[0]} not found in the repository")
    assert found.helm is not None
    # The release name is passed as the NAME argument, not as Argo CD's `--name-template`: the same name for any
    # real release name, but a name from the pull request is never evaluated as a Go template.
    argv = [str(found.helm), "template", release_name(root), str(workspace.path(root.path)), "--include-crds"]
    argv += ["--kube-version", settings.kubernetes_version]
    if source.namespace:
        argv += ["--namespace", source.namespace]
    for path in source.value_files:
        argv += ["--values", str(workspace.path(path))]
    if source.values:
        inline = workspace.scratch / "inline-values.yaml"
        inline.write_text(source.values, encoding="utf-8")
        argv += ["--values", str(inline)]
    for name, value in source.parameters:
        argv += ["--set", f"{name}={escape_commas(value)}"]
    outcome = sandbox.run(argv, workspace, settings, cwd=workspace.path(root.path))
    if outcome.error is not None:
        return output.Result(error=outcome.error)
    return output.Result(documents=output.helm_docs(outcome.stdout.decode("utf-8", "replace"), root.path, inputs.paths))


def escape_commas(value: str) -> str:
    """Argo CD's `cleanSetParameters`: a comma not already escaped is escaped (`--set` would split on it), except
    in a `{a,b}` list."""
    if value.startswith("{") and value.endswith("}"):
        return value
    out, previous = [], ""
    for char in value:
        out.append("\\," if char == "," and previous != "\\" else char)
        previous = char
    return "".join(out)


def release_name(root: Root) -> str:
    """The Application's `releaseName`, else its name, else (a chart found by layout) the chart folder's name."""
    if root.helm is not None and root.helm.release_name:
        return root.helm.release_name
    if root.defined_by is not None:
        return root.name
    return posixpath.basename(root.path) or "release"


def unvendored(chart: object, path: str, files: frozenset[str]) -> str | None:
    """Why the chart cannot render offline (a dependency missing from `charts/`), or None."""
    dependencies = chart.get("dependencies") if isinstance(chart, dict) else None
    charts = posixpath.join(path, "charts") if path else "charts"
    for dependency in dependencies if isinstance(dependencies, list) else ():
        if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
            continue
        name = dependency["name"]
        packed = re.compile(re.escape(f"{charts}/{name}-") + r"[^/]*\.tgz")
        if f"{charts}/{name}/Chart.yaml" in files or any(packed.fullmatch(f) for f in files):
            continue
        where = dependency.get("repository") or "no repository"
        return f"chart dependency {name!r} ({where}) is not vendored under {charts}/ (no network while rendering)"
    return None
