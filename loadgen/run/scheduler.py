"""Replaying a worker's schedule: the open loop, the closed loop and the rare operations.

Open loop by default: every operation has an intended time from the plan and is sent then, or
as soon as possible when late (the lag is recorded). Closed loop: each sender awaits the reply
to one operation before its next. History, presence and churn run as one task each. The
scheduler records the sending side (lag, sent counts and times); what comes back goes to the
:class:`~loadgen.run.samples.Recorder`.
"""

from __future__ import annotations

import asyncio
import time
from array import array

from loadgen.clients.base import ClientClosed
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
from loadgen.run.connections import Connections
from loadgen.run.samples import Recorder

EARLY_S = 0.001  # how early a send may go rather than wait for a timer that cannot be finer


class Scheduler:
    """Sends the operations of ``connections`` at their planned times, until ``stopping``."""

    def __init__(
        self, plan: Plan, connections: Connections, recorder: Recorder, stopping: asyncio.Event
    ) -> None:
        self.plan = plan
        self.connections = connections
        self.recorder = recorder
        self.stopping = stopping
        self.t_start = 0.0
        # Bound once for the hot path (the same objects the connections and recorder hold).
        self._samples = recorder.samples
        self._clients = connections.clients
        self._sent_at = recorder.sent_at
        self._room_names = connections.room_names
        self._on_ack = recorder.on_ack

    async def replay(self, t_start: float) -> None:
        """Replay the schedule from ``t_start`` (monotonic) to the end of the last phase."""
        self.t_start = t_start
        if self.recorder.open_loop:
            await self._run_open()
        else:
            await asyncio.gather(*(self._run_closed(i) for i in self._clients))

    async def sleep_until(self, when: float) -> None:
        """Sleep until ``when`` (monotonic), waking early when the run is stopped."""
        while not self.stopping.is_set():
            delay = when - time.monotonic()
            if delay <= 0:
                return
            await asyncio.sleep(delay if delay < 0.25 else 0.25)

    def _merged_schedule(self) -> tuple[array[float], list[int], list[int]]:
        """Every operation of this worker's connected connections, in time order."""
        times: array[float] = array("d")
        owners: list[int] = []
        positions: list[int] = []
        for index in self.connections.mine:
            if index not in self._clients:
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

    async def _run_open(self) -> None:
        times, owners, positions = self._merged_schedule()
        t_start = self.t_start
        stopping = self.stopping
        lag = self._samples.lag
        n = len(times)
        i = 0
        while i < n and not stopping.is_set():
            now = time.monotonic()
            wait = t_start + times[i] - now
            # The loop's timers tick in whole milliseconds and may wake a little early: one
            # sleep per wake-up, and what is due within the next EARLY_S goes now (early sends
            # are not charged as latency, see samples.SCHEDULE_TOLERANCE_S).
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

    def _issue(self, index: int, position: int, now: float) -> None:
        schedule = self.plan.connections[index].schedule
        op = schedule.ops[position]
        room = schedule.rooms[position]
        if op == OP_MSG:
            phase = schedule.phases[position]
            self._samples.sent[phase] += 1
            self._samples.timeseries.add_sent(now - self.t_start)
            msg_id = schedule.ids[position]
            self._sent_at[msg_id >> SEQ_BITS][msg_id & SEQ_MASK] = now
            try:
                self._clients[index].send_nowait(
                    self._room_names[room], msg_id, now - self.t_start, self.plan.body, self._on_ack
                )
            except ClientClosed:
                self.recorder.count_error("send_on_closed_connection", now)
            return
        self.connections.spawn(self._other(index, op, room))

    async def _run_closed(self, index: int) -> None:
        schedule = self.plan.connections[index].schedule
        samples = self._samples
        for t, op, room, msg_id, phase in schedule:
            if self.stopping.is_set():
                return
            await self.sleep_until(self.t_start + t)
            now = time.monotonic()
            samples.lag.record(max(1, int((now - self.t_start - t) * 1e6)))
            if op == OP_MSG:
                samples.sent[phase] += 1
                samples.timeseries.add_sent(now - self.t_start)
                try:
                    reply = await self._clients[index].send(
                        room_name(room), msg_id, now - self.t_start, self.plan.body
                    )
                except ClientClosed:
                    self.recorder.count_error("send_on_closed_connection", now)
                    continue
                self.recorder.on_reply(reply, phase, now, time.monotonic())
            else:
                await self._other(index, op, room)

    async def _other(self, index: int, op: int, room: int) -> None:
        """history, presence or churn: rare operations, one task each."""
        client = self._clients[index]
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
            self.recorder.count_error(type(exc).__name__, time.monotonic())
            return
        if "error" in reply:
            self.recorder.count_error(str(reply["error"].get("code", "error")), time.monotonic())
