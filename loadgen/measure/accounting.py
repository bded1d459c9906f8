"""Delivery accounting per sender stream: loss, duplicates, out-of-order.

A receiving connection owns a :class:`DeliveryTracker` and calls :meth:`DeliveryTracker.record`
with each delivered message id (O(1): one bit per expected message of each stream it hears).
After the drain, :func:`reconcile` compares what arrived with what the plan expected and
returns counts per phase; counts merge across receivers and workers by addition.

Definitions (per receiver and sender stream, the stream's seqs numbered from 0):
- expected: messages sent while the receiver was certainly in the room;
- optional: messages sent around a churn of the receiver (it may or may not get them);
- late: messages that arrived after the run's deadline (plan end + drain), within the grace
  period that follows it (their latency is known: late is not lost);
- undelivered: expected messages still missing when the grace period ended; split into
- queued: undelivered, but the receiver's server was still delivering when the grace period
  ran out (a saturated server's queue), and
- lost: undelivered with evidence of loss (the receiver's connection dropped, or nothing
  arrived any more while deliveries were outstanding);
- duplicate: a message that arrived again;
- out of order: a message that arrived after one with a higher seq of the same stream;
- unexpected: a message from a stream of a room the receiver never joined;
- stray: an id that names no planned message.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields

from loadgen.plan.model import SEQ_BITS, SEQ_MASK, Plan

IN_ORDER, OUT_OF_ORDER, DUPLICATE, STRAY = 0, 1, 2, 3


class DeliveryTracker:
    """What one receiver got, per sender stream; :meth:`record` is the hot path."""

    __slots__ = ("_bits", "_lengths", "_top", "duplicate_ids", "out_of_order_ids", "stray")

    def __init__(self, stream_lengths: Sequence[int]) -> None:
        self._lengths = stream_lengths
        self._bits: dict[int, bytearray] = {}
        self._top: dict[int, int] = {}
        self.duplicate_ids: array[int] = array("q")
        self.out_of_order_ids: array[int] = array("q")
        self.stray = 0

    def record(self, msg_id: int) -> int:
        """Count one delivery; returns IN_ORDER, OUT_OF_ORDER, DUPLICATE or STRAY."""
        stream = msg_id >> SEQ_BITS
        seq = msg_id & SEQ_MASK
        bits = self._bits.get(stream)
        if bits is None:
            if not 0 <= stream < len(self._lengths):
                self.stray += 1
                return STRAY
            bits = self._bits[stream] = bytearray((self._lengths[stream] + 7) >> 3)
            self._top[stream] = -1
        if seq >= self._lengths[stream]:
            self.stray += 1
            return STRAY
        byte = seq >> 3
        mask = 1 << (seq & 7)
        old = bits[byte]
        if old & mask:
            self.duplicate_ids.append(msg_id)
            return DUPLICATE
        bits[byte] = old | mask
        if seq < self._top[stream]:
            self.out_of_order_ids.append(msg_id)
            return OUT_OF_ORDER
        self._top[stream] = seq
        return IN_ORDER

    def streams(self) -> list[int]:
        """Streams this receiver heard from, in order."""
        return sorted(self._bits)

    def seen(self, stream: int) -> int:
        """The received seqs of ``stream`` as an int bit set (bit ``seq`` set if received)."""
        bits = self._bits.get(stream)
        return int.from_bytes(bits, "little") if bits else 0


@dataclass(slots=True)
class DeliveryCounts:
    """Mergeable counts (add them); ``lost = expected - received - queued``."""

    expected: int = 0
    received: int = 0
    late: int = 0
    queued: int = 0
    optional: int = 0
    optional_received: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    unexpected: int = 0
    stray: int = 0

    @property
    def undelivered(self) -> int:
        return self.expected - self.received

    @property
    def lost(self) -> int:
        return self.expected - self.received - self.queued

    @property
    def loss_pct(self) -> float:
        return 100.0 * self.lost / self.expected if self.expected else 0.0

    def __iadd__(self, other: DeliveryCounts) -> DeliveryCounts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self) -> dict[str, float]:
        return {
            **asdict(self), "lost": self.lost, "loss_pct": self.loss_pct,
            "undelivered": self.undelivered,
        }  # fmt: skip

    def mark_queued(self) -> None:
        """Call what is still missing queued, not lost (the server was still delivering)."""
        self.queued = self.expected - self.received


@dataclass(slots=True)
class DeliveryReport:
    """Counts per phase of the plan, plus the ids that named no planned message."""

    phases: list[DeliveryCounts]
    stray: int = 0
    receivers: int = 0

    def merge(self, other: DeliveryReport) -> None:
        for mine, theirs in zip(self.phases, other.phases, strict=True):
            mine += theirs
        self.stray += other.stray
        self.receivers += other.receivers

    def total(self) -> DeliveryCounts:
        result = DeliveryCounts(stray=self.stray)
        for counts in self.phases:
            result += counts
        return result


def _bits_between(seen: int, lo: int, hi: int) -> int:
    return ((seen >> lo) & ((1 << (hi - lo)) - 1)).bit_count() if hi > lo else 0


def reconcile(plan: Plan, receiver: int, tracker: DeliveryTracker) -> DeliveryReport:
    """Compare one receiver's deliveries with the plan (after the drain, not the hot path)."""
    n_phases = len(plan.phases)
    report = DeliveryReport([DeliveryCounts() for _ in range(n_phases)], tracker.stray, 1)
    rooms = set(plan.connections[receiver].rooms)
    for room in sorted(rooms):
        for index in plan.room_streams[room]:
            stream = plan.streams[index]
            seen = tracker.seen(index)
            optional = plan.optional_seqs(receiver, stream)
            starts = stream.phase_starts
            for phase in range(n_phases):
                lo, hi = starts[phase], starts[phase + 1]
                if lo == hi:
                    continue
                opt_total = opt_got = 0
                for a, b in optional:
                    a, b = max(a, lo), min(b, hi)
                    if a < b:
                        opt_total += b - a
                        opt_got += _bits_between(seen, a, b)
                counts = report.phases[phase]
                counts.expected += hi - lo - opt_total
                counts.received += _bits_between(seen, lo, hi) - opt_got
                counts.optional += opt_total
                counts.optional_received += opt_got
    for index in tracker.streams():
        stream = plan.streams[index]
        if stream.room in rooms:
            continue
        seen = tracker.seen(index)
        starts = stream.phase_starts
        for phase in range(n_phases):
            report.phases[phase].unexpected += _bits_between(seen, starts[phase], starts[phase + 1])
    for msg_id in tracker.duplicate_ids:
        report.phases[_phase_of(plan, msg_id)].duplicates += 1
    for msg_id in tracker.out_of_order_ids:
        report.phases[_phase_of(plan, msg_id)].out_of_order += 1
    return report


