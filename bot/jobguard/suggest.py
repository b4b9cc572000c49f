"""Did-you-mean hints for names a user typed (rule ids, configuration keys, fix strategies).

One home, because the same rule id is typed in `.jobguard.yaml` (jobguard.config) and in inline ignores
(jobguard.ignores): both must suggest the same correction and point to the same list.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """` (did you mean 'x'?)` for the closest choice, "" when none is close (or `word` is no string)."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def hint(word: object, choices: Iterable[str], what: str) -> str:
    """A did-you-mean, else where to find the valid names (never a silent "unknown")."""
    names = list(choices)
    close = did_you_mean(word, names)
    if close:
        return close
    if what == "rules":
        return " (`jobguard rules` lists them)"
    return f" (expected one of: {', '.join(names)})"
