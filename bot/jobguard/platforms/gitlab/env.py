"""The GitLab platform of a merge request pipeline, from the job's environment (C8).

Anything else (not GitLab CI, not a merge request pipeline, SHAs missing) is one `PlatformError` line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from jobguard.errors import PlatformError
from jobguard.platforms.gitlab.adapter import GitLabPlatform
from jobguard.platforms.gitlab.settings import Settings

CODEQUALITY_NAME = "gl-code-quality-report.json"
_SHA_RE = re.compile(r"^[0-9a-f]{7,64}$")


def from_env(environ: Mapping[str, str]) -> GitLabPlatform:
    """The platform of this GitLab CI job; `PlatformError` (one line) when it is not a merge request pipeline."""
    if environ.get("GITLAB_CI") != "true":
        raise PlatformError("not a GitLab CI job (GITLAB_CI is not 'true')")
    iid = environ.get("CI_MERGE_REQUEST_IID", "")
    if not iid:
        raise PlatformError(
            "not a merge request pipeline (CI_MERGE_REQUEST_IID is not set): run the job with "
            '`rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`'
        )
    if not iid.isdigit():
        raise PlatformError(f"CI_MERGE_REQUEST_IID is not a number: {iid[:40]!r}")
    base = environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", "")
    head = environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or environ.get("CI_COMMIT_SHA", "")
    for name, value in (("CI_MERGE_REQUEST_DIFF_BASE_SHA", base), ("CI_COMMIT_SHA", head)):
        if not _SHA_RE.match(value):
            raise PlatformError(f"{name} is missing or not a commit SHA; is this a merge request pipeline?")
    project = environ.get("CI_MERGE_REQUEST_PROJECT_ID") or environ.get("CI_PROJECT_ID", "")
    if not project:
        raise PlatformError("neither CI_MERGE_REQUEST_PROJECT_ID nor CI_PROJECT_ID is set")
    url = _base_url(environ)
    if not url:
        raise PlatformError("neither CI_API_V4_URL nor CI_SERVER_URL is set")
    project_dir = Path(environ.get("CI_PROJECT_DIR") or os.getcwd())
    report = Path(environ.get("JOBGUARD_CODEQUALITY_PATH") or CODEQUALITY_NAME)
    return GitLabPlatform(
        Settings(
            url=url,
            project_id=project,
            mr_iid=int(iid),
            base_sha=base,
            head_sha=head,
            project_dir=project_dir,
            codequality_path=report if report.is_absolute() else project_dir / report,
            token=environ.get("JOBGUARD_GITLAB_TOKEN", "").strip() or None,
            job_token=environ.get("CI_JOB_TOKEN") or None,
        )
    )


def _base_url(environ: Mapping[str, str]) -> str:
    """CI_API_V4_URL keeps a relative URL root (https://host/gitlab/api/v4); CI_SERVER_URL is the fallback."""
    api = environ.get("CI_API_V4_URL", "").rstrip("/")
    if api.endswith("/api/v4"):
        return api[: -len("/api/v4")]
    return environ.get("CI_SERVER_URL", "").rstrip("/")
