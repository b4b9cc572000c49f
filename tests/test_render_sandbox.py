"""What a pull request cannot make a render do: run its code, reach the network, read outside the tree, take
unbounded time or output, or see jobguard's environment."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobguard.render import run, sandbox, tools
from jobguard.render.model import HelmSource, RenderSettings, Root, RootKind
from jobguard.render.run import render
from jobguard.render.snapshots import DirSnapshot, MappingSnapshot
from jobguard.render.workspace import Inputs, collect, materialize
from tests.render_helpers import SETTINGS, chart_files, jobs, needs_helm, objects, snapshot_of

JOB = (
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n"
    "      restartPolicy: Never\n      containers:\n      - name: m\n        image: busybox:1.36\n"
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    run.CACHE.clear()


@pytest.fixture
def tool_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every argv the sandbox is asked to run."""
    calls: list[list[str]] = []
    real = sandbox.run
    monkeypatch.setattr(sandbox, "run", lambda argv, *a, **k: calls.append(list(argv)) or real(argv, *a, **k))
    return calls


def _kustomize(path: str) -> Root:
    return Root(RootKind.KUSTOMIZE, path, path)


def _render(files: dict[str, str | bytes], root: str = "app", settings: RenderSettings = SETTINGS) -> run.Render:
    return render(_kustomize(root), snapshot_of(files), files, settings, "head")


@pytest.mark.parametrize(
    "entry",
    [
        "github.com/redhat-cop/gitops-catalog/installplan-approver/base?ref=main",
        "https://github.com/kubeflow/manifests//common/knative?ref=v1.9.0",
        "git::https://gitlab.example.com/team/repo.git//deploy",
        "ssh://git@example.com/team/repo.git",
        "https://raw.githubusercontent.com/org/repo/main/job.yaml",
    ],
)
def test_a_remote_base_skips_the_root_naming_the_entry_and_runs_nothing(entry: str, tool_runs: list[list[str]]) -> None:
    done = _render({"app/kustomization.yaml": f"resources:\n- job.yaml\n- {entry}\n", "app/job.yaml": JOB})
    assert done.skipped == f"resources entry {entry!r} in app is remote (no network while rendering)"
    assert done.error is None and tool_runs == []


def test_a_remote_component_deep_in_a_local_base_is_found_too(tool_runs: list[list[str]]) -> None:
    files = {
        "app/kustomization.yaml": "resources: [../base]\n",
        "base/kustomization.yaml": "resources: [job.yaml]\ncomponents:\n- github.com/org/repo/components/x?ref=v1\n",
        "base/job.yaml": JOB,
    }
    done = _render(files)
    assert (
        done.skipped is not None
        and "components entry 'github.com/org/repo/components/x?ref=v1' in base" in done.skipped
    )
    assert tool_runs == []


def _krm_tree(proof: Path, how: str = "exec") -> dict[str, str | bytes]:
    function = {
        "exec": "      exec:\n        path: ./make-proof.sh\n",
        "container": "      container:\n        image: registry.example.com/make-proof:1\n",
        "starlark": "      starlark:\n        path: proof.star\n",
    }[how]
    return {
        "app/kustomization.yaml": "resources: [job.yaml]\ntransformers: [fn.yaml]\n",
        "app/job.yaml": JOB,
        "app/fn.yaml": (
            "apiVersion: example.com/v1\nkind: Proof\nmetadata:\n  name: proof\n  annotations:\n"
            f"    config.kubernetes.io/function: |\n{function}"
        ),
        "app/make-proof.sh": f"#!/bin/sh\ntouch {proof}\ncat\n",
    }


@pytest.mark.parametrize("how", ["exec", "container", "starlark"])
def test_a_krm_function_is_refused_and_nothing_runs(how: str, tmp_path: Path, tool_runs: list[list[str]]) -> None:
    proof = tmp_path / "proof"
    files = _krm_tree(proof, how)
    done = _render(files)
    assert done.error == f"transformers fn.yaml in app: Proof/proof is a KRM {how} function, never run"
    assert done.skipped is None and tool_runs == []
    assert not proof.exists()
    subprocess.run(["/bin/sh", "-c", str(files["app/make-proof.sh"])], check=True)  # the control: it does write it
    assert proof.exists()


