"""``bench run scenarios/iot-dashboard.yaml --smoke`` end to end against a private Mosquitto:
real servers with their bridges, real devices and dashboards, a real result file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from servers.launch.ports import free_port
from tests.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.slow, TIMING]
ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_smoke_run_delivers_every_device_message_to_every_dashboard_of_its_group(
    mqtt_url: str, redis_url: str, tmp_path: Path
) -> None:
    done = bench(
        "run", "scenarios/iot-dashboard.yaml", "--smoke", "--mqtt-url", mqtt_url,
        "--redis-url", redis_url, "--out", str(tmp_path), timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = tmp_path.glob("iot-dashboard-*.json")
    document = json.loads(path.read_text())
    runs = {run["contender"]: run for run in document["runs"]}
    assert set(runs) == {"sio", "channels", "sio-node"}
    for contender, run in runs.items():
        overall = run["overall"]
        assert overall["sent"] > 0, contender
        # every dashboard of the device's group is a recipient: 5 per message
        assert overall["expected"] == 5 * overall["sent"], contender
        assert overall["received"] == overall["expected"], (contender, overall)
        assert overall["lost"] == 0 and overall["duplicates"] == 0, contender
        assert overall["p99_ms"] is not None, contender
        # a device's publish awaits no ack: nothing is outstanding (servers can serve a next step)
        assert overall["acks_outstanding_at_deadline"] == 0, contender
    # Channels' bridge is a process of its own: its CPU is sampled as Channels' server CPU
    processes = runs["channels"]["resources"]["processes"]
    assert "channels[0]/mqttasgi" in processes, sorted(processes)
    assert any(v is not None for v in processes["channels[0]/mqttasgi"]["cpu_percent"])
    assert not [name for name in runs["sio"]["resources"]["processes"] if "/" in name]


def test_a_broker_that_is_down_is_exit_2_naming_the_url(tmp_path: Path) -> None:
    url = f"mqtt://127.0.0.1:{free_port()}"
    done = bench(
        "run", "scenarios/iot-dashboard.yaml", "--smoke", "--mqtt-url", url,
        "--out", str(tmp_path), timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert url in done.stderr and "mosquitto" in done.stderr
    assert not list(tmp_path.glob("*.json"))
