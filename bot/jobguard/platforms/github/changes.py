"""The change of a pull request through the API (B1), and the checkout that spares it.

The checkout is used when it holds the base, the head and their merge base (fetch-depth: 0; GitHub diffs against
the merge base). Else the file list with patches (git trees past its 3,000-file cap), and both sides of every
changed manifest read in bulk through GraphQL (`blobs.read_bulk`): a few requests at any size, within a budget.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobguard import diff as diffs
from jobguard.errors import ChangeUnreadable, PlatformError
from jobguard.gitrepo import Repo
from jobguard.manifest_guards import UnreadableFile
from jobguard.platforms import Side
from jobguard.platforms.checkout import Clone
from jobguard.platforms.github.blobs import Key, read_bulk, rest_blob
from jobguard.platforms.github.pull import Session
from jobguard.platforms.http import ApiFailure

MAX_LISTED_FILES = 3000  # B1: the file list stops here
TOO_LARGE_STATUSES = (406, 422)  # the file list (or diff) refused as too large to generate
DIFF_FAILED = "git diff failed in the checkout; reading the change through the API"


def find_clone(workspace: Path | None, session: Session) -> Clone | None:
    """The checkout and the merge base of the two commits, when it holds all three; decided at no API cost."""
    if workspace is None or not (workspace / ".git").exists():
        session.notes.append(
            "no checkout in GITHUB_WORKSPACE; reading the change through the API "
            "(actions/checkout with fetch-depth: 0 makes it free)"
        )
        return None
    git = Repo(workspace, root=True)
    pull = session.pull
    if not (git.has_commit(pull.base_sha) and git.has_commit(pull.head_sha)):
        session.notes.append(
            "the checkout lacks the base or head commit (use actions/checkout with fetch-depth: 0); "
            "reading the change through the API"
        )
        return None
    merge_base = git.merge_base(pull.base_sha, pull.head_sha)
    if merge_base is None:
        session.notes.append("the checkout lacks the merge base (shallow clone); reading the change through the API")
        return None
    return Clone(git, merge_base, pull.head_sha)


@dataclass
class PullFiles:
    """The `Remote` of a pull request; `read` is the adapter's own (cached) reader, for files without a patch."""

    session: Session
    read: Callable[[str, Side], bytes | None]
    source: str = ""  # "api" or "api-trees", once the API gave the diff
    merge_base: str | None = None  # as the API's compare reports it
    tree_shas: dict[tuple[str, str], str] = field(default_factory=dict)  # (rev, path) -> blob sha
    tree_revs: set[str] = field(default_factory=set)  # revisions whose whole tree was listed
    prefetched: dict[Key, bytes | None] = field(default_factory=dict)  # (rev, path) -> bytes, read in bulk

    def head(self) -> str:
        return self.session.pull.head_sha

    def base(self) -> str:
        """B1: GitHub diffs against the merge base; the API tells it through compare (one read)."""
        if self.merge_base is None:
            pull = self.session.pull
            url = f"{self.session.repo_url}/compare/{pull.base_sha}...{pull.head_sha}"
            _headers, data = self.session.api.request("repos/compare-commits", "GET", url, params={"per_page": 1})
            self.merge_base = str(data["merge_base_commit"]["sha"])
        return self.merge_base

    def changes(self) -> list[diffs.FileChange]:
        """The changed manifests; those the budget left unread are dropped, and the note says which."""
        return self._complete(self._found())

    def _found(self) -> list[Found]:
        pull, notes = self.session.pull, self.session.notes
        if pull.changed_files is not None and pull.changed_files > MAX_LISTED_FILES:
            changes = self._tree_changes()
            if changes is not None:
                return changes
        url = f"{self.session.repo_url}/pulls/{self.session.number}/files"
        try:
            listed = list(self.session.api.pages("pulls/list-files", url))
        except ApiFailure as failure:
            if failure.status not in TOO_LARGE_STATUSES:
                raise
            return self._refused_list(failure)
        self.source = "api"
        if len(listed) >= MAX_LISTED_FILES and pull.changed_files is None:
            changes = self._tree_changes()
            if changes is not None:
                return changes
        if len(listed) >= MAX_LISTED_FILES:
            notes.append(
                f"only the first {MAX_LISTED_FILES} files of this pull request could be listed (B1); check out the "
                "repository with fetch-depth: 0 to review every file"
            )
        return self._listed_changes(listed)

    def _refused_list(self, failure: ApiFailure) -> list[Found]:
        """GitHub answers 422/406 when a diff is too big to list: the git trees give the change instead."""
        changes = self._tree_changes(f"GitHub would not list the files of this pull request ({failure.message})")
        if changes is None:
            raise ChangeUnreadable(
                f"GitHub would not list its files ({failure.message}) and its git tree is too large for the API; "
                "check out the repository with fetch-depth: 0"
            )
        return changes

    def _listed_changes(self, listed: list[Any]) -> list[Found]:
        changes = []
        without_patch = 0
        for item in listed:
            change = _listed_change(item)
            if change is None:
                continue
            pure_rename = change.status is diffs.Status.RENAMED and not item.get("changes")
            needs_diff = change.new_path is not None and not change.hunks and item.get("patch") is None
            without_patch += needs_diff and not pure_rename
            changes.append(Found(change, needs_diff and not pure_rename))
        if without_patch:
            self.session.notes.append(
                f"{without_patch} file(s) came without a patch (too large for the file list); their diff was "
                "computed from their contents"
            )
        return changes

    def _complete(self, found: list[Found]) -> list[diffs.FileChange]:
        """Both sides of every changed manifest in bulk, then the diffs GitHub did not give, computed here."""
        keys = {id(f): self._keys(f.change) for f in found}
        bulk = read_bulk(self.session, [key for f in found for key in keys[id(f)]], self._contents)
        self.prefetched.update(bulk.blobs)
        unread = set(bulk.unread)
        kept = [f for f in found if not unread.intersection(keys[id(f)])]
        if len(kept) < len(found):
            skipped = [f.change.path for f in found if unread.intersection(keys[id(f)])]
            self.session.notes.append(
                f"stopped reading the change early: {bulk.stopped}; {len(skipped)} of {len(found)} changed "
                f"manifest(s) were not checked ({', '.join(skipped[:5])}{', ...' if len(skipped) > 5 else ''}); "
                "check out the repository with fetch-depth: 0 to review every file"
            )
        return [self._computed_change(f.change) if f.needs_diff else f.change for f in kept]

    def _keys(self, change: diffs.FileChange) -> list[Key]:
        old = [(self.base(), change.old_path)] if change.old_path else []
        return old + ([(self.head(), change.new_path)] if change.new_path else [])

    def _computed_change(self, change: diffs.FileChange) -> diffs.FileChange:
        """A file the list gave without a patch: diff the two contents here (git-style, 3 context lines)."""
        old = self.read(change.old_path, "base") if change.old_path else None
        new = self.read(change.new_path, "head") if change.new_path else None
        computed = diffs.between(change.old_path, change.new_path, old, new)
        return diffs.FileChange(change.old_path, change.new_path, change.status, computed.hunks if computed else ())

    def _tree_changes(self, why: str = "") -> list[Found] | None:
        """Past 3,000 files (B1), or when the list is refused (`why`): compare the two recursive git trees."""
        base, head = self.base(), self.session.pull.head_sha
        sides = {}
        for rev in (base, head):
            url = f"{self.session.repo_url}/git/trees/{rev}"
            _headers, data = self.session.api.request("git/get-tree", "GET", url, params={"recursive": 1})
            if data.get("truncated"):
                self.session.notes.append(
                    "the git tree is too large for the API (truncated); falling back to the file list"
                )
                return None
            sides[rev] = {
                str(e["path"]): str(e["sha"])
                for e in data.get("tree") or []
                if e.get("type") == "blob" and diffs.is_manifest(str(e["path"]))
            }
        for rev, entries in sides.items():
            self.tree_revs.add(rev)
            for path, sha in entries.items():
                self.tree_shas[(rev, path)] = sha
        changes = []
        for path in sorted(sides[base].keys() | sides[head].keys()):
            old_sha, new_sha = sides[base].get(path), sides[head].get(path)
            if old_sha == new_sha:
                continue
            status = diffs.Status.ADDED if old_sha is None else diffs.Status.REMOVED if new_sha is None else None
            change = diffs.FileChange(
                path if old_sha else None, path if new_sha else None, status or diffs.Status.MODIFIED
            )
            changes.append(Found(change, needs_diff=new_sha is not None))
        self.source = "api-trees"
        self.session.notes.append(
            f"{why or f'this pull request changes more than {MAX_LISTED_FILES} files'}; the changed manifests were "
            "found by comparing git trees (renames show as remove + add)"
        )
        return changes

    def blob(self, rev: str, path: str) -> bytes | None:
        if (rev, path) in self.prefetched:
            return self.prefetched[(rev, path)]
        sha = self.tree_shas.get((rev, path))
        if sha is not None:
            return self._blob(sha)
        if rev in self.tree_revs and diffs.is_manifest(path):
            return None  # the tree was listed and the manifest is not in it
        return self._contents(rev, path)

    def _contents(self, rev: str, path: str) -> bytes | None:
        url = f"{self.session.repo_url}/contents/{urllib.parse.quote(path)}"
        try:
            _headers, data = self.session.api.request("repos/get-content", "GET", url, params={"ref": rev})
        except ApiFailure as failure:
            if failure.status == 404:
                return None
            raise PlatformError(f"reading {path} at {rev[:12]}: {failure.message}") from None
        if not isinstance(data, Mapping):
            return None  # a directory
        if data.get("type") == "symlink":
            raise UnreadableFile(f"{path} is a symlink; not followed")
        if data.get("type") != "file":
            return None  # submodule
        if data.get("encoding") == "base64" and (data.get("content") or not data.get("size")):
            return base64.b64decode(str(data.get("content") or ""))
        return self._blob(str(data["sha"]))  # over 1 MB the contents API leaves `content` empty

    def _blob(self, sha: str) -> bytes:
        return rest_blob(self.session, sha)


@dataclass(frozen=True)
class Found:
    """A changed manifest as listed; `needs_diff`: GitHub gave no patch, so the diff is computed from both sides."""

    change: diffs.FileChange
    needs_diff: bool = False


def _listed_change(item: Mapping[str, Any]) -> diffs.FileChange | None:
    """One `pulls/list-files` entry -> FileChange (manifests only), hunks parsed from its `patch`."""
    path = str(item["filename"])
    status = str(item.get("status") or "modified")
    previous = item.get("previous_filename")
    old: str | None = str(previous) if previous and status == "renamed" else path
    new: str | None = path
    kind = diffs.Status.MODIFIED
    if status in ("added", "copied"):
        old, kind = None, diffs.Status.ADDED
    elif status == "removed":
        new, kind = None, diffs.Status.REMOVED
    elif status == "renamed":
        kind = diffs.Status.RENAMED
    elif status == "unchanged":
        return None
    if not (diffs.is_manifest(new) or diffs.is_manifest(old)):
        return None
    patch = item.get("patch")
    parsed = diffs.parse_patch(old, new, str(patch)) if patch else None
    return diffs.FileChange(old, new, kind, parsed.hunks if parsed else ())
