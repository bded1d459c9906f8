"""The IoT-dashboard scenario's devices: MQTT publishers whose telemetry dashboards watch.

With ``devices`` set, the senders are the devices, not the connections: device ``d`` belongs to
device group (room) ``d mod rooms.count`` and publishes to ``devices/<d>/telemetry`` at the
traffic's rate (``rate_per_connection`` is per device, ``total_rate`` over every device); the
connections are the dashboards, each joining its rooms and only receiving. Each server bridges
the broker to its rooms (docs/iot.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from loadgen.scenario.base import Loc, StrictModel

if TYPE_CHECKING:
    from loadgen.scenario.model import Scenario

# The contenders with an MQTT bridge (every ASGI server of the two frameworks, and Node's).
NO_BRIDGE = ("reference",)


class Devices(StrictModel):
    count: int = Field(ge=1, le=1_000_000)
    qos: Literal[0, 1] = 0


def device_problems(scenario: Scenario) -> list[tuple[Loc, str]]:
    """What the model checks when ``devices`` is set."""
    devices = scenario.devices
    if devices is None:
        return []
    problems: list[tuple[Loc, str]] = []
    traffic = scenario.traffic
    if traffic.mix.weights()[1:] != (0.0, 0.0, 0.0):
        msg = "devices only publish telemetry: set mix: {msg: 1} (history, presence, churn 0)"
        problems.append((("traffic", "mix"), msg))
    if traffic.senders != "all":
        problems.append((("traffic", "senders"), "with devices every device sends: leave 'all'"))
    if traffic.body != "text" or traffic.mode != "open":
        msg = "device telemetry is JSON text sent open-loop: body: text, mode: open"
        problems.append((("traffic",), msg))
    if scenario.backend.kind == "memory":
        msg = (
            "the Channels bridge (mqttasgi) is a process of its own that reaches the dashboards "
            "through the channel layer: set backend.kind: redis (the same for every contender)"
        )
        problems.append((("backend", "kind"), msg))
    if devices.count < scenario.rooms.count:
        msg = f"{devices.count} devices for {scenario.rooms.count} device groups (rooms)"
        problems.append((("devices", "count"), msg))
    for index, contender in enumerate(scenario.contenders):
        if contender in NO_BRIDGE:
            msg = f"{contender!r} has no MQTT bridge"
            problems.append((("contenders", index), msg))
    return problems
