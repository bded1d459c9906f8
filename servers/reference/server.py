"""The reference chat server: one coroutine per connection, the Channels frames on the wire."""

from __future__ import annotations

import asyncio
import signal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from servers.common import jsonlib, protocol
from servers.common.config import ServerConfig
from servers.common.health import HEALTH_PATH
from servers.common.origin import origin_allowed
from servers.common.protocol import ChatError, ok
from servers.common.state import Member, artificial_delay, authenticate
from servers.common.tokens import TokenError
from servers.reference.fanout import Fanout, Rooms, make_fanout

CHAT_PATH = "/ws/chat/"


class ReferenceChat:
    """The chat contract (join, leave, msg, presence) over plain ``websockets`` connections."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.rooms = Rooms()
        self.fanout: Fanout = make_fanout(self.rooms, config)

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Health probe, path, origin and token checks, all before the handshake completes."""
        url = urlsplit(request.path)
        if url.path == HEALTH_PATH:
            return connection.respond(HTTPStatus.OK, "ok")
        if url.path != CHAT_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found")
        if not origin_allowed(request.headers.get("Origin"), self.config.allowed_origins):
            return connection.respond(HTTPStatus.FORBIDDEN, "forbidden origin")
        try:
            self._member(request)
        except TokenError:
            return connection.respond(HTTPStatus.FORBIDDEN, "unauthorized")
        return None

    def _member(self, request: Request) -> Member:
        token = parse_qs(urlsplit(request.path).query).get("token", [None])[0]
        return authenticate(token, self.config)

    async def handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        member = self._member(ws.request)
        try:
            async for frame in ws:
                await self._receive(ws, member, frame)
        except ConnectionClosed:
            pass
        finally:
            for room in member.rooms:
                self.rooms.remove(room, ws)
            member.rooms.clear()

    async def _receive(self, ws: ServerConnection, member: Member, frame: str | bytes) -> None:
        ref: Any = None
        reply: dict[str, Any] | ChatError
        try:
            if isinstance(frame, str):
                data = jsonlib.loads(frame)
            else:
                header, body = protocol.split_binary_frame(frame)
                data = jsonlib.loads(header)
                if isinstance(data, dict):
                    data["body"] = body
            if not isinstance(data, dict):
                raise ChatError(protocol.BAD_REQUEST, "frame must be a JSON object")
            ref = data.get("ref")
            reply = await self._dispatch(ws, member, data)
        except jsonlib.JSONDecodeError:
            reply = ChatError(protocol.BAD_REQUEST, "malformed JSON")
        except ChatError as exc:
            reply = exc
        if isinstance(reply, ChatError):
            out = {"type": "error", "ref": ref, "code": reply.code, "message": reply.message}
        else:
            out = {"type": "ack", "ref": ref, **reply}
        await ws.send(jsonlib.dumps(out))

    async def _dispatch(
        self, ws: ServerConnection, member: Member, data: dict[str, Any]
    ) -> dict[str, Any]:
        kind = data.get("type")
        if kind == "msg":
            return await self._msg(member, data)
        if kind in ("join", "leave", "presence"):
            req = protocol.parse_room(data)
            if kind == "join":
                member.rooms.add(req.room)
                self.rooms.add(req.room, ws, member.user)
                return ok(room=req.room)
            protocol.require_member(member.rooms, req.room)
            if kind == "presence":
                return ok(room=req.room, users=self.rooms.users(req.room))
            member.rooms.discard(req.room)
            self.rooms.remove(req.room, ws)
            return ok(room=req.room)
        raise ChatError(protocol.UNKNOWN_TYPE, f"unknown type {kind!r}")

    async def _msg(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        req = protocol.parse_msg(data, self.config.max_body_bytes)
        protocol.require_member(member.rooms, req.room)
        artificial_delay(self.config)
        out = protocol.delivery(member.user, req)
        if isinstance(req.body, bytes):  # encoded once for the whole room, as on Channels
            del out["body"]
            header = jsonlib.dumps_bytes({"type": "msg", **out})
            await self.fanout.publish(req.room, protocol.encode_binary_frame(header, req.body))
        else:
            await self.fanout.publish(req.room, jsonlib.dumps({"type": "msg", **out}))
        return ok(id=req.id)


async def serve(config: ServerConfig, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    chat = ReferenceChat(config)
    await chat.fanout.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with ws_serve(
        chat.handle,
        host,
        port,
        process_request=chat.process_request,
        max_size=config.frame_limit_bytes,
        compression="deflate" if config.ws_per_message_deflate else None,
        ping_interval=20.0,
        ping_timeout=20.0,
        backlog=4096,
    ):
        await stop.wait()
    await chat.fanout.close()
