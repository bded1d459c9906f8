"""The harness seeds the plan's users before a run and removes them after; the profile on
PostgreSQL."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from loadgen.clients.base import ConnectRefused
from servers.common.tokens import make_token
from tests.conftest import TIMEOUT
from tests.contract.conftest import Deployment, open_peer, peers
from tests.idiomatic.conftest import IdiomaticRunning, deploy_idiomatic

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_a_run_seeds_every_user_of_its_plan_and_removes_them_after(tmp_path: Path) -> None:
    db = tmp_path / "chat.sqlite3"
    done = subprocess.run(
        [sys.executable, "bench.py", "run", "scenarios/connect-storm.yaml", "--smoke",
         "--profile", "idiomatic", "--contender", "sio", "--contender", "channels",
         "--out", str(tmp_path)],
        cwd=ROOT, env={**os.environ, "BENCH_DB_URL": f"sqlite:///{db}"},
        capture_output=True, text=True, timeout=60 * TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "profile idiomatic" in done.stdout
    (result,) = tmp_path.glob("*.json")
    document = json.loads(result.read_text())
    assert document["scenario"]["profile"] == "idiomatic"
    assert document["settings"]["server"]["profile"] == "idiomatic"
    for run in document["runs"]:  # every client authenticated against a seeded token row
        assert run["connected"] == run["connections"] > 0
        assert sum(run["connect"]["errors"].values()) == 0
    with sqlite3.connect(db) as conn:
        users = conn.execute("SELECT count(*) FROM auth_user").fetchone()
        tokens = conn.execute("SELECT count(*) FROM idiomatic_token").fetchone()
        stored = conn.execute("SELECT count(*) FROM idiomatic_message").fetchone()
    assert users == (0,) and tokens == (0,)  # removed after the run
    assert stored == (0,)  # connect-storm stores nothing: persistence is off


@pytest.fixture(scope="module", params=[Deployment("sio"), Deployment("channels")], ids=str)
def on_postgres(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IdiomaticRunning]:
    db_url = request.getfixturevalue("postgres_url")
    tmp = tmp_path_factory.mktemp(f"idio-pg-{request.param}")
    yield from deploy_idiomatic(request.param, tmp, db_url=db_url)


async def test_history_and_refusal_through_the_orm_on_postgres(
    on_postgres: IdiomaticRunning,
) -> None:
    room = "pg-orm-" + uuid.uuid4().hex[:8]
    async with peers(on_postgres, "alice", "bob") as (alice, bob):
        await alice.client.join(room)
        await bob.client.join(room)
        for n in range(4):
            assert (await alice.client.send(room, n, float(n), f"text {n}"))["ok"] is True
        assert (await bob.client.send(room, "bin", 9.0, b"\x00\x01\x02"))["ok"] is True
        reply = await bob.client.history(room, 3)
    assert [m["id"] for m in reply["messages"]] == [2, 3, "bin"]
    assert reply["messages"][2]["body_b64"] == "AAEC"
    with psycopg.connect(on_postgres.config.db_url) as conn:
        rows = conn.execute("SELECT count(*) FROM idiomatic_message WHERE room = %s", (room,))
        assert rows.fetchone() == (5,)
    # A valid HMAC, unexpired, but no token row holds it: refused by the ORM lookup.
    unseeded = make_token("alice", on_postgres.config.secret, ttl=900, now=time.time() + 7)
    with pytest.raises(ConnectRefused):
        await open_peer(on_postgres, "alice", token=unseeded)
    on_postgres.group.check_alive()
