"""The `jobguard check` contract: inputs, formats, exit codes and one-line errors, asserted exactly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jobguard import __version__
from jobguard.cli import main
from jobguard.kube.version import NEWEST as NEWEST_SUPPORTED
from jobguard.kube.version import OLDEST as OLDEST_SUPPORTED
from jobguard.rules import RULES
from tests.conftest import RepoFactory, git, write_tree
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

BASE_JOB = SMALL_JOB
HEAD_JOB = SMALL_JOB_NEW_IMAGE


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_rules(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"jobguard {__version__}\n"
    code, out, _ = run(capsys, "rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [r.id for r in RULES]
    assert out.splitlines()[0] == (
        "job-immutable-field             error    An existing non-hook Job has an immutable field changed; "
        "the sync will fail with `field is immutable`."
    )


def test_check_git_default_base_and_worktree(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"apps/job.yaml": BASE_JOB}, {"apps/job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "check")
    assert (code, err) == (1, "")
    assert out.splitlines()[0] == "apps/job.yaml"
    assert out.splitlines()[1].startswith(
        "apps/job.yaml:12: error job-immutable-field Job `apps/migrate` already exists on the base branch"
    )
    assert out.splitlines()[-1] == "jobguard: 1 error (1 manifest file checked)."
    # an uncommitted edit in the working tree is seen too, and fixing it makes the check pass
    (repo / "apps/job.yaml").write_text(BASE_JOB, encoding="utf-8")
    code, out, _ = run(capsys, "check")
    assert (code, out) == (0, "jobguard: no findings (0 manifest files checked).\n")


def test_check_two_revisions_json_contract(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB, "other.yaml": "a: 1\n"}, {"job.yaml": HEAD_JOB, "other.yaml": "a: [\n"})
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "check", "--base", "main", "--head", "change", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1
    first, second = doc["findings"]
    assert first == {
        "rule": "job-immutable-field",
        "severity": "error",
        "path": "job.yaml",
        "line": 12,
        "end_line": 12,
        "object": {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "namespace": "apps",
            "name": "migrate",
            "generateName": None,
        },
        "fields": ["spec.template.spec.containers[0].image"],
        "message": first["message"],
        "fingerprint": first["fingerprint"],
        "fixes": first["fixes"],
    }
    assert len(first["fingerprint"]) == 16
    assert (second["rule"], second["path"], second["line"]) == ("manifest-invalid", "other.yaml", 2)
    assert second["message"].startswith("invalid YAML") and second["message"].endswith("(line 2, column 1)")


def test_fingerprint_survives_a_line_move(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    _, out, _ = run(capsys, "check", "--format", "json")
    before = json.loads(out)["findings"][0]
    (repo / "job.yaml").write_text("# a comment\n# another\n" + HEAD_JOB, encoding="utf-8")
    _, out, _ = run(capsys, "check", "--format", "json")
    after = json.loads(out)["findings"][0]
    assert after["line"] == before["line"] + 2
    assert after["fingerprint"] == before["fingerprint"]


def test_check_two_directories_and_two_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tree(tmp_path / "a", {"x/job.yaml": BASE_JOB, "same.yaml": BASE_JOB})
    write_tree(tmp_path / "b", {"x/job.yaml": HEAD_JOB, "same.yaml": BASE_JOB, "new.yml": HEAD_JOB})
    code, out, _ = run(
        capsys, "check", "--base", str(tmp_path / "a"), "--head", str(tmp_path / "b"), "--format", "github"
    )
    assert code == 1
    assert out.startswith(
        "::error file=x/job.yaml,line=12,endLine=12,title=jobguard job-immutable-field::Job `apps/migrate`"
    )
    assert out.count("\n") == 1
    code, out, _ = run(
        capsys,
        "check",
        "--base",
        str(tmp_path / "a/x/job.yaml"),
        "--head",
        str(tmp_path / "b/new.yml"),
        "--format",
        "json",
    )
    assert code == 1
    assert json.loads(out)["findings"][0]["path"] == "new.yml"


def test_paths_limit_the_check(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"a/job.yaml": BASE_JOB, "b/job.yaml": BASE_JOB}, {"a/job.yaml": HEAD_JOB, "b/job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo / "b")
    code, out, _ = run(capsys, "check", "--format", "json", ".")
    assert code == 1
    assert [f["path"] for f in json.loads(out)["findings"]] == ["b/job.yaml"]


def test_output_file_and_other_formats(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "check", "--format", "sarif", "--output", "report.sarif")
    assert (code, out) == (1, "")
    sarif = json.loads((repo / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "job-immutable-field"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "endLine": 12}
    code, out, _ = run(capsys, "check", "--format", "codequality")
    (issue,) = json.loads(out)
    assert issue["check_name"] == "job-immutable-field" and issue["severity"] == "critical"
    assert issue["location"] == {"path": "job.yaml", "lines": {"begin": 12, "end": 12}}


def test_kubernetes_version_changes_the_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = BASE_JOB.replace("spec:\n  template", "spec:\n  suspend: true\n  template").replace(
        "image: busybox:1.35", "image: busybox:1.35\n          resources: {requests: {cpu: 100m}}"
    )
    head = base.replace("cpu: 100m", "cpu: 200m")
    write_tree(tmp_path, {"base.yaml": base, "head.yaml": head})
    args = ["check", "--base", str(tmp_path / "base.yaml"), "--head", str(tmp_path / "head.yaml")]
    assert run(capsys, *args, "--kubernetes-version", "1.35")[0] == 1
    assert run(capsys, *args, "--kubernetes-version", "1.36")[0] == 0
    assert run(capsys, *args)[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--format", "xml"], "jobguard: error: jobguard check: argument --format: invalid choice: 'xml'"),
        (["check", "--kubernetes-version", "banana"], "jobguard: error: --kubernetes-version: "),
        (["check", "--base", "no-such-rev"], "jobguard: error: --base no-such-rev: not a git revision of "),
        (["frobnicate"], "jobguard: error: jobguard: argument COMMAND: invalid choice: 'frobnicate'"),
        (["check", "--bogus"], "jobguard: error: jobguard: unrecognized arguments: --bogus\n"),
        (["check", "--base"], "jobguard: error: jobguard check: argument --base: expected one argument\n"),
        (["check", "--output", "missing/report.txt"], "jobguard: error: --output missing/report.txt: "),
        (["check", "--output", "."], "jobguard: error: --output .: "),
        (["check", "--config", "missing.yaml"], "jobguard: error: missing.yaml:1:1: cannot read the configuration"),
        (["check", "--config", "."], "jobguard: error: .:1:1: cannot read the configuration: Is a directory\n"),
        (["check", "--base", "a" * 300], f"jobguard: error: --base {'a' * 300}: not a git revision of "),
        (["check", "--head", "b" * 300], f"jobguard: error: --head {'b' * 300}: not a git revision of "),
        (["check", "p" * 300], f"jobguard: error: {'p' * 300}: matches no file on either side of the change\n"),
        (["check", "--all", "p" * 300], f"jobguard: error: {'p' * 300}: no such file or directory\n"),
        (["fix", "p" * 300], f"jobguard: error: {'p' * 300}: matches no file on either side of the change\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    make_repo: RepoFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith(message), err
    assert err.count("\n") == 1


def test_outside_a_repository_without_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err == "jobguard: error: not inside a git repository: give --base and --head as files or directories\n"


def test_symlink_out_of_the_tree_is_a_finding_and_the_rest_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: x\n")
    write_tree(tmp_path / "a", {"job.yaml": BASE_JOB})
    write_tree(tmp_path / "b", {"job.yaml": HEAD_JOB})
    os.symlink(secret, tmp_path / "b" / "evil.yaml")
    code, out, _ = run(
        capsys, "check", "--base", str(tmp_path / "a"), "--head", str(tmp_path / "b"), "--format", "json"
    )
    assert code == 1
    findings = {f["path"]: f for f in json.loads(out)["findings"]}
    assert findings["evil.yaml"]["rule"] == "manifest-invalid"
    assert "points outside the repository; not followed" in findings["evil.yaml"]["message"]
    assert findings["job.yaml"]["rule"] == "job-immutable-field"


def test_unexpected_errors_exit_3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("jobguard.local.check", boom)
    code, _, err = run(capsys, "check")
    assert (code, err) == (3, "jobguard: unexpected error: RuntimeError: kaboom\n")


ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DEMO = ROOT / "fixtures" / "golden" / "001-demo"
DEMO_HEADING = "jobguard demo: reviewing the example change in bot/jobguard/demo (base -> head)\n"


def golden(request: pytest.FixtureRequest, name: str, text: str) -> str:
    path = GOLDEN_DEMO / name
    if request.config.getoption("--update-golden"):
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def test_demo_prints_the_text_report_for_people(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default the demo reads like `check`: one line saying what is reviewed, then the text report. It exits 0
    although it finds errors: finding them is the demo working (`set -e` scripts and `&&` chains go on)."""
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "demo")
    assert (code, err) == (0, DEMO_HEADING)
    assert out == golden(request, "text.txt", out)
    assert "\033[" not in out  # not a terminal: no colour
    assert (
        out.splitlines()[-1] == "jobguard: 3 errors (2 manifest files checked)."
    )  # warm-cache: Replace=true, issue 15
    assert run(capsys, "demo", "--format", "text") == (0, out, DEMO_HEADING)


