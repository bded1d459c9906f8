"""Late is not lost: a saturated server, a killed server and a healthy one, told apart.

Real servers, real workers. A server slowed with ``BENCH_DELAY_MS`` (a blocking sleep per
message) has a known ceiling: 20 ms a message is at most 50 msgs/s, less its own work.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TIMING
from tests.run.test_bench_run import bench, result_of

pytestmark = [pytest.mark.integration, pytest.mark.slow, TIMING]

ECHO = """
name: overload-{name}
connections: {{count: 20, ramp_up_s: 0.3}}
rooms: {{count: 20, members_per_room: 1}}
traffic: {{total_rate: {rate}, message_bytes: 64}}
phases:
  - {{name: warmup, kind: warmup, duration_s: 1}}
  - {{name: steady, kind: steady, duration_s: {steady}}}
drain_s: 1
grace_s: 20
contenders: [{contender}]
expectations: [loss == 0]
{extra}
"""


def run(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> tuple[int, str, dict]:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    proc = bench("run", str(path), "--out", str(tmp_path), env=env)
    output, _ = proc.communicate(timeout=180)
    return proc.returncode, output, result_of(output)


@pytest.mark.parametrize("contender", ["sio", "channels"])
def test_a_server_offered_twice_its_limit_is_saturated_late_and_loses_nothing(
    contender: str, tmp_path: Path
) -> None:
    text = ECHO.format(name="slow", rate=100, steady=4, contender=contender, extra="")
    code, output, doc = run(tmp_path, text, env={"BENCH_DELAY_MS": "20"})
    assert code == 0, output  # loss == 0 holds: every delivery arrived, late
    (record,) = doc["runs"]
    overall, sat = record["overall"], record["saturation"]
    assert sat["saturated"] and overall["saturated"] == 1, sat
    # the delay alone caps it at 50/s; the server's own work per message comes on top
    assert 30 <= overall["served_deliveries_per_s"] <= 52, overall
    assert overall["offered_deliveries_per_s"] >= 90
    assert overall["late"] > 100 and overall["loss"] == 0 and overall["queued"] == 0
    assert overall["backlog_at_deadline"] >= overall["late"]
    assert record["grace"]["ended"] == "drained"
    assert sat["bound"] == "waiting"  # a sleep, not CPU
    assert "was saturated at" in output and "0 lost" in output


def test_a_server_killed_mid_run_loses_deliveries_and_is_not_called_saturated(
    tmp_path: Path,
) -> None:
    extra = "faults: [{at_s: 2, action: kill, instance: 0}]"
    text = ECHO.format(name="killed", rate=100, steady=5, contender="sio", extra=extra)
    code, output, doc = run(tmp_path, text)
    assert code == 1, output  # the loss == 0 expectation fails
    (record,) = doc["runs"]
    overall = record["overall"]
    assert overall["loss"] > 100 and overall["queued"] == 0, overall
    assert overall["late"] == 0
    assert not record["saturation"]["saturated"], record["saturation"]
    assert record["grace"]["ended"] in ("stalled", "drained"), record["grace"]


def test_a_run_well_below_capacity_is_neither_late_nor_lossy(tmp_path: Path) -> None:
    text = ECHO.format(name="easy", rate=40, steady=4, contender="sio", extra="")
    code, output, doc = run(tmp_path, text)
    assert code == 0, output
    (record,) = doc["runs"]
    overall = record["overall"]
    assert not record["saturation"]["saturated"], record["saturation"]
    assert overall["late"] == overall["loss"] == overall["queued"] == 0
    assert overall["served_ratio"] >= 0.95
    assert record["grace"]["ended"] == "drained" and record["grace"]["used_s"] < 1.0
    assert record["censored"] == []


def test_what_a_saturated_server_still_queues_when_the_grace_period_ends_is_not_lost(
    tmp_path: Path,
) -> None:
    text = ECHO.format(name="queued", rate=100, steady=4, contender="sio", extra="")
    text = text.replace("grace_s: 20", "grace_s: 2")
    code, output, doc = run(tmp_path, text, env={"BENCH_DELAY_MS": "20"})
    assert code == 0, output  # loss == 0: still queued is not lost
    (record,) = doc["runs"]
    overall = record["overall"]
    assert record["grace"]["ended"] == "cap", record["grace"]
    assert overall["queued"] > 50 and overall["loss"] == 0, overall
    assert overall["undelivered"] == overall["queued"]
    assert set(record["censored"]) >= {"p99_ms", "max_ms"}
    assert record["grace"]["served_per_s_at_end"] > 20
    assert "still queued when the grace period ended" in output
