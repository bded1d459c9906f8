"""The IoT-dashboard scenario's pure parts: validation, the device streams, the wire format."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from loadgen.plan.build import build_plan, partition
from loadgen.plan.devices import NO_SENDER, devices_for
from loadgen.plan.model import split_message_id
from loadgen.scenario.errors import ScenarioError
from loadgen.scenario.load import load_scenario
from loadgen.scenario.resolve import resolve
from servers.common.protocol import ChatError
from servers.common.telemetry import telemetry_delivery, topic_for

SCENARIO = "scenarios/iot-dashboard.yaml"


def _data() -> dict[str, Any]:
    with open(SCENARIO) as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


def test_the_shipped_scenario_is_1000_devices_watched_by_50_dashboards() -> None:
    scenario = load_scenario(SCENARIO)
    assert scenario.devices is not None and scenario.devices.count == 1000
    assert scenario.connections.count == 50 and scenario.rooms.count == 10
    plan = build_plan(scenario)
    # every dashboard watches one group of 100 devices; 5 dashboards per group
    assert all(len(plan.members[room]) == 5 for room in range(10))
    assert sum(1 for s in plan.streams if s.room == 0) == 100
    assert all(len(c.schedule) == 0 for c in plan.connections)  # dashboards only watch
    steady = plan.phases[1]
    sends = sum(len(s) for s in plan.streams) - sum(s.phase_starts[1] for s in plan.streams)
    assert sends == pytest.approx(1000 * steady.duration_s, rel=0.01)  # 1 msg/s per device


def test_smoke_runs_few_devices_with_one_per_room_at_least() -> None:
    scenario = resolve(_data(), cli={"smoke": True})
    assert scenario.devices is not None
    assert scenario.rooms.count <= scenario.devices.count <= 20
    assert scenario.duration_s <= 3


def test_devices_are_streams_of_their_group_that_no_connection_sends() -> None:
    plan = build_plan(resolve(_data(), cli={"smoke": True}))
    rooms = len(plan.members)
    for device, stream in enumerate(plan.streams):
        assert stream.index == device and stream.sender == NO_SENDER
        assert stream.room == device % rooms
    expected = plan.expected_totals()
    deliveries = sum(len(s) * len(plan.members[s.room]) for s in plan.streams)
    assert sum(certain for certain, _ in expected) == deliveries


def test_every_device_is_published_by_exactly_one_worker() -> None:
    plan = build_plan(load_scenario(SCENARIO))
    for workers in (1, 2, 3, 7):
        shares = [
            devices_for(plan.devices, len(plan.connections), p) for p in partition(plan, workers)
        ]
        flat = sorted(d for share in shares for d in share)
        assert flat == list(range(plan.devices))


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"backend": {"kind": "memory"}}, "backend.kind"),
        ({"traffic": {"rate_per_connection": 1, "mix": {"msg": 1, "presence": 0.1}}}, "mix"),
        ({"contenders": ["sio", "reference"]}, "no MQTT bridge"),
        ({"devices": {"count": 5}}, "device groups"),
        ({"devices": {"count": 10, "qos": 2}}, "qos"),
    ],
)
def test_invalid_device_scenarios_name_the_field(override: dict[str, Any], needle: str) -> None:
    data = {**_data(), **override}
    with pytest.raises(ScenarioError, match=needle):
        resolve(data, source="iot")


def test_a_telemetry_message_is_the_rooms_chat_delivery_from_the_device() -> None:
    out = telemetry_delivery(
        topic_for(7), b'{"room": "room-1", "id": 4294967299, "ts": 1.5, "body": "x"}', 64
    )
    assert out == {"room": "room-1", "id": 4294967299, "ts": 1.5, "from": "device-7", "body": "x"}
    assert split_message_id(out["id"]) == (1, 3)
    for topic, payload in [
        ("devices/7/status", b'{"room": "r", "id": 1, "ts": 0, "body": "x"}'),
        (topic_for(7), b"not json"),
        (topic_for(7), b'{"room": "r", "id": 1, "ts": 0, "body": "' + b"x" * 65 + b'"}'),
    ]:
        with pytest.raises(ChatError):
            telemetry_delivery(topic, payload, 64)


def test_the_report_names_each_contenders_bridge() -> None:
    from report.iot import bridges_sentence

    said = bridges_sentence(["sio", "channels-daphne", "sio-node"])
    assert "sio: an aiomqtt" in said and "channels-daphne: mqttasgi" in said
    assert "sio-node: an mqtt.js" in said and "83 msgs/s" in said
    assert bridges_sentence(["reference"]) == ""
