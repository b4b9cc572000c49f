"""What a GitLab run takes from the CI environment (C8), as one frozen value; the token is kept out of `repr`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Everything a run takes from the CI environment (C8); the token is kept out of `repr`."""

    url: str  # the instance's base URL (python-gitlab appends /api/v4)
    project_id: str  # the MR's project: CI_MERGE_REQUEST_PROJECT_ID (the target, also for fork pipelines)
    mr_iid: int
    base_sha: str  # CI_MERGE_REQUEST_DIFF_BASE_SHA
    head_sha: str  # CI_MERGE_REQUEST_SOURCE_BRANCH_SHA in merged-results pipelines, else CI_COMMIT_SHA
    project_dir: Path
    codequality_path: Path
    token: str | None = field(default=None, repr=False)
    job_token: str | None = field(default=None, repr=False)  # only to say why nothing is posted, and to mask

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.job_token) if s)
