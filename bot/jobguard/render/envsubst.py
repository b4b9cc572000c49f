"""The `${VAR}` expansion of Flux's `postBuild.substitute`: fluxcd/pkg's `envsubst` (a fork of drone/envsubst).

Non-strict, Flux's default: only `${...}` is expanded (`$VAR` stays text), `$$` is a literal `$` (so `$${VAR}` stays
`${VAR}`), an unset variable is empty, `${VAR:=d}` / `${VAR:-d}` / `${VAR=d}` give `d` when the value is empty, and
the bash string functions (length, case, substring, `#`/`%` trims with `path.Match` globs, `/` replacements) work
as there; a malformed expansion is an error, as it fails Flux's build.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

INTEGER = re.compile(r"^[+-]?[0-9]+$")
DEFAULT_OPS = ("=", ":=", ":-", ":?", ":+", "-", "+", "?")


class SubstitutionError(ValueError):
    """What Flux reports as `variable substitution failed`."""


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """`text` with every `${...}` expanded from `variables` (non-strict: unset is empty)."""
    return _Parser(text, variables).text()


def _glob(pattern: str) -> re.Pattern[str] | None:
    """Go's `path.Match` as a regex: `*` and `?` never match `/`; None for a malformed pattern (Go's error)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                return None
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body).replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c)))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return None


def _trim(value: str, pattern: str, *, longest: bool) -> str:
    glob = _glob(pattern)
    if glob is None:
        return value
    prefixes = [value[: len(value) - i] for i in range(len(value))]  # longest first, never empty
    matching = [p for p in prefixes if glob.fullmatch(p)]
    if not matching:
        return value
    return value[len(matching[0] if longest else matching[-1]) :]


def _trim_suffix(value: str, pattern: str, *, longest: bool) -> str:
    return _trim(value[::-1], pattern[::-1], longest=longest)[::-1]


def _substr(value: str, args: list[str]) -> str:
    if not args or not INTEGER.match(args[0]):
        return value
    pos = int(args[0])
    pos = max(len(value) + pos, 0) if pos < 0 else pos
    if len(args) == 1:
        return value[pos:]
    if not INTEGER.match(args[1]):
        return value
    return value[pos:] if pos + int(args[1]) >= len(value) else value[pos : pos + int(args[1])]


def _replace(op: str, value: str, args: list[str]) -> str:
    pattern, replacement = [*args, "", ""][:2]
    if op in ("/#", "/%") and len(args) != 2:
        return value
    if op == "/#":
        return replacement + value[len(pattern) :] if value.startswith(pattern) else value
    if op == "/%":
        return value[: len(value) - len(pattern)] + replacement if value.endswith(pattern) else value
    return value.replace(pattern, replacement, -1 if op == "//" else 1)


FUNCTIONS: dict[str, Callable[[str, list[str]], str]] = {
    ",": lambda v, a: v[:1].lower() + v[1:],
    ",,": lambda v, a: v.lower(),
    "^": lambda v, a: v[:1].upper() + v[1:],
    "^^": lambda v, a: v.upper(),
    "#": lambda v, a: _trim(v, a[0], longest=False) if a else str(len(v.encode())),
    "##": lambda v, a: _trim(v, a[0], longest=True) if a else v,
    "%": lambda v, a: _trim_suffix(v, a[0], longest=False) if a else v,
    "%%": lambda v, a: _trim_suffix(v, a[0], longest=True) if a else v,
    ":": _substr,
    "/": lambda v, a: _replace("/", v, a),
    "//": lambda v, a: _replace("//", v, a),
    "/#": lambda v, a: _replace("/#", v, a),
    "/%": lambda v, a: _replace("/%", v, a),
}


class _Parser:
    def __init__(self, text: str, variables: Mapping[str, str]) -> None:
        self.s, self.i, self.vars = text, 0, variables

    def peek(self, n: int = 0) -> str:
        return self.s[self.i + n] if self.i + n < len(self.s) else ""

    def text(self) -> str:
        out = []
        while self.i < len(self.s):
            if self.s.startswith("$$", self.i):
                out.append("$")
                self.i += 2
            elif self.s.startswith("${", self.i):
                self.i += 2
                out.append(self.func())
            else:
                out.append(self.s[self.i])
                self.i += 1
        return "".join(out)

    def func(self) -> str:
        """After `${`: the expansion's value; the closing `}` is consumed."""
        if self.peek() == "#":
            self.i += 1
            return self.call("#", self.name(), self.close([]))
        name = self.name()
        c = self.peek()
        if c == "}":
            self.i += 1
            return self.vars.get(name, "")
        if (c == ":" and self.peek(1) in ("=", "-", "?", "+")) or c == "=":
            op = self.take(2 if c == ":" else 1)
            return self.call(op, name, self.params())
        if c == ":":
            self.i += 1
            return self.call(":", name, self.substr_args())
        if c in ",^#%":
            op = self.take(2 if self.peek(1) == c else 1)
            return self.call(op, name, self.close([self.param("}")] if c in "#%" else []))
        if c == "/":
            op = self.take(2 if self.peek(1) in "/#%" else 1)
            return self.call(op, name, self.replace_args())
        raise SubstitutionError("missing closing brace")

    def call(self, op: str, name: str, args: list[str]) -> str:
        value = self.vars.get(name, "")
        if op in DEFAULT_OPS or op not in FUNCTIONS:
            return value or "".join(args)
        return FUNCTIONS[op](value, args)

    def take(self, n: int) -> str:
        taken = self.s[self.i : self.i + n]
        self.i += n
        return taken

    def name(self) -> str:
        start = self.i
        while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] == "_"):
            self.i += 1
        if self.i == start:
            raise SubstitutionError("unable to parse variable name")
        return self.s[start : self.i]

    def close(self, args: list[str]) -> list[str]:
        if self.peek() != "}":
            raise SubstitutionError("bad substitution")
        self.i += 1
        return args

    def param(self, stops: str, *, escapes: bool = False) -> str:
        """One argument: text up to a stop character, or a nested `${...}`."""
        if self.s.startswith("${", self.i):
            self.i += 2
            return self.func()
        out = []
        while self.i < len(self.s) and self.s[self.i] not in stops and not self.s.startswith("${", self.i):
            if escapes and self.s[self.i] == "\\" and self.peek(1) in ("/", "\\"):
                self.i += 1
            out.append(self.s[self.i])
            self.i += 1
        if self.i >= len(self.s) or not out:
            raise SubstitutionError("bad substitution")
        return "".join(out)

    def params(self) -> list[str]:
        args = []
        while self.peek() != "}":
            args.append(self.param("}"))
        return self.close(args)

    def substr_args(self) -> list[str]:
        args = [self.param(":}")]
        if self.peek() == ":":
            self.i += 1
            args.append(self.param("}"))
        return self.close(args)

    def replace_args(self) -> list[str]:
        args = ["" if self.peek() == "/" else self.param("/}", escapes=True)]
        if self.peek() != "/":
            raise SubstitutionError("bad substitution")
        self.i += 1
        if self.peek() != "}":
            args.append(self.param("}", escapes=True))
        return self.close(args)
