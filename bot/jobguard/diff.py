"""Unified diff text -> `FileChange`s: which files changed, how, and which head lines a comment may sit on.

The platforms only accept review comments on lines shown in the diff (spec review-apis.md A1, B3, C3), so the
hunks are kept: `jobguard.fixes` uses them to decide whether a fix can be a one-click suggestion.
"""

from __future__ import annotations

import bisect
import difflib
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

MANIFEST_SUFFIXES = (".yaml", ".yml")
_NOT_LF_BREAK = re.compile(r"\r(?!\n)|[\x85\u2028\u2029]")  # line breaks to YAML, not to git


class Status(str, enum.Enum):
    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"


@dataclass(frozen=True)
class Hunk:
    """One hunk's head-side (RIGHT) line range and which of its lines were added."""

    new_start: int
    new_end: int  # inclusive; new_start - 1 for a hunk that only removes lines
    old_start: int
    old_end: int
    added: frozenset[int]
    context: frozenset[int]  # head line numbers of unchanged lines shown in the hunk
    context_old: tuple[tuple[int, int], ...] = ()  # (new_line, old_line) for each context line

    def contains(self, start: int, end: int) -> bool:
        """Whether head lines start..end all lie in this hunk (GitHub's same-hunk rule, B3)."""
        return self.new_start <= start <= end <= self.new_end


@dataclass(frozen=True)
class FileChange:
    """One file of the change. `old_path` is None for an added file, `new_path` None for a removed one."""

    old_path: str | None
    new_path: str | None
    status: Status
    hunks: tuple[Hunk, ...] = ()
    binary: bool = False

    @property
    def path(self) -> str:
        """The path findings are reported on: the head path, or the base path of a removed file."""
        return self.new_path or self.old_path or ""

    @property
    def added_lines(self) -> frozenset[int]:
        return frozenset().union(*(h.added for h in self.hunks)) if self.hunks else frozenset()

    def hunk_containing(self, start: int, end: int) -> Hunk | None:
        return next((h for h in self.hunks if h.contains(start, end)), None)

    def old_line_of(self, new_line: int) -> int | None:
        """Base line number of an unchanged head line shown in the diff (GitLab needs both, C3)."""
        for hunk in self.hunks:
            for new, old in hunk.context_old:
                if new == new_line:
                    return old
        return None


def is_manifest(path: str | None) -> bool:
    return path is not None and path.lower().endswith(MANIFEST_SUFFIXES)


def parse(diff_text: str) -> list[FileChange]:
    """Parse `git diff` / GitHub / GitLab unified diff text. Raises ValueError on text that is not a diff."""
    try:
        patch = PatchSet(diff_text)
    except UnidiffParseError as exc:
        raise ValueError(f"cannot parse the diff: {exc}") from None
    changes = []
    for pf in patch:
        old = _strip(pf.source_file)
        new = _strip(pf.target_file)
        if pf.is_added_file:
            status, old = Status.ADDED, None
        elif pf.is_removed_file:
            status, new = Status.REMOVED, None
        elif pf.is_rename or (old is not None and new is not None and old != new):
            status = Status.RENAMED
        else:
            status = Status.MODIFIED
        hunks = tuple(_hunk(h) for h in pf)
        changes.append(FileChange(old, new, status, hunks, binary=pf.is_binary_file))
    return changes


def _strip(name: str | None) -> str | None:
    if name is None or name == "/dev/null":
        return None
    name = unquote(name)
    return name[2:] if name.startswith(("a/", "b/")) else name


_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote(name: str) -> str:
    """A name as git prints it C-quoted (`"a/x \\"y\\"\\t.yaml"`: quotes, backslashes, control characters,
    octal bytes) back to the real name; an unquoted name is returned as it is."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    out = bytearray()
    body, i = name[1:-1], 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out += char.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1] in "01234567":
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(_C_ESCAPES.get(body[i + 1], ord(body[i + 1])))
            i += 2
    return out.decode("utf-8", "surrogateescape")


def _hunk(h: object) -> Hunk:
    added: set[int] = set()
    context: list[tuple[int, int]] = []
    for line in h:  # type: ignore[attr-defined]
        if line.is_added:
            added.add(line.target_line_no)
        elif line.is_context:
            context.append((line.target_line_no, line.source_line_no))
    new_start = h.target_start  # type: ignore[attr-defined]
    new_len = h.target_length  # type: ignore[attr-defined]
    old_start = h.source_start  # type: ignore[attr-defined]
    old_len = h.source_length  # type: ignore[attr-defined]
    return Hunk(
        new_start=new_start if new_len else new_start + 1,
        new_end=new_start + new_len - 1 if new_len else new_start,
        old_start=old_start,
        old_end=old_start + old_len - 1,
        added=frozenset(added),
        context=frozenset(n for n, _ in context),
        context_old=tuple(context),
    )


def split_lines(text: str) -> list[str]:
    """Lines split on LF only, each keeping its ending (CRLF keeps its CR): how git, unidiff and the platforms
    count lines (str.splitlines() would also break at CR, U+2028 and others)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


