"""Build the plan a scenario asks for: pure, deterministic for the seed, the same for every
contender (nothing in it depends on which server runs).

Decisions, documented in ``scenarios/README.md``:

- Send times are open-loop arrivals, Poisson by default (``traffic.arrival: uniform`` for even
  spacing with a random phase per sender), through the phases' rate multipliers and ramps.
  In closed-loop mode the same times are the earliest each operation may go.
- Each sender draws from its own ``random.Random(f"{seed}/send/{index}")``, so one sender's
  schedule does not depend on how many others there are.
- A sender stream is (sender, room); message ids are ints ``stream << 32 | seq`` with ``seq``
  counting that stream's messages from 0 (:func:`message_id`, :func:`split_message_id`).
- Connections are spread over server instances by their place in their first room, so that
  every room of two or more members spans instances.
"""

from __future__ import annotations

import heapq
import random
import string
from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate

from loadgen.plan.arrivals import Segment, arrival_times
from loadgen.plan.devices import device_streams
from loadgen.plan.model import (
    CHURN_GUARD_S,
    NO_ID,
    OP_CHURN,
    OP_MSG,
    OP_NAMES,
    ConnectionPlan,
    PhaseWindow,
    Plan,
    Schedule,
    Stream,
    empty_schedule,
    message_id,
    room_name,
    split_message_id,
    user_name,
)
from loadgen.scenario.model import Scenario

__all__ = [
    "OP_NAMES",
    "ConnectionPlan",
    "PhaseWindow",
    "Plan",
    "Schedule",
    "Stream",
    "body_for",
    "build_plan",
    "message_id",
    "partition",
    "room_name",
    "split_message_id",
    "user_name",
]

_TEXT_ALPHABET = string.ascii_letters + string.digits


def body_for(seed: int, size: int, kind: str) -> str | bytes:
    """The message body: ``size`` bytes (ASCII letters and digits for text), from the seed."""
    rng = random.Random(f"{seed}/body")
    if kind == "binary":
        return rng.randbytes(size)
    return "".join(rng.choices(_TEXT_ALPHABET, k=size))


def assign_rooms(scenario: Scenario) -> list[list[int]]:
    """Members of each room, by ``rooms.assignment``.

    Membership slots are filled from a cyclic walk over the connections, skipping one already
    in the room: ``fill`` walks room by room (room 0 gets connections 0..m-1), ``round_robin``
    member by member (connection i lands in room i mod rooms), ``random`` is ``fill`` over a
    seeded shuffle of the connections.
    """
    count = scenario.connections.count
    spec = scenario.rooms
    order = list(range(count))
    if spec.assignment == "random":
        random.Random(f"{scenario.seed}/rooms").shuffle(order)
    if spec.assignment == "round_robin":
        slots = [room for _ in range(spec.members_per_room) for room in range(spec.count)]
    else:
        slots = [room for room in range(spec.count) for _ in range(spec.members_per_room)]
    members: list[list[int]] = [[] for _ in range(spec.count)]
    present: list[set[int]] = [set() for _ in range(spec.count)]
    cursor = 0
    for room in slots:
        while order[cursor % count] in present[room]:
            cursor += 1
        connection = order[cursor % count]
        cursor += 1
        members[room].append(connection)
        present[room].add(connection)
    return members


def _phase_windows(scenario: Scenario) -> tuple[PhaseWindow, ...]:
    windows: list[PhaseWindow] = []
    start = 0.0
    for index, phase in enumerate(scenario.phases):
        low, high = phase.multipliers()
        end = start + phase.duration_s
        windows.append(PhaseWindow(index, phase.name, phase.kind, start, end, low, high))
        start = end
    return tuple(windows)


def _pick_senders(scenario: Scenario, rooms_of: list[list[int]]) -> list[int]:
    eligible = [c for c, rooms in enumerate(rooms_of) if rooms]
    wanted = min(scenario.senders, len(eligible))
    if wanted == len(eligible):
        return eligible
    return sorted(random.Random(f"{scenario.seed}/senders").sample(eligible, wanted))


