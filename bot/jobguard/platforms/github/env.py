"""The GitHub platform of an Actions run, from the runner's environment and event payload (testing.md 7)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from jobguard.errors import PlatformError
from jobguard.platforms.github.adapter import DEFAULT_API_URL, ActionsRun, GitHubPlatform
from jobguard.platforms.github.api import ClientSettings


def from_env(
    environ: Mapping[str, str], *, settings: ClientSettings | None = None, stdout: TextIO | None = None
) -> GitHubPlatform:
    """The platform for this Actions run, from the runner's environment (testing.md 7)."""
    event_name = environ.get("GITHUB_EVENT_NAME", "")
    event_path = environ.get("GITHUB_EVENT_PATH", "")
    if not event_path:
        raise PlatformError("GITHUB_EVENT_PATH is not set: not running inside GitHub Actions")
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlatformError(f"cannot read the event payload {event_path}: {type(exc).__name__}") from None
    if not isinstance(event, dict):
        raise PlatformError(f"the event payload {event_path} is not a JSON object")
    repository = environ.get("GITHUB_REPOSITORY") or str((event.get("repository") or {}).get("full_name") or "")
    # The runner keeps the hyphen of the input id: INPUT_GITHUB-TOKEN (actions/toolkit#629).
    token = environ.get("INPUT_GITHUB-TOKEN") or environ.get("GITHUB_TOKEN") or ""
    if not token.strip():
        raise PlatformError("no GitHub token: pass the action's `github-token` input or set GITHUB_TOKEN")
    if event_name in ("pull_request", "pull_request_target") and not isinstance(event.get("pull_request"), dict):
        raise PlatformError(f"the {event_name} payload has no pull_request object")

    def path_of(name: str) -> Path | None:
        value = environ.get(name, "")
        return Path(value) if value else None

    run = ActionsRun(
        token=token.strip(),
        repository=repository,
        event_name=event_name,
        event=event,
        api_url=environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
        workspace=path_of("GITHUB_WORKSPACE"),
        step_summary=path_of("GITHUB_STEP_SUMMARY"),
        output=path_of("GITHUB_OUTPUT"),
        actor=environ.get("GITHUB_ACTOR", ""),
    )
    return GitHubPlatform(run, settings, stdout)
