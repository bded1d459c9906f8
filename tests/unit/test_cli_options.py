"""Every ``bench`` option that matters reaches where it acts: not parsed and then dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import commands.run
from bench import app
from loadgen.run.runner import RunOptions, server_config
from loadgen.scenario.load import load_scenario
from servers.launch import CONTENDERS, server_spec
from tests.report.conftest import CI_BASE, CI_SLOW

ECHO = Path(__file__).resolve().parents[2] / "scenarios" / "echo.yaml"

runner = CliRunner()


def bench(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _verdicts(path: Path) -> dict[tuple[str, str], str]:
    rows = json.loads(path.read_text())["rows"]
    return {(r["contender"], r["metric"]): r["result"]["verdict"] for r in rows}


def test_compare_alpha_changes_the_judgement_and_is_recorded(tmp_path: Path) -> None:
    default, strict = tmp_path / "default.json", tmp_path / "strict.json"
    assert bench("compare", CI_BASE, CI_SLOW, "--json", default).exit_code == 0
    # sio's p50 got slower with p = 0.002: real at the default 0.05, not at 0.001.
    result = bench("compare", CI_BASE, CI_SLOW, "--json", strict, "--alpha", "0.001")
    assert result.exit_code == 0, result.output
    assert _verdicts(default)["sio", "p50_ms"] == "worse"
    assert _verdicts(strict)["sio", "p50_ms"] == "not significant"
    assert json.loads(strict.read_text())["alpha"] == 0.001
    assert "a change is real when p < 0.001" in result.output


def test_compare_min_effect_calls_smaller_changes_noise(tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    assert bench("compare", CI_BASE, CI_SLOW, "--json", out, "--min-effect", "10").exit_code == 0
    assert json.loads(out.read_text())["min_effect"] == 10
    assert set(_verdicts(out).values()) <= {"noise", "no data"}


# --- --deflate: one setting (ServerConfig.ws_per_message_deflate) for every contender ---------


def test_run_deflate_reaches_the_run_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[RunOptions] = []

    def run_files(_paths: object, _cli: object, options: RunOptions, **_: object) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(commands.run, "run_files", run_files)
    assert bench("run", ECHO, "--deflate").exit_code == 0
    assert bench("run", ECHO).exit_code == 0
    assert [o.deflate for o in seen] == [True, False]


@pytest.mark.parametrize("deflate", [True, False])
def test_run_deflate_reaches_every_contender_the_reference_server_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deflate: bool
) -> None:
    monkeypatch.delenv("BENCH_WS_PER_MESSAGE_DEFLATE", raising=False)
    scenario = load_scenario(ECHO)
    config = server_config(scenario, RunOptions(deflate=deflate), None, tmp_path, "t")
    assert config.ws_per_message_deflate is deflate
    for contender in CONTENDERS:
        spec = server_spec(contender, port=8000, config=config)
        # The reference server (and the Node.js one) read it from the BENCH_* environment.
        assert spec.env["BENCH_WS_PER_MESSAGE_DEFLATE"] == ("1" if deflate else "0"), contender
        if spec.asgi_server == "uvicorn":
            flag = spec.argv.index("--ws-per-message-deflate")
            assert spec.argv[flag + 1] == str(deflate).lower(), contender
        if spec.asgi_server == "node":
            assert ("--deflate" in spec.argv) is deflate


def test_check_base_refuses_a_reference_it_would_ignore() -> None:
    # A/B mode judges each contender against its own base: --reference used to be dropped.
    result = bench("check", "--base", "HEAD", "--reference", "sio")
    assert result.exit_code == 2
    assert "--reference is for stored results, not --base" in result.output
