"""A hostile client: raw WebSocket frames and raw TCP bytes, with no client library's checks.

The contract's clients refuse to send what a hostile client sends (empty frames, broken
Socket.IO packets, attachment counts that lie); these helpers send exactly the bytes asked for
and report what came back, including whether the server sent a close frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import TIMEOUT


@dataclass
class RawWs:
    """One WebSocket opened by hand; ``frames`` collects what the server sent."""

    ws: Any
    frames: asyncio.Queue[str | bytes] = field(default_factory=asyncio.Queue)
    sid: str | None = None

    async def send(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def recv(self, wait: float = TIMEOUT) -> str | bytes:
        return await asyncio.wait_for(self.ws.recv(), wait)

    async def close_code(self, wait: float = TIMEOUT) -> int | None:
        """Wait for the connection to end: the server's close code, None without a close frame."""
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            while True:
                await asyncio.wait_for(self.ws.recv(), wait)
        if self.ws.protocol.close_rcvd is None:
            return None
        return int(self.ws.protocol.close_rcvd.code)

    async def close(self) -> None:
        await self.ws.close()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        self.ws.transport.abort()


def ws_url(http_url: str, path: str) -> str:
    return http_url.replace("http://", "ws://", 1) + path


async def open_ws(url: str, **kwargs: Any) -> RawWs:
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("close_timeout", 1)
    ws = await websockets.connect(url, max_size=None, **kwargs)
    return RawWs(ws)


# --- Socket.IO (Engine.IO v4) by hand ----------------------------------------------------------


async def open_sio(base_url: str, token: str, **kwargs: Any) -> RawWs:
    """Engine.IO open + Socket.IO CONNECT with ``auth={"token": token}``."""
    conn = await open_ws(ws_url(base_url, "/socket.io/?EIO=4&transport=websocket"), **kwargs)
    opening = await conn.recv()
    assert isinstance(opening, str) and opening.startswith("0"), opening
    await conn.send("40" + json.dumps({"token": token}))
    reply = await conn.recv()
    assert isinstance(reply, str) and reply.startswith("40"), reply
    conn.sid = json.loads(reply[2:])["sid"]
    return conn


async def sio_reply(conn: RawWs, wait: float = TIMEOUT) -> str:
    """The next Socket.IO packet (text) that is not a room delivery; pings answered."""
    while True:
        frame = await conn.recv(wait)
        if frame == "2":
            await conn.send("3")
            continue
        if isinstance(frame, bytes) or frame.startswith(('42["msg"', '451-["msg"')):
            continue  # a delivery to the room (or its attachment)
        return frame


async def sio_request(conn: RawWs, ack_id: int, event: str, data: Any) -> Any:
    """One event with an ack; the ack's first argument."""
    await conn.send(f"42{ack_id}" + json.dumps([event, data]))
    while True:
        frame = await sio_reply(conn)
        if frame.startswith(f"43{ack_id}["):
            return json.loads(frame[len(f"43{ack_id}") :])[0]


# --- Channels by hand ----------------------------------------------------------------------------


async def open_channels(base_url: str, token: str, **kwargs: Any) -> RawWs:
    return await open_ws(ws_url(base_url, f"/ws/chat/?token={quote(token)}"), **kwargs)


async def channels_reply(conn: RawWs, wait: float = TIMEOUT) -> dict[str, Any]:
    """The next JSON frame that is not a room delivery."""
    while True:
        frame = await conn.recv(wait)
        if isinstance(frame, bytes):
            continue
        data: dict[str, Any] = json.loads(frame)
        if data.get("type") != "msg":
            return data


async def channels_request(conn: RawWs, ref: Any, kind: str, **fields: Any) -> dict[str, Any]:
    await conn.send(json.dumps({"type": kind, "ref": ref, **fields}))
    return await channels_reply(conn)


# --- Raw TCP ----------------------------------------------------------------------------------


def tcp_connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    return sock


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """Read until EOF or ``timeout``; (bytes read, whether the server closed)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except TimeoutError:
        return data, False
    except ConnectionResetError:
        return data, True


# --- Either server, one shape of reply ---------------------------------------------------------


class Chat:
    """A hand-made contract client for either server: requests in, reply dicts out."""

    def __init__(self, contender: str, conn: RawWs) -> None:
        self.contender = contender
        self.conn = conn
        self._next = 0

    @classmethod
    async def open(cls, contender: str, base_url: str, token: str, **kwargs: Any) -> Chat:
        if contender.startswith("sio"):
            return cls(contender, await open_sio(base_url, token, **kwargs))
        return cls(contender, await open_channels(base_url, token, **kwargs))

    async def request(self, op: str, **data: Any) -> dict[str, Any]:
        """``{"ok": True, ...}`` or ``{"error": {"code", "message"}}`` on both servers."""
        self._next += 1
        if self.contender.startswith("sio"):
            reply: dict[str, Any] = await sio_request(self.conn, self._next, op, data)
            return reply
        frame = await channels_request(self.conn, self._next, op, **data)
        if frame["type"] == "error":
            return {"error": {"code": frame["code"], "message": frame["message"]}}
        return {k: v for k, v in frame.items() if k not in ("type", "ref")}

    async def presence(self, room: str) -> list[str]:
        reply = await self.request("presence", room=room)
        users: list[str] = reply["users"]
        return users

    async def wait_presence(self, room: str, users: list[str], within: float) -> float:
        """Seconds until presence of ``room`` is ``users``; fails after ``within``."""
        start = asyncio.get_running_loop().time()
        while True:
            seen = await self.presence(room)
            waited = asyncio.get_running_loop().time() - start
            if seen == users:
                return waited
            assert waited < within, f"presence of {room} still {seen} after {waited:.1f} s"
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        await self.conn.close()
