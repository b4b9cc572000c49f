"""GitHub pull requests as a change source, review channel and fix pusher (review-apis.md part B).

Only imported on GitHub Actions; PyGithub itself is imported lazily by `api.Api`. What each module owns:
`env` (runner environment -> `GitHubPlatform`), `pull` (the pull request, the event, the write state), `api` (the
HTTP client, retries, one-line failures), `changes` (the change through the checkout or the API), `review` (inline
comments as one review), `threads` (earlier notes, resolving), `comments` (the summary, replies), `push` (the fix
commit), `report` (outputs, job summary, annotations), `adapter` (the class that ties them together).
"""

from __future__ import annotations

from jobguard.platforms.github.adapter import GitHubPlatform
from jobguard.platforms.github.api import ClientSettings
from jobguard.platforms.github.comments import FIXED_MARKER
from jobguard.platforms.github.env import from_env

__all__ = ["FIXED_MARKER", "ClientSettings", "GitHubPlatform", "from_env"]