def test_an_inline_generator_declaring_a_function_is_refused(tool_runs: list[list[str]]) -> None:
    inline = (
        "apiVersion: example.com/v1\nkind: Gen\nmetadata:\n  name: g\n  annotations:\n"
        "    config.kubernetes.io/function: |\n      exec: {path: /bin/sh}\n"
    )
    text = "resources: [job.yaml]\ngenerators:\n- |\n" + "".join(f"  {line}\n" for line in inline.splitlines())
    done = _render({"app/kustomization.yaml": text, "app/job.yaml": JOB})
    assert done.error == "generators an inline entry in app: Gen/g is a KRM exec function, never run"
    assert tool_runs == []


def test_a_symlink_to_a_host_file_is_never_materialized(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "app").mkdir(parents=True)
    (tree / "app/kustomization.yaml").write_text("resources: [job.yaml, passwd.yaml]\n", encoding="utf-8")
    (tree / "app/job.yaml").write_text(JOB, encoding="utf-8")
    (tree / "app/passwd.yaml").symlink_to("/etc/passwd")
    (tree / "app/etc").symlink_to("/etc", target_is_directory=True)
    snapshot = DirSnapshot(tree)
    asked = ["app/kustomization.yaml", "app/job.yaml", "app/passwd.yaml", "app/etc/passwd"]
    assert list(snapshot.paths()) == ["app/job.yaml", "app/kustomization.yaml"]
    inputs = collect(snapshot, asked, 10**6)
    assert inputs.paths == {"app/kustomization.yaml", "app/job.yaml"}
    done = render(_kustomize("app"), snapshot, asked, SETTINGS, "head")
    assert done.error is not None and "app/passwd.yaml" in done.error and "root:" not in done.error
    assert done.documents == ()


def test_a_render_over_the_input_limit_is_skipped_not_failed(tool_runs: list[list[str]]) -> None:
    files: dict[str, str | bytes] = {"app/kustomization.yaml": "resources: [job.yaml]\n", "app/job.yaml": JOB}
    done = _render(files, settings=RenderSettings(max_input_bytes=100))
    assert done.skipped == "its files are over the 100-byte render input limit"
    assert done.error is None and tool_runs == []


@pytest.mark.parametrize(
    ("path", "why"),
    [("../escape.yaml", "'../escape.yaml'"), ("/etc/passwd", "'/etc/passwd'"), ("app/./x.yaml", "'app/./x.yaml'")],
)
def test_an_unsafe_path_is_refused(path: str, why: str) -> None:
    files: dict[str, str | bytes] = {"app/kustomization.yaml": "resources: [job.yaml]\n", "app/job.yaml": JOB}
    done = render(_kustomize("app"), snapshot_of(files), [*files, path], SETTINGS, "head")
    assert done.error == f"unsafe path in the tree: {why}"


def test_a_file_used_as_a_folder_is_refused() -> None:
    snapshot = MappingSnapshot({"app/kustomization.yaml": b"resources: [x]\n", "app/x": b"a", "app/x/y.yaml": b"b"})
    done = render(_kustomize("app"), snapshot, snapshot.paths(), SETTINGS, "head")
    assert done.error == "unsafe path in the tree: 'app/x/y.yaml' is below the file 'app/x'"


def _sh(script: str, settings: RenderSettings) -> tuple[sandbox.Outcome, float]:
    with materialize(Inputs(())) as workspace:
        started = time.monotonic()
        outcome = sandbox.run(["/bin/sh", "-c", script], workspace, settings)
        return outcome, time.monotonic() - started


def test_a_tool_past_the_timeout_is_killed_with_its_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child"
    outcome, seconds = _sh(f"sleep 60 & echo $! > {pid_file}; wait", RenderSettings(timeout_seconds=0.5))
    assert outcome.error == "sh did not finish within 0.5 seconds"
    assert seconds < 10
    child = int(pid_file.read_text(encoding="utf-8"))
    time.sleep(0.2)
    status = Path(f"/proc/{child}/status")
    assert not status.exists() or "State:\tZ" in status.read_text(encoding="utf-8")  # gone, or a zombie not reaped


