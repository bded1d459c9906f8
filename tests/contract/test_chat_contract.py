"""The chat contract, one suite for every contender x backend (DESIGN.md's table)."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid

import pytest

from loadgen.clients.base import ConnectRefused
from servers.common.tokens import make_token
from tests.conftest import TIMEOUT
from tests.contract.conftest import ALLOWED_ORIGIN, Running, open_peer, peers

pytestmark = pytest.mark.integration


def new_room() -> str:
    return "room-" + uuid.uuid4().hex[:8]


async def test_join_is_acked(running: Running) -> None:
    room = new_room()
    async with peers(running, "alice") as (alice,):
        assert await alice.client.join(room) == {"ok": True, "room": room}


async def test_msg_reaches_every_member_and_only_members(running: Running) -> None:
    room = new_room()
    async with peers(running, "alice", "bob", "carol", "mallory") as (alice, bob, carol, mal):
        for peer in (alice, bob, carol):
            assert (await peer.client.join(room))["ok"] is True
        await mal.client.join(new_room())
        ack = await alice.client.send(room, "m-1", 12.5, "hello room")
        assert ack == {"ok": True, "id": "m-1"}
        for peer in (alice, bob, carol):
            got = await peer.next_delivery()
            assert got == {
                "room": room,
                "id": "m-1",
                "ts": 12.5,
                "from": "alice",
                "body": "hello room",
            }
        assert await mal.no_delivery()


async def test_binary_body_round_trips_to_every_member(running: Running) -> None:
    room = new_room()
    body = bytes(range(256)) * 4
    async with peers(running, "alice", "bob") as (alice, bob):
        await alice.client.join(room)
        await bob.client.join(room)
        assert (await alice.client.send(room, 7, 1.0, body))["ok"] is True
        for peer in (alice, bob):
            got = await peer.next_delivery()
            assert got["body"] == body and got["id"] == 7 and got["from"] == "alice"


async def test_history_returns_stored_messages_oldest_first(running: Running) -> None:
    room = new_room()
    async with peers(running, "alice") as (alice,):
        await alice.client.join(room)
        await alice.client.send(room, "h1", 1.0, "first")
        await alice.client.send(room, "h2", 2.0, b"\x00\xffbinary")
        await alice.client.send(room, 3, 3.0, "third")
        reply = await alice.client.history(room, 2)
    assert reply["ok"] is True and reply["room"] == room
    assert reply["messages"] == [
        {"room": room, "id": "h2", "from": "alice", "ts": 2.0,
         "body_b64": base64.b64encode(b"\x00\xffbinary").decode()},
        {"room": room, "id": 3, "from": "alice", "ts": 3.0, "body": "third"},
    ]  # fmt: skip


async def test_presence_after_join_and_after_disconnect(running: Running) -> None:
    room = new_room()
    async with peers(running, "alice") as (alice,):
        bob = await open_peer(running, "bob")
        await alice.client.join(room)
        await bob.client.join(room)
        assert (await alice.client.presence(room))["users"] == ["alice", "bob"]
        await bob.client.close()
        deadline = time.monotonic() + TIMEOUT
        users = None
        while time.monotonic() < deadline:
            users = (await alice.client.presence(room))["users"]
            if users == ["alice"]:
                break
            await asyncio.sleep(0.05)
        assert users == ["alice"]


async def test_leave_stops_deliveries(running: Running) -> None:
    room = new_room()
    async with peers(running, "alice", "bob") as (alice, bob):
        await alice.client.join(room)
        await bob.client.join(room)
        assert await bob.client.leave(room) == {"ok": True, "room": room}
        await alice.client.send(room, "after-leave", 1.0, "x")
        assert (await alice.next_delivery())["id"] == "after-leave"
        assert await bob.no_delivery()
        assert (await bob.client.leave(room))["error"]["code"] == "not_member"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="missing"),
        pytest.param("alice.9999999999.forged-signature", id="bad-signature"),
        pytest.param("not-a-token", id="malformed"),
        pytest.param("expired", id="expired"),
    ],
)
async def test_bad_token_is_refused_before_accept(running: Running, token: str) -> None:
    if token == "expired":
        token = make_token("alice", running.config.secret, ttl=-10, now=time.time())
    with pytest.raises(ConnectRefused):
        await open_peer(running, "alice", token=token)
    running.group.check_alive()


async def test_origin_check(running: Running) -> None:
    with pytest.raises(ConnectRefused):
        await open_peer(running, "alice", origin="http://evil.example")
    allowed = await open_peer(running, "alice", origin=ALLOWED_ORIGIN)
    missing = await open_peer(running, "bob")  # no Origin header: non-browser client
    room = new_room()
    assert (await allowed.client.join(room))["ok"] is True
    assert (await missing.client.join(room))["ok"] is True
    await allowed.client.close()
    await missing.client.close()


async def test_oversized_body_is_refused_and_connection_stays_usable(running: Running) -> None:
    room = new_room()
    limit = running.config.max_body_bytes
    async with peers(running, "alice") as (alice,):
        await alice.client.join(room)
        for body in ("x" * (limit + 1), b"\x01" * (limit + 1)):
            reply = await alice.client.send(room, "big", 1.0, body)
            assert reply["error"]["code"] == "too_large"
        assert (await alice.client.send(room, "ok", 1.0, "x" * limit))["ok"] is True
        assert (await alice.next_delivery())["id"] == "ok"


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        ("join", {}, "bad_request"),
        ("join", {"room": 5}, "bad_request"),
        ("join", {"room": ""}, "bad_request"),
        ("join", "not-an-object", "bad_request"),
        ("msg", {"room": "r", "id": 1, "ts": 1.0}, "bad_request"),
        ("msg", {"room": "r", "id": 1, "ts": "soon", "body": "x"}, "bad_request"),
        ("msg", {"room": "r", "id": [1], "ts": 1.0, "body": "x"}, "bad_request"),
        ("msg", {"room": "r", "id": 1, "ts": 1.0, "body": {"nested": 1}}, "bad_request"),
        ("history", {"room": "r", "limit": 0}, "bad_request"),
        ("history", {"room": "r", "limit": "ten"}, "bad_request"),
        ("launch-missiles", {"room": "r"}, "unknown_type"),
    ],
)
async def test_bad_request_gets_error_and_connection_stays_usable(
    running: Running, kind: str, data: object, code: str
) -> None:
    room = new_room()
    async with peers(running, "alice") as (alice,):
        reply = await alice.client.request(kind, data)
        assert reply is not None and reply["error"]["code"] == code
        assert reply["error"]["message"]
        assert (await alice.client.join(room))["ok"] is True
    running.group.check_alive()


@pytest.mark.parametrize("name", ["disconnect", "connect"])
async def test_lifecycle_names_are_refused_and_connection_stays_usable(
    running: Running, name: str
) -> None:
    room = new_room()
    async with peers(running, "alice") as (alice,):
        # Without an ack: Node's socket.io parser refuses a reserved name before it reads the
        # ack id, so an error event is the one reply every server can give.
        await alice.client.request(name, {"room": room}, ack=False)
        error = await alice.next_error()
        assert error["code"] in ("bad_request", "unknown_type"), error
        assert (await alice.client.join(room))["ok"] is True
        assert (await alice.client.send(room, "after", 1.0, "still here"))["ok"] is True
    running.group.check_alive()


async def test_error_without_ack_arrives_as_error_event(running: Running) -> None:
    async with peers(running, "alice") as (alice,):
        await alice.client.request("msg", {"room": new_room()}, ack=False)
        error = await alice.next_error()
        assert error["code"] == "bad_request" and error["message"]


async def test_malformed_frame_gets_error_and_connection_stays_usable(running: Running) -> None:
    room = new_room()
    async with peers(running, "alice") as (alice,):
        await alice.client.send_raw(malformed_frame(running))
        error = await alice.next_error()
        assert error["code"] == "bad_request"
        assert (await alice.client.join(room))["ok"] is True
    running.group.check_alive()


def malformed_frame(running: Running) -> str:
    if running.client_kind.startswith("sio"):  # sio, sio-polling
        return '42["msg",{"room": "r", broken'  # a Socket.IO EVENT packet with broken JSON
    return '{"type": "join", "room": broken'


@pytest.mark.parametrize("kind", ["msg", "history", "presence"])
async def test_rooms_not_joined_are_off_limits(running: Running, kind: str) -> None:
    room = new_room()
    async with peers(running, "alice", "eve") as (alice, eve):
        await alice.client.join(room)
        data = {"room": room, "id": 1, "ts": 1.0, "body": "x", "limit": 5}
        reply = await eve.client.request(kind, data)
        assert reply is not None and reply["error"]["code"] == "not_member"
        assert await alice.no_delivery(0.1)
