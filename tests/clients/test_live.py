"""Every client (and WebSocket library) against the real server of its protocol."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from loadgen.clients import make_client
from loadgen.clients.base import ChatClient, ClientClosed, ConnectRefused
from servers.common.config import DEFAULT_SECRET
from servers.common.tokens import make_token
from tests.clients.conftest import ALLOWED_ORIGIN, TIMEOUT, start_server

pytestmark = pytest.mark.integration

CLIENTS = [
    ("sio", "picows"),
    ("sio", "aiohttp"),
    ("sio", "websockets"),
    ("sio-polling", "aiohttp"),  # long-polling runs on aiohttp whatever the library
    ("sio-reference", "picows"),
    ("channels", "picows"),
    ("channels", "aiohttp"),
    ("channels", "websockets"),
]
IDS = [kind if kind.startswith("sio-") else f"{kind}-{lib}" for kind, lib in CLIENTS]


def token(user: str) -> str:
    return make_token(user, DEFAULT_SECRET, ttl=300, now=time.time())


def new_room() -> str:
    return "room-" + uuid.uuid4().hex[:8]


class Peer:
    """A connected client with what it received collected."""

    def __init__(self, client: ChatClient) -> None:
        self.client = client
        self.deliveries: asyncio.Queue[tuple[dict[str, Any], float]] = asyncio.Queue()
        self.errors: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.closed: list[str] = []
        client.on_message = lambda data, t: self.deliveries.put_nowait((data, t))
        client.on_error = self.errors.put_nowait
        client.on_close = self.closed.append

    async def delivery(self) -> dict[str, Any]:
        data, received = await asyncio.wait_for(self.deliveries.get(), TIMEOUT)
        assert 0 < received <= time.monotonic()
        return data


@pytest.fixture(params=CLIENTS, ids=IDS)
def spec(request: pytest.FixtureRequest, server_urls: dict[str, str]) -> tuple[str, str, str]:
    kind, library = request.param
    return kind, library, server_urls["channels" if kind == "channels" else "sio"]


async def open_peer(spec: tuple[str, str, str], user: str = "alice", **kw: Any) -> Peer:
    kind, library, url = spec
    peer = Peer(make_client(kind, library=library))
    await asyncio.wait_for(peer.client.connect(url, token(user), **kw), TIMEOUT)
    return peer


async def test_connect_join_send_and_receive_own_delivery(spec: tuple[str, str, str]) -> None:
    peer = await open_peer(spec)
    room = new_room()
    try:
        assert peer.client.connected and peer.client.user == "alice"
        assert await peer.client.join(room) == {"ok": True, "room": room}
        assert await peer.client.send(room, "m1", 12.5, "hello") == {"ok": True, "id": "m1"}
        delivery = {"room": room, "id": "m1", "ts": 12.5, "from": "alice", "body": "hello"}
        assert await peer.delivery() == delivery
    finally:
        await peer.client.close()
    assert not peer.client.connected and peer.closed == []


async def test_bad_token_is_refused(spec: tuple[str, str, str]) -> None:
    kind, library, url = spec
    client = make_client(kind, library=library)
    with pytest.raises(ConnectRefused) as refused:
        await asyncio.wait_for(client.connect(url, "alice.1.forged"), TIMEOUT)
    assert refused.value.code == "unauthorized"
    assert not client.connected


async def test_origin_not_allowed_is_refused(spec: tuple[str, str, str]) -> None:
    with pytest.raises(ConnectRefused) as refused:
        await open_peer(spec, origin="http://evil.example")
    assert refused.value.code == "forbidden_origin"
    allowed = await open_peer(spec, origin=ALLOWED_ORIGIN)
    assert (await allowed.client.join(new_room()))["ok"] is True
    await allowed.client.close()


async def test_binary_body_round_trips_as_the_same_bytes(spec: tuple[str, str, str]) -> None:
    alice, bob = await open_peer(spec), await open_peer(spec, "bob")
    room, body = new_room(), bytes(range(256)) * 8
    try:
        await alice.client.join(room)
        await bob.client.join(room)
        assert await alice.client.send(room, 7, 1.0, body) == {"ok": True, "id": 7}
        for peer in (alice, bob):
            got = await peer.delivery()
            assert type(got["body"]) is bytes and got["body"] == body
            assert (got["id"], got["from"], got["room"]) == (7, "alice", room)
    finally:
        await alice.client.close()
        await bob.client.close()


async def test_acks_match_under_200_concurrent_send_nowait(spec: tuple[str, str, str]) -> None:
    peer = await open_peer(spec)
    room = new_room()
    acked: dict[int, dict[str, Any]] = {}
    done = asyncio.Event()

    def on_ack_for(msg_id: int) -> Any:
        def on_ack(reply: dict[str, Any], _received: float) -> None:
            acked[msg_id] = reply
            if len(acked) == 200:
                done.set()

        return on_ack

    try:
        await peer.client.join(room)
        for i in range(200):
            body: str | bytes = f"body-{i}" if i % 10 else f"bin-{i}".encode()
            peer.client.send_nowait(room, i, float(i), body, on_ack_for(i))
        await asyncio.wait_for(done.wait(), TIMEOUT)
        assert all(reply == {"ok": True, "id": i} for i, reply in acked.items())
        ids = sorted([(await peer.delivery())["id"] for _ in range(200)])
        assert ids == list(range(200))
    finally:
        await peer.client.close()


async def test_history_and_presence_replies_are_normalized(spec: tuple[str, str, str]) -> None:
    alice, bob = await open_peer(spec), await open_peer(spec, "bob")
    room = new_room()
    try:
        await alice.client.join(room)
        await bob.client.join(room)
        await alice.client.send(room, "t", 1.0, "text")
        await alice.client.send(room, "b", 2.0, b"\x00\x01")
        history = await alice.client.history(room, 10)
        assert history == {
            "ok": True,
            "room": room,
            "messages": [
                {"room": room, "id": "t", "from": "alice", "ts": 1.0, "body": "text"},
                {"room": room, "id": "b", "from": "alice", "ts": 2.0, "body_b64": "AAE="},
            ],
        }
        presence = await alice.client.presence(room)
        assert presence == {"ok": True, "room": room, "users": ["alice", "bob"]}
        assert await bob.client.leave(room) == {"ok": True, "room": room}
        assert await bob.client.leave(room) == {
            "error": {"code": "not_member", "message": f"not a member of room {room!r}"}
        }
    finally:
        await alice.client.close()
        await bob.client.close()


async def test_bad_input_gets_errors_and_the_connection_stays_usable(
    spec: tuple[str, str, str],
) -> None:
    kind = spec[0]
    peer = await open_peer(spec)
    try:
        reply = await peer.client.request("launch-missiles", {"room": "r"})
        assert reply is not None and reply["error"]["code"] == "unknown_type"
        assert set(reply) == {"error"} and set(reply["error"]) == {"code", "message"}
        assert await peer.client.request("msg", {"room": "r"}, ack=False) is None
        assert (await asyncio.wait_for(peer.errors.get(), TIMEOUT))["code"] == "bad_request"
        raw = '42["join",{"room": broken' if kind.startswith("sio") else '{"type": "join", broken'
        await peer.client.send_raw(raw)
        assert (await asyncio.wait_for(peer.errors.get(), TIMEOUT))["code"] == "bad_request"
        assert (await peer.client.join(new_room()))["ok"] is True
    finally:
        await peer.client.close()


async def test_server_going_away_is_reported_and_fails_requests(
    spec: tuple[str, str, str], tmp_path: Path
) -> None:
    kind, library, _ = spec
    group = start_server("channels" if kind == "channels" else "sio", tmp_path)
    try:
        peer = await open_peer((kind, library, group.urls[0]))
        await peer.client.join(new_room())
    finally:
        group.stop()
    for _ in range(int(TIMEOUT / 0.05)):
        if peer.closed:
            break
        await asyncio.sleep(0.05)
    assert len(peer.closed) == 1 and not peer.client.connected
    with pytest.raises(ClientClosed):
        await peer.client.join(new_room())
    await peer.client.close()


async def test_sio_namespace_the_server_does_not_serve_is_refused(
    server_urls: dict[str, str],
) -> None:
    from loadgen.clients.sio import SioClient

    client = SioClient(namespace="/elsewhere")
    with pytest.raises(ConnectRefused):
        await asyncio.wait_for(client.connect(server_urls["sio"], token("alice")), TIMEOUT)