def test_demo_says_why_a_comment_sits_away_from_its_change(capsys: pytest.CaptureFixture[str]) -> None:
    """The image edit is on line 16; its one-click fix adds annotations to the metadata, so the review comment
    sits on line 8. The two findings in apps/reports/jobs.yaml are commented on their own lines: no such line."""
    _, out, _ = run(capsys, "demo")
    lines = out.splitlines()
    notes = [n for n, line in enumerate(lines) if line.startswith("  review comment on")]
    assert [lines[n] for n in notes] == [
        "  review comment on line 8 (metadata), where the fix goes; the change is on line 16"
    ]
    assert lines[notes[0] - 1] == "       template:"  # after the fix's diff, before the next file
    assert lines[notes[0] + 1] == "apps/reports/jobs.yaml"


def test_demo_preview_is_the_golden_review(capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """The whole review of the example change, comments and summary, exactly as it would be posted."""
    code, out, err = run(capsys, "demo", "--preview")
    assert (code, err.startswith("jobguard demo: reviewing the example change in ")) == (0, True)
    assert out == golden(request, "review.md", out)
    assert out.count("```suggestion\n") == 3
    assert out.splitlines()[-1] == "jobguard: 3 findings, 3 new inline, summary updated."
    assert run(capsys, "demo", "--format", "review") == (0, out, err)


def test_demo_machine_formats_and_colour(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "demo", "--format", "json")
    assert code == 0
    assert [f["line"] for f in json.loads(out)["findings"]] == [16, 7, 23]
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, out, _ = run(capsys, "demo")
    assert "apps/billing/migrate-job.yaml:16: \033[31merror\033[0m job-immutable-field" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = run(capsys, "demo")
    assert "\033[" not in plain and plain.splitlines()[1].startswith("apps/billing/migrate-job.yaml:16: error ")


def test_demo_names_the_example_by_its_full_path_outside_the_checkout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jobguard.local import demo_root

    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "demo")
    assert (code, err) == (0, f"jobguard demo: reviewing the example change in {demo_root()} (base -> head)\n")