def test_a_tool_writing_past_the_output_cap_is_stopped() -> None:
    outcome, seconds = _sh("yes jobguard", RenderSettings(max_output_bytes=100_000, timeout_seconds=30))
    assert outcome.error == "sh wrote more than 100,000 bytes (render output limit)"
    assert outcome.stdout == b"" and seconds < 10


def test_the_environment_is_built_from_scratch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    outcome, _ = _sh('env; echo "PLUGINS=$(ls -A "$KUSTOMIZE_PLUGIN_HOME")"', RenderSettings())
    env = dict(line.split("=", 1) for line in outcome.stdout.decode().splitlines())
    assert "GITHUB_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["PATH"] == "/bin:/usr/bin:/bin"
    assert env["NO_PROXY"] == "" and env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_CONFIG_NOSYSTEM"] == "1"
    top = Path(env["HOME"]).parents[1]
    assert top.name.startswith("jobguard-render-")
    homes = [k for k in env if k.startswith(("HELM_", "XDG_")) or k in ("HOME", "KUSTOMIZE_PLUGIN_HOME")]
    assert len(homes) >= 10 and all(Path(env[k]).is_relative_to(top) for k in homes)
    assert env["PLUGINS"] == ""  # an empty plugin home
    assert {env[k] for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "https_proxy")} == {
        f"http://127.0.0.1:{sandbox.closed_port()}"
    }


def test_the_proxy_port_refuses_connections_at_once() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", sandbox.closed_port()), timeout=5)


@pytest.fixture
def recording_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """A listening proxy that records every request sent to it (instead of the closed port)."""
    seen: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            seen.append(conn.recv(256))
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setattr(sandbox, "closed_port", lambda: server.getsockname()[1])
    yield seen
    server.close()


def test_network_attempts_go_to_the_proxy_and_fail_fast(recording_proxy: list[bytes]) -> None:
    """The control for the next test: a remote base built anyway (the scan bypassed) does try the proxy."""
    found = tools.locate(SETTINGS)
    inputs = Inputs((("k/kustomization.yaml", b"resources:\n- https://github.com/org/repo/base?ref=main\n"),))
    with materialize(inputs) as workspace:
        started = time.monotonic()
        outcome = sandbox.run([str(found.kubectl), "kustomize", str(workspace.repo / "k")], workspace, SETTINGS)
    assert outcome.error is not None and time.monotonic() - started < 20
    assert any(b"CONNECT github.com:443" in request for request in recording_proxy)


@needs_helm
def test_helm_template_reaches_no_network_and_lookup_finds_nothing(recording_proxy: list[bytes]) -> None:
    files = chart_files()
    root = Root(RootKind.HELM, "charts/chart-job", "app", defined_by="app.yaml", helm=HelmSource(namespace="db"))
    done = render(root, MappingSnapshot(files), files, SETTINGS, "head")
    lookups = [obj for kind, name, _, obj in objects(done) if name == "app-chart-job-lookup"]
    assert lookups[0]["data"] == {"secret": "absent"}
    assert recording_proxy == []


@needs_helm
def test_a_chart_dependency_that_is_not_vendored_skips_the_root(tool_runs: list[list[str]]) -> None:
    files = chart_files()
    files["charts/chart-job/Chart.yaml"] += (
        b"dependencies:\n- name: postgresql\n  version: 15.x\n  repository: oci://registry.example.com/charts\n"
    )
    done = render(Root(RootKind.HELM, "charts/chart-job", "db"), MappingSnapshot(files), files, SETTINGS, "head")
    assert done.skipped == (
        "chart dependency 'postgresql' (oci://registry.example.com/charts) is not vendored under "
        "charts/chart-job/charts/ (no network while rendering)"
    )
    assert tool_runs == []
    vendored = {**files, **{f"charts/chart-job/charts/postgresql/{p}": d for p, d in chart_files("x").items()}}
    vendored = {p.replace("charts/postgresql/x/", "charts/postgresql/"): d for p, d in vendored.items()}
    vendored["charts/chart-job/charts/postgresql/Chart.yaml"] = b"apiVersion: v2\nname: postgresql\nversion: 15.1.0\n"
    done = render(Root(RootKind.HELM, "charts/chart-job", "db"), MappingSnapshot(vendored), vendored, SETTINGS, "head")
    assert done.error is None and done.skipped is None
    assert jobs(done)["chart-job-postgresql-migrate"][0] == "charts/chart-job/charts/postgresql/templates/job.yaml"