class _Builder:
    """Accumulates the schedules and the streams while senders are walked in index order."""

    def __init__(self, scenario: Scenario, phases: tuple[PhaseWindow, ...]) -> None:
        self.scenario = scenario
        self.phases = phases
        self.segments = [
            Segment(p.start_s, p.end_s, p.from_multiplier, p.to_multiplier) for p in phases
        ]
        self.cumulative = list(accumulate(scenario.traffic.mix.weights()))
        self.stream_keys: list[tuple[int, int]] = []
        self.stream_times: list[array[float]] = []
        self.away: dict[tuple[int, int], tuple[tuple[float, float], ...]] = {}

    def schedule(self, sender: int, rooms: list[int]) -> Schedule:
        traffic = self.scenario.traffic
        rng = random.Random(f"{self.scenario.seed}/send/{sender}")
        streams = {}
        for room in rooms:
            streams[room] = len(self.stream_keys)
            self.stream_keys.append((sender, room))
            self.stream_times.append(array("d"))
        next_seq = dict.fromkeys(rooms, 0)
        free_at = dict.fromkeys(rooms, 0.0)  # a churned room is unusable until it is rejoined
        windows: dict[int, list[tuple[float, float]]] = {}
        out = empty_schedule()
        total = self.cumulative[-1]
        away_s = traffic.churn_away_s
        poisson = traffic.arrival == "poisson"
        for time, phase in arrival_times(rng, self.scenario.sender_rate, self.segments, poisson):
            op = bisect_right(self.cumulative, rng.random() * total)
            usable = [room for room in rooms if free_at[room] <= time]
            if not usable:
                continue  # every room is churned away: this operation is skipped
            room = usable[int(rng.random() * len(usable))] if len(usable) > 1 else usable[0]
            msg_id = NO_ID
            if op == OP_MSG:
                stream = streams[room]
                msg_id = message_id(stream, next_seq[room])
                next_seq[room] += 1
                self.stream_times[stream].append(time)
            elif op == OP_CHURN:
                windows.setdefault(room, []).append((time, time + away_s))
                free_at[room] = time + away_s + CHURN_GUARD_S
            out.times.append(time)
            out.ops.append(op)
            out.rooms.append(room)
            out.ids.append(msg_id)
            out.phases.append(phase)
        for room, spans in windows.items():
            self.away[(sender, room)] = tuple(spans)
        return out

    def streams(self) -> tuple[Stream, ...]:
        result = []
        for index, ((sender, room), times) in enumerate(
            zip(self.stream_keys, self.stream_times, strict=True)
        ):
            starts = tuple(bisect_left(times, p.start_s) for p in self.phases)
            result.append(Stream(index, sender, room, times, (*starts, len(times))))
        return tuple(result)


def build_plan(scenario: Scenario) -> Plan:
    """The whole plan of a scenario; see the module docstring for the decisions it makes."""
    count = scenario.connections.count
    members = assign_rooms(scenario)
    rooms_of: list[list[int]] = [[] for _ in range(count)]
    instance_of = [index % scenario.instances for index in range(count)]
    for room, room_members in enumerate(members):
        for position, connection in enumerate(room_members):
            if not rooms_of[connection]:
                instance_of[connection] = (room + position) % scenario.instances
            rooms_of[connection].append(room)
    phases = _phase_windows(scenario)
    builder = _Builder(scenario, phases)
    # With devices (IoT dashboards) the devices send and the connections only watch.
    senders = set() if scenario.devices else set(_pick_senders(scenario, rooms_of))
    ramp = scenario.connections.ramp_up_s
    idle = empty_schedule()
    connections = []
    for index in range(count):
        rooms = sorted(rooms_of[index])
        schedule = builder.schedule(index, rooms) if index in senders else idle
        user = user_name(index)
        connect_at = ramp * index / count
        connections.append(
            ConnectionPlan(
                index, user, user, instance_of[index], connect_at, tuple(rooms), schedule
            )
        )
    streams = device_streams(scenario, phases) if scenario.devices else builder.streams()
    room_streams: list[list[int]] = [[] for _ in members]
    for stream in streams:
        room_streams[stream.room].append(stream.index)
    traffic = scenario.traffic
    return Plan(
        seed=scenario.seed,
        phases=phases,
        connections=tuple(connections),
        members=tuple(tuple(sorted(m)) for m in members),
        streams=streams,
        room_streams=tuple(tuple(s) for s in room_streams),
        away=builder.away,
        body=body_for(scenario.seed, traffic.message_bytes, traffic.body),
        mode=traffic.mode,
        arrival=traffic.arrival,
        window=traffic.closed_window,
        history_limit=traffic.history_limit,
        churn_away_s=traffic.churn_away_s,
        ramp_up_s=ramp,
        drain_s=scenario.drain_s,
        instances=scenario.instances,
        grace_s=scenario.grace_s,
        devices=scenario.devices.count if scenario.devices else 0,
        qos=scenario.devices.qos if scenario.devices else 0,
    )


def partition(plan: Plan, n_workers: int) -> list[list[int]]:
    """Split the connections over ``min(n_workers, connections)`` workers, deterministically.

    Each connection weighs 1 + its sends + the deliveries it should receive; the heaviest go
    first to the least loaded worker (ties: lowest worker number). Each list is sorted.
    """
    if n_workers < 1:
        raise ValueError(f"n_workers should be >= 1, not {n_workers}")
    room_load = [sum(len(plan.streams[s]) for s in streams) for streams in plan.room_streams]
    weights = [
        1 + len(c.schedule) + sum(room_load[room] for room in c.rooms) for c in plan.connections
    ]
    workers = min(n_workers, len(plan.connections))
    heap = [(0, worker) for worker in range(workers)]
    shares: list[list[int]] = [[] for _ in range(workers)]
    for index in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        load, worker = heapq.heappop(heap)
        shares[worker].append(index)
        heapq.heappush(heap, (load + weights[index], worker))
    return [sorted(share) for share in shares]