def test_a_path_matching_nothing_on_either_side_is_a_usage_error(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"job.yaml": BASE_JOB, "gone.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB, "gone.yaml": None})
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "check", "jbo.yaml")
    assert (code, out) == (2, "")
    assert err == "jobguard: error: jbo.yaml: matches no file on either side of the change\n"
    (repo / "README.md").write_text("# notes\n")
    assert run(capsys, "check", "README.md")[:2] == (0, "jobguard: no findings (0 manifest files checked).\n")
    assert run(capsys, "check", "gone.yaml")[0] == 0  # only on the base side: still a path of the change
    code, _, err = run(capsys, "check", "--base", str(repo / "nowhere"), "--head", str(repo))
    assert code == 2
    assert err == f"jobguard: error: --base {repo / 'nowhere'}: not a git revision of {repo} nor a file or directory\n"


def test_a_closed_stdout_pipe_exits_2_with_one_line() -> None:
    """`jobguard rules | head -0`: the reader is gone before jobguard writes; one line and 2, never 3 or a traceback."""
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jobguard", "rules"], stdout=write_end, stderr=subprocess.PIPE, check=False
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (2, b"jobguard: error: standard output is closed (broken pipe)\n")


SHALLOW_ERROR = (
    "jobguard: error: this shallow clone lacks the merge base of HEAD and the default branch, so there is no base "
    "to compare with: fetch the history (`git fetch --unshallow`, or `git fetch origin <default branch>`; in "
    "GitHub Actions `fetch-depth: 0` on actions/checkout) or give --base\n"
)


