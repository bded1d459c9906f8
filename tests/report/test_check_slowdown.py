"""`bench check` end to end on real runs: an unchanged tree passes, and a contender slowed by
an injected per-message delay (``BENCH_DELAY_MS_SIO``) is caught. Smoke-sized runs of
``scenarios/ci-short.yaml`` (sio and reference, 2 repetitions of 2 measured seconds, as
``bench check --base`` in tests/run/test_check_base.py, which catches the same 2 ms)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALONE, TIMING
from tests.report.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300), TIMING, ALONE]

DELAY_MS = "2"
RUN = (
    "run", "scenarios/ci-short.yaml", "--smoke", "--repetitions", "2", "--duration", "2",
    "--contender", "sio", "--contender", "reference", "--backend", "memory",
)  # fmt: skip


# The smoke preset's 20 connections ramp up over 1 s and each run drains 1 s after its measured
# phase: 0.3 s and 0.5 s do for deliveries of a few ms (p99 under 30 ms here), as in the
# runs of ``bench check --base`` (loadgen/abtest/model.py), and each of the 12 runs is 1.2 s
# shorter. The measured phases are unchanged; baseline and current are run alike.
SHORTER = {
    "BENCH_SCENARIO__CONNECTIONS__RAMP_UP_S": "0.3",
    "BENCH_SCENARIO__DRAIN_S": "0.5",
    "BENCH_SCENARIO__TRAFFIC__TOTAL_RATE": "100",
}


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT, env={**os.environ, **SHORTER, **(env or {})}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def run_suite(out: Path, env: dict[str, str] | None = None) -> Path:
    result = bench(*RUN, "--out", str(out), env=env)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    (path,) = out.glob("ci-short-*.json")
    scenario = json.loads(path.read_text())["scenario"]
    assert scenario["drain_s"] == 0.5 and scenario["connections"]["ramp_up_s"] == 0.3
    return path


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_suite(tmp_path_factory.mktemp("baseline"))


def check(
    current: Path, baseline: Path, tmp_path: Path, artifact: str
) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path / "check.json"
    result = bench("check", str(current), "--baseline", str(baseline), "--json", str(out))
    assert result.returncode in (0, 1), result.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / artifact).write_text(result.stdout)  # what the check said, for reading
    return result.returncode, result.stdout, json.loads(out.read_text())


def test_an_unchanged_tree_passes(baseline: Path, tmp_path: Path) -> None:
    current = run_suite(tmp_path / "current")
    status, text, data = check(current, baseline, tmp_path, "check-unchanged.md")
    assert status == 0, text
    assert "PASS" in text
    assert data["relative_to"] == "reference"


def test_an_injected_slowdown_is_caught(baseline: Path, tmp_path: Path) -> None:
    current = run_suite(tmp_path / "current", env={"BENCH_DELAY_MS_SIO": DELAY_MS})
    assert json.loads(current.read_text())["settings"]["injected_delay_ms"] == {"sio": 2.0}
    status, text, data = check(current, baseline, tmp_path, "check-slowdown.md")
    assert status == 1, text
    regressed = {(r["contender"], r["metric"]) for r in data["rows"] if r["status"] == "regressed"}
    assert ("sio", "p50_ms") in regressed, text
