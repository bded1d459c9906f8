"""``bench capacity`` end to end: the search finds a limit that is known in advance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, TIMING

pytestmark = [pytest.mark.integration, pytest.mark.slow, TIMING]
ROOT = Path(__file__).resolve().parents[2]

DELAY_MS = 20.0
CAPACITY = 1000.0 / DELAY_MS  # 50 msgs/s
# One sender alone in its room, sends evenly spaced: the server handles one message at a time
# and each costs DELAY_MS of blocking, so nothing queues below CAPACITY and the queue (and the
# latency measured from the intended send time) grows without bound above it.
CALIBRATION = """
name: capacity-calibration
description: one connection alone in its room, evenly spaced sends
contenders: [sio, channels]
connections: {count: 1, ramp_up_s: 0}
rooms: {count: 1, members_per_room: 1}
traffic: {total_rate: 40, arrival: uniform, message_bytes: 64}
drain_s: 1
"""


def test_capacity_search_finds_the_known_limit_of_a_delayed_server(tmp_path: Path) -> None:
    """Both servers run with ``BENCH_DELAY_MS=20``: every ``msg`` blocks the server's event
    loop for 20 ms once (before it is fanned out), so one server process handles at most
    1000 / 20 = 50 msgs/s. With rooms of one and evenly spaced sends from one connection the
    offered rate is exactly the rate of delayed handler calls, and the SLO ``p99 < 150 ms,
    no loss`` holds below 50 msgs/s (latency ~20 ms) and breaks above it: 3 s at 5 % over
    50 msgs/s queue ~150 ms of work, at 10 % over ~300 ms. The search must land within 15 %
    of 50 msgs/s for each contender.

    To stay short (about a minute) the search starts at 40 msgs/s (0.8 x the computed
    capacity, so that it still has to raise and bisect), steps by 1.25, stops at 10 %
    precision, runs 1 s + 2 s per step and does not re-run failures (``--confirm 0``).
    """
    path = tmp_path / "calibration.yaml"
    path.write_text(CALIBRATION)
    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "capacity", str(path), "--slo", "p99_ms<150,loss==0",
         "--step-factor", "1.25", "--precision", "0.1", "--confirm", "0",
         "--warmup", "1", "--step-duration", "2", "--out", str(tmp_path / "out")],
        cwd=ROOT, env={**os.environ, "BENCH_DELAY_MS": str(DELAY_MS)},
        capture_output=True, text=True, timeout=60 * TIMEOUT,
    )  # fmt: skip
    took = time.monotonic() - began
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("result: ")][-1]
    doc = json.loads(Path(line.removeprefix("result: ")).read_text())
    assert doc["kind"] == "sio-vs-channels-bench/capacity" and doc["status"] == "complete"
    assert doc["slo"] == ["p99_ms < 150", "loss == 0"] and len(doc["scenario_hash"]) == 64
    report = []
    for contender in ("sio", "channels"):
        entry = doc["contenders"][contender]
        found = entry["maximum"]
        steps = entry["steps"]
        report.append(f"{contender}: found {found['load']} vs computed {CAPACITY} ({took:.0f} s)")
        assert found["status"] == "found", (contender, found, steps)
        assert abs(found["load"] - CAPACITY) <= 0.15 * CAPACITY, (contender, found, steps)
        assert any(s["outcome"] == "fail" for s in steps) and steps[0]["outcome"] == "pass"
        for step in steps:
            assert step["server_delay_ms"] == DELAY_MS
            assert Path(step["result"]).is_file()
            assert step["valid"] and step["outcome"] in ("pass", "fail")
    print("\n".join(report))
    assert "the load of" in doc["comparison"] or "about the same" in doc["comparison"]
