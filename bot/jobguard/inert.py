"""Render text a pull request controls so it cannot speak in jobguard's voice.

Job names, paths and field values come from the pull request's author. In a comment they must not open a suggestion
block, mention someone, link, or inject HTML; in a log they must not start a workflow command. Ordinary values render
exactly as before (a plain single-backtick code span), so golden outputs stay byte-identical.
"""

from __future__ import annotations

import re

MAX_SHOWN = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LIVE = re.compile(r"[`@<>]|://|\]\(|#\d|[\x00-\x1f\x7f\u0085\u2028\u2029]")


def visible(value: str, limit: int = MAX_SHOWN) -> str:
    """`value` on one line: control characters shown escaped (`\\n`), long values shortened with an ellipsis."""
    shown = _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def code_span(value: str, limit: int = MAX_SHOWN) -> str:
    """A Markdown code span around `value` whose fence outlasts any backtick run inside, so nothing in it is live."""
    shown = visible(value, limit)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def quoted_answer(text: str) -> str:
    """Text that quotes values (the API server's answer): as is when nothing in it could act, else a code span, so
    ordinary answers read as before and a hostile one cannot mention, link, fence or inject HTML."""
    return code_span(text, limit=4000) if _LIVE.search(text) else text
