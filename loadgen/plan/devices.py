"""The devices' telemetry streams of the IoT-dashboard scenario (pure, deterministic for the seed).

Device ``d`` is stream ``d`` of the plan: it belongs to device group (room) ``d mod rooms``,
its publish times are open-loop arrivals at the per-device rate through the phases (its own
``random.Random(f"{seed}/device/{d}")``), and each message id is ``message_id(d, seq)`` as for
a chat sender. A stream's sender is :data:`NO_SENDER`: no connection sends it, the load
generator's MQTT publisher does (:mod:`loadgen.clients.mqtt_devices`), and every dashboard in
the room is a recipient.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left
from collections.abc import Iterable

from loadgen.plan.arrivals import Segment, arrival_times
from loadgen.plan.model import PhaseWindow, Stream
from loadgen.scenario.model import Scenario

NO_SENDER = -1


def device_room(device: int, rooms: int) -> int:
    return device % rooms


def device_streams(scenario: Scenario, phases: tuple[PhaseWindow, ...]) -> tuple[Stream, ...]:
    """One stream per device of ``scenario.devices`` (none without devices)."""
    if scenario.devices is None:
        return ()
    segments = [Segment(p.start_s, p.end_s, p.from_multiplier, p.to_multiplier) for p in phases]
    rate = scenario.sender_rate
    poisson = scenario.traffic.arrival == "poisson"
    streams = []
    for device in range(scenario.devices.count):
        rng = random.Random(f"{scenario.seed}/device/{device}")
        times = array("d", (t for t, _phase in arrival_times(rng, rate, segments, poisson)))
        starts = tuple(bisect_left(times, p.start_s) for p in phases)
        room = device_room(device, scenario.rooms.count)
        streams.append(Stream(device, NO_SENDER, room, times, (*starts, len(times))))
    return tuple(streams)


def devices_for(devices: int, connections: int, mine: Iterable[int]) -> list[int]:
    """The devices a worker publishes for: device ``d`` goes with connection ``d mod
    connections``, so the workers' shares of the connections split the devices too."""
    owned = set(mine)
    return [d for d in range(devices) if d % connections in owned]
