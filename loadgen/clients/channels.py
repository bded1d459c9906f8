"""The Channels client: JSON frames ``{type, ref, ...}`` over a bare WebSocket.

The mirror of :mod:`loadgen.clients.sio`: same transports, same structure, same method names.
Replies are matched by ``ref`` and normalized to the Socket.IO shape (``type`` and ``ref``
stripped; ``{type: error, code, message}`` becomes ``{"error": {"code", "message"}}``).
Binary bodies travel as binary frames (``servers.common.protocol.encode_binary_frame``).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import orjson

from loadgen.clients.base import AckCallback, Body
from loadgen.clients.core import ClientCore, http_to_ws
from loadgen.clients.transports import DEFAULT_LIBRARY, open_transport
from servers.common.protocol import ChatError, encode_binary_frame, split_binary_frame

_dumps = orjson.dumps
_loads = orjson.loads
_MSG = "msg"
CHANNELS_PATH = "/ws/chat/"


class ChannelsClient(ClientCore):
    """One connection to the Channels chat consumer, with the :class:`ChatClient` interface."""

    def __init__(
        self, *, path: str = CHANNELS_PATH, library: str = DEFAULT_LIBRARY, coalesce: bool = True
    ) -> None:
        super().__init__(library=library, coalesce=coalesce)
        self.path = path

    async def connect(
        self,
        base_url: str,
        token: str,
        *,
        origin: str | None = None,
        timeout: float = 10,  # noqa: ASYNC109 (the interface's name)
    ) -> None:
        self.user = token.split(".", 1)[0]
        url = f"{http_to_ws(base_url)}{self.path}?token={quote(token, safe='')}"
        async with asyncio.timeout(timeout):
            transport = await open_transport(
                self.library, url, self, origin=origin, coalesce=self.coalesce
            )
            self._opened(transport)
        self.connected = True

    def send_nowait(
        self,
        room: str,
        msg_id: str | int,
        ts: float,
        body: Body,
        on_ack: AckCallback | None = None,
    ) -> None:
        if body.__class__ is bytes:
            self._emit(_MSG, {"room": room, "id": msg_id, "ts": ts, "body": body}, on_ack)
        elif on_ack is None:
            frame = {"type": _MSG, "room": room, "id": msg_id, "ts": ts, "body": body}
            self._send_text(_dumps(frame))
        else:
            ref = self._next_id = self._next_id + 1
            self._pending[ref] = on_ack
            frame = {"type": _MSG, "ref": ref, "room": room, "id": msg_id, "ts": ts, "body": body}
            self._send_text(_dumps(frame))

    def _emit(self, kind: str, data: object, on_ack: AckCallback | None) -> None:
        """One request frame; a non-object ``data`` is sent as the frame's ``data`` field."""
        transport = self._require()
        frame: dict[str, Any] = {"type": kind}
        if on_ack is not None:
            frame["ref"] = self._new_id(on_ack)
        frame.update(data if isinstance(data, dict) else {"data": data})
        body = frame.get("body")
        if isinstance(body, bytes):
            del frame["body"]
            transport.send_binary(encode_binary_frame(_dumps(frame), body))
        else:
            transport.send_text(_dumps(frame))

    # --- receiving (FrameSink) --------------------------------------------------------------

    def on_text(self, data: bytes, received: float) -> None:
        frame = _loads(data)
        kind = frame.pop("type", None)
        if kind == _MSG:
            self.on_message(frame, received)
        elif kind == "ack":
            ref = frame.pop("ref", None)
            on_ack = self._pending.pop(ref, None) if ref.__class__ is int else None
            if on_ack is not None:
                on_ack(frame, received)
        elif kind == "error":
            self._on_error_frame(frame, received)

    def on_binary(self, data: bytes, received: float) -> None:
        try:
            header, body = split_binary_frame(data)
            frame = _loads(header)
        except (ChatError, orjson.JSONDecodeError) as exc:
            self.on_error({"code": "protocol", "message": f"bad binary frame: {exc}"})
            return
        if frame.pop("type", None) == _MSG:
            frame["body"] = bytes(body)
            self.on_message(frame, received)

    def _on_error_frame(self, frame: dict[str, Any], received: float) -> None:
        error = {"code": frame.get("code"), "message": frame.get("message")}
        ref = frame.get("ref")
        on_ack = self._pending.pop(ref, None) if ref.__class__ is int else None
        if on_ack is not None:
            on_ack({"error": error}, received)
        else:
            self.on_error(error)
