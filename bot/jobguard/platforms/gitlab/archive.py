"""The files of a big merge request read from two archives (base and head), not one raw read per file and side.

Without a checkout every changed manifest is needed on both sides; past `ARCHIVE_FROM` files, one
`repository/archive.tar.gz?sha=` per revision costs two requests at any size. Only the wanted paths are kept, read
from memory: nothing is extracted to disk, and a link is kept as its target text, as the raw file API gives it.
An archive over `MAX_ARCHIVE_BYTES`, or one GitLab refuses, leaves the per-file reads in place.
"""

from __future__ import annotations

import io
import logging
import tarfile
from collections.abc import Collection

from jobguard.platforms.gitlab.api import Client
from jobguard.platforms.http import ApiFailure

ARCHIVE_FROM = 20  # changed manifests: from here two archives are cheaper than 2 raw reads per file
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024  # a bigger repository is read file by file instead
MAX_FILE_BYTES = 16 * 1024 * 1024  # no manifest is this big; a member that is stays in the archive
log = logging.getLogger("jobguard.gitlab")


def read_archive(client: Client, sha: str, paths: Collection[str]) -> dict[str, bytes | None] | None:
    """path -> bytes (None: not in the revision) for `paths`, or None when the archive cannot be used. A file
    over `MAX_FILE_BYTES` is left out of the answer, for the raw file API to read alone."""
    try:
        response = client.request("get", f"{client.project_path}/repository/archive.tar.gz", query={"sha": sha})
    except ApiFailure as exc:
        log.info("the repository archive at %s was refused (%s); reading files one by one", sha[:12], exc)
        return None
    data = bytes(response.content)
    if len(data) > MAX_ARCHIVE_BYTES:
        return None
    found: dict[str, bytes | None] = dict.fromkeys(paths)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive:
                path = member.name.split("/", 1)[1] if "/" in member.name else ""
                if path not in found:
                    continue
                if member.issym():
                    found[path] = member.linkname.encode()
                elif member.size > MAX_FILE_BYTES:
                    del found[path]
                elif member.isfile():
                    extracted = archive.extractfile(member)
                    found[path] = extracted.read() if extracted is not None else None
    except (tarfile.TarError, OSError, EOFError) as exc:
        log.info("the repository archive at %s is unreadable (%s); reading files one by one", sha[:12], exc)
        return None
    return found
