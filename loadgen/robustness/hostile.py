"""Raw connections of a hostile client: no client library's checks in the way.

A WebSocket that stops reading (its kernel buffer 4 KiB), readers whose TCP connection is
dropped without a close frame, connections that never send a request head, and the malformed
frames of each protocol (the shapes of docs/findings.md that each server must answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import Any
from urllib.parse import quote

import websockets
from websockets.asyncio.client import ClientConnection

SIO_PATH = "/socket.io/?EIO=4&transport=websocket"

# Malformed requests each server must answer with bad_request, connection kept.
MALFORMED = {
    "sio": [
        "421[]",
        "42",
        '421{"a":1}',
        "421[[1],{}]",
        "4null",
        '451-1["msg",{"room":"r","id":1,"ts":1,"body":{"_placeholder":true,"num":5}}]',
    ],
    "channels": [
        '{"type":["join"],"ref":1,"room":"r"}',
        '{"type":{"a":1},"ref":1,"room":"r"}',
        '{"type":"join","room":"r","ref":' + "[" * 300 + "]" * 300 + "}",
        "not json",
        '{"type":"msg","ref":1,"room":"r","id":[1],"ts":1,"body":"x"}',
    ],
}


def protocol_of(contender: str) -> str:
    return "sio" if contender.startswith("sio") else "channels"


def _ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://", 1) + path


async def open_raw(
    contender: str, base_url: str, token: str, room: str, *, stalled: bool = False
) -> ClientConnection:
    """A joined WebSocket. ``stalled``: a 4 KiB receive buffer and no reading after the join."""
    kwargs: dict[str, Any] = {"max_size": None, "ping_interval": None, "max_queue": None}
    if stalled:
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        kwargs.update(sock=sock, max_queue=1)
    if protocol_of(contender) == "sio":
        ws = await websockets.connect(_ws_url(base_url, SIO_PATH), **kwargs)
        await ws.recv()  # Engine.IO open
        await ws.send("40" + json.dumps({"token": token}))
        await ws.recv()  # CONNECT
        await ws.send('421["join",' + json.dumps({"room": room}) + "]")
        while not str(await ws.recv()).startswith("431"):
            pass
    else:
        path = f"/ws/chat/?token={quote(token)}"
        ws = await websockets.connect(_ws_url(base_url, path), **kwargs)
        await ws.send(json.dumps({"type": "join", "ref": 1, "room": room}))
        while '"ack"' not in str(await ws.recv()):
            pass
    return ws


def drop(ws: ClientConnection) -> None:
    """End a connection the abrupt way: no close frame, the TCP connection aborted."""
    ws.transport.abort()


async def count_frames(ws: ClientConnection, answer_pings: bool) -> tuple[int, bool]:
    """Read until the connection ends: (frames received, whether the server closed it)."""
    frames = 0
    with contextlib.suppress(websockets.ConnectionClosed):
        async for frame in ws:
            if answer_pings and frame == "2":
                await ws.send("3")
                continue
            frames += 1
    return frames, ws.protocol.close_rcvd is not None


async def open_half(
    host: str, port: int, partial: bool
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection that never completes a request head (``partial``: it starts one).

    Keep the writer: a collected ``StreamWriter`` closes its connection.
    """
    reader, writer = await asyncio.open_connection(host, port)
    if partial:
        writer.write(b"GET /ws/chat/ HTTP/1.1\r\nHost: x\r\n")
    return reader, writer


async def closed_by_server(reader: asyncio.StreamReader) -> None:
    """Return once the server closes the connection."""
    with contextlib.suppress(ConnectionError):
        while await reader.read(65536):
            pass
