"""``bench serve --deflate``: every contender negotiates per-message deflate, the plain
``websockets`` reference server too (it once read a setting the flag never set).

Daphne is left out: it has no per-message deflate switch and negotiates none (specs.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from servers.common.tokens import make_token
from tests.conftest import TIMEOUT
from tests.launcher.test_launcher import StartServe, bench_env, bench_serve

pytestmark = pytest.mark.integration
__all__ = ["bench_serve"]  # the fixture, used by name

SECRET = "deflate-test-secret"
PATHS = {
    "sio": "/socket.io/?EIO=4&transport=websocket",
    "sio-node": "/socket.io/?EIO=4&transport=websocket",
    "channels": "/ws/chat/?token={token}",
    "reference": "/ws/chat/?token={token}",
}


async def extensions(port: int, path: str) -> str | None:
    """The Sec-WebSocket-Extensions the server answers a client offering permessage-deflate."""
    url = f"ws://127.0.0.1:{port}{path}"
    async with connect(url, compression="deflate", open_timeout=TIMEOUT) as ws:
        assert ws.response is not None
        return ws.response.headers.get("Sec-WebSocket-Extensions")


@pytest.mark.parametrize("contender", sorted(PATHS))
@pytest.mark.parametrize("deflate", [True, False])
def test_deflate_flag_turns_per_message_deflate_on_for_every_contender(
    bench_serve: StartServe, tmp_path: Path, contender: str, deflate: bool
) -> None:
    args = [contender, "--port", "0", "--log-dir", str(tmp_path)]
    serve = bench_serve([*args, "--deflate"] if deflate else args, bench_env(BENCH_SECRET=SECRET))
    (listening,) = serve.wait_listening(1, 6 * TIMEOUT)
    token = make_token("alice", SECRET, ttl=300.0, now=time.time())
    path = PATHS[contender].format(token=token)
    answer = asyncio.run(extensions(listening.port, path))
    if deflate:
        assert answer is not None and answer.startswith("permessage-deflate"), answer
    else:
        assert answer is None
