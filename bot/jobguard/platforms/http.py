"""What both API adapters share on the wire: one-line masked failures and the careful re-send (B13, C10)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from jobguard.errors import PlatformError

T = TypeVar("T")
MASK = "[masked]"
MAX_FAILURE_TEXT = 300  # characters of an API failure kept for the log
MAX_RETRY_WAIT = 300.0  # seconds: a server asking for a longer wait fails that call instead (issue 14)

log = logging.getLogger("jobguard.platforms")


class ApiFailure(PlatformError):
    """One failed API call of either adapter, as one line without headers, the secrets masked.

    A `PlatformError`, so a failure that escapes an adapter still reaches publish's fallback to the token-free
    channels (or exits 3 with this line), never a traceback. `status` None: no answer (network, timeout).
    """

    def __init__(self, status: int | None, message: str, secrets: Sequence[str] = ()) -> None:
        for secret in secrets:
            if secret:
                message = message.replace(secret, MASK)
        message = " ".join(message.split())[:MAX_FAILURE_TEXT]  # masked before the cut: no half token survives
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def outcome_unknown(self) -> bool:
        """The request may have been carried out (5xx after the body was sent, or a lost answer)."""
        return self.status is None or self.status >= 500

    @property
    def forbidden(self) -> bool:
        return self.status == 403 and "rate limit" not in self.message.lower()


def status_line(status: int | None, text: str) -> str:
    """`STATUS text`, the form both adapters report failures in."""
    text = " ".join(text.split())
    return text if status is None or text.startswith(str(status)) else f"{status} {text}"


def send(call: Callable[[], T], *, attempts: int, backoff: float, landed: Callable[[], T | None] | None = None) -> T:
    """`call()`, sent again (at most `attempts` in all) while its outcome is unknown (5xx, no answer).

    Before each re-send `landed` looks for what the lost answer may have created, so a comment is never posted
    twice (review-apis.md B13, C10); without it the call must be safe to repeat (queries, resolving a thread,
    content-addressed git objects).
    """
    for attempt in range(attempts):
        try:
            return call()
        except ApiFailure as failure:
            if not failure.outcome_unknown or attempt + 1 >= attempts:
                raise
            log.info("%s; checking whether it landed before sending it again", failure.message)
            time.sleep(backoff * 2**attempt)
            found = landed() if landed is not None else None
            if found is not None:
                return found
    raise ValueError("attempts must be at least 1")
