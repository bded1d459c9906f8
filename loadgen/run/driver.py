"""One worker's measurement: connect its share of the plan, replay the schedule, record samples.

Open loop by default: every operation has an intended time from the plan and is sent then, or
as soon as possible when late (the lag is recorded). A delivery's latency is measured from the
message's intended send time (coordinated omission corrected) and, beside it, from the actual
send time carried in the message's ``ts``. Every recipient's delivery is a sample. ``ts`` is
the sender's seconds since the run's shared start, so that workers on several hosts (each
measuring with its own monotonic clock, started together by wall-clock) read it alike.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from array import array
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psutil

from loadgen.clients import make_client
from loadgen.clients.base import ChatClient, ClientClosed, ConnectRefused
from loadgen.clients.reconnect import ReconnectPolicy, reconnect
from loadgen.measure.accounting import (
    OUT_OF_ORDER,
    DeliveryCounts,
    DeliveryReport,
    DeliveryTracker,
    lost_by_second,
    reconcile,
)
from loadgen.measure.stats import LatencyHistogram
from loadgen.measure.timeseries import TimeSeries
from loadgen.plan.model import (
    OP_CHURN,
    OP_HISTORY,
    OP_MSG,
    OP_PRESENCE,
    SEQ_BITS,
    SEQ_MASK,
    Plan,
    room_name,
)

CONNECT_TIMEOUT_S = 15.0
# The event loop's timers have a resolution of 1 ms, so a send may go out up to that much early
# or late. Latency "from the intended time" charges lateness beyond this tolerance only: timer
# slack is not a server's stall, a stall of the load generator or the server is.
SCHEDULE_TOLERANCE_S = 0.001
EARLY_S = 0.001  # how early a send may go rather than wait for a timer that cannot be finer


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
    """Everything one worker measured; merged across workers by :mod:`loadgen.merge`."""

    phases: int
    delivery: list[LatencyHistogram] = field(default_factory=list)
    delivery_uncorrected: list[LatencyHistogram] = field(default_factory=list)
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
        for name in ("delivery", "delivery_uncorrected", "ack"):
            setattr(self, name, [LatencyHistogram() for _ in range(self.phases)])
        self.acked = [0] * self.phases
        self.sent = [0] * self.phases
        self.late = [0] * self.phases
        self.acks_late = [0] * self.phases


class Driver:
    """Drives the connections ``mine`` of ``plan`` against ``urls`` (one per server instance)."""

    def __init__(
        self,
        plan: Plan,
        mine: list[int],
        urls: list[str],
        tokens: dict[str, str],
        client_kind: str,
        library: str | None = None,
    ) -> None:
        self.plan = plan
        self.mine = mine
        self.urls = urls
        self.tokens = tokens
        self.client_kind = client_kind
        self.library = library
        self.samples = Samples(len(plan.phases))
        self.clients: dict[int, ChatClient] = {}
        self.trackers: dict[int, DeliveryTracker] = {}
        self.t_start = 0.0  # monotonic time of the plan's time 0 (start of the first phase)
        # The deadline (plan end + drain): what arrives later is late, within the grace period.
        self.deadline = float("inf")
        self.received = 0  # new deliveries (not duplicates or strays), for the grace period
        self.ack_errors = 0
        self.grace = Grace(plan.grace_s, plan.stall_s)
        self.stopping = asyncio.Event()
        self.open_loop = plan.mode == "open"
        self._closing = False
        self.reconnect_policy = ReconnectPolicy()
        self.outages: list[list[Any]] = []  # [connection, dropped at, back at or None]
        self._reconnecting: set[int] = set()
        self._expected_upper = 0
        self._stream_times = [s.times for s in plan.streams]
        self._stream_lengths = plan.stream_lengths  # one list shared by every tracker
        self._stream_phase_starts = [s.phase_starts[1:-1] for s in plan.streams]
        self._pending: set[asyncio.Task[Any]] = set()
        self._cpu_start = (0.0, 0.0)
        self._room_names = [room_name(i) for i in range(len(plan.members))]
        mine_set = set(mine)
        self._sent_at: dict[int, array[float]] = {
            s.index: array("d", bytes(8 * len(s))) for s in plan.streams if s.sender in mine_set
        }

    # -- connecting ---------------------------------------------------------------------------

    async def connect_all(self, t_connect0: float) -> None:
        """Open every connection at its planned offset from ``t_connect0`` and join its rooms."""
        await asyncio.gather(*(self._connect_one(i, t_connect0) for i in self.mine))
        plan = self.plan
        self._expected_upper = sum(
            len(plan.streams[s])
            for i in self.clients
            for room in plan.connections[i].rooms
            for s in plan.room_streams[room]
        )

    async def _connect_one(self, index: int, t_connect0: float) -> None:
        conn = self.plan.connections[index]
        delay = t_connect0 + conn.connect_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        client = self._new_client(index)
        began = time.monotonic()
        try:
            await asyncio.wait_for(
                client.connect(
                    self.urls[conn.instance % len(self.urls)], self.tokens[conn.token_user]
                ),
                CONNECT_TIMEOUT_S,
            )
            for room in conn.rooms:
                reply = await asyncio.wait_for(client.join(room_name(room)), CONNECT_TIMEOUT_S)
                if not reply.get("ok"):
                    raise RuntimeError(f"join refused: {reply}")
        except ConnectRefused as exc:
            self.samples.connect_errors[f"refused:{exc.code}"] += 1
            return
        except TimeoutError:
            self.samples.connect_errors["timeout"] += 1
            return
        except (OSError, RuntimeError, ConnectionError) as exc:
            self.samples.connect_errors[type(exc).__name__] += 1
            return
        self.samples.connect.record(max(1, int((time.monotonic() - began) * 1e6)))
        self.samples.connected += 1
        self.clients[index] = client

    def _new_client(self, index: int) -> ChatClient:
        client = (
            make_client(self.client_kind, library=self.library)
            if self.library
            else make_client(self.client_kind)
        )
        tracker = DeliveryTracker(self._stream_lengths)
        self.trackers[index] = tracker
        client.on_message = self._delivery_callback(tracker)
        client.on_error = self._on_error
        client.on_close = self._close_callback(index)
        return client

    # -- the hot path -------------------------------------------------------------------------

    def _delivery_callback(self, tracker: DeliveryTracker) -> Any:
        samples = self.samples
        stream_times = self._stream_times
        phase_starts = self._stream_phase_starts
        delivery = samples.delivery
        uncorrected = samples.delivery_uncorrected
        series = samples.timeseries
        record = tracker.record
        open_loop = self.open_loop
        late_counts = samples.late

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
            series.add_delivery(received - self.t_start, corrected_us)
            if record(msg_id) <= OUT_OF_ORDER:
                self.received += 1
                if received > self.deadline:
                    late_counts[phase] += 1

        return on_message

    def _on_ack(self, reply: dict[str, Any], received: float) -> None:
        msg_id = reply.get("id")
        if msg_id is None or "error" in reply:
            self.ack_errors += 1
            self._count_error(reply.get("error", {}).get("code", "ack_without_id"), received)
            return
        stream = msg_id >> SEQ_BITS
        seq = msg_id & SEQ_MASK
        phase = bisect_right(self._stream_phase_starts[stream], seq)
        sent = self._sent_at[stream][seq]
        late = sent - self.t_start - self._stream_times[stream][seq] - SCHEDULE_TOLERANCE_S
        latency = received - sent + (late if late > 0 else 0.0)
        self.samples.ack[phase].record(max(1, int(latency * 1e6)))
        self.samples.acked[phase] += 1
        self.samples.timeseries.add_acked(received - self.t_start)
        if received > self.deadline:
            self.samples.acks_late[phase] += 1

    def _on_error(self, error: dict[str, Any]) -> None:
        self._count_error(str(error.get("code", "error_event")), time.monotonic())

    def _count_error(self, code: str, when: float) -> None:
        self.samples.errors[code] += 1
        self.samples.timeseries.add_error(when - self.t_start)

    def _close_callback(self, index: int) -> Any:
        def on_close(reason: str) -> None:
            if self._closing:
                return
            if index in self._reconnecting:
                return  # a drop during a reconnection attempt: that attempt retries
            self.samples.dropped[reason or "closed"] += 1
            self.outages.append([index, time.monotonic() - self.t_start, None])
            if not self.stopping.is_set():
                self._reconnecting.add(index)
                self._spawn(self._reconnect(index, len(self.outages) - 1))

        return on_close

    async def _reconnect(self, index: int, outage: int) -> None:
        """Back with the shared policy (loadgen/clients/reconnect.py); record when."""
        conn = self.plan.connections[index]
        rng = random.Random(self.plan.seed * 1_000_003 + index * 7919 + outage)
        try:
            back = await reconnect(
                self.clients[index],
                self.urls[conn.instance % len(self.urls)],
                self.tokens[conn.token_user],
                [self._room_names[r] for r in conn.rooms],
                self.reconnect_policy,
                rng,
                lambda: self.stopping.is_set() or self._closing,
            )
        finally:
            self._reconnecting.discard(index)
        if back:
            self.outages[outage][2] = time.monotonic() - self.t_start
            self.samples.reconnected += 1

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # -- replaying the schedule ----------------------------------------------------------------

    def _merged_schedule(self) -> tuple[array[float], list[int], list[int]]:
        """Every operation of this worker's connections, in time order."""
        times: array[float] = array("d")
        owners: list[int] = []
        positions: list[int] = []
        for index in self.mine:
            if index not in self.clients:
                continue
            schedule = self.plan.connections[index].schedule
            times.extend(schedule.times)
            owners.extend([index] * len(schedule))
            positions.extend(range(len(schedule)))
        order = sorted(range(len(times)), key=times.__getitem__)
        return (
            array("d", (times[i] for i in order)),
            [owners[i] for i in order],
            [positions[i] for i in order],
        )

    async def run(self, t_start: float) -> None:
        """Replay the schedule from ``t_start`` until the end of the last phase, then drain."""
        self.t_start = t_start
        cpu = psutil.Process().cpu_times()
        self._cpu_start = (cpu.user + cpu.system, t_start)
        if self.open_loop:
            await self._run_open()
        else:
            await asyncio.gather(*(self._run_closed(i) for i in self.clients))
        self.deadline = t_start + self.plan.duration_s + self.plan.drain_s
        await self._sleep_until(self.deadline)
        await self._grace_period()
        if self._pending:
            await asyncio.wait(self._pending, timeout=self.plan.drain_s or 1.0)

    def outstanding(self) -> tuple[int, int]:
        """``(deliveries, acks)`` this worker still waits for (deliveries: an upper bound,
        churn's optional deliveries counted as expected)."""
        acks = sum(self.samples.sent) - sum(self.samples.acked) - self.ack_errors
        return self._expected_upper - self.received, acks if self.open_loop else 0

    async def _grace_period(self) -> None:
        """Keep receiving after the deadline until nothing is outstanding, nothing arrives any
        more, or the cap; see :class:`Grace`."""
        grace = self.grace
        begun = last_change = time.monotonic()
        last = (self.received, sum(self.samples.acked))
        history = [(begun, self.received)]
        while True:
            now = time.monotonic()
            deliveries, acks = self.outstanding()
            if self.stopping.is_set():
                grace.ended = "stopped"
            elif deliveries <= 0 and acks <= 0:
                grace.ended = "drained"
            elif now - last_change >= grace.stall_s:
                grace.ended = "stalled"
            elif now - begun >= grace.cap_s:
                grace.ended = "cap"
            if grace.ended != "none":
                break
            await asyncio.sleep(0.05)
            current = (self.received, sum(self.samples.acked))
            if current != last:
                last, last_change = current, time.monotonic()
            history.append((time.monotonic(), self.received))
        grace.used_s = now - begun
        grace.ended_at_s = now - self.t_start
        grace.outstanding_at_end = max(0, deliveries) + max(0, acks)
        recent = [(t, n) for t, n in history if t >= now - 1.0] or history[-1:]
        span = now - recent[0][0]
        grace.served_per_s_at_end = (self.received - recent[0][1]) / span if span > 0 else 0.0

    async def _sleep_until(self, when: float) -> None:
        """Sleep until ``when`` (monotonic), waking early when the run is stopped."""
        while not self.stopping.is_set():
            delay = when - time.monotonic()
            if delay <= 0:
                return
            await asyncio.sleep(delay if delay < 0.25 else 0.25)

    async def _run_open(self) -> None:
        times, owners, positions = self._merged_schedule()
        t_start = self.t_start
        stopping = self.stopping
        lag = self.samples.lag
        n = len(times)
        i = 0
        while i < n and not stopping.is_set():
            now = time.monotonic()
            wait = t_start + times[i] - now
            # The loop's timers tick in whole milliseconds and may wake a little early: one
            # sleep per wake-up, and what is due within the next EARLY_S goes now (early sends
            # are not charged as latency, see SCHEDULE_TOLERANCE_S).
            if wait > EARLY_S:
                await asyncio.sleep(wait if wait < 0.25 else 0.25)
                continue
            # Everything due by now goes out in one burst; lag = how late each one is.
            burst = 0
            horizon = now - t_start + EARLY_S
            while i < n and times[i] <= horizon:
                lag_us = int((now - t_start - times[i]) * 1e6)
                lag.record(lag_us if lag_us > 0 else 1)
                self._issue(owners[i], positions[i], now)
                i += 1
                burst += 1
            if burst > 64:  # far behind: let the replies in before the next burst
                await asyncio.sleep(0)

    async def _run_closed(self, index: int) -> None:
        schedule = self.plan.connections[index].schedule
        for t, op, room, msg_id, phase in schedule:
            if self.stopping.is_set():
                return
            await self._sleep_until(self.t_start + t)
            now = time.monotonic()
            self.samples.lag.record(max(1, int((now - self.t_start - t) * 1e6)))
            if op == OP_MSG:
                self.samples.sent[phase] += 1
                self.samples.timeseries.add_sent(now - self.t_start)
                try:
                    reply = await self.clients[index].send(
                        room_name(room), msg_id, now - self.t_start, self.plan.body
                    )
                except ClientClosed:
                    self._count_error("send_on_closed_connection", now)
                    continue
                received = time.monotonic()
                if "error" in reply:
                    self.ack_errors += 1
                    self._count_error(reply["error"].get("code", "error"), received)
                else:
                    self.samples.ack[phase].record(max(1, int((received - now) * 1e6)))
                    self.samples.acked[phase] += 1
                    self.samples.timeseries.add_acked(received - self.t_start)
            else:
                await self._other(index, op, room)

    def _issue(self, index: int, position: int, now: float) -> None:
        schedule = self.plan.connections[index].schedule
        op = schedule.ops[position]
        room = schedule.rooms[position]
        if op == OP_MSG:
            phase = schedule.phases[position]
            self.samples.sent[phase] += 1
            self.samples.timeseries.add_sent(now - self.t_start)
            msg_id = schedule.ids[position]
            self._sent_at[msg_id >> SEQ_BITS][msg_id & SEQ_MASK] = now
            try:
                self.clients[index].send_nowait(
                    self._room_names[room], msg_id, now - self.t_start, self.plan.body, self._on_ack
                )
            except ClientClosed:
                self._count_error("send_on_closed_connection", now)
            return
        self._spawn(self._other(index, op, room))

    async def _other(self, index: int, op: int, room: int) -> None:
        """history, presence or churn: rare operations, one task each."""
        client = self.clients[index]
        name = room_name(room)
        try:
            if op == OP_HISTORY:
                reply = await client.history(name, self.plan.history_limit)
            elif op == OP_PRESENCE:
                reply = await client.presence(name)
            elif op == OP_CHURN:
                reply = await client.leave(name)
                if reply.get("ok"):
                    await asyncio.sleep(self.plan.churn_away_s)
                    reply = await client.join(name)
            else:
                return
        except Exception as exc:  # a dropped connection surfaces here; it is counted, not fatal
            self._count_error(type(exc).__name__, time.monotonic())
            return
        if "error" in reply:
            self._count_error(str(reply["error"].get("code", "error")), time.monotonic())

    # -- finishing ----------------------------------------------------------------------------

    def cpu(self) -> dict[str, float]:
        """The worker's own CPU over the measured run, as seconds and percent of one core."""
        cpu = psutil.Process().cpu_times()
        used = cpu.user + cpu.system - self._cpu_start[0]
        wall = max(1e-9, time.monotonic() - self._cpu_start[1])
        return {"cpu_s": used, "wall_s": wall, "cpu_percent": 100.0 * used / wall}

    def accounting(self) -> tuple[DeliveryReport, dict[int, int]]:
        """Loss, duplicates and order for this worker's receivers (a failed connect loses
        all), and the lost deliveries by second of intended send time."""
        report = DeliveryReport([DeliveryCounts() for _ in self.plan.phases])
        by_second: dict[int, int] = {}
        dropped = {outage[0] for outage in self.outages}
        for index in self.mine:
            tracker = self.trackers.get(index) or DeliveryTracker(self._stream_lengths)
            part = reconcile(self.plan, index, tracker)
            if self.grace.ended == "cap" and index in self.clients and index not in dropped:
                for counts in part.phases:  # still arriving when the grace period ran out
                    counts.mark_queued()
            report.merge(part)
            if part.total().lost:
                for second, n in lost_by_second(self.plan, index, tracker).items():
                    by_second[second] = by_second.get(second, 0) + n
        for phase, counts in enumerate(report.phases):
            counts.late = self.samples.late[phase]
        return report, by_second

    async def close(self) -> None:
        self._closing = True
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*(c.close() for c in self.clients.values()), return_exceptions=True)
