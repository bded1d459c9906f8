"""Where python-socketio's server meets :mod:`servers.common.metrics`.

:func:`instrument` wraps the chat handlers registered on the server (the Channels consumer
counts the same things inline in ``receive``): each request is counted and timed by
:func:`metered`, connections by the ``connect`` (when it accepts) and ``disconnect`` handlers.
Deliveries and backplane traffic are counted on the client manager: a memory manager delivers
a room message in ``emit``; a pub/sub manager (Redis, RabbitMQ) publishes in ``emit`` and every
instance delivers to its own members when the message comes back from the backplane
(``_handle_emit``). Refusals before a handler (``ChatServer.refuse``) count as ``invalid``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any

from socketio.async_pubsub_manager import AsyncPubSubManager

from servers.common.metrics import REQUEST_TYPES, Metrics
from servers.common.protocol import ChatError

Handler = Callable[..., Awaitable[dict[str, Any]]]


def metered(metrics: Metrics, kind: str, handler: Handler) -> Handler:
    """``handler`` (a chat event's), counted and timed; unchanged when metrics are off."""
    if not metrics.enabled:
        return handler

    @functools.wraps(handler)
    async def timed(*args: Any) -> dict[str, Any]:
        started = perf_counter()
        reply = await handler(*args)
        error = reply.get("error")
        metrics.handled(kind, started, error["code"] if error else None)
        return reply

    return timed


def _metered_unknown(metrics: Metrics, handler: Handler) -> Handler:
    async def timed(event: str, *args: Any) -> dict[str, Any]:
        started = perf_counter()
        reply = await handler(event, *args)
        metrics.handled("unknown", started, reply["error"]["code"])
        return reply

    return timed


def _room_size(manager: Any, namespace: str | None, room: Any) -> int:
    return len(manager.rooms.get(namespace or "/", {}).get(room) or ())


def instrument(sio: Any, metrics: Metrics) -> None:
    """Count the requests, connections, refusals, deliveries and backplane messages of ``sio``
    (when metrics are on); call it once every handler is registered."""
    if not metrics.enabled:
        return
    handlers = sio.handlers["/"]
    for name, handler in list(handlers.items()):
        if name in REQUEST_TYPES:
            handlers[name] = metered(metrics, name, handler)
    handlers["*"] = _metered_unknown(metrics, handlers["*"])
    connect, disconnect = handlers["connect"], handlers["disconnect"]

    async def counted_connect(*args: Any) -> Any:
        result = await connect(*args)  # a refused connection raises
        metrics.connected()
        return result

    async def counted_disconnect(*args: Any) -> Any:
        metrics.disconnected()  # python-socketio calls it for accepted connections only
        return await disconnect(*args)

    handlers["connect"], handlers["disconnect"] = counted_connect, counted_disconnect
    refuse = sio.refuse

    async def counted_refuse(eio_sid: str, ack_id: int | None, error: ChatError) -> None:
        metrics.refused(error.code)
        await refuse(eio_sid, ack_id, error)

    sio.refuse = counted_refuse
    manager = sio.manager
    if isinstance(manager, AsyncPubSubManager):
        publish, handle_emit = manager._publish, manager._handle_emit

        async def counted_publish(data: Any) -> None:
            metrics.backplane_published()
            await publish(data)

        async def counted_handle_emit(message: dict[str, Any]) -> None:
            metrics.backplane_received()
            if message.get("event") == "msg":
                metrics.delivered(
                    _room_size(manager, message.get("namespace"), message.get("room"))
                )
            await handle_emit(message)

        manager._publish = counted_publish
        manager._handle_emit = counted_handle_emit
        return
    emit = manager.emit

    async def counted_emit(event: str, data: Any, namespace: str, **kwargs: Any) -> None:
        if event == "msg":
            metrics.delivered(
                _room_size(manager, namespace, kwargs.get("to") or kwargs.get("room"))
            )
        await emit(event, data, namespace, **kwargs)

    manager.emit = counted_emit
