"""``bench capacity`` over the IoT dashboard: a step's load is the devices' publish rate, the
SLO reads the dashboards' deliveries; what cannot apply is exit 2 before anything starts."""

from __future__ import annotations

import io
from pathlib import Path

from commands.capacity import CapacityRequest, run_capacity
from commands.exit_codes import EXIT_BAD_INPUT
from loadgen.capacity.model import parse_slo, scenario_at, unit_of
from loadgen.capacity.request import prepare
from loadgen.plan.build import build_plan
from loadgen.run.runner import RunOptions
from loadgen.scenario.load import load_scenario
from report.capacity_text import render
from servers.launch.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
IOT = ROOT / "scenarios" / "iot-dashboard.yaml"
SLO = parse_slo("p99_ms<250,loss==0")


def test_a_steps_load_is_the_devices_publish_rate_and_its_dashboards_stay() -> None:
    base = load_scenario(IOT)
    step = scenario_at(base, "rate", 120.0, warmup_s=1.0, steady_s=5.0, slo=SLO)
    assert step.devices == base.devices and step.connections == base.connections
    assert step.senders == base.devices.count  # every device publishes ...
    assert abs(step.sender_rate * step.senders - 120.0) < 1e-9  # ... 120 msgs/s together
    assert unit_of(step, "rate") == "msgs/s"
    plan = build_plan(step)
    assert plan.devices == base.devices.count
    assert abs(plan.total_sends / plan.duration_s - 120.0) <= 6  # ~120 publishes/s planned
    assert [str(e) for e in step.expectations] == ["p99_ms < 250", "loss == 0"]


def capacity(
    *, dimension: str = "rate", mqtt_url: str | None = None, redis_url: str | None = None
) -> tuple[int, str]:
    err = io.StringIO()
    request = CapacityRequest(IOT, "p99_ms<250,loss==0", dimension=dimension)
    options = RunOptions(out_dir=Path("/nonexistent"), mqtt_url=mqtt_url, redis_url=redis_url)
    return run_capacity(request, options, out=io.StringIO(), err=err), err.getvalue()


def test_searching_devices_by_connections_is_refused_naming_the_rate() -> None:
    code, said = capacity(dimension="connections")
    assert code == EXIT_BAD_INPUT
    assert "devices' publish rate" in said and "--dimension rate" in said


def test_a_broker_that_is_down_is_exit_2_before_any_step(redis_url: str) -> None:
    url = f"mqtt://127.0.0.1:{free_port()}"
    code, said = capacity(mqtt_url=url, redis_url=redis_url)  # Redis is up: the broker is not
    assert code == EXIT_BAD_INPUT
    assert url in said and "mosquitto" in said


def test_devices_searched_side_by_side_start_their_servers_every_step() -> None:
    """A kept server's bridge stays subscribed to the shared subscription: the broker would
    hand it half of another contender's messages."""
    request = CapacityRequest(IOT, "p99_ms<250,loss==0")
    assert not prepare(request, ("sio", "channels")).reuse_servers
    assert prepare(request, ("channels",)).reuse_servers  # alone, nothing else subscribes
    chat = CapacityRequest(ROOT / "scenarios" / "capacity.yaml", "p99_ms<50")
    assert prepare(chat, ("sio", "channels")).reuse_servers


def test_the_printed_steps_of_a_devices_search_show_deliveries_not_acks() -> None:
    step = {"index": 1, "load": 80.0, "outcome": "pass", "p50_ms": 42.0, "p99_ms": 240.0,
            "msgs_per_s": 0.0, "served_deliveries_per_s": 396.3, "served_ratio": 1.0,
            "loss": 0, "valid": True, "server": "started"}  # fmt: skip
    doc = {
        "search": {"unit": "msgs/s", "dimension": "rate"}, "slo": ["p99_ms < 250"],
        "status": "complete", "comparison": "",
        "scenario": {"name": "iot-dashboard", "devices": {"count": 1000, "qos": 0}},
        "contenders": {"channels": {"steps": [step], "search_s": 20.0,
                                    "maximum": {"text": "at least 80 msgs/s"}}},
    }  # fmt: skip
    header, row = render(doc).splitlines()[1:3]
    assert "del/s" in header.split() and header.split().count("msgs/s") == 1  # the load's
    assert "396" in row.split()
