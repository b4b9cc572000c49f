"""GitLab merge-request pipelines as a change source, review channel and fix pusher (review-apis.md part C).

Only imported in GitLab CI; python-gitlab itself is imported lazily by `api.Client`. What each module owns:
`settings` (the CI environment as one value), `env` (environment -> `GitLabPlatform`), `api` (the HTTP client,
retries, careful POSTs, one-line masked failures), `changes` (the change through the checkout or the API),
`discussions` (diff discussions, resolving, the summary note, replies), `push` (the fix commit), `report` (the Code
Quality file and the job log), `adapter` (the class that ties them together).
"""

from __future__ import annotations

from jobguard.platforms.gitlab.adapter import GitLabPlatform
from jobguard.platforms.gitlab.env import from_env
from jobguard.platforms.gitlab.settings import Settings

__all__ = ["GitLabPlatform", "Settings", "from_env"]
