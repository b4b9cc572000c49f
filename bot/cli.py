"""Command line: `check`, `demo`, `rules` (and, as they land, `review`, `fix`, `init`).

The one place that prints errors and maps them to exit codes: 0 clean, 1 findings at or above the fail level,
2 usage or config error, 3 unexpected error. Platform libraries are imported lazily so `--version` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.errors import JobguardError, UsageError

if TYPE_CHECKING:
    from bot.findings import Finding
    from bot.immutability import KubeVersion

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNEXPECTED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    from bot.render import FORMATS

    parser = _Parser(prog="jobguard", description="Catch immutable-field edits of Kubernetes Jobs before merge.")
    parser.add_argument("--version", action="version", version=f"jobguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check a local change (git revisions, directories or files)")
    check.add_argument("--base", help="git revision, file or directory (default: merge-base with the default branch)")
    check.add_argument("--head", help="git revision, file or directory (default: the working tree)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--kubernetes-version", metavar="1.NN", help="target cluster version (default: 1.37)")
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("paths", nargs="*", metavar="PATH", help="limit the check to these files or directories")

    demo = sub.add_parser("demo", help="run the whole pipeline on the bundled example change")
    demo.add_argument("--format", choices=FORMATS, default="text")

    sub.add_parser("rules", help="list every rule with its id, default severity and summary")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_USAGE
        if args.command == "check":
            return _check(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "rules":
            return _rules()
        raise UsageError(f"unknown command {args.command}")  # pragma: no cover
    except JobguardError as exc:
        print(f"jobguard: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as exc:  # the one catch-all: a bug must still exit 3 with one clear line
        print(f"jobguard: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("JOBGUARD_DEBUG"):
            raise
        return EXIT_UNEXPECTED


def _kubernetes_version(text: str | None) -> KubeVersion:

    from bot.immutability import DEFAULT_KUBERNETES_VERSION, KubeVersion

    if text is None:
        return DEFAULT_KUBERNETES_VERSION
    try:
        return KubeVersion.parse(text)
    except ValueError as exc:
        raise UsageError(f"--kubernetes-version: {exc}") from None


def _check(args: argparse.Namespace) -> int:
    from bot import local

    version = _kubernetes_version(args.kubernetes_version)
    run = local.check(
        base=args.base, head=args.head, paths=tuple(args.paths), cwd=Path.cwd(), kubernetes_version=version
    )
    return _report(run.result.findings, run.result.files_checked, args.format, args.output, run.exit_code)


def _report(findings: Sequence[Finding], files_checked: int, fmt: str, output: str | None, code: int) -> int:
    from bot.render import render

    colour = output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render(findings, fmt, colour=colour, files_checked=files_checked)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return code


def _demo(args: argparse.Namespace) -> int:
    from bot import local

    root = local.demo_root()
    print(f"jobguard demo: reviewing the example change {root}/base -> {root}/head\n", file=sys.stderr)
    run = local.check(base=str(root / "base"), head=str(root / "head"), paths=(), cwd=root)
    _report(run.result.findings, run.result.files_checked, args.format, None, 0)
    return EXIT_OK


def _rules() -> int:
    from bot.rules import RULES

    width = max(len(r.id) for r in RULES)
    for rule in RULES:
        print(f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return EXIT_OK
