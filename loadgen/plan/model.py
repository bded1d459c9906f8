"""The plan's data: who connects when, which rooms, what each sender sends and when.

Built by :func:`loadgen.plan.build.build_plan`. Send schedules are parallel compact arrays (about 22
bytes per send), not objects. Times are seconds: connect times from the start of the connect
ramp, send times from the start of the first phase (the measured run).
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

OP_MSG, OP_HISTORY, OP_PRESENCE, OP_CHURN = 0, 1, 2, 3
OP_NAMES = ("msg", "history", "presence", "churn")
# A message id is one int: the sender stream in the high bits, the stream's seq in the low 32.
SEQ_BITS = 32
SEQ_MASK = (1 << SEQ_BITS) - 1
NO_ID = -1
# A churned connection is an optional recipient this long either side of its away window:
# the leave and the rejoin race the messages sent around them.
CHURN_GUARD_S = 0.5


def message_id(stream: int, seq: int) -> int:
    return (stream << SEQ_BITS) | seq


def split_message_id(msg_id: int) -> tuple[int, int]:
    """``(stream, seq)`` of a message id."""
    return msg_id >> SEQ_BITS, msg_id & SEQ_MASK


def room_name(index: int) -> str:
    return f"room-{index}"


def user_name(index: int) -> str:
    return f"u{index}"


@dataclass(frozen=True, slots=True)
class PhaseWindow:
    index: int
    name: str
    kind: str
    start_s: float
    end_s: float
    from_multiplier: float
    to_multiplier: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Schedule:
    """One connection's operations in time order, as parallel arrays.

    ``ids`` holds the message id of a ``msg`` and :data:`NO_ID` for other operations; for a
    ``churn`` the connection leaves ``room`` and rejoins it ``Plan.churn_away_s`` later.
    """

    times: array[float]  # 'd': intended time, seconds from the start of the first phase
    ops: array[int]  # 'B': OP_MSG, OP_HISTORY, OP_PRESENCE or OP_CHURN
    rooms: array[int]  # 'I': room index
    ids: array[int]  # 'q': message id or NO_ID
    phases: array[int]  # 'B': phase index

    def __len__(self) -> int:
        return len(self.times)

    def __iter__(self) -> Iterator[tuple[float, int, int, int, int]]:
        """``(time, op, room, id, phase)`` per operation."""
        return zip(self.times, self.ops, self.rooms, self.ids, self.phases, strict=True)


def empty_schedule() -> Schedule:
    return Schedule(array("d"), array("B"), array("I"), array("q"), array("B"))


@dataclass(frozen=True, slots=True)
class ConnectionPlan:
    index: int
    user: str
    token_user: str  # the user the token is minted for (the same user in every shipped plan)
    instance: int  # which server instance of the contender it connects to
    connect_at: float  # seconds from the start of the connect ramp
    rooms: tuple[int, ...]  # joined after connecting, before the first phase
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class Stream:
    """One sender's messages to one room; seq ``i`` was meant to be sent at ``times[i]``."""

    index: int
    sender: int
    room: int
    times: array[float]
    phase_starts: tuple[int, ...]  # first seq of each phase; the last entry is len(times)

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True, slots=True)
class Plan:
    seed: int
    phases: tuple[PhaseWindow, ...]
    connections: tuple[ConnectionPlan, ...]
    members: tuple[tuple[int, ...], ...]  # room index -> member connections (before churn)
    streams: tuple[Stream, ...]
    room_streams: tuple[tuple[int, ...], ...]  # room index -> streams sent to it
    away: Mapping[tuple[int, int], tuple[tuple[float, float], ...]]  # (conn, room) -> windows
    body: str | bytes  # every message carries this body (same bytes for every contender)
    mode: str  # "open" or "closed"
    arrival: str  # "poisson" or "uniform"
    window: int  # closed loop: operations in flight per sender
    history_limit: int
    churn_away_s: float
    ramp_up_s: float
    drain_s: float
    instances: int
    grace_s: float = 15.0  # after the drain: keep receiving late deliveries up to this long
    stall_s: float = 3.0  # ... and stop earlier when nothing arrives for this long
    devices: int = 0  # IoT dashboards: streams 0..devices-1 are MQTT devices (plan/devices.py)
    qos: int = 0  # ... publishing at this MQTT QoS

    @property
    def duration_s(self) -> float:
        return self.phases[-1].end_s

    @property
    def total_sends(self) -> int:
        """Every operation of the plan (with devices: their publishes; dashboards send none)."""
        if self.devices:
            return sum(len(s) for s in self.streams)
        return sum(len(c.schedule) for c in self.connections)

    @property
    def stream_lengths(self) -> list[int]:
        return [len(s) for s in self.streams]

    def phase_at(self, time: float) -> int:
        """Index of the phase that holds ``time`` (the last one past the end)."""
        starts = [p.start_s for p in self.phases]
        return max(0, min(bisect_right(starts, time) - 1, len(self.phases) - 1))

    def optional_seqs(self, receiver: int, stream: Stream) -> list[tuple[int, int]]:
        """Seq ranges ``[lo, hi)`` of ``stream`` that ``receiver`` may or may not get (churn)."""
        return optional_ranges(stream.times, self.away.get((receiver, stream.room), ()))

    def expected(self, stream: int, seq: int) -> tuple[int, int]:
        """``(certain, optional)`` recipients of one message, its sender included."""
        info = self.streams[stream]
        time = info.times[seq]
        optional = 0
        for member in self.members[info.room]:
            for leave, rejoin in self.away.get((member, info.room), ()):
                if leave - CHURN_GUARD_S <= time <= rejoin + CHURN_GUARD_S:
                    optional += 1
                    break
        return len(self.members[info.room]) - optional, optional

    def expected_totals(self) -> list[tuple[int, int]]:
        """``(certain, optional)`` deliveries per phase, summed over every message."""
        certain = [0] * len(self.phases)
        optional = [0] * len(self.phases)
        for stream in self.streams:
            size = len(self.members[stream.room])
            starts = stream.phase_starts
            for phase in range(len(self.phases)):
                certain[phase] += (starts[phase + 1] - starts[phase]) * size
            for member in self.members[stream.room]:
                for lo, hi in self.optional_seqs(member, stream):
                    for phase in range(len(self.phases)):
                        n = max(0, min(hi, starts[phase + 1]) - max(lo, starts[phase]))
                        certain[phase] -= n
                        optional[phase] += n
        return list(zip(certain, optional, strict=True))

    def digest(self) -> str:
        """sha256 over everything the plan holds: equal digests, identical plans."""
        h = hashlib.sha256()
        h.update(repr((self.seed, self.phases, self.members, self.body)).encode())
        h.update(repr((self.mode, self.arrival, self.window, self.history_limit)).encode())
        h.update(repr((self.churn_away_s, self.ramp_up_s, self.drain_s, self.instances)).encode())
        for c in self.connections:
            h.update(repr((c.index, c.user, c.token_user, c.instance, c.connect_at)).encode())
            h.update(repr(c.rooms).encode())
            for column in (c.schedule.times, c.schedule.ops, c.schedule.rooms, c.schedule.ids):
                h.update(column.tobytes())
            h.update(c.schedule.phases.tobytes())
        for s in self.streams:
            h.update(repr((s.index, s.sender, s.room, s.phase_starts)).encode())
            h.update(s.times.tobytes())
        h.update(repr(sorted(self.away.items())).encode())
        if self.devices:  # (left out otherwise: the digests of chat plans stay as they were)
            h.update(repr(("devices", self.devices, self.qos)).encode())
        return h.hexdigest()


def optional_ranges(
    times: Sequence[float], windows: Sequence[tuple[float, float]]
) -> list[tuple[int, int]]:
    """Merged seq ranges whose send time falls in a churn window widened by the guard."""
    ranges: list[tuple[int, int]] = []
    for leave, rejoin in windows:
        lo = bisect_left(times, leave - CHURN_GUARD_S)
        hi = bisect_right(times, rejoin + CHURN_GUARD_S)
        if lo >= hi:
            continue
        if ranges and lo <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(hi, ranges[-1][1]))
        else:
            ranges.append((lo, hi))
    return ranges
