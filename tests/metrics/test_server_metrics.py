"""``/metrics`` of every server: the same names, and counts that match what the clients did.

Each contender is started by the launcher with ``metrics`` on, driven by the load generator's
own clients, scraped over HTTP and parsed with ``prometheus_client``'s parser.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from loadgen.clients import client_kind_for, make_client
from loadgen.clients.base import ChatClient
from servers.common.config import ServerConfig
from servers.common.metrics import BUCKETS_S, REQUEST_TYPES
from servers.common.tokens import make_token
from servers.launch import start_servers
from tests.conftest import TIMEOUT

pytestmark = pytest.mark.integration

CONTENDERS = ["sio", "channels", "sio-node"]
FAMILIES = {
    "chat_connections_open": "gauge",
    "chat_connections_opened": "counter",
    "chat_messages_received": "counter",
    "chat_messages_sent": "counter",
    "chat_acks": "counter",
    "chat_errors": "counter",
    "chat_handler_seconds": "histogram",
    "chat_backplane_published": "counter",
    "chat_backplane_received": "counter",
}


def scrape(base_url: str) -> dict[str, Any]:
    """``types``: family name -> type; ``samples``: (name, labels but ``contender``) -> value."""
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=TIMEOUT) as response:
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    parsed: dict[str, Any] = {"types": {}, "samples": {}, "contenders": set()}
    for family in text_string_to_metric_families(text):
        parsed["types"][family.name] = family.type
        for s in family.samples:
            parsed["contenders"].add(s.labels["contender"])
            labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != "contender"))
            parsed["samples"][(s.name, labels)] = s.value
    return parsed


def value(parsed: dict[str, Any], sample: str, **labels: str) -> float:
    return float(parsed["samples"][(sample, tuple(sorted(labels.items())))])


async def wait_for(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module", params=CONTENDERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    config = ServerConfig(metrics=True)
    log_dir = tmp_path_factory.mktemp(f"metrics-{request.param}")
    with start_servers(request.param, config, instances=1, log_dir=log_dir) as group:
        yield request.param, config, group


def counter(counts: list[int], i: int) -> Any:
    def on_message(_msg: dict[str, Any], _received: float) -> None:
        counts[i] += 1

    return on_message


async def connect(contender: str, config: ServerConfig, url: str, user: str) -> ChatClient:
    client = make_client(client_kind_for(contender))
    token = make_token(user, config.secret, ttl=300, now=time.time())
    await client.connect(url, token)
    return client


async def test_counts_match_what_the_clients_did(server: Any) -> None:
    contender, config, group = server
    url = group.urls[0]
    before = scrape(url)
    assert before["types"] == FAMILIES
    assert before["contenders"] == {contender}
    delivered: list[int] = [0, 0, 0]
    clients = [await connect(contender, config, url, f"user{i}") for i in range(3)]
    try:
        for i, client in enumerate(clients):
            client.on_message = counter(delivered, i)
            assert (await client.join("metrics-room"))["ok"] is True
        sends = 7
        for n in range(sends):
            assert (await clients[n % 3].send("metrics-room", n, 0.0, "hi"))["ok"] is True
        assert "error" in await clients[0].send("elsewhere", 99, 0.0, "not a member")
        assert "error" in await clients[1].history("")  # bad_request: empty room
        await wait_for(lambda: sum(delivered) == 3 * sends, "every delivery")
        after = scrape(url)
        assert value(after, "chat_connections_open") == value(before, "chat_connections_open") + 3
        received = {
            t: value(after, "chat_messages_received_total", type=t)
            - value(before, "chat_messages_received_total", type=t)
            for t in REQUEST_TYPES
        }
        assert received == {**dict.fromkeys(REQUEST_TYPES, 0), "join": 3, "msg": 8, "history": 1}
        assert value(after, "chat_messages_sent_total") - value(
            before, "chat_messages_sent_total"
        ) == sum(delivered)
        assert value(after, "chat_acks_total") - value(before, "chat_acks_total") == 3 + sends
        assert value(after, "chat_errors_total", code="not_member") == 1
        assert value(after, "chat_errors_total", code="bad_request") >= 1
        buckets = [f"{b:g}" for b in BUCKETS_S] + ["+Inf"]
        counts = [value(after, "chat_handler_seconds_bucket", type="msg", le=le) for le in buckets]
        assert counts == sorted(counts)  # cumulative
        assert counts[-1] == value(after, "chat_handler_seconds_count", type="msg") >= 8
        assert value(after, "chat_backplane_published_total") == 0  # memory backend
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    await wait_for(
        lambda: (
            value(scrape(url), "chat_connections_open") == value(before, "chat_connections_open")
        ),
        "connections to close",
    )


def test_metrics_off_by_default(tmp_path: Path) -> None:
    with start_servers("sio", ServerConfig(), instances=1, log_dir=tmp_path) as group:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{group.urls[0]}/metrics", timeout=TIMEOUT)
        assert info.value.code == 404


@pytest.mark.parametrize("contender", CONTENDERS)
async def test_backplane_counts_across_two_instances(
    contender: str, redis_url: str, tmp_path: Path
) -> None:
    config = ServerConfig(
        metrics=True, backend="redis", redis_url=redis_url, redis_prefix=f"m{time.time_ns()}"
    )
    with start_servers(contender, config, instances=2, log_dir=tmp_path) as group:
        delivered = [0, 0]
        clients = [
            await connect(contender, config, url, f"user{i}") for i, url in enumerate(group.urls)
        ]
        try:
            for i, client in enumerate(clients):
                client.on_message = counter(delivered, i)
                assert (await client.join("across"))["ok"] is True
            for n in range(5):
                assert (await clients[0].send("across", n, 0.0, "hi"))["ok"] is True
            await wait_for(lambda: delivered == [5, 5], "deliveries on both instances")
            scraped = [scrape(url) for url in group.urls]
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)

    def both(name: str) -> float:
        return sum(value(s, name) for s in scraped)

    assert both("chat_messages_sent_total") == 10
    assert [value(s, "chat_messages_sent_total") for s in scraped] == [5, 5]
    assert both("chat_backplane_published_total") >= 5
    assert both("chat_backplane_received_total") >= 5
    assert value(scraped[1], "chat_backplane_received_total") >= 5  # what instance 0 sent
