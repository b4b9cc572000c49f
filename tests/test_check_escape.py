"""`jobguard check --base REV --head REV` on a pull request built to slip an immutable edit past review: every
trick at once in one real repository, and every planted edit is still found (issue 14, "a change that escapes
review")."""

from __future__ import annotations

import json

import pytest

from jobguard.cli import main
from tests.conftest import RepoFactory, git
from tests.samples import SMALL_JOB, SMALL_JOB_NEW_IMAGE

ANCHORED = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: anchored
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - &defaults
          name: main
          image: busybox:1.35
        - <<: *defaults
          name: init
"""
LONE_CR = SMALL_JOB_NEW_IMAGE.replace("  name: migrate\n", "  name: migrate # a\r# b\n")
QUOTED = 'jobs/a "b"\tc.yaml'


def test_no_trick_in_a_pull_request_hides_an_immutable_edit(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {QUOTED: SMALL_JOB, "jobs/ünïcode.yaml": SMALL_JOB, "jobs/cr.yaml": SMALL_JOB, "jobs/merge.yaml": ANCHORED}
    head = {
        ".gitattributes": "*.yaml -diff\n*.yml binary\n",
        QUOTED: SMALL_JOB_NEW_IMAGE,
        "jobs/ünïcode.yaml": SMALL_JOB_NEW_IMAGE,
        "jobs/cr.yaml": LONE_CR,
        "jobs/merge.yaml": ANCHORED.replace("busybox:1.35", "busybox:1.36"),
    }
    repo = make_repo(base, head)
    git(repo, "config", "core.quotePath", "true")
    git(repo, "config", "diff.noprefix", "true")
    monkeypatch.chdir(repo)
    code = main(["check", "--base", "main", "--head", "change", "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (1, "")
    found = sorted((f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"])
    assert found == [
        ("job-immutable-field", QUOTED, 12),
        ("job-immutable-field", "jobs/cr.yaml", 12),  # git's line: the lone CR breaks no line
        ("job-immutable-field", "jobs/merge.yaml", 12),  # both containers' images, changed through the anchor
        ("job-immutable-field", "jobs/ünïcode.yaml", 12),
    ]
    (merged,) = (f["message"] for f in json.loads(out)["findings"] if f["path"] == "jobs/merge.yaml")
    assert "containers[0].image" in merged and "containers[1].image" in merged
