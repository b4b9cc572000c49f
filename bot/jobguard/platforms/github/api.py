"""The GitHub HTTP client: PyGithub's requester with B12/B13 retries, link pagination and one-line failures.

PyGithub is imported here lazily (start-up must not load it). Every call goes through `Api.request`, which turns
failures into `ApiFailure`s that carry no headers and never the token; a POST whose answer was lost is never re-sent
blindly (`jobguard.platforms.http.send` re-lists first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from jobguard import __version__
from jobguard.platforms.http import MAX_RETRY_WAIT, ApiFailure, send, status_line

if TYPE_CHECKING:
    from github.Requester import Requester

_T = TypeVar("_T")
log = logging.getLogger("jobguard.github")


@dataclass(frozen=True)
class ClientSettings:
    """HTTP behaviour; the defaults follow B12/B13 (tests shrink the waits)."""

    timeout: int = 30  # seconds, on every call
    retries: int = 5  # GithubRetry total (5xx on reads/edits, 403/429 rate limits)
    backoff_factor: float = 1.0  # urllib3 exponential backoff between 5xx retries
    secondary_rate_wait: float = 60.0  # B12: no Retry-After -> wait at least 60 s
    max_rate_limit_wait: float = MAX_RETRY_WAIT  # past this (reset or Retry-After), the call fails instead of sleeping
    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0  # B12: >= 1 s between writes
    post_attempts: int = 3  # POSTs whose outcome was unknown (5xx, timeout): re-list, then re-post


def _retry_type() -> type[Any]:
    """GithubRetry, except that a POST answered 5xx (or not at all) is handed back instead of re-sent (B13)."""
    from github import GithubException, GithubRetry
    from urllib3.exceptions import InvalidHeader

    class JobguardRetry(GithubRetry):
        def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
            if method.upper() == "POST" and status_code >= 500:
                return False  # GitHub may have created it: the adapter re-lists before posting again
            if status_code == 429:  # secondary limits also answer 429 (B12)
                return self._is_method_retryable(method) and bool(self.total)
            return bool(super().is_retry(method, status_code, has_retry_after))

        def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> Any:
            response = kwargs.get("response", args[0] if args else None)
            error = kwargs.get("error", args[1] if len(args) > 1 else None)
            if error is not None and (method or "").upper() == "POST" and self._is_read_error(error):
                raise error  # sent, answer lost: never re-sent blindly
            if response is not None:
                self._refuse_long_wait(response)
            new = super().increment(method, url, *args, **kwargs)
            if response is not None and response.status == 429 and "Retry-After" not in response.headers:
                wait = float(self.secondary_rate_wait)
                if self.max_rate_limit_wait is not None:
                    wait = min(wait, float(self.max_rate_limit_wait))
                new.get_backoff_time = lambda: wait  # type: ignore[method-assign]
            return new

        def _refuse_long_wait(self, response: Any) -> None:
            """urllib3 sleeps whatever Retry-After says (up to 6 hours) before GithubRetry's `max_rate_limit_wait`
            is ever asked: past the cap the call fails now, and the adapter's fallbacks carry the findings."""
            header = response.headers.get("Retry-After")
            cap = self.max_rate_limit_wait
            if header is None or cap is None:
                return
            try:
                wait = float(self.parse_retry_after(header))
            except InvalidHeader:  # neither seconds nor an HTTP date: not obeyed either
                wait = float("inf")
            if wait > cap:
                message = f"rate limited: GitHub asks to retry after {header.strip()[:40]} s, past the {cap:g} s cap"
                raise GithubException(response.status, {"message": message}, dict(response.headers))

    return JobguardRetry


class Api:
    """PyGithub's Requester with one-line failures and link pagination."""

    def __init__(self, token: str, api_url: str, settings: ClientSettings) -> None:
        import github
        from github import Auth

        self.token = token
        self.settings = settings
        retry = _retry_type()(
            total=settings.retries,
            backoff_factor=settings.backoff_factor,
            secondary_rate_wait=settings.secondary_rate_wait,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            raise_on_status=False,
            allowed_methods=frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "POST"}),
        )
        self.client = github.Github(
            base_url=api_url.rstrip("/"),
            auth=Auth.Token(token),
            timeout=settings.timeout,
            retry=retry,
            per_page=100,
            user_agent=f"jobguard/{__version__}",
            seconds_between_requests=settings.seconds_between_requests,
            seconds_between_writes=settings.seconds_between_writes,
        )
        self.requester: Requester = self.client.requester
        self.remaining: dict[str, int] = {}  # rate-limit bucket ("core", "graphql") -> requests left, as last told

    def request(
        self, kind: str, verb: str, url: str, *, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> tuple[dict[str, Any], Any]:
        """One REST call; `kind` (the contract's operation id) names it in the debug log."""
        log.debug("%s: %s %s", kind, verb, url)
        return self._guard(
            lambda: self.requester.requestJsonAndCheck(
                verb, url, parameters=dict(params) if params else None, input=body
            )
        )

    def pages(self, kind: str, url: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paginated list (per_page 100, following `Link: rel="next"`)."""
        next_url: str | None = url
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        while next_url:
            headers, data = self.request(kind, "GET", next_url, params=query)
            yield from data if isinstance(data, list) else []
            next_url, query = _next_link(headers.get("link", "")), None

    def graphql(self, kind: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A GraphQL query or mutation, re-sent on 5xx by hand (GithubRetry never re-sends a POST): a query has no
        side effect, and resolving a thread twice is harmless."""

        def once() -> dict[str, Any]:
            log.debug("%s: POST graphql", kind)
            _headers, data = self._guard(lambda: self.requester.graphql_query(query, variables))
            return dict(data)

        return self.send(once)

    def send(self, call: Callable[[], _T], landed: Callable[[], _T | None] | None = None) -> _T:
        """`jobguard.platforms.http.send` with this client's attempts and backoff (B13)."""
        return send(call, attempts=self.settings.post_attempts, backoff=self.settings.backoff_factor, landed=landed)

    def _guard(self, call: Callable[[], tuple[dict[str, Any], Any]]) -> tuple[dict[str, Any], Any]:
        import requests
        from github import GithubException

        try:
            headers, data = call()
        except GithubException as exc:
            raise ApiFailure(exc.status, status_line(exc.status, _error_text(exc.data)), (self.token,)) from None
        except requests.RequestException as exc:
            raise ApiFailure(None, f"no answer from GitHub ({type(exc).__name__})") from None
        left = headers.get("x-ratelimit-remaining")
        if left is not None and str(left).isdigit():
            self.remaining[str(headers.get("x-ratelimit-resource") or "core")] = int(left)
        return headers, data


def _error_text(data: Any) -> str:
    """`message: error; error` from GitHub's JSON error body (B3 error strings kept)."""
    if not isinstance(data, Mapping):
        return str(data or "")
    details = []
    for error in data.get("errors") or []:
        if isinstance(error, Mapping):
            text = error.get("message") or " ".join(
                str(error[k]) for k in ("resource", "field", "code") if error.get(k)
            )
            details.append(str(text))
        else:
            details.append(str(error))
    return str(data.get("message") or "") + (": " + "; ".join(details) if details else "")


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None
