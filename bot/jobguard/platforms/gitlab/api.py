"""The GitLab HTTP client: python-gitlab, imported lazily, with one-line masked failures and careful POSTs.

python-gitlab retries 429 (honouring Retry-After up to `MAX_RETRY_WAIT`; past it the call fails) and 5xx; POSTs are
not retried blindly: after a transient failure `create` re-lists what landed first (`jobguard.platforms.http.send`,
C10), so a retry never posts twice. The token never appears in a message: python-gitlab sends it as a header, and
every `ApiFailure` masks it.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jobguard import __version__
from jobguard.errors import PlatformError
from jobguard.platforms.gitlab.settings import Settings
from jobguard.platforms.http import MAX_RETRY_WAIT, ApiFailure, send, status_line

if TYPE_CHECKING:
    import gitlab

API_TIMEOUT = 30.0  # seconds, every HTTP call
POST_ATTEMPTS = 3  # a POST that failed transiently is re-checked, then sent again at most this often in all
POST_BACKOFF = 1.0  # seconds before the first re-check; doubles
_COLLECTIONS = frozenset(
    ["merge_requests", "versions", "discussions", "notes", "commits", "files", "projects", "diffs", "user"]
)

JsonDict = dict[str, Any]


class Client:
    """The calls of one merge request pipeline; the merge request itself is read once and kept."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._gl: gitlab.Gitlab | None = None
        self._mr_data: JsonDict | None = None
        self._username: str | None = None

    @property
    def project_path(self) -> str:
        return f"/projects/{quote(self.settings.project_id, safe='')}"

    @property
    def mr_path(self) -> str:
        return f"{self.project_path}/merge_requests/{self.settings.mr_iid}"

    def mr(self, fresh: bool = False) -> JsonDict:
        if self._mr_data is None or fresh:
            self._mr_data = self.json(self.mr_path)
        return self._mr_data

    def username(self) -> str:
        """The token's user (`GET /user`, asked once): only its notes are jobguard's (issue 14)."""
        if self._username is None:
            self._username = str(self.json("/user").get("username") or "")
        return self._username

    def own(self, note: JsonDict) -> bool:
        """Whether a note (`author.username`) was written with this token, so that its markers are jobguard's."""
        return str((note.get("author") or {}).get("username") or "") == self.username()

    def require_token(self, what: str) -> None:
        if not self.settings.token:
            raise PlatformError(
                f"cannot {what}: the checkout in CI_PROJECT_DIR lacks the merge request's commits and "
                "JOBGUARD_GITLAB_TOKEN is not set for the API; set `GIT_DEPTH: 0` on the job"
            )

    def _client(self) -> gitlab.Gitlab:
        if self._gl is None:
            import gitlab

            self._gl = gitlab.Gitlab(
                url=self.settings.url,
                private_token=self.settings.token,
                timeout=API_TIMEOUT,
                retry_transient_errors=True,  # 5xx and timeouts; 429 is always retried with Retry-After (C10)
                user_agent=f"jobguard/{__version__}",
                backend=_capped_backend(),
            )
        return self._gl

    def request(
        self, verb: str, path: str, *, data: JsonDict | None = None, query: JsonDict | None = None, retry: bool = True
    ) -> Any:
        """One call through python-gitlab; any failure becomes `ApiFailure` with a masked one-line text."""
        from gitlab.exceptions import GitlabError

        try:
            return self._client().http_request(
                verb, path, query_data=query, post_data=data, retry_transient_errors=retry, timeout=API_TIMEOUT
            )
        except (GitlabError, OSError) as exc:  # requests' ConnectionError, Timeout, ... are OSErrors
            raise self._failure(exc) from None

    def json(self, path: str) -> JsonDict:
        data = self.request("get", path).json()
        if not isinstance(data, dict):
            raise ApiFailure(200, f"unexpected answer from {_endpoint(path)}")
        return data

    def listing(self, path: str) -> list[JsonDict]:
        from gitlab.exceptions import GitlabError

        try:
            items = self._client().http_list(path, query_data={"per_page": 100}, get_all=True, timeout=API_TIMEOUT)
        except (GitlabError, OSError) as exc:
            raise self._failure(exc) from None
        return [item for item in items if isinstance(item, dict)]

    def create(self, path: str, data: JsonDict, landed: Callable[[], JsonDict | None]) -> JsonDict:
        """POST without python-gitlab's blind retry: after a transient failure, `landed()` looks for what the
        lost answer may have created before the POST is sent again (no double post)."""

        def post() -> JsonDict:
            result = self.request("post", path, data=data, retry=False).json()
            return result if isinstance(result, dict) else {}

        return send(post, attempts=POST_ATTEMPTS, backoff=POST_BACKOFF, landed=landed)

    def _failure(self, exc: Exception) -> ApiFailure:
        """A python-gitlab error (or no answer at all) as one masked line."""
        from gitlab.exceptions import GitlabError

        if isinstance(exc, GitlabError):
            message = exc.error_message
            if isinstance(message, bytes):
                message = message.decode("utf-8", "replace")
            return ApiFailure(exc.response_code, status_line(exc.response_code, str(message)), self.settings.secrets)
        return ApiFailure(None, f"{type(exc).__name__}: no answer from {self.settings.url}", self.settings.secrets)


def _capped_backend() -> type[Any]:
    """python-gitlab's requests backend, except that an answer asking to wait past `MAX_RETRY_WAIT` fails at once:
    python-gitlab sleeps whatever Retry-After or RateLimit-Reset says (gitlab/utils.py `Retry`), and reads
    Retry-After with int(), so an HTTP date is turned into seconds here first."""
    from gitlab._backends import DefaultBackend
    from gitlab.exceptions import GitlabHttpError

    class CappedBackend(DefaultBackend):
        def http_request(self, *args: Any, **kwargs: Any) -> Any:
            result = super().http_request(*args, **kwargs)
            if result.status_code != 429 and result.status_code < 500:
                return result
            wait = requested_wait(result.headers, time.time())
            if wait is not None and wait > MAX_RETRY_WAIT:
                message = f"rate limited: GitLab asks to wait {wait:.0f} s, past the {MAX_RETRY_WAIT:g} s cap"
                raise GitlabHttpError(message, result.status_code)
            if wait is not None and "Retry-After" in result.headers:
                result.headers["Retry-After"] = str(math.ceil(wait))
            return result

    return CappedBackend


def requested_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds an answer asks for before a retry: Retry-After (seconds or an HTTP date), else RateLimit-Reset (epoch
    seconds, GitLab's rate-limit headers); None when it names no wait, infinity when the header is unreadable."""
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        text = retry_after.strip()
        if text.isdigit():
            return float(text)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(text).timestamp() - now)
        except (TypeError, ValueError):
            return math.inf
    reset = headers.get("RateLimit-Reset")
    if reset is None:
        return None
    return max(0.0, float(reset) - now) if reset.strip().isdigit() else math.inf


def _endpoint(path: str) -> str:
    """A URL path as a short name for messages: `merge_requests/:id`, `discussions`, `raw`, ..."""
    segments = [s for s in path.split("/api/v4/", 1)[-1].split("/") if s]
    if not segments:
        return "/"
    if segments[-1] == "raw" or segments[-1] in _COLLECTIONS:
        return segments[-1]
    return f"{segments[-2]}/:id" if len(segments) > 1 else segments[-1]
