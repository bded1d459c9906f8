"""What one worker measures: the sample record it produces, and the recorder that fills it.

A delivery's latency is measured from the message's intended send time (coordinated omission
corrected) and, beside it, from the actual send time carried in the message's ``ts``. Every
recipient's delivery is a sample. ``ts`` is the sender's seconds since the run's shared start, so
that workers on several hosts (each measuring with its own monotonic clock, started together by
wall-clock) read it alike. The :class:`Recorder` takes what comes back (deliveries, acks,
errors); the sending side (lag, sent counts and times) is recorded by
:mod:`loadgen.run.scheduler` as it sends.
"""

from __future__ import annotations

import dataclasses
import time
from array import array
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from loadgen.measure.accounting import OUT_OF_ORDER, DeliveryTracker
from loadgen.measure.stats import LatencyHistogram
from loadgen.measure.timeseries import TimeSeries
from loadgen.plan.model import SEQ_BITS, SEQ_MASK, Plan

# The event loop's timers have a resolution of 1 ms, so a send may go out up to that much early
# or late. Latency "from the intended time" charges lateness beyond this tolerance only: timer
# slack is not a server's stall, a stall of the load generator or the server is.
SCHEDULE_TOLERANCE_S = 0.001


@dataclass
class Grace:
    """The grace period after the deadline, and how it ended.

    ``drained``: nothing outstanding any more; ``stalled``: nothing arrived for ``stall_s``
    while deliveries were outstanding (what is missing is lost); ``cap``: ``cap_s`` ran out
    while deliveries still arrived (what is missing was still queued); ``stopped``: the run
    was stopped; ``none``: not reached.
    """

    cap_s: float
    stall_s: float
    used_s: float = 0.0
    ended: str = "none"
    ended_at_s: float | None = None  # seconds from the run's start
    outstanding_at_end: int = 0
    served_per_s_at_end: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Samples:
    """Everything one worker measured; merged across workers by :mod:`loadgen.run.worker_result`."""

    phases: int
    delivery: list[LatencyHistogram] = field(default_factory=list)
    delivery_uncorrected: list[LatencyHistogram] = field(default_factory=list)
    # the deliveries whose receiver is on another server instance than their sender
    delivery_cross: list[LatencyHistogram] = field(default_factory=list)
    ack: list[LatencyHistogram] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)  # deliveries received after the deadline
    acks_late: list[int] = field(default_factory=list)
    connect: LatencyHistogram = field(default_factory=LatencyHistogram)
    lag: LatencyHistogram = field(default_factory=LatencyHistogram)
    timeseries: TimeSeries = field(default_factory=TimeSeries)
    connected: int = 0
    reconnected: int = 0
    connect_errors: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        for name in ("delivery", "delivery_uncorrected", "delivery_cross", "ack"):
            setattr(self, name, [LatencyHistogram() for _ in range(self.phases)])
        self.acked = [0] * self.phases
        self.sent = [0] * self.phases
        self.late = [0] * self.phases
        self.acks_late = [0] * self.phases


