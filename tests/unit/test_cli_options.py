"""Every ``bench`` option that matters reaches where it acts: not parsed and then dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bench import app
from tests.report.conftest import CI_BASE, CI_SLOW

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


def test_check_base_refuses_a_reference_it_would_ignore() -> None:
    # A/B mode judges each contender against its own base: --reference used to be dropped.
    result = bench("check", "--base", "HEAD", "--reference", "sio")
    assert result.exit_code == 2
    assert "--reference is for stored results, not --base" in result.output
