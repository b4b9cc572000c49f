"""The pieces of a render on their own: snapshots, origins of rendered objects, Argo CD's kustomize overrides,
Flux's substitution, the pre-build scan, locating the tools, and one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jobguard.errors import ConfigError
from jobguard.gitrepo import Repo
from jobguard.render import envsubst, helm, kustomization, output, overrides, postbuild, sandbox, scan, tools
from jobguard.render.model import KustomizeSource, RenderedDoc, RenderSettings
from jobguard.render.snapshots import GitSnapshot, MappingSnapshot
from tests.conftest import RepoFactory, git


def test_a_git_snapshot_lists_regular_blobs_only_never_symlinks_or_submodules(make_repo: RepoFactory) -> None:
    path = make_repo({"app/job.yaml": "kind: Job\n", "run.sh": "echo\n"}, {})
    (path / "app/passwd.yaml").symlink_to("/etc/passwd")
    git(path, "update-index", "--add", "--cacheinfo", f"160000,{git(path, 'rev-parse', 'HEAD')},vendor/lib")
    git(path, "add", "app/passwd.yaml")
    git(path, "commit", "-q", "-m", "link and submodule")
    repo = Repo(path, root=True)
    snapshot = GitSnapshot(repo, "HEAD")
    assert list(snapshot.paths()) == ["app/job.yaml", "run.sh"]
    assert snapshot.read("app/passwd.yaml") is None and snapshot.read("vendor/lib") is None
    assert snapshot.read("app/job.yaml") == b"kind: Job\n"
    assert GitSnapshot(repo, "main").read("app/job.yaml") == b"kind: Job\n"
    repo.close()


def test_an_overlay_changes_adds_and_deletes_files_over_its_base_lazily() -> None:
    reads: list[str] = []

    class Counting(MappingSnapshot):
        def read(self, path: str) -> bytes | None:
            reads.append(path)
            return super().read(path)

    base = Counting({"a.yaml": b"a", "b.yaml": b"b", "c.yaml": b"c"})
    fixed = MappingSnapshot.overlay(base, {"a.yaml": b"A", "d.yaml": b"d", "c.yaml": None})
    assert reads == []
    assert list(fixed.paths()) == ["a.yaml", "b.yaml", "d.yaml"]
    assert [fixed.read(p) for p in ("a.yaml", "b.yaml", "c.yaml", "d.yaml")] == [b"A", b"b", None, b"d"]
    assert reads == ["b.yaml"]


KUSTOMIZE_OUTPUT = """\
apiVersion: v1
data:
  run.sh: echo
kind: ConfigMap
metadata:
  annotations:
    config.kubernetes.io/origin: |
      configuredIn: ../base/kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
  name: scripts-5h2c8k9t4g
---
apiVersion: batch/v1
kind: Job
metadata:
  annotations:
    argocd.argoproj.io/sync-wave: "2"
    config.kubernetes.io/origin: |
      path: ../base/job.yaml
    z-last: "1"
  name: migrate
spec:
  template:
    metadata:
      annotations:
        config.kubernetes.io/origin: keep-me-inside-the-template
---
apiVersion: v1
kind: Service
metadata:
  annotations:
    config.kubernetes.io/origin: |
      path: base/svc.yaml
      repo: https://github.com/org/repo
      ref: v1
  name: svc
