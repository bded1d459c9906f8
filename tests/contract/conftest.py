"""Deployments of every contender x backend, started by the launcher, and test clients."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from loadgen.clients import client_kind_for, make_client
from loadgen.clients.base import ChatClient
from servers.common.brokers import broker_problem
from servers.common.config import DEFAULT_POSTGRES_URL, DEFAULT_RABBITMQ_URL, ServerConfig
from servers.common.tokens import make_token
from servers.launch import ServerGroup, start_servers
from tests.conftest import TIMEOUT, unavailable

ALLOWED_ORIGIN = "http://allowed.example"


@dataclass(frozen=True)
class Deployment:
    contender: str
    backend: str = "memory"
    layer: str = "core"

    def __str__(self) -> str:
        if self.backend != "redis":
            return f"{self.contender}-{self.backend}"
        if self.contender in ("sio", "sio-node"):
            return f"{self.contender}-redis"
        return f"{self.contender}-redis-{self.layer}"


DEPLOYMENTS = [
    Deployment("sio"),
    Deployment("sio", "redis"),
    Deployment("channels"),
    Deployment("channels", "redis", "core"),
    Deployment("channels", "redis", "pubsub"),
    Deployment("channels-daphne"),
    Deployment("channels-daphne", "redis", "core"),
    Deployment("channels-daphne", "redis", "pubsub"),
    Deployment("sio-node"),
    Deployment("sio-node", "redis"),
    *(BACKPLANE_DEPLOYMENTS := [
        Deployment("sio", "rabbitmq"),
        Deployment("channels", "rabbitmq"),
        Deployment("channels", "postgres"),
        Deployment("sio-node", "postgres"),
    ]),
]  # fmt: skip
REDIS_DEPLOYMENTS = [d for d in DEPLOYMENTS if d.backend == "redis"]


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """``RABBITMQ_URL`` when given, else the local broker (guest/guest, vhost ``/``)."""
    url = os.environ.get("RABBITMQ_URL") or DEFAULT_RABBITMQ_URL
    problem = broker_problem("rabbitmq", url)
    if problem is not None:
        unavailable(problem)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """``POSTGRES_URL`` when given, else the local server (database ``test``, trust auth)."""
    url = os.environ.get("POSTGRES_URL") or DEFAULT_POSTGRES_URL
    problem = broker_problem("postgres", url)
    if problem is not None:
        unavailable(problem)
    return url


@dataclass
class Running:
    deployment: Deployment
    config: ServerConfig
    group: ServerGroup

    @property
    def client_kind(self) -> str:
        return client_kind_for(self.deployment.contender)

    def token(self, user: str, ttl: float = 300.0) -> str:
        return make_token(user, self.config.secret, ttl=ttl, now=time.time())


def deploy(
    request: pytest.FixtureRequest,
    deployment: Deployment,
    tmp: Path,
    *,
    instances: int = 1,
    db_url: str | None = None,
) -> Iterator[Running]:
    kwargs: dict[str, Any] = {}
    if deployment.backend != "memory":  # presence is in Redis for every backplane
        kwargs["redis_url"] = request.getfixturevalue("redis_url")
        kwargs["redis_prefix"] = f"c{abs(hash((str(deployment), str(tmp)))) % 10**8}"
    if deployment.backend in ("rabbitmq", "postgres"):
        url = f"{deployment.backend}_url"
        kwargs[url] = request.getfixturevalue(url)
    config = ServerConfig(
        backend=deployment.backend,  # type: ignore[arg-type]
        channels_layer=deployment.layer,  # type: ignore[arg-type]
        persistence=True,
        db_url=db_url or f"sqlite:///{tmp / 'chat.sqlite3'}",
        allowed_origins=(ALLOWED_ORIGIN,),
        max_body_bytes=4096,
        **kwargs,
    )
    group = start_servers(deployment.contender, config, instances=instances, log_dir=tmp)
    try:
        yield Running(deployment, config, group)
    finally:
        group.stop()


@pytest.fixture(scope="module", params=DEPLOYMENTS, ids=str)
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    yield from deploy(request, request.param, tmp_path_factory.mktemp(str(request.param)))


@dataclass
class Peer:
    """A connected test client with its deliveries, error events and close reason collected."""

    user: str
    client: ChatClient
    deliveries: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    errors: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    closed: list[str] = field(default_factory=list)

    async def next_delivery(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.deliveries.get(), TIMEOUT)

    async def next_error(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.errors.get(), TIMEOUT)

    async def no_delivery(self, wait: float = 0.3) -> bool:
        await asyncio.sleep(wait)
        return self.deliveries.empty()


async def open_peer(
    running: Running,
    user: str,
    *,
    instance: int = 0,
    token: str | None = None,
    origin: str | None = None,
) -> Peer:
    client = make_client(running.client_kind)
    peer = Peer(user, client)
    client.on_message = lambda msg, _t: peer.deliveries.put_nowait(msg)
    client.on_error = peer.errors.put_nowait
    client.on_close = peer.closed.append
    url = running.group.urls[instance]
    await client.connect(url, running.token(user) if token is None else token, origin=origin)
    return peer


@asynccontextmanager
async def peers(running: Running, *users: str, instance: int = 0) -> AsyncIterator[list[Peer]]:
    opened: list[Peer] = []
    try:
        for user in users:
            opened.append(await open_peer(running, user, instance=instance))
        yield opened
    finally:
        await asyncio.gather(*(p.client.close() for p in opened), return_exceptions=True)


async def check_room_spans_instances(running: Running) -> None:
    """A message sent on instance 0 reaches a member on instance 1 (and its sender), and
    presence is shared across both: the cross-instance contract of every shared backplane."""
    room = "xroom-" + uuid.uuid4().hex[:8]
    alice = await open_peer(running, "alice", instance=0)
    bob = await open_peer(running, "bob", instance=1)
    try:
        await alice.client.join(room)
        await bob.client.join(room)
        assert (await alice.client.send(room, "x-1", 1.0, "across"))["ok"] is True
        got = await bob.next_delivery()
        assert got["id"] == "x-1" and got["body"] == "across" and got["from"] == "alice"
        assert (await alice.next_delivery())["id"] == "x-1"
        assert (await bob.client.presence(room))["users"] == ["alice", "bob"]
    finally:
        await asyncio.gather(alice.client.close(), bob.client.close())
