"""Two instances of each contender on one Redis: a room spans both."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import HEAVY, TIMING
from tests.contract.conftest import (
    REDIS_DEPLOYMENTS,
    Running,
    check_room_spans_instances,
    deploy,
    open_peer,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=REDIS_DEPLOYMENTS, ids=str)
def two_instances(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp(f"x-{request.param}")
    yield from deploy(request, request.param, tmp, instances=2)


async def test_msg_sent_on_instance_1_reaches_member_on_instance_2(two_instances: Running) -> None:
    await check_room_spans_instances(two_instances)  # presence is shared through Redis too


BUSY_CLIENTS = 500
ROOM_SIZE = 10
MSGS_PER_CLIENT = 4
LOG_TROUBLE = re.compile(r"error|exception|traceback|warning|retrying|refused", re.IGNORECASE)


@pytest.mark.slow
@TIMING
@HEAVY
async def test_500_busy_clients_no_redis_error_and_no_drop(two_instances: Running) -> None:
    """Every message reaches every member, no client drops, no server logs an error."""
    tag = uuid.uuid4().hex[:6]
    peers = []
    try:
        for i in range(BUSY_CLIENTS):
            peers.append(await open_peer(two_instances, f"u{i}", instance=i % 2))
        rooms = [f"busy-{tag}-{i // ROOM_SIZE}" for i in range(BUSY_CLIENTS)]
        await asyncio.gather(*(p.client.join(r) for p, r in zip(peers, rooms, strict=True)))
        acks = await asyncio.gather(
            *(
                p.client.send(room, f"{p.user}-{n}", 1.0, "payload " * 8)
                for n in range(MSGS_PER_CLIENT)
                for p, room in zip(peers, rooms, strict=True)
            )
        )
        assert all(a.get("ok") for a in acks), [a for a in acks if not a.get("ok")][:3]
        expected = ROOM_SIZE * MSGS_PER_CLIENT
        for peer in peers:
            for _ in range(expected):
                await peer.next_delivery()
        assert all(p.deliveries.empty() for p in peers)
        assert [p.user for p in peers if p.closed] == []
    finally:
        await asyncio.gather(*(p.client.close() for p in peers), return_exceptions=True)
    two_instances.group.check_alive()
    for server in two_instances.group.servers:
        trouble = [ln for ln in server.tail(10_000).splitlines() if LOG_TROUBLE.search(ln)]
        assert trouble == [], f"{server.describe()} logged: {trouble[:5]}"
