"""Command line: `check`, `demo`, `review`, `fix`, `init`, `rules`: parsing, the command table, the one error handler.

The one place that prints errors and maps them to exit codes: 0 clean, 1 findings at or above the fail level,
2 usage or config error, 3 unexpected error. Platform libraries are imported lazily so `--version` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jobguard import __version__
from jobguard.errors import JobguardError, UsageError

if TYPE_CHECKING:
    from jobguard.config import Config
    from jobguard.findings import Finding
    from jobguard.platforms import Platform

EXIT_OK, EXIT_USAGE, EXIT_UNEXPECTED = 0, 2, 3  # 1 (findings) comes from the engine's exit_code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    from jobguard.formats import FORMATS

    parser = _Parser(prog="jobguard", description="Catch immutable-field edits of Kubernetes Jobs before merge.")
    parser.add_argument("--version", action="version", version=f"jobguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check a local change (git revisions, directories or files)")
    check.add_argument("--base", help="git revision, file or directory (default: merge-base with the default branch)")
    check.add_argument("--head", help="git revision, file or directory (default: the working tree)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--kubernetes-version", metavar="1.NN", help="target cluster version (default: 1.37)")
    check.add_argument("--fail-on", metavar="LEVEL", help="error, warning, info or never (default: the config's)")
    check.add_argument(
        "--render",
        metavar="MODE",
        help="auto: render the Kustomize/Helm roots the change touches (default); off: plain files only",
    )
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--config", metavar="FILE", help="configuration file (default: .jobguard.yaml at the root)")
    check.add_argument("--all", action="store_true", help="judge every Job under PATH (default: .) alone, no base")
    check.add_argument("paths", nargs="*", metavar="PATH", help="limit the check to these files or directories")

    demo = sub.add_parser("demo", help="review the bundled example change and show what jobguard finds")
    demo.add_argument(
        "--format",
        choices=("review", *FORMATS),
        default="text",
        help="default: text, as check prints it; review: --preview",
    )
    demo.add_argument(
        "--preview", dest="format", action="store_const", const="review", help="print the comments a review would post"
    )

    review = sub.add_parser("review", help="review the pull/merge request of this CI job and post the results")
    review.add_argument("--platform", choices=("auto", "github", "gitlab", "local"), default="auto")
    # The GitHub Action passes every input, empty ones as `--flag=`: an empty value means "not given".
    review.add_argument("--config", metavar="FILE", help="configuration file (default: from the base revision)")
    review.add_argument("--fail-on", metavar="LEVEL", help="error, warning, info or never (default: the config's)")
    review.add_argument("--kubernetes-version", metavar="1.NN")
    review.add_argument("--render", metavar="MODE", help="auto (default) or off")
    review.add_argument("--mode", metavar="MODE", default="review", help="review (default) or annotations")
    review.add_argument("--sarif", metavar="FILE", help="also write a SARIF report to FILE")
    review.add_argument("--working-directory", metavar="DIR", help="the checkout or GitOps root inside this directory")
    review.add_argument("--paths", metavar="PATHS", help="review only these (space/newline-separated, in DIR)")
    review.add_argument("--format", metavar="FORMAT", help=f"also write the report ({', '.join(FORMATS)}) to --output")
    review.add_argument("--output", metavar="FILE", help="the file --format writes")
    review.add_argument("--dry-run", action="store_true", help="read from the platform, print instead of posting")

    _fix_parser(sub.add_parser("fix", help="apply the verified fixes to the working tree (or push them with --push)"))

    init = sub.add_parser("init", help="write a commented .jobguard.yaml with every default")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    rules = sub.add_parser("rules", help="list every rule with its id, effective severity and summary")
    rules.add_argument("--config", metavar="FILE")
    return parser


def _fix_parser(fix: argparse.ArgumentParser) -> None:
    fix.add_argument("--base", help="git revision, file or directory (default: merge-base with the default branch)")
    fix.add_argument("--strategy", metavar="S", help="use this fix strategy where it applies (see README)")
    fix.add_argument("--config", metavar="FILE")
    fix.add_argument("--fail-on", metavar="LEVEL", help="for the check after fixing (default: the config's)")
    fix.add_argument("--render", metavar="MODE", help="auto (default) or off")
    fix.add_argument("--push", action="store_true", help="in CI: commit the fixes to the change's source branch")
    fix.add_argument("--platform", choices=("auto", "github", "gitlab"), default="auto")
    fix.add_argument("paths", nargs="*", metavar="PATH")


def main(argv: Sequence[str] | None = None) -> int:
    debug = bool(os.environ.get("JOBGUARD_DEBUG"))
    logging.basicConfig(level=logging.INFO if debug else logging.WARNING, format="%(name)s: %(message)s")
    try:
        return _dispatch(argv)
    except JobguardError as exc:
        for line in str(exc).splitlines() or [""]:  # a configuration file: one line per mistake
            print(f"jobguard: error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:  # `jobguard rules | head -1`: the reader left; not a bug, and no traceback at exit
        _silence_stdout()
        print("jobguard: error: standard output is closed (broken pipe)", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # the one catch-all: a bug must still exit 3 with one clear line
        print(f"jobguard: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if debug:
            raise
        return EXIT_UNEXPECTED


def _dispatch(argv: Sequence[str] | None) -> int:
    """Parse the command line and run the command's handler from the command table."""
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return EXIT_USAGE
    return COMMANDS[args.command](args)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor (captured)
        pass


