"""platforms/checkout.py: the change from the local clone when it holds both commits, else from the API, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jobguard import diff as diffs
from jobguard.gitrepo import Repo
from jobguard.platforms.checkout import ChangeReader, Clone, first_config
from tests.conftest import RepoFactory, git

JOB = "apps/job.yaml"
BASE = {JOB: "kind: Job\nimage: app:1.0\n", ".jobguard.yaml": "fail-on: error\n"}
HEAD = {JOB: "kind: Job\nimage: app:1.1\n"}
API_CHANGE = diffs.FileChange(JOB, JOB, diffs.Status.MODIFIED)


@dataclass
class Remote:
    """An API that records what it was asked."""

    asked: list[str] = field(default_factory=list)

    def changes(self) -> list[diffs.FileChange]:
        self.asked.append("changes")
        return [API_CHANGE]

    def base(self) -> str:
        self.asked.append("base")
        return "api-base"

    def head(self) -> str:
        self.asked.append("head")
        return "api-head"

    def blob(self, rev: str, path: str) -> bytes | None:
        self.asked.append(f"blob {rev}:{path}")
        return f"{rev}:{path}".encode()


def clone_of(repo: Path) -> Clone:
    return Clone(Repo(repo, root=True), git(repo, "rev-parse", "main"), git(repo, "rev-parse", "change"))


def test_the_clone_gives_the_change_and_the_api_is_never_asked(make_repo: RepoFactory) -> None:
    repo = make_repo(BASE, HEAD)
    remote, notes = Remote(), []
    reader = ChangeReader(lambda: clone_of(repo), remote, notes=notes, diff_failed="git failed")
    (change,) = reader.changes()
    assert (change.path, change.status, change.added_lines) == (JOB, diffs.Status.MODIFIED, {2})
    assert reader.read(JOB, "base") == BASE[JOB].encode() and reader.read(JOB, "head") == HEAD[JOB].encode()
    assert reader.read_at(git(repo, "rev-parse", "main"), ".jobguard.yaml") == b"fail-on: error\n"
    checkout = reader.checkout()
    assert checkout is not None and checkout[1] == git(repo, "rev-parse", "change")
    assert reader.source == "git" and remote.asked == [] and notes == []
    reader.close()


def test_without_a_clone_the_api_reads_each_file_once() -> None:
    remote, found = Remote(), []
    reader = ChangeReader(lambda: found.append(1) or None, remote, notes=[])
    assert list(reader.changes()) == [API_CHANGE] and list(reader.changes()) == [API_CHANGE]
    assert reader.read(JOB, "base") == b"api-base:apps/job.yaml"
    assert reader.read(JOB, "head") == reader.read(JOB, "head") == b"api-head:apps/job.yaml"
    assert reader.checkout() is None and reader.source == ""
    assert found == [1]  # the clone is looked for once
    assert remote.asked == [
        "changes",
        "base",
        "blob api-base:apps/job.yaml",
        "head",
        "blob api-head:apps/job.yaml",
        "head",
    ]


def test_a_diff_git_cannot_give_falls_back_to_the_api_with_the_note(make_repo: RepoFactory) -> None:
    repo = make_repo(BASE, HEAD)
    broken = Clone(Repo(repo, root=True), git(repo, "rev-parse", "main"), "0" * 40)  # no such commit
    remote, notes = Remote(), []
    reader = ChangeReader(lambda: broken, remote, notes=notes, diff_failed="git failed; the API instead")
    assert list(reader.changes()) == [API_CHANGE] and notes == ["git failed; the API instead"]
    silent = ChangeReader(lambda: broken, Remote(), notes=(quiet := []))
    assert list(silent.changes()) == [API_CHANGE] and quiet == []


def test_an_unparsable_git_diff_falls_back_to_the_api(make_repo: RepoFactory) -> None:
    repo = make_repo(BASE, HEAD)

    class Garbled(Repo):
        def diff(self, base: str, head: str | None = None, pathspecs: tuple[str, ...] = ()) -> str | None:
            return "--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n-only one line\n"

    clone = Clone(Garbled(repo, root=True), "main", "change")
    notes: list[str] = []
    reader = ChangeReader(lambda: clone, Remote(), notes=notes, diff_failed="git failed")
    assert list(reader.changes()) == [API_CHANGE] and notes == ["git failed"]


def test_close_does_not_look_for_a_clone() -> None:
    looked: list[int] = []
    ChangeReader(lambda: looked.append(1) or None, Remote(), notes=[]).close()
    assert looked == []


def test_first_config_decodes_alike_everywhere() -> None:
    files = {"b.yaml": b"\xef\xbb\xbffail-on: error\n\xff\n"}
    assert first_config(["a.yaml", "b.yaml"], files.get) == ("b.yaml", "fail-on: error\n\ufffd\n")
    assert first_config(["a.yaml"], files.get) is None


def test_the_clone_of_a_hostile_change_still_gives_every_file(make_repo: RepoFactory) -> None:
    """A PR's `.gitattributes`, a name git quotes and a lone CR neither hide a file nor send review to the API."""
    odd = 'apps/a "b"\tc.yaml'
    head = {JOB: "kind: Job\r# x\nimage: app:1.1\n", odd: "kind: Job\nimage: app:1.1\n", ".gitattributes": "* binary\n"}
    repo = make_repo({**BASE, odd: BASE[JOB]}, head)
    remote, notes = Remote(), []
    reader = ChangeReader(lambda: clone_of(repo), remote, notes=notes, diff_failed="git failed")
    found = sorted((c.path, sorted(c.added_lines)) for c in reader.changes())
    assert found == [(odd, [2]), (JOB, [1, 2])]
    assert reader.read(odd, "head") == head[odd].encode()
    assert reader.source == "git" and remote.asked == [] and notes == []
    reader.close()