@pytest.mark.parametrize(
    "case",
    [
        ("--single-branch", "main", 1),  # no default branch in the clone at all
        ("--no-single-branch", "main", 1),  # origin/main is there, cut off from HEAD's history
        # origin/HEAD is HEAD itself: the merge base would silently be HEAD; with the history it is (and 0 is right)
        ("--no-single-branch", "change", 0),
    ],
)
def test_a_shallow_clone_without_the_merge_base_is_a_usage_error(
    make_repo: RepoFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, str, int],
) -> None:
    """`actions/checkout` with its default `fetch-depth: 1`: never a silent "0 files checked"."""
    branches, origin_head, unshallowed = case
    origin = make_repo({"job.yaml": BASE_JOB}, {"job.yaml": HEAD_JOB})
    git(origin, "checkout", "-q", origin_head)
    clone = origin.parent / "clone"
    git(origin.parent, "clone", "-q", "--depth", "1", branches, "--branch", "change", f"file://{origin}", str(clone))
    monkeypatch.chdir(clone)
    assert run(capsys, "check") == (2, "", SHALLOW_ERROR)
    assert run(capsys, "check", "--base", "HEAD")[0] == 0  # an explicit base still works
    git(clone, "fetch", "-q", "--unshallow", "origin", "main:refs/remotes/origin/main")
    assert run(capsys, "check")[0] == unshallowed  # the fix the message names makes the check work


NEWER = (
    "jobguard: warning: {what} 1.99 is newer than the newest Kubernetes version jobguard knows "
    f"({NEWEST_SUPPORTED}); checking with the {NEWEST_SUPPORTED} rules\n"
)


def test_a_kubernetes_version_newer_than_known_warns_and_uses_the_newest_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cluster upgrade must not break CI: 1.99 is judged as 1.37 (suspended Jobs may change resources)."""
    base = BASE_JOB.replace("spec:\n  template", "spec:\n  suspend: true\n  template").replace(
        "image: busybox:1.35", "image: busybox:1.35\n          resources: {requests: {cpu: 100m}}"
    )
    write_tree(tmp_path, {"base.yaml": base, "head.yaml": base.replace("cpu: 100m", "cpu: 200m")})
    args = ["check", "--base", str(tmp_path / "base.yaml"), "--head", str(tmp_path / "head.yaml")]
    code, out, err = run(capsys, *args, "--kubernetes-version", "1.99")
    assert (code, err) == (0, NEWER.format(what="--kubernetes-version"))
    assert out == "jobguard: no findings (1 manifest file checked).\n"
    (tmp_path / "c.yaml").write_text('kubernetes-version: "1.99"\n')
    code, _, err = run(capsys, *args, "--config", str(tmp_path / "c.yaml"))
    assert (code, err) == (0, NEWER.format(what=f"{tmp_path / 'c.yaml'}: kubernetes-version"))
    code, _, err = run(capsys, *args, "--kubernetes-version", f"1.{OLDEST_SUPPORTED.minor - 1}")
    assert (code, err) == (
        2,
        f"jobguard: error: --kubernetes-version: unsupported Kubernetes version '1.{OLDEST_SUPPORTED.minor - 1}': "
        f"jobguard knows {OLDEST_SUPPORTED} to {NEWEST_SUPPORTED}\n",
    )
    code, _, err = run(capsys, *args, "--kubernetes-version", "1.x")
    assert (code, err) == (
        2,
        "jobguard: error: --kubernetes-version: invalid Kubernetes version '1.x': "
        "expected '1.<minor>', 'v1.<minor>' or '1.<minor>.<patch>'\n",
    )
