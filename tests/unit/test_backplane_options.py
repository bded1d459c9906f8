"""``bench suite --backends`` and ``--profile``: bad input exits 2 with a clear message before
anything runs; the options reach the comparison and the suite."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import commands.backplanes
import commands.suite
from bench import app

runner = CliRunner()


def bench(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    ("backends", "words"),
    [("redis,kafka", "unknown or one-instance backplane(s) kafka"),
     ("memory,redis", "memory has no backplane to compare"),
     ("redis,redis", "a backplane given twice"), (" , ", "no backplane given")],
)  # fmt: skip
def test_a_bad_backend_list_exits_2_saying_what_is_wrong(backends: str, words: str) -> None:
    result = bench("suite", "--backends", backends, "--out", "/nonexistent/never-written")
    assert result.exit_code == 2, result.output
    assert "error: --backends wants a comma-separated list of redis, rabbitmq, postgres" in (
        result.output
    )
    assert words in result.output


def test_backend_and_backends_together_exit_2() -> None:
    result = bench("suite", "--backends", "redis", "--backend", "redis")
    assert result.exit_code == 2
    assert "give --backend (one backplane) or --backends (a comparison)" in result.output


def test_the_backends_options_reach_the_comparison(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[commands.backplanes.BackplaneSettings] = []
    monkeypatch.setattr(commands.backplanes, "run_backplanes", lambda s: seen.append(s) or 0)
    result = bench(
        "suite", "--backends", "redis,postgres", "--quick", "--contender", "channels",
        "--capacity", "400", "--profile", "idiomatic", "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (settings,) = seen
    assert settings.backends == ("redis", "postgres") and settings.quick
    assert settings.contenders == ("channels",) and settings.capacity == 400.0
    assert settings.profile == "idiomatic" and settings.out_dir == tmp_path


@pytest.mark.parametrize(
    "settings",
    [
        commands.backplanes.BackplaneSettings(("redis",), Path("x"), capacity=-1.0),
        commands.backplanes.BackplaneSettings(("redis",), Path("x"), profile="django"),
        commands.backplanes.BackplaneSettings(("redis",), Path("x"), fraction=1.5),
    ],
)
def test_the_comparison_refuses_bad_settings_before_anything_runs(
    settings: commands.backplanes.BackplaneSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert commands.backplanes.run_backplanes(settings) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_suite_profile_reaches_every_scenario_and_drops_the_node_reference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = commands.suite.SuiteSettings(quick=True, out_dir=Path("x"), profile="idiomatic")
    cli = commands.suite.suite_overrides(settings, "memory", ["sio"])
    assert cli["profile"] == "idiomatic"
    chosen = ["sio", "channels", "sio-node"]
    kept = commands.suite._applicable(chosen, "memory", False, sys.stdout, "idiomatic")
    assert kept == ["sio", "channels"]
    assert "sio-node under --profile idiomatic is not applicable" in capsys.readouterr().out


def test_suite_refuses_an_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    settings = commands.suite.SuiteSettings(
        quick=True, out_dir=Path("x"), profile="django", backend="memory"
    )
    assert commands.suite.run_suite(settings) == 2
    assert "--profile should be one of equal, idiomatic" in capsys.readouterr().err
