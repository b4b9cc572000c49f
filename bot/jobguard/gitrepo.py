"""Read-only git on a checkout, the same way for `jobguard check` and for both CI platforms.

Every call names the checkout a safe.directory (in a container action the workspace belongs to another uid,
testing.md section 7), turns external diff and textconv off (nothing configured in the repository runs), never
prompts, and reads all blobs of a run through one `git cat-file --batch` process. The guards of
`jobguard.manifest_guards` apply before anything is read: a blob's size comes first (`cat-file --batch-check`, kept
running too), so a file over the limit is never diffed nor read, and each revision is listed once (`ls-tree`) so a
symlink is followed inside the tree only, as on disk.

The pull request's author controls the tree, so nothing in it or in the repository's configuration may change
what git reports: every setting that alters diff output is pinned with `-c`, the system configuration is skipped,
and diffs are `--text` (an in-tree `.gitattributes` saying `-diff`/`binary` would otherwise hide the change).
Output is decoded by hand: text mode would turn a lone CR into a line break that git never counted.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import subprocess
from pathlib import Path

from jobguard import diff as diffs
from jobguard import manifest_guards as guards
from jobguard.manifest_guards import UnreadableFile

MANIFEST_PATHSPECS = (":(icase)*.yaml", ":(icase)*.yml")
DIFF_ARGS = (
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--text",
    "--no-relative",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "-M",
    "-U3",
    "--inter-hunk-context=0",
)
PINNED_CONFIG = (
    "core.attributesFile=/dev/null",
    "core.quotePath=false",
    "core.pager=cat",
    "core.fsmonitor=false",
    "diff.external=",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "diff.renames=true",
    "diff.context=3",
    "diff.interHunkContext=0",
    "diff.suppressBlankEmpty=false",
    "diff.algorithm=myers",
    "color.ui=false",
    "color.diff=false",
)
"""Settings a repository (or a user's global file) could set to change what `git diff` and `ls-*` print."""
RAW_ARGS = ("diff", "--raw", "-z", "--no-abbrev", "--no-ext-diff", "--no-textconv", "--no-relative", "-M")
"""The names, blob ids and statuses of a diff without its text: sizes are asked before any text is diffed."""
SYMLINK = "120000"
MAX_SYMLINKS = 40  # as Linux's ELOOP
UNTRUSTED_ENV = ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT")


class Repo:
    """A checkout; `run` never raises for a failing git, `text` returns None for it."""

    def __init__(self, path: Path, *, root: bool = False) -> None:
        """`root`: `path` is the top of the checkout, so git must not look above it for another repository
        (CI); locally `path` may be any directory inside one."""
        self.path = path
        safe = sorted({str(path), str(path.resolve())})
        self.prefix = ["git", *(arg for s in safe for arg in ("-c", f"safe.directory={s}"))]
        self.prefix += [*(arg for setting in PINNED_CONFIG for arg in ("-c", setting)), "-C", str(path)]
        env = {k: v for k, v in os.environ.items() if k not in UNTRUSTED_ENV}
        self.env = {**env, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
        if root:
            self.env["GIT_CEILING_DIRECTORIES"] = str(path.resolve().parent)
        self._batches: dict[str, subprocess.Popen[bytes]] = {}  # `cat-file --batch` and `--batch-check`
        self._trees: dict[str, dict[str, tuple[str, str]]] = {}
        self._sizes: dict[str, int] = {}  # blob id -> size, asked once

    def run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """stdout and stderr decoded as UTF-8 without newline translation (a lone CR stays a CR)."""
        done = self.run_bytes(*args, timeout=timeout)
        out, err = (part.decode("utf-8", "surrogateescape") for part in (done.stdout, done.stderr))
        return subprocess.CompletedProcess(done.args, done.returncode, out, err)

    def run_bytes(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                [*self.prefix, *args], capture_output=True, timeout=timeout, env=self.env, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return subprocess.CompletedProcess([*self.prefix, *args], 128, b"", str(exc).encode())

    def text(self, *args: str, timeout: float = 60.0) -> str | None:
        """stdout, or None when git failed (output never shown: remote URLs may carry tokens)."""
        done = self.run(*args, timeout=timeout)
        return done.stdout if done.returncode == 0 else None

    def has_commit(self, sha: str) -> bool:
        return self.text("cat-file", "-e", f"{sha}^{{commit}}") is not None

    def merge_base(self, base: str, head: str) -> str | None:
        return (self.text("merge-base", base, head) or "").strip() or None

    def diff(self, base: str, head: str | None = None, pathspecs: tuple[str, ...] = MANIFEST_PATHSPECS) -> str | None:
        """Unified diff of the manifest files (head None: the working tree)."""
        return self.text(*DIFF_ARGS, base, *([head] if head else []), "--", *pathspecs)

    def changes(
        self, base: str, head: str | None = None, pathspecs: tuple[str, ...] = MANIFEST_PATHSPECS
    ) -> list[diffs.FileChange] | None:
        """The changed manifest files with their hunks; a file over the size limit on either side is listed
        without hunks and its text never diffed (a 300 MB file would cost minutes and gigabytes). None: git failed.
        Raises ValueError for output that is not a diff."""
        raw = self.run_bytes(*RAW_ARGS, base, *([head] if head else []), "--", *pathspecs)
        if raw.returncode != 0:
            return None
        entries = _raw_entries(raw.stdout)
        self._ask_sizes(sorted({sha for _, shas, _ in entries for sha in shas if sha.strip("0")} - set(self._sizes)))
        big = [(status, paths) for status, shas, paths in entries if self._any_too_big(shas, paths[-1], head is None)]
        skipped = tuple(f":(exclude,literal){path}" for _, paths in big for path in paths)
        text = self.diff(base, head, (*pathspecs, *skipped))
        if text is None:
            return None
        return [*diffs.parse(text), *(_listed(status, paths) for status, paths in big)]

    def _any_too_big(self, shas: tuple[str, str], path: str, worktree: bool) -> bool:
        """Whether either side is over the size limit: blobs by `cat-file --batch-check`, the working tree by stat
        (its blob id is all zeros, as is an absent side's)."""
        sizes = [self._size(sha) for sha in shas if sha.strip("0")]
        if worktree and not shas[1].strip("0"):
            with contextlib.suppress(OSError):  # gone from the working tree: nothing to read
                sizes.append((self.path / path).lstat().st_size)
        return any(guards.too_big(size) is not None for size in sizes)

    def blob(self, rev: str, path: str, max_bytes: int | None = None) -> bytes | None:
        """`rev:path`, following a symlink that stays inside the tree; None when no file is there. Its size is asked
        first: UnreadableFile for a blob over the size limit (a manifest's, unless `max_bytes` says otherwise: a
        render copies bigger inputs), a symlink out of the tree, or a symlink loop."""
        sha = self._file(rev, path)
        if sha is None:
            return None
        refused = guards.too_big(self._size(sha), max_bytes)
        if refused is not None:
            raise UnreadableFile(refused)
        return self._contents(sha)

    def _file(self, rev: str, path: str) -> str | None:
        """The blob id of `path` at `rev`, after following in-tree symlinks (as a checkout and Argo CD would)."""
        listing = self._tree(rev)
        for _ in range(MAX_SYMLINKS):
            entry = listing.get(path)
            if entry is None or entry[0] != SYMLINK:
                return None if entry is None else entry[1]
            link = (self._contents(entry[1]) or b"").decode("utf-8", "surrogateescape")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), link))
            if link.startswith("/") or target == ".." or target.startswith("../"):
                raise UnreadableFile(f"symlink to {link} points outside the repository; not followed")
            path = target
        raise UnreadableFile(f"symlink loop (more than {MAX_SYMLINKS} links); not followed")

    def _tree(self, rev: str) -> dict[str, tuple[str, str]]:
        """path -> (mode, blob id) of every file at `rev`, listed once (one `ls-tree` per revision)."""
        if rev not in self._trees:
            done = self.run_bytes("ls-tree", "-r", "-z", "--full-tree", rev)
            listing: dict[str, tuple[str, str]] = {}
            for entry in filter(None, done.stdout.split(b"\0") if done.returncode == 0 else ()):
                meta, _, name = entry.partition(b"\t")
                mode, kind, sha = meta.decode().split()
                if kind == "blob":
                    listing[name.decode("utf-8", "surrogateescape")] = (mode, sha)
            self._trees[rev] = listing
        return self._trees[rev]

    def _size(self, sha: str) -> int:
        if sha not in self._sizes:
            self._ask_sizes([sha])
        return self._sizes[sha]

    def _ask_sizes(self, shas: list[str]) -> None:
        """Sizes of many objects from `cat-file --batch-check`, pipelined in chunks small enough that neither
        pipe fills while the other waits (one round trip per chunk, not per object)."""
        process = self._process("--batch-check")
        assert process.stdin is not None and process.stdout is not None
        for start in range(0, len(shas), 256):
            chunk = shas[start : start + 256]
            process.stdin.write(b"".join(sha.encode() + b"\n" for sha in chunk))
            process.stdin.flush()
            for sha in chunk:
                header = process.stdout.readline().split()
                self._sizes[sha] = int(header[2]) if len(header) == 3 else 0

    def _contents(self, sha: str) -> bytes | None:
        header = self._ask("--batch", sha)
        if len(header) != 3 or header[1] != b"blob":
            return None
        stdout = self._process("--batch").stdout
        assert stdout is not None
        data = stdout.read(int(header[2]))
        stdout.read(1)
        return data

    def _ask(self, mode: str, sha: str) -> list[bytes]:
        """One object id to a long-running `git cat-file` (`--batch-check`: its header; `--batch`: header, then
        the contents the caller reads)."""
        process = self._process(mode)
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(sha.encode() + b"\n")
        process.stdin.flush()
        return process.stdout.readline().split()

    def _process(self, mode: str) -> subprocess.Popen[bytes]:
        if mode not in self._batches:
            self._batches[mode] = subprocess.Popen(
                [*self.prefix, "cat-file", mode],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=self.env,
            )
        return self._batches[mode]

    def close(self) -> None:
        for process in self._batches.values():
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            process.wait()
            process.stdout.close()
        self._batches.clear()


def _raw_entries(out: bytes) -> list[tuple[str, tuple[str, str], tuple[str, ...]]]:
    """`git diff --raw -z` -> (status letter, (old blob, new blob), (path,) or (old path, new path) for R/C)."""
    fields = out.split(b"\0")
    entries = []
    i = 0
    while i < len(fields) - 1:
        meta = fields[i].decode().split()
        status = meta[4][:1]
        count = 2 if status in "RC" else 1
        paths = tuple(f.decode("utf-8", "surrogateescape") for f in fields[i + 1 : i + 1 + count])
        entries.append((status, (meta[2], meta[3]), paths))
        i += 1 + count
    return entries


def _listed(status: str, paths: tuple[str, ...]) -> diffs.FileChange:
    """A changed file listed without its text (too big to diff): the engine reads it and reports why not."""
    if status == "A":
        return diffs.FileChange(None, paths[0], diffs.Status.ADDED)
    if status == "D":
        return diffs.FileChange(paths[0], None, diffs.Status.REMOVED)
    if status == "R":
        return diffs.FileChange(paths[0], paths[1], diffs.Status.RENAMED)
    return diffs.FileChange(paths[0], paths[-1], diffs.Status.MODIFIED)