class LineNumbers:
    """Line numbers as git counts them (at LF only) for a parser that also breaks lines elsewhere: YAML breaks at
    a lone CR, NEL, LS and PS. In a text holding none, the parser's own 0-based line is right and is used."""

    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        self.lf = [i for i, char in enumerate(text) if char == "\n"] if _NOT_LF_BREAK.search(text) else None

    def start(self, index: int, line: int) -> int:
        """The 1-based line of character `index` (the parser's 0-based `line` for it)."""
        return line + 1 if self.lf is None else bisect.bisect_left(self.lf, index) + 1

    def end(self, index: int, line: int, column: int) -> int:
        """The last line of something ending before `index`: a parser that ends a block at column 0 of the next
        line (libyaml) has not reached that line."""
        if column > 0 or index == 0:
            return self.start(index, line)
        return line if self.lf is None else bisect.bisect_left(self.lf, index - 1) + 1


def unified(path_old: str | None, path_new: str | None, old: str, new: str, *, git_header: bool = True) -> str:
    """A git-style unified diff of two texts (3 lines of context), for trees that are not git revisions.

    Without `git_header` it starts at `--- a/PATH` (a fix's diff, for `patch -p1`).
    """
    lines = _hunk_lines(path_old, path_new, old, new, 1)
    if not lines:
        return ""
    if git_header:
        mode = (
            "new file mode 100644\n" if path_old is None else "deleted file mode 100644\n" if path_new is None else ""
        )
        lines.insert(0, f"diff --git a/{path_old or path_new} b/{path_new or path_old}\n{mode}")
    return "".join(_terminated(line) for line in lines)


def excerpt(path: str, old: str, new: str, first_line: int) -> str:
    """`unified` without the git header for two excerpts of one file that are the same above them, from
    `first_line` on (a fix diffs only its edit and the context around it, not the whole file)."""
    return "".join(_terminated(line) for line in _hunk_lines(path, path, old, new, first_line))


def _hunk_lines(path_old: str | None, path_new: str | None, old: str, new: str, first_line: int) -> list[str]:
    """The `---`/`+++` lines and the hunks of the diff, numbered from `first_line`; [] when the texts are equal."""
    a, b = split_lines(old), split_lines(new)
    skip = first_line - 1

    def span(start: int, stop: int) -> str:  # difflib's `-start,length` (an empty range names the line before)
        return f"{skip + start + 1}" if stop - start == 1 else f"{skip + start + (stop > start)},{stop - start}"

    lines = [f"--- a/{path_old}\n" if path_old else "--- /dev/null\n"]
    lines.append(f"+++ b/{path_new}\n" if path_new else "+++ /dev/null\n")
    for group in difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(3):
        (_, a_start, _, b_start, _), (_, _, a_stop, _, b_stop) = group[0], group[-1]
        lines.append(f"@@ -{span(a_start, a_stop)} +{span(b_start, b_stop)} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [" " + line for line in a[i1:i2]]
            else:
                lines += ["-" + line for line in a[i1:i2]]
                lines += ["+" + line for line in b[j1:j2]]
    return lines if len(lines) > 2 else []


def _terminated(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def only_manifests(changes: Iterable[FileChange]) -> list[FileChange]:
    return [c for c in changes if not c.binary and (is_manifest(c.new_path) or is_manifest(c.old_path))]


def parse_patch(old_path: str | None, new_path: str | None, patch: str) -> FileChange | None:
    """One file's hunks as the APIs give them, without the `---`/`+++` header (GitHub's `patch`, GitLab's
    `diff`, gitlab-org/gitlab#270960): the header is added back so they parse like git's own output."""
    header = f"--- {'a/' + old_path if old_path else '/dev/null'}\n+++ {'b/' + new_path if new_path else '/dev/null'}\n"
    parsed = parse(header + patch + ("" if patch.endswith("\n") else "\n"))
    return parsed[0] if parsed else None


def between(old_path: str | None, new_path: str | None, old: bytes | None, new: bytes | None) -> FileChange | None:
    """The change from `old` to `new` bytes (None: the file does not exist on that side), git-style with 3 lines
    of context, for sides that are not two git revisions; None when the two are the same."""
    if old == new:
        return None
    # Placeholder names in the text, the real ones set after parsing: a name with a TAB, a quote or a line break
    # does not survive an unquoted `---`/`+++` line (the part after a TAB is read as a timestamp, or nothing parses).
    names = ("f", "f") if old_path == new_path else ("f0", "f1")
    text = unified(
        names[0] if old is not None else None,
        names[1] if new is not None else None,
        (old or b"").decode("utf-8", "replace"),
        (new or b"").decode("utf-8", "replace"),
    )
    parsed = parse(text) if text else []
    if not parsed:
        return None
    return replace(
        parsed[0], old_path=old_path if old is not None else None, new_path=new_path if new is not None else None
    )