class Recorder:
    """Records what comes back to the connections ``mine`` of ``plan`` into :attr:`samples`.

    ``t_start`` is the monotonic time of the plan's time 0 (start of the first phase), set when
    the run starts; what arrives after ``deadline`` (plan end + drain) is late.
    """

    def __init__(self, plan: Plan, mine: list[int]) -> None:
        self.samples = Samples(len(plan.phases))
        self.t_start = 0.0
        self.deadline = float("inf")
        self.received = 0  # new deliveries (not duplicates or strays), for the grace period
        self.ack_errors = 0
        self.open_loop = plan.mode == "open"
        self._stream_times = [s.times for s in plan.streams]
        self._stream_phase_starts = [s.phase_starts[1:-1] for s in plan.streams]
        # The instance each stream's sender is on (-1: devices, no instance): a delivery to a
        # connection on another instance crossed the backplane between instances.
        self._stream_instance: list[int] | None = (
            [plan.connections[s.sender].instance for s in plan.streams]
            if not plan.devices and plan.instances > 1
            else None  # one instance (or devices): nothing crosses, nothing to look up
        )
        mine_set = set(mine)
        # When each message of this worker's senders went out (monotonic), for the ack latency.
        self.sent_at: dict[int, array[float]] = {
            s.index: array("d", bytes(8 * len(s))) for s in plan.streams if s.sender in mine_set
        }

    def delivery_callback(self, tracker: DeliveryTracker, instance: int = -1) -> Any:
        """The hot path: one receiving connection's ``on_message`` (its server ``instance``)."""
        samples = self.samples
        stream_times = self._stream_times
        phase_starts = self._stream_phase_starts
        delivery = samples.delivery
        uncorrected = samples.delivery_uncorrected
        series = samples.timeseries
        record = tracker.record
        open_loop = self.open_loop
        late_counts = samples.late
        cross = samples.delivery_cross
        sender_instance = self._stream_instance

        def on_message(msg: dict[str, Any], received: float) -> None:
            msg_id = msg["id"]
            if type(msg_id) is not int:
                samples.errors["stray_id"] += 1
                return
            stream = msg_id >> SEQ_BITS
            seq = msg_id & SEQ_MASK
            try:
                intended = self.t_start + stream_times[stream][seq]
                phase = bisect_right(phase_starts[stream], seq)
            except IndexError:
                samples.errors["stray_id"] += 1
                return
            sent = self.t_start + msg["ts"]  # ts: the sender's seconds since the shared start
            actual_us = int((received - sent) * 1e6)
            late = sent - intended - SCHEDULE_TOLERANCE_S
            corrected_us = actual_us + int(late * 1e6) if open_loop and late > 0 else actual_us
            delivery[phase].record(corrected_us if corrected_us > 0 else 1)
            uncorrected[phase].record(actual_us if actual_us > 0 else 1)
            if sender_instance is not None and sender_instance[stream] != instance:
                cross[phase].record(corrected_us if corrected_us > 0 else 1)
            series.add_delivery(received - self.t_start, corrected_us)
            if record(msg_id) <= OUT_OF_ORDER:
                self.received += 1
                if received > self.deadline:
                    late_counts[phase] += 1

        return on_message

    def on_ack(self, reply: dict[str, Any], received: float) -> None:
        """An open-loop message's ack, timed from its intended send time like a delivery."""
        msg_id = reply.get("id")
        if msg_id is None or "error" in reply:
            self.ack_errors += 1
            self.count_error(reply.get("error", {}).get("code", "ack_without_id"), received)
            return
        stream = msg_id >> SEQ_BITS
        seq = msg_id & SEQ_MASK
        phase = bisect_right(self._stream_phase_starts[stream], seq)
        sent = self.sent_at[stream][seq]
        late = sent - self.t_start - self._stream_times[stream][seq] - SCHEDULE_TOLERANCE_S
        latency = received - sent + (late if late > 0 else 0.0)
        self.samples.ack[phase].record(max(1, int(latency * 1e6)))
        self.samples.acked[phase] += 1
        self.samples.timeseries.add_acked(received - self.t_start)
        if received > self.deadline:
            self.samples.acks_late[phase] += 1

    def on_reply(self, reply: dict[str, Any], phase: int, sent: float, received: float) -> None:
        """A closed-loop message's reply, awaited by its sender: timed from when it was sent."""
        if "error" in reply:
            self.ack_errors += 1
            self.count_error(reply["error"].get("code", "error"), received)
        else:
            self.samples.ack[phase].record(max(1, int((received - sent) * 1e6)))
            self.samples.acked[phase] += 1
            self.samples.timeseries.add_acked(received - self.t_start)

    def on_error(self, error: dict[str, Any]) -> None:
        self.count_error(str(error.get("code", "error_event")), time.monotonic())

    def count_error(self, code: str, when: float) -> None:
        self.samples.errors[code] += 1
        self.samples.timeseries.add_error(when - self.t_start)