def _check(args: argparse.Namespace) -> int:
    from jobguard import local
    from jobguard.pipeline import RunOptions

    if args.all and (args.base or args.head):
        raise UsageError("--all judges every Job as it is: it takes no --base or --head")
    options = RunOptions(
        _path(args.config), tuple(args.paths), args.fail_on, args.kubernetes_version, render=args.render
    )
    run = local.check(options, Path.cwd(), base=args.base, head=args.head, everything=args.all)
    _warn(run.config)
    analysis = run.analysis
    return _report(analysis.findings, analysis.files_checked, args.format, args.output, analysis.exit_code)


def _path(value: str | None) -> Path | None:
    """A file option; empty means not given (the GitHub Action passes every input, empty ones as `--flag=`)."""
    return Path(value) if value else None


def _warn(config: Config) -> None:
    """What the run went ahead with but the user should know (a newer Kubernetes version, two config files)."""
    for warning in config.warnings:
        print(f"jobguard: warning: {warning}", file=sys.stderr)


def _report(findings: Sequence[Finding], files_checked: int, fmt: str, output: str | None, code: int) -> int:
    from jobguard.formats import render

    colour = output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render(findings, fmt, colour=colour, files_checked=files_checked)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return code


def _demo(args: argparse.Namespace) -> int:
    """The bundled example change (jobguard/demo/), reviewed as a pull request would be. Exits 0 whatever it finds:
    the findings are the demo working, and a `set -e` script or `&&` chain running it must go on."""
    from jobguard import example
    from jobguard.formats import render

    demo = example.run(Path.cwd())
    print(demo.heading, file=sys.stderr)
    if args.format == "review":
        sys.stdout.write(demo.preview)
    elif args.format == "text":
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ  # as `check` decides (_report)
        sys.stdout.write(example.text(demo, colour=colour))
    else:
        sys.stdout.write(render(demo.findings, args.format, files_checked=demo.files_checked))
    return EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    from jobguard import config as configuration
    from jobguard.rules import RULES

    config = _local_config(args.config)
    _warn(config)
    width = max(len(r.id) for r in RULES)
    for rule in RULES:
        severity = config.setting(rule.id, "").severity
        shown = severity.value if severity is not None else "off"
        print(f"{rule.id:<{width}}  {shown:<7}  {rule.summary}")
    if config is not configuration.DEFAULT:
        print(f"(severities from {config.source})")
    return EXIT_OK


def _local_config(path: str | None) -> Config:
    from jobguard import config as configuration
    from jobguard import local

    root = local.repository_root(Path.cwd()) or Path.cwd()
    return configuration.for_root(Path(path) if path else None, root)


def _init(args: argparse.Namespace) -> int:
    from jobguard import config as configuration
    from jobguard import docs, local

    root = local.repository_root(Path.cwd()) or Path.cwd()
    target = root / configuration.CONFIG_NAMES[0]
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    try:
        target.write_text(docs.init_text(), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror or exc}") from None
    print(f"jobguard: wrote {target}")
    return EXIT_OK


