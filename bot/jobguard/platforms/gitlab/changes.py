"""The change of a merge request: the job's own checkout (C1), else the MR's diff versions and raw files (C12).

GitLab clones shallow, so a missing commit is fetched quietly once; only when that fails does the adapter read
through the API (which needs JOBGUARD_GITLAB_TOKEN): one diff version, then raw files, or past `ARCHIVE_FROM`
changed manifests the two revisions' archives (`archive.read_archive`), so the reads do not grow with the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from jobguard import diff as diffs
from jobguard.errors import ChangeUnreadable
from jobguard.gitrepo import Repo
from jobguard.platforms import Side
from jobguard.platforms.checkout import Clone
from jobguard.platforms.gitlab.api import Client, JsonDict
from jobguard.platforms.gitlab.archive import ARCHIVE_FROM, read_archive
from jobguard.platforms.gitlab.settings import Settings
from jobguard.platforms.http import ApiFailure

log = logging.getLogger("jobguard.gitlab")
GIT_TIMEOUT = 120.0  # seconds, the one `git fetch` of a shallow clone


def find_clone(repo: Repo, settings: Settings) -> Clone | None:
    """CI_PROJECT_DIR as the clone when it holds both commits, fetching them once if it is a shallow clone."""
    if repo.text("rev-parse", "--git-dir") is None:
        return None
    missing = [sha for sha in dict.fromkeys((settings.base_sha, settings.head_sha)) if not repo.has_commit(sha)]
    if missing and not _fetched(repo, missing):
        return None
    return Clone(repo, settings.base_sha, settings.head_sha)


def _fetched(repo: Repo, missing: list[str]) -> bool:
    shallow = (repo.text("rev-parse", "--is-shallow-repository") or "").strip() == "true"
    depth = ["--depth=1"] if shallow else []
    # The output is never shown: the runner's remote URL carries the job token.
    if repo.text("fetch", "--quiet", "--no-tags", *depth, "origin", *missing, timeout=GIT_TIMEOUT) is None:
        log.info("fetching the merge request's commits failed; reading the change through the API")
        return False
    return all(repo.has_commit(sha) for sha in missing)


@dataclass
class MergeRequestDiff:
    """The `Remote` of a merge request; `read` is the adapter's own (cached) reader, for diffs GitLab left out."""

    client: Client
    read: Callable[[str, Side], bytes | None]
    prefetched: dict[tuple[str, str], bytes | None] = field(default_factory=dict)  # (rev, path): from archives

    def base(self) -> str:
        return self.client.settings.base_sha

    def head(self) -> str:
        return self.client.settings.head_sha

    def changes(self) -> list[diffs.FileChange]:
        """The MR's diff version for this job's SHAs (else the latest) from `/versions` (C1, C12)."""
        self.client.require_token("read the change")
        s, mr_path = self.client.settings, self.client.mr_path
        try:
            versions = self.client.listing(f"{mr_path}/versions")  # newest first
            if not versions:
                raise ApiFailure(None, "the merge request has no diff versions")
            chosen = next(
                (
                    v
                    for v in versions
                    if (v.get("head_commit_sha"), v.get("base_commit_sha")) == (s.head_sha, s.base_sha)
                ),
                next((v for v in versions if v.get("head_commit_sha") == s.head_sha), versions[0]),
            )
            version = self.client.json(f"{mr_path}/versions/{chosen['id']}")
        except ApiFailure as exc:
            raise ChangeUnreadable(f"cannot read the diff of merge request !{s.mr_iid}: {exc}") from None
        items = [d for d in version.get("diffs") or [] if isinstance(d, dict)]
        manifests = [d for d in items if diffs.is_manifest(d.get("new_path")) or diffs.is_manifest(d.get("old_path"))]
        if len(manifests) >= ARCHIVE_FROM:
            self._prefetch(manifests)
        return [self._change(d) for d in manifests]

    def _prefetch(self, items: list[JsonDict]) -> None:
        """Both sides of every changed manifest from one archive per revision (two requests at any size)."""
        paths = {str(d.get(key)) for d in items for key in ("old_path", "new_path") if d.get(key)}
        for rev in dict.fromkeys((self.base(), self.head())):  # a file's absence on one side is known too
            found = read_archive(self.client, rev, paths)
            self.prefetched.update({(rev, path): data for path, data in (found or {}).items()})

    def _change(self, item: JsonDict) -> diffs.FileChange:
        old_path = None if item.get("new_file") else str(item.get("old_path"))
        new_path = None if item.get("deleted_file") else str(item.get("new_path"))
        text = str(item.get("diff") or "")
        if text:
            parsed = diffs.parse_patch(old_path, new_path, text)
        elif item.get("too_large") or item.get("collapsed"):  # no diff in the answer: rebuilt from both files
            before = self.read(old_path, "base") if old_path else None
            after = self.read(new_path, "head") if new_path else None
            parsed = diffs.between(old_path, new_path, before, after)
        else:
            parsed = None
        if parsed is None:
            return diffs.FileChange(old_path, new_path, _status(item))
        return diffs.FileChange(old_path, new_path, _status(item), parsed.hunks, parsed.binary)

    def blob(self, rev: str, path: str) -> bytes | None:
        if (rev, path) in self.prefetched:
            return self.prefetched[(rev, path)]
        self.client.require_token(f"read {path}")
        url = f"{self.client.project_path}/repository/files/{quote(path, safe='')}/raw"
        try:
            response = self.client.request("get", url, query={"ref": rev})
        except ApiFailure as exc:
            if exc.status == 404:
                return None
            raise ChangeUnreadable(f"cannot read {path} at {rev[:12]}: {exc}") from None
        return bytes(response.content)


def _status(item: Mapping[str, Any]) -> diffs.Status:
    if item.get("new_file"):
        return diffs.Status.ADDED
    if item.get("deleted_file"):
        return diffs.Status.REMOVED
    if item.get("renamed_file"):
        return diffs.Status.RENAMED
    return diffs.Status.MODIFIED
