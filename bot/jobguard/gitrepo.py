"""Read-only git on a checkout, the same way for `jobguard check` and for both CI platforms.

Every call names the checkout a safe.directory (in a container action the workspace belongs to another uid,
testing.md section 7), turns external diff and textconv off (nothing configured in the repository runs), never
prompts, and reads all blobs of a run through one `git cat-file --batch` process.

The pull request's author controls the tree, so nothing in it or in the repository's configuration may change
what git reports: every setting that alters diff output is pinned with `-c`, the system configuration is skipped,
and diffs are `--text` (an in-tree `.gitattributes` saying `-diff`/`binary` would otherwise hide the change).
Output is decoded by hand: text mode would turn a lone CR into a line break that git never counted.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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
        self._batch: subprocess.Popen[bytes] | None = None

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

    def blob(self, rev: str, path: str) -> bytes | None:
        """`rev:path`, or None when it is not a blob there."""
        if "\n" in path or path.endswith("\r"):  # `--batch` reads one line per name: ask for this one alone
            done = self.run_bytes("cat-file", "blob", f"{rev}:{path}")
            return done.stdout if done.returncode == 0 else None
        if self._batch is None:
            self._batch = subprocess.Popen(
                [*self.prefix, "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=self.env,
            )
        assert self._batch.stdin is not None and self._batch.stdout is not None
        self._batch.stdin.write(f"{rev}:{path}".encode("utf-8", "surrogateescape") + b"\n")
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            return None
        data = self._batch.stdout.read(int(header[2]))
        self._batch.stdout.read(1)
        return data

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin is not None and self._batch.stdout is not None
            self._batch.stdin.close()
            self._batch.wait()
            self._batch.stdout.close()
            self._batch = None
