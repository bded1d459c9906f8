"""The chat contract on python-socketio: one ``AsyncServer`` and its event handlers."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis.asyncio as aioredis
import socketio
from socketio import packet

from servers.common import jsonlib, protocol
from servers.common.config import ServerConfig
from servers.common.origin import origin_allowed
from servers.common.presence import Presence, make_presence
from servers.common.protocol import ChatError, ok
from servers.common.redis_pool import make_pool, pool_options
from servers.common.state import Member, artificial_delay, authenticate
from servers.common.storage import MessageStore
from servers.common.tokens import TokenError

# Whether the event being handled asked for an ack: errors go to the ack when it did, else
# to an ``error`` event. python-socketio does not expose this, so the server records it.
_ACK_REQUESTED: contextvars.ContextVar[bool] = contextvars.ContextVar("ack", default=True)
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "*"})


class ChatServer(socketio.AsyncServer):  # type: ignore[misc]
    async def _handle_event_internal(
        self, server: Any, sid: str, eio_sid: str, data: Any, namespace: str, id: Any
    ) -> None:
        _ACK_REQUESTED.set(id is not None)
        if data and data[0] in RESERVED_EVENTS:
            # An EVENT named like a lifecycle event would run that handler (a client could
            # "disconnect" itself server-side and wedge its connection): refuse it instead.
            error = ChatError(protocol.BAD_REQUEST, f"event name {data[0]!r} is reserved")
            if id is not None:
                ack = self.packet_class(
                    packet.ACK, namespace=namespace, id=id, data=[error.payload()]
                )
                await self._send_packet(eio_sid, ack)
            else:
                await self.emit("error", {"code": error.code, "message": error.message}, to=sid)
            return
        await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # A packet python-socketio cannot decode (broken JSON) gets the contract's error reply,
        # as on the Channels server, instead of a logged traceback and silence.
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError as exc:
            sid = self.manager.sid_from_eio_sid(eio_sid, "/")
            if sid is not None:
                error = {"code": protocol.BAD_REQUEST, "message": f"malformed packet: {exc}"}
                await self.emit("error", error, to=sid)


class RedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """python-socketio's Redis manager on the shared pool settings (see redis_pool.py)."""

    def __init__(self, config: ServerConfig) -> None:
        super().__init__(config.redis_url, channel=f"{config.redis_prefix}:socketio")
        self._pool_options = pool_options(config)

    def _redis_connect(self) -> None:
        pool = make_pool(self.redis_url, self._pool_options)
        self.redis = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True


def make_manager(config: ServerConfig) -> socketio.AsyncManager:
    if config.backend == "redis":
        return RedisManager(config)
    return socketio.AsyncManager()


def build_server(config: ServerConfig) -> ChatServer:
    """Create the Socket.IO server with every handler of the chat contract."""
    sio = ChatServer(
        async_mode="asgi",
        client_manager=make_manager(config),
        json=jsonlib,
        cors_allowed_origins=lambda origin: origin_allowed(origin, config.allowed_origins),
        max_http_buffer_size=config.frame_limit_bytes,
        logger=False,
        engineio_logger=False,
    )
    presence: Presence = make_presence(config)
    store = MessageStore(config.db_url) if config.persistence else None
    db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    members: dict[str, Member] = {}

    async def in_db_thread(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(db_thread, fn, *args)

    async def fail(sid: str, error: ChatError) -> dict[str, Any]:
        if not _ACK_REQUESTED.get():
            await sio.emit("error", {"code": error.code, "message": error.message}, to=sid)
        return error.payload()

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            members[sid] = authenticate(token, config)
        except TokenError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                protocol.UNAUTHORIZED, {"code": protocol.UNAUTHORIZED, "message": str(exc)}
            ) from None

    @sio.event
    async def disconnect(sid: str, *_: Any) -> None:
        member = members.pop(sid, None)
        if member is not None:
            for room in member.rooms:
                await presence.remove(room, member.user)

    @sio.event
    async def join(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        try:
            req = protocol.parse_room(data)
        except ChatError as exc:
            return await fail(sid, exc)
        member = members[sid]
        if req.room not in member.rooms:
            await sio.enter_room(sid, req.room)
            member.rooms.add(req.room)
            await presence.add(req.room, member.user)
        return ok(room=req.room)

    @sio.event
    async def leave(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        member = members[sid]
        try:
            req = protocol.parse_room(data)
            protocol.require_member(member.rooms, req.room)
        except ChatError as exc:
            return await fail(sid, exc)
        await sio.leave_room(sid, req.room)
        member.rooms.discard(req.room)
        await presence.remove(req.room, member.user)
        return ok(room=req.room)

    @sio.event
    async def msg(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        member = members[sid]
        try:
            req = protocol.parse_msg(data, config.max_body_bytes)
            protocol.require_member(member.rooms, req.room)
        except ChatError as exc:
            return await fail(sid, exc)
        artificial_delay(config)
        if store is not None:
            await in_db_thread(store.append, req.room, req.id, member.user, req.ts, req.body)
        await sio.emit("msg", protocol.delivery(member.user, req), room=req.room)
        return ok(id=req.id)

    @sio.event
    async def history(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        try:
            req = protocol.parse_history(data)
            protocol.require_member(members[sid].rooms, req.room)
        except ChatError as exc:
            return await fail(sid, exc)
        messages = await in_db_thread(store.history, req.room, req.limit) if store else []
        return ok(room=req.room, messages=messages)

    @sio.on("presence")
    async def presence_(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        try:
            req = protocol.parse_room(data)
            protocol.require_member(members[sid].rooms, req.room)
        except ChatError as exc:
            return await fail(sid, exc)
        return ok(room=req.room, users=await presence.members(req.room))

    @sio.on("*")
    async def unknown(event: str, sid: str, *_: Any) -> dict[str, Any]:
        return await fail(sid, ChatError(protocol.UNKNOWN_TYPE, f"unknown event {event!r}"))

    return sio
