"""Start-up cost (issue 17): `jobguard --version` and `--help` must not load the rule engine or any platform.

Asserted on the import graph, not on a timing: a subprocess builds the parser and prints `sys.modules`. The rule
engine (`jobguard.rules`, `jobguard.check`, the kube tables), YAML and the platform clients are what made
`--version` cost 0.22 s of CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "jobguard.check",
    "jobguard.rules",
    "jobguard.kube",
    "jobguard.manifests",
    "yaml",
    "ruamel",
    "github",
    "gitlab",
)

_PROBE = """
import contextlib, io, json, sys
from jobguard import cli
parser = cli.build_parser()
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    cli.main({argv!r})
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(argv: list[str]) -> list[str]:
    probe = _PROBE.format(argv=argv)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60).stdout
    modules: list[str] = json.loads(out.strip().splitlines()[-1])
    return [m for m in modules if m.split(".")[0] in {"yaml", "ruamel", "github", "gitlab"} or m.startswith(HEAVY)]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["review", "--help"], ["check", "--help"]])
def test_version_and_help_load_neither_the_engine_nor_a_platform(argv: list[str]) -> None:
    assert loaded_after(argv) == []


def test_the_probe_sees_the_engine_when_it_is_loaded() -> None:
    """The probe is not blind: `rules` does need the engine, and the probe reports it."""
    assert "jobguard.rules" in loaded_after(["rules"])
