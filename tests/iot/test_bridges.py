"""Each server's MQTT bridge against a private Mosquitto: a device's telemetry reaches every
dashboard in its device group's room, and no dashboard outside it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest

from servers.common.config import ServerConfig
from servers.common.telemetry import host_port, topic_for
from tests.conftest import TIMEOUT
from tests.contract.conftest import Deployment, Peer, Running, open_peer

pytestmark = pytest.mark.integration

BRIDGED = ["sio", "channels", "sio-node"]


@pytest.fixture(scope="module", params=BRIDGED)
def bridged(
    request: pytest.FixtureRequest,
    redis_url: str,
    mqtt_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Running]:
    from servers.launch import start_servers

    tmp: Path = tmp_path_factory.mktemp(f"iot-{request.param}")
    config = ServerConfig(
        backend="redis",
        redis_url=redis_url,
        redis_prefix=f"iot-{request.param}-{tmp.name}",
        mqtt_url=mqtt_url,
        max_body_bytes=4096,
    )
    group = start_servers(request.param, config, instances=2, log_dir=tmp)
    try:
        yield Running(Deployment(request.param, "redis"), config, group)
    finally:
        group.stop()


async def _publish(mqtt_url: str, messages: list[tuple[int, dict[str, object] | bytes]]) -> None:
    host, port = host_port(mqtt_url)
    async with aiomqtt.Client(host, port) as client:
        for device, payload in messages:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            await client.publish(topic_for(device), data, qos=1)


async def _drain(peer: Peer, count: int) -> list[dict[str, object]]:
    return [await asyncio.wait_for(peer.deliveries.get(), TIMEOUT) for _ in range(count)]


async def test_a_device_reaches_every_dashboard_of_its_group_and_none_outside(
    bridged: Running, mqtt_url: str
) -> None:
    # Two instances behind Redis: the group's dashboards sit on both; a shared subscription
    # bridges each message once, so each dashboard gets it exactly once.
    peers = [await open_peer(bridged, f"d{i}", instance=i % 2) for i in range(4)]
    try:
        for peer in peers[:3]:
            assert (await peer.client.join("group-a")).get("ok")
        assert (await peers[3].client.join("group-b")).get("ok")
        sent = [
            (7, {"room": "group-a", "id": seq, "ts": 0.25, "body": f"t{seq}"}) for seq in range(5)
        ]
        await _publish(mqtt_url, sent)
        for peer in peers[:3]:
            got = await _drain(peer, 5)
            # each once; not necessarily in order: the broker hands a shared subscription's
            # messages to the two instances in turn, and their two paths through Redis race
            assert sorted(m["id"] for m in got) == list(range(5))
            assert {m["from"] for m in got} == {"device-7"}
            first = next(m for m in got if m["id"] == 0)
            assert first == {
                "room": "group-a",
                "id": 0,
                "ts": 0.25,
                "from": "device-7",
                "body": "t0",
            }
        assert await peers[3].no_delivery(0.5)
        assert all([await p.no_delivery(0.3) for p in peers[:3]])  # no duplicates either
    finally:
        await asyncio.gather(*(p.client.close() for p in peers), return_exceptions=True)


async def test_bad_telemetry_is_dropped_and_the_bridge_keeps_going(
    bridged: Running, mqtt_url: str
) -> None:
    peer = await open_peer(bridged, "watcher")
    try:
        assert (await peer.client.join("group-c")).get("ok")
        await _publish(
            mqtt_url,
            [
                (1, b"not json"),
                (1, {"room": "group-c", "id": 1}),  # no ts, no body
                (1, {"room": "group-c", "id": 2, "ts": 1.0, "body": "ok"}),
            ],
        )
        (got,) = await _drain(peer, 1)
        assert got["id"] == 2
        assert await peer.no_delivery(0.3)
    finally:
        await peer.client.close()
