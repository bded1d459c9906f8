"""The chat contract on Django Channels: one ``AsyncWebsocketConsumer`` per connection."""

from __future__ import annotations

import asyncio
import hashlib
from functools import lru_cache
from time import perf_counter
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from servers.common import jsonlib, protocol
from servers.common.config import ServerConfig
from servers.common.metrics import metrics_for
from servers.common.origin import origin_allowed
from servers.common.presence import Presence, make_presence
from servers.common.protocol import ChatError, ok
from servers.common.state import Member, artificial_delay, authenticate
from servers.common.storage import MessageStore
from servers.common.tokens import TokenError

config: ServerConfig = settings.CHAT
presence: Presence = make_presence(config)
store = MessageStore(config.db_url) if config.persistence and config.profile == "equal" else None
store_append = database_sync_to_async(store.append) if store else None
store_history = database_sync_to_async(store.history) if store else None
if config.profile == "idiomatic":  # the Django project of servers/idiomatic/: ORM, auth middleware
    from servers.idiomatic import channels as idiomatic

    store_append = idiomatic.save_message if config.persistence else None
    store_history = idiomatic.read_history if config.persistence else None
metrics = metrics_for(config, "channels")


@lru_cache(maxsize=65536)
def group_name(room: str) -> str:
    """Channels group names allow only ASCII letters, digits, ``-_.`` and < 100 characters."""
    return "room." + hashlib.sha1(room.encode()).hexdigest()


class ChatConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    member: Member | None = None
    counted_open = False  # counted in metrics.connections_open

    async def connect(self) -> None:
        headers = dict(self.scope["headers"])
        origin = headers.get(b"origin")
        if not origin_allowed(origin.decode() if origin else None, config.allowed_origins):
            await self.close()
            return
        query = parse_qs(self.scope["query_string"].decode())
        try:
            if config.profile == "idiomatic":  # scope["user"], set by TokenAuthMiddleware
                self.member = idiomatic.member_for(self.scope)
            else:
                self.member = authenticate(query.get("token", [None])[0], config)
        except TokenError:
            await self.close()
            return
        await self.accept()
        self.counted_open = True
        metrics.connected()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # A connection can end without websocket.disconnect reaching disconnect(): a send to a
        # dropped client raises, a handler fails, the server shuts down and cancels the task.
        # Whatever ends it, its rooms and presence entries go (disconnect() is idempotent).
        try:
            await super().__call__(scope, receive, send)
        finally:
            await asyncio.shield(self.disconnect(1006))

    async def disconnect(self, _code: int) -> None:
        if self.counted_open:
            self.counted_open = False
            metrics.disconnected()
        member = self.member
        if member is None:
            return
        rooms = list(member.rooms)
        member.rooms.clear()
        for room in rooms:
            await self.channel_layer.group_discard(group_name(room), self.channel_name)
            await presence.remove(room, member.user, member.conn)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        ref: Any = None
        kind = "invalid"  # until the frame has a type
        started = perf_counter()
        try:
            if text_data is not None:
                data = jsonlib.loads(text_data)
            else:
                header, body = protocol.split_binary_frame(bytes_data or b"")
                data = jsonlib.loads(header)
                if isinstance(data, dict):
                    data["body"] = body
            if not isinstance(data, dict):
                raise ChatError(protocol.BAD_REQUEST, "frame must be a JSON object")
            ref = protocol.parse_ref(data)
            kind = protocol.parse_type(data)
            handler = HANDLERS.get(kind)
            if handler is None:
                kind = "unknown"
                raise ChatError(protocol.UNKNOWN_TYPE, f"unknown type {kind[:64]!r}")
            reply = await handler(self, data)
        except jsonlib.JSONDecodeError:
            metrics.refused(protocol.BAD_REQUEST)
            await self.send_error(ref, ChatError(protocol.BAD_REQUEST, "malformed JSON"))
        except ChatError as exc:
            if kind == "invalid":
                metrics.refused(exc.code)
            else:
                metrics.handled(kind, started, exc.code)
            await self.send_error(ref, exc)
        else:
            metrics.handled(kind, started, None)
            await self.send(text_data=jsonlib.dumps({"type": "ack", "ref": ref, **reply}))

    async def send_error(self, ref: Any, error: ChatError) -> None:
        frame = {"type": "error", "ref": ref, "code": error.code, "message": error.message}
        await self.send(text_data=jsonlib.dumps(frame))

    async def join(self, data: dict[str, Any]) -> dict[str, Any]:
        req = protocol.parse_room(data)
        member = self.member
        assert member is not None
        if req.room not in member.rooms:
            await self.channel_layer.group_add(group_name(req.room), self.channel_name)
            member.rooms.add(req.room)
            await presence.add(req.room, member.user, member.conn)
        return ok(room=req.room)

    async def leave(self, data: dict[str, Any]) -> dict[str, Any]:
        req = protocol.parse_room(data)
        member = self.member
        assert member is not None
        protocol.require_member(member.rooms, req.room)
        await self.channel_layer.group_discard(group_name(req.room), self.channel_name)
        member.rooms.discard(req.room)
        await presence.remove(req.room, member.user, member.conn)
        return ok(room=req.room)

    async def msg(self, data: dict[str, Any]) -> dict[str, Any]:
        req = protocol.parse_msg(data, config.max_body_bytes)
        member = self.member
        assert member is not None
        protocol.require_member(member.rooms, req.room)
        artificial_delay(config)
        if store_append is not None:
            await store_append(req.room, req.id, member.user, req.ts, req.body)
        out = protocol.delivery(member.user, req)
        # Encode once for the whole room, as python-socketio encodes one packet per emit.
        if isinstance(req.body, bytes):
            del out["body"]
            out["type"] = "msg"
            event = {
                "type": "chat.msg",
                "bytes": protocol.encode_binary_frame(jsonlib.dumps_bytes(out), req.body),
            }
        else:
            event = {"type": "chat.msg", "text": jsonlib.dumps({"type": "msg", **out})}
        metrics.backplane_published()
        await self.channel_layer.group_send(group_name(req.room), event)
        return ok(id=req.id)

    async def history(self, data: dict[str, Any]) -> dict[str, Any]:
        req = protocol.parse_history(data)
        assert self.member is not None
        protocol.require_member(self.member.rooms, req.room)
        messages = await store_history(req.room, req.limit) if store_history else []
        return ok(room=req.room, messages=messages)

    async def presence(self, data: dict[str, Any]) -> dict[str, Any]:
        req = protocol.parse_room(data)
        assert self.member is not None
        protocol.require_member(self.member.rooms, req.room)
        return ok(room=req.room, users=await presence.members(req.room))

    async def chat_msg(self, event: dict[str, Any]) -> None:
        """A room message from the channel layer: forward the pre-encoded frame."""
        metrics.backplane_received()
        metrics.delivered()
        if "bytes" in event:
            await self.send(bytes_data=event["bytes"])
        else:
            await self.send(text_data=event["text"])


HANDLERS = {
    "join": ChatConsumer.join,
    "leave": ChatConsumer.leave,
    "msg": ChatConsumer.msg,
    "history": ChatConsumer.history,
    "presence": ChatConsumer.presence,
}
