"""RabbitMQ and PostgreSQL backplanes (docs/backplanes.md): a room spans two instances, the
first messages after a start arrive (the upstream races fixed in servers/sio/rabbitmq.py and
servers/channels/postgres_layer.py), and a broker that is down is one clear error."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers.common.brokers import BrokerUnavailableError
from servers.common.config import ServerConfig
from servers.launch import start_servers
from servers.launch.ports import free_port
from tests.conftest import TIMEOUT
from tests.contract.conftest import (
    BACKPLANE_DEPLOYMENTS,
    Deployment,
    Running,
    check_room_spans_instances,
    deploy,
    open_peer,
)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
LOG_TROUBLE = re.compile(r"error|exception|traceback|retrying|refused", re.IGNORECASE)


@pytest.fixture(scope="module", params=BACKPLANE_DEPLOYMENTS, ids=str)
def two_instances(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp(f"x-{request.param}")
    yield from deploy(request, request.param, tmp, instances=2)


async def test_msg_sent_on_instance_0_reaches_member_on_instance_1(two_instances: Running) -> None:
    await check_room_spans_instances(two_instances)


BURST = 50


@pytest.mark.parametrize("deployment", BACKPLANE_DEPLOYMENTS, ids=str)
async def test_first_burst_after_start_is_delivered_once(
    request: pytest.FixtureRequest, deployment: Deployment, tmp_path: Path
) -> None:
    """Fresh servers, a receiver's first connection, then at once a burst from the other
    instance: every message arrives, none twice. Upstream, python-socketio's RabbitMQ manager
    bound its queue after the first connection was let in (the burst was lost) and
    channels_postgres listened after it (lost) and once per concurrent first consumer
    (duplicates); the receivers connect concurrently to catch the latter."""
    gen = deploy(request, deployment, tmp_path, instances=2)
    running = next(gen)
    try:
        await _burst(running)
    finally:
        gen.close()


async def _burst(running: Running) -> None:
    room = "burst-" + uuid.uuid4().hex[:8]
    receivers = await asyncio.gather(
        *(open_peer(running, f"r{i}", instance=1) for i in range(3))
    )  # concurrent first consumers of instance 1
    sender = await open_peer(running, "s", instance=0)
    peers = [*receivers, sender]
    try:
        await asyncio.gather(*(p.client.join(room) for p in peers))
        acks = await asyncio.gather(
            *(sender.client.send(room, f"b-{n}", 1.0, "burst") for n in range(BURST))
        )
        assert all(a.get("ok") for a in acks)
        for peer in receivers:
            got = [(await peer.next_delivery())["id"] for _ in range(BURST)]
            assert sorted(got) == sorted(f"b-{n}" for n in range(BURST)), running.deployment
            assert await peer.no_delivery(0.5), f"{running.deployment}: a duplicate arrived"
    finally:
        await asyncio.gather(*(p.client.close() for p in peers), return_exceptions=True)
    for server in running.group.servers:
        trouble = [ln for ln in server.tail(2000).splitlines() if LOG_TROUBLE.search(ln)]
        assert trouble == [], f"{server.describe()} logged: {trouble[:5]}"


@pytest.mark.parametrize(
    ("contender", "backend", "url_field"),
    [
        ("sio", "rabbitmq", "rabbitmq_url"),
        ("channels", "rabbitmq", "rabbitmq_url"),
        ("channels", "postgres", "postgres_url"),
        ("sio-node", "postgres", "postgres_url"),
    ],
)
def test_launcher_refuses_a_broker_that_is_down(
    contender: str, backend: str, url_field: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port("127.0.0.1")  # nothing listens there
    scheme = "amqp://guest:guest" if backend == "rabbitmq" else "postgresql://postgres"
    url = f"{scheme}@127.0.0.1:{port}/"
    config = ServerConfig(backend=backend, redis_url=redis_url, **{url_field: url})  # type: ignore[arg-type]
    with pytest.raises(BrokerUnavailableError) as info:
        start_servers(contender, config, log_dir=tmp_path)
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message and "docker compose up -d" in message


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sio", "--backend", "postgres"], "python-socketio ships no PostgreSQL client manager"),
        (["sio-node", "--backend", "rabbitmq"], "has no RabbitMQ adapter"),
        (
            [
                "channels",
                "--backend",
                "rabbitmq",
                "--rabbitmq-url",
                "amqp://guest:guest@127.0.0.1:1/",
            ],
            "does not answer at amqp://guest:***@127.0.0.1:1/",
        ),
        (
            [
                "channels",
                "--backend",
                "postgres",
                "--postgres-url",
                "postgresql://postgres@127.0.0.1:1/x",
            ],
            "start one (pg_ctlcluster ... start, or docker compose up -d postgres)",
        ),
    ],
)
def test_bench_serve_refuses_up_front_with_exit_2(
    argv: list[str], expected: str, redis_url: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "serve", *argv, "--port", "0", "--redis-url", redis_url],
        cwd=ROOT, capture_output=True, text=True, timeout=60 * TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
