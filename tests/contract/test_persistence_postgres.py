"""History with persistence on PostgreSQL: the same storage layer and schema as SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.contract.conftest import Deployment, Running, deploy, peers

pytestmark = pytest.mark.integration


@pytest.fixture(
    scope="module",
    params=[
        Deployment("sio"),
        Deployment("channels"),
        Deployment("channels-daphne"),
        Deployment("sio-node"),
    ],
    ids=str,
)
def on_postgres(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    db_url = request.getfixturevalue("postgres_url")
    tmp = tmp_path_factory.mktemp(f"pg-{request.param}")
    yield from deploy(request, request.param, tmp, db_url=db_url)


async def test_history_reads_back_from_postgres(on_postgres: Running) -> None:
    room = "pg-" + uuid.uuid4().hex[:8]
    async with peers(on_postgres, "alice", "bob") as (alice, bob):
        await alice.client.join(room)
        await bob.client.join(room)
        for n in range(5):
            assert (await alice.client.send(room, n, float(n), f"text {n}"))["ok"] is True
        assert (await bob.client.send(room, "bin", 9.0, b"\x00\x01\x02"))["ok"] is True
        reply = await bob.client.history(room, 3)
    assert reply["ok"] is True
    assert [m["id"] for m in reply["messages"]] == [3, 4, "bin"]
    assert reply["messages"][0] == {
        "room": room,
        "id": 3,
        "from": "alice",
        "ts": 3.0,
        "body": "text 3",
    }
    assert reply["messages"][2]["body_b64"] == "AAEC"
