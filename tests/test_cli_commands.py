"""The CLI's command table: every subcommand the parser offers has exactly one handler."""

from __future__ import annotations

import argparse

from jobguard import cli


def test_the_command_table_matches_the_parser() -> None:
    subcommands = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(subcommands.choices) == sorted(cli.COMMANDS) == ["check", "demo", "fix", "init", "review", "rules"]
