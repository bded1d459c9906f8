"""A worker's connections: opened at their planned offsets, joined to their rooms, and brought
back after a drop with the shared policy (:mod:`loadgen.clients.reconnect`)."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from loadgen.clients import make_client
from loadgen.clients.base import ChatClient, ConnectRefused
from loadgen.clients.reconnect import ReconnectPolicy, reconnect
from loadgen.measure.accounting import DeliveryTracker
from loadgen.plan.model import Plan, room_name
from loadgen.run.samples import Recorder

CONNECT_TIMEOUT_S = 15.0


class Connections:
    """The connections ``mine`` of ``plan`` against ``urls`` (one per server instance).

    Holds the clients that connected, a delivery tracker per connection, the outages
    (``[connection, dropped at, back at or None]``, seconds from the run's start) and the
    background tasks of the run (reconnections, rare operations).
    """

    def __init__(
        self,
        plan: Plan,
        mine: list[int],
        urls: list[str],
        tokens: dict[str, str],
        client_kind: str,
        library: str | None,
        recorder: Recorder,
        stopping: asyncio.Event,
    ) -> None:
        self.plan = plan
        self.mine = mine
        self.urls = urls
        self.tokens = tokens
        self.client_kind = client_kind
        self.library = library
        self.recorder = recorder
        self.stopping = stopping
        self.clients: dict[int, ChatClient] = {}
        self.trackers: dict[int, DeliveryTracker] = {}
        self.outages: list[list[Any]] = []
        # Deliveries the connected receivers wait for (an upper bound: churn's optional ones
        # counted as expected).
        self.expected_upper = 0
        self.room_names = [room_name(i) for i in range(len(plan.members))]
        self.reconnect_policy = ReconnectPolicy()
        self.pending: set[asyncio.Task[Any]] = set()
        self.closing = False
        self._reconnecting: set[int] = set()
        self._stream_lengths = plan.stream_lengths  # one list shared by every tracker

    async def connect_all(self, t_connect0: float) -> None:
        """Open every connection at its planned offset from ``t_connect0`` and join its rooms."""
        await asyncio.gather(*(self._connect_one(i, t_connect0) for i in self.mine))
        plan = self.plan
        self.expected_upper = sum(
            len(plan.streams[s])
            for i in self.clients
            for room in plan.connections[i].rooms
            for s in plan.room_streams[room]
        )

    def tracker(self, index: int) -> DeliveryTracker:
        """Connection ``index``'s deliveries (an empty tracker if it never connected)."""
        return self.trackers.get(index) or DeliveryTracker(self._stream_lengths)

    async def _connect_one(self, index: int, t_connect0: float) -> None:
        conn = self.plan.connections[index]
        samples = self.recorder.samples
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
            samples.connect_errors[f"refused:{exc.code}"] += 1
            return
        except TimeoutError:
            samples.connect_errors["timeout"] += 1
            return
        except (OSError, RuntimeError, ConnectionError) as exc:
            samples.connect_errors[type(exc).__name__] += 1
            return
        samples.connect.record(max(1, int((time.monotonic() - began) * 1e6)))
        samples.connected += 1
        self.clients[index] = client

    def _new_client(self, index: int) -> ChatClient:
        client = (
            make_client(self.client_kind, library=self.library)
            if self.library
            else make_client(self.client_kind)
        )
        tracker = DeliveryTracker(self._stream_lengths)
        self.trackers[index] = tracker
        instance = self.plan.connections[index].instance
        client.on_message = self.recorder.delivery_callback(tracker, instance)
        client.on_error = self.recorder.on_error
        client.on_close = self._close_callback(index)
        return client

    def _close_callback(self, index: int) -> Any:
        def on_close(reason: str) -> None:
            if self.closing:
                return
            if index in self._reconnecting:
                return  # a drop during a reconnection attempt: that attempt retries
            self.recorder.samples.dropped[reason or "closed"] += 1
            self.outages.append([index, time.monotonic() - self.recorder.t_start, None])
            if not self.stopping.is_set():
                self._reconnecting.add(index)
                self.spawn(self._reconnect(index, len(self.outages) - 1))

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
                [self.room_names[r] for r in conn.rooms],
                self.reconnect_policy,
                rng,
                lambda: self.stopping.is_set() or self.closing,
            )
        finally:
            self._reconnecting.discard(index)
        if back:
            self.outages[outage][2] = time.monotonic() - self.recorder.t_start
            self.recorder.samples.reconnected += 1

    def spawn(self, coro: Any) -> None:
        """Run ``coro`` in the background; :meth:`close` cancels what is still running."""
        task = asyncio.get_running_loop().create_task(coro)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def close(self) -> None:
        self.closing = True
        for task in list(self.pending):
            task.cancel()
        await asyncio.gather(*(c.close() for c in self.clients.values()), return_exceptions=True)
