"""The chat contract's messages: validation of requests and the shape of replies.

Pure functions, shared by both servers (and by the load generator's clients for the binary
frame codec), so that the same input yields the same reply on every contender.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from typing import Any

# Error codes, the same strings on every server.
BAD_REQUEST = "bad_request"
TOO_LARGE = "too_large"
NOT_MEMBER = "not_member"
UNAUTHORIZED = "unauthorized"
UNKNOWN_TYPE = "unknown_type"
FORBIDDEN_ORIGIN = "forbidden_origin"

MAX_ROOM_LEN = 128
MAX_ID_LEN = 128
MAX_HISTORY = 1000
DEFAULT_HISTORY = 50

Body = str | bytes


class ChatError(Exception):
    """A request the server refuses; carries the contract's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def payload(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True, slots=True)
class RoomRequest:
    """``join``, ``leave`` and ``presence``: a room name only."""

    room: str


@dataclass(frozen=True, slots=True)
class MsgRequest:
    room: str
    id: str | int
    ts: float
    body: Body


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    room: str
    limit: int


def _mapping(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ChatError(BAD_REQUEST, "request must be an object")
    return data


def _room(data: dict[str, Any]) -> str:
    room = data.get("room")
    if not isinstance(room, str) or not room:
        raise ChatError(BAD_REQUEST, "field 'room' must be a non-empty string")
    if len(room) > MAX_ROOM_LEN:
        raise ChatError(BAD_REQUEST, f"field 'room' is longer than {MAX_ROOM_LEN} characters")
    return room


def parse_room(data: object) -> RoomRequest:
    return RoomRequest(_room(_mapping(data)))


def parse_msg(data: object, max_body_bytes: int) -> MsgRequest:
    fields = _mapping(data)
    room = _room(fields)
    msg_id = fields.get("id")
    if isinstance(msg_id, bool) or not isinstance(msg_id, str | int):
        raise ChatError(BAD_REQUEST, "field 'id' must be a string or an integer")
    if isinstance(msg_id, str) and len(msg_id) > MAX_ID_LEN:
        raise ChatError(BAD_REQUEST, f"field 'id' is longer than {MAX_ID_LEN} characters")
    ts = fields.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise ChatError(BAD_REQUEST, "field 'ts' must be a number")
    body = fields.get("body")
    if isinstance(body, str):
        size = len(body) if body.isascii() else len(body.encode())
    elif isinstance(body, bytes):
        size = len(body)
    else:
        raise ChatError(BAD_REQUEST, "field 'body' must be a string or binary")
    if size > max_body_bytes:
        raise ChatError(TOO_LARGE, f"body of {size} bytes is over the limit of {max_body_bytes}")
    return MsgRequest(room, msg_id, float(ts), body)


def parse_history(data: object) -> HistoryRequest:
    fields = _mapping(data)
    room = _room(fields)
    limit = fields.get("limit", DEFAULT_HISTORY)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_HISTORY:
        raise ChatError(BAD_REQUEST, f"field 'limit' must be an integer from 1 to {MAX_HISTORY}")
    return HistoryRequest(room, limit)


def parse_ref(data: dict[str, Any]) -> str | int | float | None:
    """A Channels request's ``ref``, echoed in its reply: a scalar, so the reply can be encoded."""
    ref = data.get("ref")
    if ref is None or (isinstance(ref, int | float) and not isinstance(ref, bool)):
        return ref
    if isinstance(ref, str) and len(ref) <= MAX_ID_LEN:
        return ref
    raise ChatError(BAD_REQUEST, f"field 'ref' must be a number or a string of <= {MAX_ID_LEN}")


def parse_type(data: dict[str, Any]) -> str:
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ChatError(BAD_REQUEST, "field 'type' must be a string")
    return kind


def require_member(rooms: set[str] | frozenset[str], room: str) -> None:
    if room not in rooms:
        raise ChatError(NOT_MEMBER, f"not a member of room {room!r}")


def delivery(user: str, req: MsgRequest) -> dict[str, Any]:
    """What every member of the room receives for one message."""
    return {"room": req.room, "id": req.id, "ts": req.ts, "from": user, "body": req.body}


def ok(**fields: Any) -> dict[str, Any]:
    return {"ok": True, **fields}


def history_entry(room: str, msg_id: str, sender: str, ts: float, body: Body) -> dict[str, Any]:
    """One stored message as ``history`` returns it; binary bodies travel as base64."""
    entry: dict[str, Any] = {"room": room, "id": msg_id, "from": sender, "ts": ts}
    if isinstance(body, bytes):
        entry["body_b64"] = base64.b64encode(body).decode()
    else:
        entry["body"] = body
    return entry


# Binary frames of the Channels server: 4-byte big-endian header length, a JSON header
# ({"type": "msg", "room", "id", "ts", "ref"?, "from"?}), then the body bytes unchanged.
_HEADER_LEN = struct.Struct(">I")


def encode_binary_frame(header: bytes, body: bytes) -> bytes:
    """Join an already JSON-encoded header and a binary body into one frame."""
    return _HEADER_LEN.pack(len(header)) + header + body


def split_binary_frame(frame: bytes) -> tuple[bytes, bytes]:
    """Return (JSON header bytes, body bytes); raise ChatError when the frame is malformed."""
    if len(frame) < _HEADER_LEN.size:
        raise ChatError(BAD_REQUEST, "binary frame shorter than its header length")
    (size,) = _HEADER_LEN.unpack_from(frame)
    end = _HEADER_LEN.size + size
    if end > len(frame):
        raise ChatError(BAD_REQUEST, "binary frame header length is past the end of the frame")
    return frame[_HEADER_LEN.size : end], frame[end:]
