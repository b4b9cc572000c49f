"""`render:` in .jobguard.yaml and `--render auto|off` (the schema and error cases live in fixtures/config/)."""

from __future__ import annotations

import pytest

from jobguard import config
from jobguard.cli import main
from jobguard.errors import ConfigError
from jobguard.render.model import RenderSettings
from tests.conftest import RepoFactory


def test_rendering_is_on_by_default_with_the_models_limits() -> None:
    assert config.DEFAULT.render == RenderSettings()
    assert config.parse("render:\n", "x").render == RenderSettings()


def test_render_off_switches_rendering_off_and_auto_keeps_the_file() -> None:
    parsed = config.parse("render: {max-roots: 3}\n", "x")
    off = config.with_overrides(parsed, None, None, "off")
    assert off.render == RenderSettings(enabled=False, max_roots=3)
    assert config.with_overrides(parsed, None, None, "auto").render == parsed.render
    assert (
        config.with_overrides(config.parse("render: {enabled: false}\n", "x"), None, None, "auto").render.enabled
        is False
    )
    assert config.with_overrides(parsed, None, None, "").render == parsed.render  # the Action's empty input


def test_a_bad_render_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--render on: expected one of auto, off"):
        config.with_overrides(config.DEFAULT, None, None, "on")


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_bad_render_flag_is_one_usage_line_and_exit_2(
    command: str, make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(make_repo({"a.yaml": "a: 1\n"}, {"a.yaml": "a: 2\n"}))
    assert main([command, "--render", "sometimes", "--base", "main"]) == 2
    assert capsys.readouterr().err == "jobguard: error: --render sometimes: expected one of auto, off\n"
