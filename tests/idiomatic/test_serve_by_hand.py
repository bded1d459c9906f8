"""``bench serve --profile idiomatic``: users and tokens are seeded so that someone can connect by
hand, ``bench token --profile idiomatic`` adds another, and the session's users go on stop."""

from __future__ import annotations

import asyncio
import queue
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from loadgen.clients import make_client
from loadgen.clients.base import ConnectRefused
from tests.launcher.test_launcher import (  # noqa: F401 (bench_serve is a fixture)
    BENCH,
    TIMEOUT,
    BenchServe,
    StartServe,
    bench_env,
    bench_serve,
)

pytestmark = pytest.mark.integration


def _line_starting(serve: BenchServe, prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = serve.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            pytest.fail(f"bench serve printed no line {prefix!r}:\n{serve.text()}")
        serve.output.append(line)
        if line.startswith(prefix):
            return line


async def _connects(url: str, token: str) -> bool:
    client = make_client("sio")
    try:
        await asyncio.wait_for(client.connect(url, token), TIMEOUT)
    except ConnectRefused:
        return False
    await client.close()
    return True


def test_serve_seeds_users_whose_printed_tokens_connect(
    bench_serve: StartServe,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    db = tmp_path / "chat.sqlite3"
    args = ["sio", "--port", "0", "--profile", "idiomatic", "--db-url", f"sqlite:///{db}"]
    serve = bench_serve([*args, "--user", "alice", "--log-dir", str(tmp_path)], bench_env())
    (listening,) = serve.wait_listening(1, timeout=4 * TIMEOUT)
    alice = _line_starting(serve, "user alice: token ", TIMEOUT).split("token ", 1)[1]
    how = _line_starting(serve, "profile idiomatic: tokens are looked up", TIMEOUT)
    assert f"bench token NAME --profile idiomatic --db-url sqlite:///{db}" in how
    bob = subprocess.run(
        [BENCH, "token", "bob", "--profile", "idiomatic", "--db-url", f"sqlite:///{db}"],
        env=bench_env(), capture_output=True, text=True, timeout=4 * TIMEOUT, check=True,
    ).stdout.strip()  # fmt: skip
    url = f"http://127.0.0.1:{listening.port}"

    assert asyncio.run(_connects(url, alice)), serve.text()
    assert asyncio.run(_connects(url, bob)), serve.text()
    plain = subprocess.run(  # an equal-profile token has no row: refused
        [BENCH, "token", "carol"], env=bench_env(), capture_output=True, text=True, check=True
    ).stdout.strip()
    assert not asyncio.run(_connects(url, plain))

    serve.process.send_signal(signal.SIGINT)
    assert serve.finish(timeout=2 * TIMEOUT) == 0, serve.text()
    with sqlite3.connect(db) as conn:  # alice was the session's; bob was added by hand
        users = {row[0] for row in conn.execute("SELECT username FROM auth_user")}
    assert users == {"bob"}
