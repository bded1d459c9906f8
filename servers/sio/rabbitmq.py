"""python-socketio's RabbitMQ manager (``AsyncAioPikaManager``, aio-pika), with three fixes.

1. Lost first messages. Upstream starts the manager's listener lazily: ``AsyncServer`` calls
   ``manager.initialize()`` on the first Engine.IO connection (socketio/async_server.py,
   ``_handle_eio_connect``), which only *starts* a background task; that task then connects to
   RabbitMQ, declares this server's anonymous queue and binds it to the fanout exchange. The
   connection carries on at once, so a client could join a room and another instance publish to
   it before the queue was bound: RabbitMQ discards what a fanout exchange receives while no
   queue is bound, and the first burst of cross-instance messages was lost. Here the queue sets
   :attr:`RabbitManager.bound`, and ``ChatServer`` holds every Engine.IO connection until it is
   set (:meth:`RabbitManager.wait_bound`): no client is in a room before its server listens.
2. Publishes on a half-made publisher. Upstream's ``_publish`` sets ``publisher_connection``
   first and then awaits the channel and the exchange; a publish arriving in between sees a
   connection, skips the lock and publishes on ``publisher_exchange`` still ``None``: it logs
   "Cannot publish to rabbitmq... retrying", then "... giving up", and the message is not sent
   (seen in a ``bench run`` of room-chat at 47 msgs/s on two instances). Here the publisher is
   made under the lock and counted ready only once its exchange exists.
3. One message in flight. Upstream's listener sets ``prefetch_count=1`` (one unacknowledged
   delivery at a time, a broker round trip per message received), fixed inside ``_listen``.
   channels_rabbitmq's prefetch is its ``local_capacity``; both get ``config.amqp_prefetch``.

The exchange is named from the run's prefix, so runs and tests on one broker do not mix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import socketio

from servers.common.config import ServerConfig

log = logging.getLogger("servers.sio.rabbitmq")
BIND_TIMEOUT_S = 10.0


class RabbitManager(socketio.AsyncAioPikaManager):  # type: ignore[misc]
    def __init__(self, config: ServerConfig) -> None:
        super().__init__(config.rabbitmq_url, channel=f"{config.redis_prefix}.socketio")
        self.prefetch = config.amqp_prefetch
        self.publisher_exchange: Any = None
        self.bound = asyncio.Event()

    async def _queue(self, channel: Any, exchange: Any) -> Any:
        queue = await super()._queue(channel, exchange)
        self.bound.set()
        return queue

    async def _publish(self, data: Any) -> None:
        if self.publisher_exchange is None:
            async with self._lock:
                if self.publisher_exchange is None:
                    connection = await self._connection()
                    channel = await self._channel(connection)
                    exchange = await self._exchange(channel)
                    self.publisher_connection, self.publisher_channel = connection, channel
                    self.publisher_exchange = exchange
        await super()._publish(data)

    async def wait_bound(self) -> None:
        """Return once this server's queue is bound (at most ``BIND_TIMEOUT_S``; the listener
        logs why it is not)."""
        if self.bound.is_set():
            return
        try:
            await asyncio.wait_for(self.bound.wait(), BIND_TIMEOUT_S)
        except TimeoutError:
            log.error("RabbitMQ queue not bound after %.0f s: connecting anyway", BIND_TIMEOUT_S)

    async def _listen(self) -> AsyncIterator[bytes]:
        """Upstream's ``_listen`` with ``prefetch_count`` from the config instead of 1."""
        retry_sleep = 1
        while True:
            try:
                async with await self._connection() as connection:
                    channel = await self._channel(connection)
                    await channel.set_qos(prefetch_count=self.prefetch)
                    exchange = await self._exchange(channel)
                    queue = await self._queue(channel, exchange)
                    async with queue.iterator() as queue_iter:
                        async for message in queue_iter:
                            async with message.process():
                                yield message.body
                                retry_sleep = 1
            except aio_pika.exceptions.ChannelInvalidStateError:
                raise asyncio.CancelledError() from None  # as upstream: the task is cancelled
            except Exception as exc:  # upstream retries on anything, so do we
                self.bound.clear()
                log.error("Cannot receive from RabbitMQ (%s): retrying in %d s", exc, retry_sleep)
                await asyncio.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, 60)
