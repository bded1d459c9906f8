"""The chat contract under the idiomatic profile: the same tests as tests/contract, on both
Python frameworks, with tokens looked up and messages stored through the Django ORM."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from loadgen.clients.base import ConnectRefused
from servers.idiomatic.harness import remove_users
from tests.contract.conftest import open_peer, peers
from tests.contract.test_chat_contract import *  # noqa: F403  (the contract, collected here)
from tests.idiomatic.conftest import IdiomaticRunning

pytestmark = pytest.mark.integration


async def test_history_is_read_back_from_the_orm_table(running: IdiomaticRunning) -> None:
    room = "orm-" + uuid.uuid4().hex[:8]
    async with peers(running, "alice") as (alice,):
        await alice.client.join(room)
        assert (await alice.client.send(room, "o1", 1.0, "kept by the ORM"))["ok"] is True
        reply = await alice.client.history(room, 5)
    assert [m["id"] for m in reply["messages"]] == ["o1"]
    path = running.config.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT msg_id, sender, body_text FROM idiomatic_message WHERE room = ?", (room,)
        ).fetchall()
        equal_rows = conn.execute(
            "SELECT count(*) FROM chat_message WHERE room = ?", (room,)
        ).fetchone()
    assert rows == [('"o1"', "alice", "kept by the ORM")]
    assert equal_rows == (0,)  # nothing went through the equal profile's store


async def test_a_token_whose_user_was_removed_is_refused(running: IdiomaticRunning) -> None:
    token = running.token("temp-user")
    peer = await open_peer(running, "temp-user", token=token)
    await peer.client.close()
    remove_users(running.config, ["temp-user"])
    del running.tokens["temp-user"]
    with pytest.raises(ConnectRefused):
        await open_peer(running, "temp-user", token=token)
    running.group.check_alive()
