"""Faults as scenario steps: clients come back, losses stay inside the outage, nothing is left."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import psutil
import pytest

from tests.conftest import TIMING
from tests.run.test_bench_run import assert_all_gone, bench, cmdline, descendants, result_of

pytestmark = [pytest.mark.integration, pytest.mark.slow, TIMING]

SCENARIO = """
name: fault-{name}
contenders: [sio, channels]
backend: {{kind: redis}}
instances: 2
connections: {{count: 20, ramp_up_s: 0.5}}
rooms: {{count: 2, members_per_room: 10}}
traffic: {{total_rate: 60, message_bytes: 64, arrival: uniform}}
phases:
  - {{name: steady, kind: steady, duration_s: 14}}
drain_s: 2
faults:
  - {fault}
"""
FAULTS = {
    "kill": "{at_s: 3, action: kill, instance: 1, restart_after_s: 1}",
    "redis": "{at_s: 3, action: redis_restart, restart_after_s: 1}",
}
# Backoff 1, 2, 4, 5, 5... s (+/-50 %): a client whose attempts fail while the server or Redis is
# still coming back may need four attempts, about 12 s in the worst draw.
BACK_WITHIN_S = 15.0
LAYER_RECOVERY_S = 5.0


def run_watched(
    scenario: Path, out: Path, redis_url: str
) -> tuple[int | None, str, list[psutil.Process]]:
    """``bench run`` to its end: its exit status, its output, and every process it started
    (seen while it ran, to check that none is left)."""
    proc = bench("run", str(scenario), "--out", str(out), env={"REDIS_URL": redis_url})
    seen: list[psutil.Process] = []
    while proc.poll() is None:
        seen.extend(p for p in descendants(proc.pid) if p not in seen and cmdline(p))
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.5)
    return proc.returncode, proc.stdout.read() if proc.stdout else "", seen


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_recovery_for_each_contender(name: str, tmp_path: Path, redis_url: str) -> None:
    scenario = tmp_path / f"fault-{name}.yaml"
    scenario.write_text(SCENARIO.format(name=name, fault=FAULTS[name]))
    returncode, output, seen = run_watched(scenario, tmp_path, redis_url)
    # exit 1 may only mean a busy machine flagged a run loadgen_bound; recovery is the point
    assert returncode in (0, 1), output
    doc = result_of(output)
    assert doc["status"] == "complete", doc["partial_reasons"]
    for run in doc["runs"]:
        label = run["contender"]
        [recovery] = run["recovery"]
        assert recovery["never_back"] == 0, (label, recovery)
        if recovery["dropped"]:
            assert recovery["all_back_after_s"] < BACK_WITHIN_S, (label, recovery)
        # The outage lasts until every client is back and the server's own Redis layer has
        # reconnected (python-socketio's listener backs off 1 s, 2 s, ... on its own): losses
        # must stay between the fault and that point, never before it and never after.
        back = recovery["all_back_after_s"] or 0.0
        outage_end = recovery["at_s"] + max(back, 1.0) + LAYER_RECOVERY_S
        outside = {s: n for s, n in run["lost_by_second"].items() if not 2 <= int(s) <= outage_end}
        assert outside == {}, f"{label} lost messages outside the outage window: {outside}"
        assert run["overall"]["duplicates"] == 0, label
    assert_all_gone(seen)