"""


def test_kustomize_origins_become_repository_paths_and_leave_the_text() -> None:
    docs = output.kustomize_docs(KUSTOMIZE_OUTPUT, "apps/prod")
    assert [doc.source for doc in docs] == ["apps/base/kustomization.yaml", "apps/base/job.yaml", None]
    assert (
        docs[0].text
        == "apiVersion: v1\ndata:\n  run.sh: echo\nkind: ConfigMap\nmetadata:\n  name: scripts-5h2c8k9t4g\n"
    )
    assert docs[1].text.startswith(
        'apiVersion: batch/v1\nkind: Job\nmetadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: "2"\n'
        '    z-last: "1"\n  name: migrate\n'
    )
    assert "keep-me-inside-the-template" in docs[1].text
    assert "config.kubernetes.io/origin" not in docs[2].text


@pytest.mark.parametrize(
    ("root", "relative", "expected"),
    [
        ("apps/prod", "../base/job.yaml", "apps/base/job.yaml"),
        ("", "job.yaml", "job.yaml"),
        ("a", "../../x.yaml", None),
    ],
)
def test_origin_paths_are_resolved_against_the_root_and_never_leave_the_repository(
    root: str, relative: str, expected: str | None
) -> None:
    assert output.repo_path(root, relative) == expected


def test_helm_sources_map_to_the_chart_folder_and_subcharts_only_when_the_file_is_an_input() -> None:
    text = (
        "---\n# Source: web/templates/job.yaml\nkind: Job\n"
        "---\n# Source: web/charts/db/templates/cm.yaml\nkind: ConfigMap\n"
        "---\n# Source: web/templates/empty.yaml\n---\n# Source: web/charts/packed/templates/x.yaml\nkind: Secret\n"
    )
    known = frozenset({"deploy/web/templates/job.yaml", "deploy/web/charts/db/templates/cm.yaml"})
    docs = output.helm_docs(text, "deploy/web", known)
    assert [doc.source for doc in docs] == [
        "deploy/web/templates/job.yaml",
        "deploy/web/charts/db/templates/cm.yaml",
        None,  # inside a vendored .tgz: no file of the repository
    ]
    assert docs[0].text == "# Source: web/templates/job.yaml\nkind: Job\n"


@pytest.mark.parametrize(
    ("existing", "args", "expected"),
    [
        ([], ("nginx:1.27",), [{"name": "nginx", "newTag": "1.27"}]),
        ([], ("nginx=mirror/nginx:1.27",), [{"name": "nginx", "newName": "mirror/nginx", "newTag": "1.27"}]),
        ([], ("nginx=mirror/nginx",), [{"name": "nginx", "newName": "mirror/nginx"}]),
        ([], ("nginx@sha256:abc",), [{"name": "nginx", "digest": "sha256:abc"}]),
        (
            [],
            ("nginx=mirror/nginx@sha256:abc",),
            [{"name": "nginx", "newName": "mirror/nginx", "digest": "sha256:abc"}],
        ),
        ([{"name": "nginx", "newName": "old", "newTag": "1"}], ("nginx:2",), [{"name": "nginx", "newTag": "2"}]),
        (
            [{"name": "nginx", "newName": "old", "newTag": "1"}],
            ("nginx=*:2",),
            [{"name": "nginx", "newName": "old", "newTag": "2"}],
        ),
        (
            [{"name": "zeta", "newTag": "1"}, {"name": "alpha", "digest": "sha256:1"}],
            ("mid:3",),
            [{"name": "alpha", "digest": "sha256:1"}, {"name": "mid", "newTag": "3"}, {"name": "zeta", "newTag": "1"}],
        ),
        ([], ("registry.example.com:5000/app:v2",), [{"name": "registry.example.com:5000/app", "newTag": "v2"}]),
    ],
)
def test_images_follow_kustomize_edit_set_image(
    existing: list[dict[str, str]], args: tuple[str, ...], expected: object
) -> None:
    assert overrides.set_images(existing, args) == expected


def test_a_malformed_image_override_is_an_error() -> None:
    with pytest.raises(overrides.OverrideError, match="invalid image override 'nginx'"):
        overrides.parse_image("nginx")


def test_overrides_merge_into_the_kustomization_and_always_ask_for_origins() -> None:
    kustomization = {
        "resources": ["job.yaml"],
        "commonLabels": {"app": "web", "tier": "old"},
        "patches": [{"path": "p.yaml"}],
        "buildMetadata": ["managedByLabel", "originAnnotations"],
    }
    source = KustomizeSource(
        name_prefix="pre-",
        name_suffix="-suf",
        namespace="ns",
        common_labels=(("tier", "new"),),
        common_annotations=(("a", "b"),),
        patches=("target: {kind: Job}\npatch: |-\n  - op: add\n    path: /spec/suspend\n    value: true\n",),
        components=("../components/x",),
    )
    result = overrides.apply(kustomization, source)
    assert result["commonLabels"] == {"app": "web", "tier": "new"}
    assert result["commonAnnotations"] == {"a": "b"}
    assert (result["namePrefix"], result["nameSuffix"], result["namespace"]) == ("pre-", "-suf", "ns")
    assert result["patches"][0] == {"path": "p.yaml"} and result["patches"][1]["target"] == {"kind": "Job"}
    assert result["components"] == ["../components/x"]
    assert result["buildMetadata"] == ["managedByLabel", "originAnnotations"]
    assert kustomization["commonLabels"] == {"app": "web", "tier": "old"}  # the input is left alone
    assert overrides.apply({}, None) == {"buildMetadata": ["originAnnotations"]}


VARIABLES = {
    "var01": "abcdEFGH28ij",
    "default_var": "foo",
    "stringZ": "abcABC123ABCabc",
    "filename": "bash.string.txt",
    "path_name": "/home/bozo/ideas/thoughts.for.today",
    "empty": "",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # the cases of fluxcd/pkg envsubst's own tests (non-strict, Flux's default)
        ("abcdEFGH28ij", "abcdEFGH28ij"),
        ("${#var01}", "12"),
        ("${var01^}", "AbcdEFGH28ij"),
        ("${var01^^}", "ABCDEFGH28IJ"),
        ("${var01,}", "abcdEFGH28ij"),
        ("${var01,,}", "abcdefgh28ij"),
        ("${path_name:11}", "ideas/thoughts.for.today"),
        ("${path_name:11:5}", "ideas"),
        ("${var=xyz}", "xyz"),
        ("${var01=xyz}", "abcdEFGH28ij"),
        ("something ${var=${default_var}}", "something foo"),
        ("foo: ${var=prefix${default_var}-suffix}", "foo: prefixfoo-suffix"),
        ("${var:=xyz}", "xyz"),
        ("${empty:-fallback}", "fallback"),
        ("${stringZ/%abc/XYZ}", "abcABC123ABCXYZ"),
        ("${stringZ/#abc/XYZ}", "XYZABC123ABCabc"),
        ("${stringZ//abc/xyz}", "xyzABC123ABCxyz"),
        ("${stringZ/abc/xyz}", "xyzABC123ABCabc"),
        ("${filename#*.}", "string.txt"),
        ("${filename##*.}", "txt"),
        ("${filename%.*}", "bash.string"),
        ("${filename%%.*}", "bash"),
        ("${var=${var01^^}}", "ABCDEFGH28IJ"),
        ("$${var01}", "${var01}"),
        ("some text ${var01}$${var$${var01}$var01${var01}", "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij"),
        ("\\\\something ${var=${default_var}}", "\\\\something foo"),
        ("${missing}", ""),
        ("image: app:$TAG", "image: app:$TAG"),
    ],
)
def test_flux_substitution_matches_fluxcd_envsubst(text: str, expected: str) -> None:
    assert envsubst.substitute(text, VARIABLES) == expected


@pytest.mark.parametrize("text", ["${var", "${}", "${var-default}", "${1=x"])
def test_a_malformed_expansion_fails_like_flux(text: str) -> None:
    with pytest.raises(envsubst.SubstitutionError):
        envsubst.substitute(text, VARIABLES)


def test_substitution_skips_objects_that_opt_out_and_checks_names() -> None:
    opt_out = "kustomize.toolkit.fluxcd.io/substitute: disabled\n"
    docs = (
        RenderedDoc("kind: Job\nmetadata:\n  name: a-${ENV}\n", "a.yaml"),
        RenderedDoc(
            "kind: Job\nmetadata:\n  name: b-${ENV}\n  labels:\n    " + opt_out,
            None,
        ),
        RenderedDoc(
            "kind: Job\nmetadata:\n  name: c-${ENV}\n  annotations:\n    " + opt_out,
            None,
        ),
    )
    done = postbuild.substitute_docs(docs, (("ENV", "prod\n"),))
    assert [doc.text.splitlines()[2] for doc in done] == ["  name: a-prod", "  name: b-${ENV}", "  name: c-${ENV}"]
    assert done[0].source == "a.yaml"
    assert postbuild.substitute_docs(docs, ()) == docs
    with pytest.raises(envsubst.SubstitutionError, match="'bad-name' var name is invalid"):
        postbuild.substitute_docs(docs, (("bad-name", "x"),))


JOB = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n"


@pytest.mark.parametrize(
    ("entry", "remote"),
    [
        ("../base", False),
        ("job.yaml", False),
        ("github.com/org/repo/base?ref=v1", True),
        ("https://example.com/x.yaml", True),
        ("git@github.com:org/repo.git", True),
        ("gitlab.example.com/team/repo/deploy", True),
        ("./github.com/vendored", False),
    ],
)
def test_remote_entries_are_told_apart_from_local_paths(entry: str, remote: bool) -> None:
    assert kustomization.is_remote(entry) is remote


def test_the_scan_follows_local_bases_once_and_notes_vendored_helm_charts() -> None:
    files = {
        "app/kustomization.yaml": b"resources: [../base, ../base]\ncomponents: [../comp]\n",
        "base/kustomization.yaml": b"resources: [job.yaml, ../app]\n",  # a cycle: kustomize reports it, the scan ends
        "base/job.yaml": JOB.encode(),
        "comp/kustomization.yaml": b"kind: Component\nhelmCharts:\n- name: web\n",
        "comp/charts/web/Chart.yaml": b"name: web\n",
    }
    assert scan.scan(files, "app") == scan.Scan(helm=True)


def test_a_kustomization_bomb_is_not_expanded() -> None:
    levels = "abcdefghij"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{below}'] * 10)}]\n"
        for below, name in ((levels[i - 1], levels[i]) for i in range(1, len(levels)))
    )  # 10**10 leaves once expanded
    files = {"app/kustomization.yaml": b"resources: [job.yaml]\ntransformers: [t.yaml]\n", "app/t.yaml": bomb.encode()}
    assert scan.scan(files, "app") == scan.Scan()


def test_tool_paths_from_the_configuration_must_be_absolute() -> None:
    with pytest.raises(ConfigError, match=r"render\.helm must be an absolute path, not 'bin/helm'"):
        tools.locate(RenderSettings(helm="bin/helm"))
    with pytest.raises(ConfigError, match=r"render\.kubectl must be an absolute path"):
        tools.locate(RenderSettings(kubectl="./kubectl"))
    assert tools.locate(RenderSettings(helm="/opt/helm")).helm == Path("/opt/helm")


def test_helm_is_taken_from_the_venv_before_path_and_kubectl_from_the_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_bin, on_path = tmp_path / "venv/bin", tmp_path / "path"
    for folder in (venv_bin, on_path):
        folder.mkdir(parents=True)
        (folder / "helm").write_text("#!/bin/sh\n", encoding="utf-8")
        (folder / "helm").chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    assert tools.locate(RenderSettings()).helm == venv_bin / "helm"
    (venv_bin / "helm").unlink()
    assert tools.locate(RenderSettings()).helm == on_path / "helm"
    kubectl = tools.locate(RenderSettings()).kubectl
    assert kubectl is not None and kubectl.name == "kubectl" and "Kustomize Version: v5.8.1" in tools.version(kubectl)


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (b"", None),
        (b"\n\nError: boom\n\n", "Error: boom"),
        (b"error: first\nUsage:\n  kubectl kustomize DIR\nSee 'kubectl kustomize -h' for help\n", "error: first"),
        (b"warning: x\nsomething failed at /tmp/ws/repo/app/k.yaml\n", "something failed at app/k.yaml"),
        (b"Error: " + b"x" * 400, "Error: " + "x" * 292 + "…"),
    ],
)
def test_a_tool_failure_is_one_short_line_without_the_workspace(stderr: bytes, expected: str | None) -> None:
    assert sandbox.error_line(stderr, (Path("/tmp/ws/repo"), Path("/tmp/ws"))) == expected


@pytest.mark.parametrize(
    ("value", "escaped"), [("a,b", "a\\,b"), ("a\\,b", "a\\,b"), ("{a,b}", "{a,b}"), ("plain", "plain"), (",", "\\,")]
)
def test_helm_parameters_escape_commas_like_argo_cd(value: str, escaped: str) -> None:
    assert helm.escape_commas(value) == escaped