def _phase_of(plan: Plan, msg_id: int) -> int:
    stream = plan.streams[msg_id >> SEQ_BITS]
    return min(bisect_right(stream.phase_starts, msg_id & SEQ_MASK) - 1, len(plan.phases) - 1)


@dataclass(frozen=True, slots=True)
class StreamTally:
    received: int
    lost: int
    duplicates: int
    out_of_order: int
    stray: int


def tally(seqs: Iterable[int], length: int) -> StreamTally:
    """The reference definition, for one receiver and one stream of ``length`` messages.

    ``seqs`` are the delivered seqs in arrival order. Duplicates are counted before order:
    a repeated seq is a duplicate, never also out of order.
    """
    seen: set[int] = set()
    top = -1
    duplicates = out_of_order = stray = 0
    for seq in seqs:
        if not 0 <= seq < length:
            stray += 1
        elif seq in seen:
            duplicates += 1
        else:
            seen.add(seq)
            if seq < top:
                out_of_order += 1
            top = max(top, seq)
    return StreamTally(len(seen), length - len(seen), duplicates, out_of_order, stray)


def lost_by_second(plan: Plan, receiver: int, tracker: DeliveryTracker) -> dict[int, int]:
    """Expected deliveries to ``receiver`` that never arrived, by second of intended send time.

    After the drain, not on the hot path; used to show *when* messages were lost (a fault's
    outage window), beside the per-phase totals of :func:`reconcile`.
    """
    lost: dict[int, int] = {}
    for room in sorted(set(plan.connections[receiver].rooms)):
        for index in plan.room_streams[room]:
            stream = plan.streams[index]
            seen = tracker.seen(index)
            full = (1 << len(stream)) - 1
            missing = full & ~seen
            for lo, hi in plan.optional_seqs(receiver, stream):
                missing &= ~(((1 << (hi - lo)) - 1) << lo)
            while missing:
                low = missing & -missing
                seq = low.bit_length() - 1
                second = int(stream.times[seq]) if stream.times[seq] > 0 else 0
                lost[second] = lost.get(second, 0) + 1
                missing ^= low
    return lost