def _platform(name: str, dry_run: bool = False, checkout: Path | None = None) -> Platform:
    """The platform of this CI job (or the local checkout), wrapped to print instead of post on --dry-run.
    `checkout`: a git checkout below the workspace (--working-directory) to read instead of the workspace."""
    from jobguard.platforms import detect

    chosen = detect() if name == "auto" else name
    platform: Platform
    if chosen == "github":
        from jobguard.platforms import github

        platform = github.from_env({**os.environ, "GITHUB_WORKSPACE": str(checkout)} if checkout else os.environ)
    elif chosen == "gitlab":
        from jobguard.platforms import gitlab

        if checkout is not None:
            raise UsageError(f"--working-directory: {checkout} is another checkout; GitLab reviews CI_PROJECT_DIR")
        platform = gitlab.from_env(os.environ)
    else:
        from jobguard import local
        from jobguard.platforms.local import LocalPlatform

        repo = local.repository_root(checkout or Path.cwd())
        platform = LocalPlatform(local.default_base(repo), local.default_head(repo))
    if dry_run and chosen != "local":
        from jobguard.platforms.local import DryRun

        platform = DryRun(platform)
    return platform


def _review(args: argparse.Namespace) -> int:
    from jobguard import review, scope
    from jobguard.formats import FORMATS
    from jobguard.pipeline import RunOptions

    mode = args.mode or "review"
    if mode not in ("review", "annotations"):
        raise UsageError(f"--mode {mode}: expected review or annotations")
    if args.format and args.format not in FORMATS:
        raise UsageError(f"--format {args.format}: expected one of {', '.join(FORMATS)}")
    if bool(args.format) != bool(args.output):
        raise UsageError("--format and --output go together: the format of the report and the file it goes to")
    area = scope.resolve(Path.cwd(), args.working_directory, args.paths)
    platform = _platform(args.platform, args.dry_run, area.checkout)
    request = platform.fix_command()
    if request is not None:  # an issue_comment event saying `/jobguard fix`
        message = review.run_fix_command(
            platform, requested_by=request.author, authorised=request.authorised, strategy=request.strategy
        )
        print(message)
        return EXIT_OK
    outcome = review.run_review(
        platform,
        RunOptions(_path(args.config), area.paths, args.fail_on, args.kubernetes_version, render=args.render),
        review.ReviewSettings(mode, _path(args.sarif)),
    )
    if args.format:
        _report(outcome.findings, outcome.files_checked, args.format, args.output, outcome.exit_code)
    print(outcome.report.line(len(outcome.findings)), file=sys.stderr)
    _warn(outcome.config)
    for note in platform.notes:
        print(f"jobguard: {note}", file=sys.stderr)
    return outcome.exit_code


def _fix(args: argparse.Namespace) -> int:
    from jobguard import local, review
    from jobguard.fixes.strategies import STRATEGIES
    from jobguard.pipeline import RunOptions

    if args.strategy is not None and args.strategy not in STRATEGIES:
        raise UsageError(f"--strategy {args.strategy}: unknown; one of {', '.join(STRATEGIES)}")
    if args.push:
        platform = _platform(args.platform)
        user = os.environ.get("GITLAB_USER_LOGIN") or os.environ.get("GITHUB_ACTOR") or "jobguard"
        message = review.run_fix_command(
            platform, requested_by=user, authorised=True, config_path=_path(args.config), strategy=args.strategy
        )
        print(message)
        return EXIT_OK
    options = RunOptions(
        _path(args.config), tuple(args.paths), args.fail_on, strategy=args.strategy, render=args.render
    )
    result = local.fix(options, Path.cwd(), args.base)
    _warn(result.config)
    for line in result.lines:
        print(line)
    return result.exit_code


COMMANDS: Mapping[str, Callable[[argparse.Namespace], int]] = {
    "check": _check,
    "demo": _demo,
    "rules": _rules,
    "review": _review,
    "fix": _fix,
    "init": _init,
}
"""The command table: each subcommand of `build_parser` and the handler that runs it (returns the exit code)."""
