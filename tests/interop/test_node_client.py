"""The official ``socket.io-client`` from npm, which nobody here wrote, against our sio servers."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers.common.config import ServerConfig
from servers.common.tokens import make_token
from servers.launch import ServerGroup, start_servers
from tests.conftest import TIMEOUT, unavailable

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("sio_client.js")
USER = "alice-node"
TRANSPORTS = ["websocket", "polling", "polling,websocket"]  # the last is the client's default
# Lines in a server log that mean it failed inside, even if the client got its replies.
LOG_ALARMS = ("Traceback", "ERROR", "Exception")


@pytest.fixture(scope="module")
def node() -> str:
    binary = shutil.which("node")
    if binary is None:
        unavailable("node is not on PATH: the interop tests need Node.js 18+, then `make install`")
    elif not (REPO / "node_modules" / "socket.io-client" / "package.json").is_file():
        unavailable("node_modules/socket.io-client is missing: run `make install`")
    return str(binary)


# python-socketio, and the official Node.js server (sio-node) as a check of the official client
# against its own server, on both backends.
SERVERS = [("sio", "memory"), ("sio", "redis"), ("sio-node", "memory"), ("sio-node", "redis")]


@pytest.fixture(scope="module", params=SERVERS, ids=lambda p: "-".join(p))
def sio_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerGroup, ServerConfig]]:
    contender, backend = request.param
    if backend == "redis":
        redis_url = request.getfixturevalue("redis_url")
        prefix = "t" + uuid.uuid4().hex[:10]
        config = ServerConfig(backend="redis", redis_url=redis_url, redis_prefix=prefix)
    else:
        config = ServerConfig()
    log_dir = tmp_path_factory.mktemp(f"{contender}-{backend}")
    with start_servers(contender, config, log_dir=log_dir) as group:
        yield group, config


def run_client(node: str, group: ServerGroup, *args: str) -> tuple[int, dict[str, Any]]:
    """Run the Node client once; return its exit status and the JSON line it printed."""
    argv = [node, str(SCRIPT), "--url", group.urls[0], "--timeout-ms", str(int(2000 * TIMEOUT))]
    result = subprocess.run(
        [*argv, *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=4 * TIMEOUT,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, f"the Node client printed nothing (status {result.returncode}):\n{result.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    server_log = group.servers[0].tail(200)
    assert not any(alarm in server_log for alarm in LOG_ALARMS), server_log
    return result.returncode, report


def token(config: ServerConfig, user: str = USER) -> str:
    return make_token(user, config.secret, ttl=300, now=time.time())


@pytest.mark.parametrize("transports", TRANSPORTS)
def test_official_client_joins_sends_and_gets_the_broadcast_and_the_ack(
    node: str, sio_server: tuple[ServerGroup, ServerConfig], transports: str
) -> None:
    group, config = sio_server
    body = f"hello over {transports} ✓"
    code, report = run_client(
        node, group, "--token", token(config), "--room", "r1", "--body", body,
        "--transports", transports,
    )  # fmt: skip

    assert code == 0, report
    assert report["version"].startswith("4.")
    assert report["join"] == {"ok": True, "room": "r1"}
    message_id = report["broadcast"]["id"]
    assert report["ack"] == {"ok": True, "id": message_id}
    assert report["broadcast"]["room"] == "r1"
    assert report["broadcast"]["from"] == USER
    assert report["broadcast"]["body"] == body
    assert report["broadcast"]["binary"] is False
    assert report["transport"] == transports.split(",")[-1]


@pytest.mark.parametrize("transports", ["websocket", "polling"])
def test_binary_body_round_trips_as_the_same_bytes(
    node: str, sio_server: tuple[ServerGroup, ServerConfig], transports: str
) -> None:
    group, config = sio_server
    body = bytes(range(256)) * 4
    code, report = run_client(
        node, group, "--token", token(config), "--room", "bin",
        "--body-b64", base64.b64encode(body).decode(), "--transports", transports,
    )  # fmt: skip

    assert code == 0, report
    assert report["broadcast"]["binary"] is True
    assert base64.b64decode(report["broadcast"]["body_b64"]) == body
    assert report["ack"] == {"ok": True, "id": report["broadcast"]["id"]}


@pytest.mark.parametrize("kind", ["wrong-secret", "expired", "garbage"])
def test_bad_token_is_refused_as_unauthorized(
    node: str, sio_server: tuple[ServerGroup, ServerConfig], kind: str
) -> None:
    group, config = sio_server
    bad = {
        "wrong-secret": make_token(USER, "not-the-secret", ttl=300, now=time.time()),
        "expired": make_token(USER, config.secret, ttl=60, now=time.time() - 3600),
        "garbage": "not-a-token",
    }[kind]
    code, report = run_client(node, group, "--token", bad, "--transports", "websocket")

    assert code == 3, report
    assert "connected" not in report
    assert report["connect_error"]["message"] == "unauthorized"
    assert report["connect_error"]["data"]["code"] == "unauthorized"