@needs_helm
def test_vendored_helm_charts_of_a_kustomization_render_with_the_pinned_helm() -> None:
    files: dict[str, str | bytes] = {
        "app/kustomization.yaml": "helmCharts:\n- name: chart-job\n  releaseName: rel\n",
        **chart_files("app/charts/chart-job"),
    }
    done = _render(files)
    assert done.error is None, done.error
    source, job = jobs(done)["rel-chart-job-migrate"]
    assert job["spec"]["template"]["metadata"]["labels"]["helm.sh/chart"] == "chart-job-1.4.0"
    assert source == "app/kustomization.yaml"  # kustomize names the kustomization that inflated the chart


def test_helm_charts_that_are_not_vendored_or_without_helm_are_skipped(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "app/kustomization.yaml": "helmCharts:\n- name: redis\n  repo: https://charts.example.com\n  version: 1.2.3\n"
    }
    done = _render(files)
    assert done.skipped == "helmCharts entry 'redis' in app/kustomization.yaml is not vendored under charts/redis"
    vendored = {**files, **chart_files("app/charts/redis-1.2.3/redis")}
    done = _render(vendored, settings=RenderSettings(helm=str(tmp_path / "missing-helm")))
    assert done.skipped == "its helmCharts need Helm; helm not found: set render.helm or put helm on PATH"


def test_a_failure_is_one_line_without_the_temporary_directory() -> None:
    done = _render({"app/kustomization.yaml": "resources: [missing.yaml]\n"})
    assert done.error is not None
    assert "\n" not in done.error and "jobguard-render-" not in done.error and "/tmp" not in done.error
    assert done.error.startswith("error:") and "app/missing.yaml" in done.error


@pytest.mark.parametrize(
    ("line", "field", "entry"),
    [
        ("patches:\n- path: https://example.com/p.yaml\n", "patches", "https://example.com/p.yaml"),
        (
            "configMapGenerator:\n- name: c\n  files: [k=https://example.com/a.sh]\n",
            "configMapGenerator",
            "https://example.com/a.sh",
        ),
        ("crds: [https://example.com/crd.json]\n", "crds", "https://example.com/crd.json"),
        ("openapi:\n  path: https://example.com/schema.json\n", "openapi", "https://example.com/schema.json"),
    ],
)
def test_a_file_given_by_url_skips_the_root(line: str, field: str, entry: str, tool_runs: list[list[str]]) -> None:
    done = _render({"app/kustomization.yaml": f"resources: [job.yaml]\n{line}", "app/job.yaml": JOB})
    assert done.skipped == f"{field} entry {entry!r} in app/kustomization.yaml is remote (no network while rendering)"
    assert tool_runs == []


def test_the_copy_holds_regular_files_that_cannot_be_executed(tmp_path: Path) -> None:
    script = tmp_path / "tree/app/run.sh"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\necho hi\n", encoding="utf-8")
    script.chmod(0o755)
    inputs = collect(DirSnapshot(tmp_path / "tree"), ["app/run.sh"], 10**6)
    with materialize(inputs) as workspace:
        copied = workspace.repo / "app/run.sh"
        assert copied.read_bytes() == b"#!/bin/sh\necho hi\n" and not os.access(copied, os.X_OK)
        top = workspace.top
    assert not top.exists()  # removed afterwards


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("resources: [job.yaml]\nresources: [other.yaml]\n", "app/kustomization.yaml:2:1: duplicate key 'resources'"),
        ("- job.yaml\n", "app/kustomization.yaml: not a kustomization (a mapping)"),
        ("resources: [job.yaml\n", "app/kustomization.yaml:2:1:"),
    ],
)
def test_a_root_kustomization_the_rewrite_would_change_is_refused(
    text: str, error: str, tool_runs: list[list[str]]
) -> None:
    done = _render({"app/kustomization.yaml": text, "app/job.yaml": JOB})
    assert done.error is not None and done.error.startswith(error)
    assert tool_runs == []
