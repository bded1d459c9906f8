"""The chat contract on python-socketio: one ``AsyncServer`` and its event handlers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

import redis.asyncio as aioredis
import socketio

from servers.common import jsonlib, protocol
from servers.common.config import ServerConfig, backend_unsupported
from servers.common.metrics import metrics_for
from servers.common.metrics_sio import instrument
from servers.common.origin import origin_allowed
from servers.common.presence import Presence, make_presence
from servers.common.protocol import ChatError, ok
from servers.common.redis_pool import make_pool, pool_options
from servers.common.state import Member, artificial_delay, authenticate
from servers.common.storage import MessageStore
from servers.common.tokens import TokenError
from servers.sio.mqtt_bridge import attach_bridge
from servers.sio.server import ACK_REQUESTED, ChatServer

# python-socketio puts every connection in a room named by its sid: chat rooms get a prefix, so a
# room named like another client's sid is an ordinary room, not that client's private channel.
ROOM_PREFIX = "room:"


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
    if config.backend == "rabbitmq":
        from servers.sio.rabbitmq import RabbitManager

        return RabbitManager(config)
    if config.backend != "memory":
        raise ValueError(backend_unsupported("sio", config.backend))
    return socketio.AsyncManager()


def build_server(config: ServerConfig) -> ChatServer:
    """Create the Socket.IO server with every handler of the chat contract."""
    sio = ChatServer(
        async_mode="asgi",
        client_manager=make_manager(config),
        json=jsonlib,
        cors_allowed_origins=lambda origin: origin_allowed(origin, config.allowed_origins),
        max_http_buffer_size=config.frame_limit_bytes,
        attachment_limit=config.frame_limit_bytes,
        logger=False,
        engineio_logger=False,
    )
    presence: Presence = make_presence(config)
    bridge = attach_bridge(sio, config, ROOM_PREFIX)  # IoT dashboards: MQTT -> rooms
    equal_store = config.persistence and config.profile == "equal"
    store = MessageStore(config.db_url) if equal_store else None
    idiomatic: Any = None  # the Django project of servers/idiomatic/: ORM calls
    if config.profile == "idiomatic":
        idiomatic = import_module("servers.idiomatic.sio")
    db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    members: dict[str, Member] = {}

    async def in_db_thread(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(db_thread, fn, *args)

    async def fail(sid: str, error: ChatError) -> dict[str, Any]:
        if not ACK_REQUESTED.get():
            await sio.emit("error", {"code": error.code, "message": error.message}, to=sid)
        return error.payload()

    @sio.event
    async def connect(sid: str, _environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            if idiomatic is not None:  # the ORM token lookup
                members[sid] = await idiomatic.member_for(token)
            else:
                members[sid] = authenticate(token, config)
        except TokenError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                protocol.UNAUTHORIZED, {"code": protocol.UNAUTHORIZED, "message": str(exc)}
            ) from None
        if bridge is not None:  # no dashboard in a room before the bridge listens
            await bridge.ready()

    @sio.event
    async def disconnect(sid: str, *_: Any) -> None:
        member = members.pop(sid, None)
        if member is not None:
            for room in member.rooms:
                await presence.remove(room, member.user, member.conn)

    @sio.event
    async def join(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        try:
            req = protocol.parse_room(data)
        except ChatError as exc:
            return await fail(sid, exc)
        member = members[sid]
        if req.room not in member.rooms:
            await sio.enter_room(sid, ROOM_PREFIX + req.room)
            member.rooms.add(req.room)
            await presence.add(req.room, member.user, member.conn)
        return ok(room=req.room)

    @sio.event
    async def leave(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        member = members[sid]
        try:
            req = protocol.parse_room(data)
            protocol.require_member(member.rooms, req.room)
        except ChatError as exc:
            return await fail(sid, exc)
        await sio.leave_room(sid, ROOM_PREFIX + req.room)
        member.rooms.discard(req.room)
        await presence.remove(req.room, member.user, member.conn)
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
        elif idiomatic is not None and config.persistence:
            await idiomatic.save_message(req.room, req.id, member.user, req.ts, req.body)
        await sio.emit("msg", protocol.delivery(member.user, req), room=ROOM_PREFIX + req.room)
        return ok(id=req.id)

    @sio.event
    async def history(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        try:
            req = protocol.parse_history(data)
            protocol.require_member(members[sid].rooms, req.room)
        except ChatError as exc:
            return await fail(sid, exc)
        if idiomatic is not None and config.persistence:
            messages = await idiomatic.read_history(req.room, req.limit)
        else:
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

    instrument(sio, metrics_for(config, "sio"))
    return sio
