"""Ports for started servers come from below the kernel's ephemeral range, where no outgoing
connection can take them between the pick and the server's bind."""

from __future__ import annotations

import socket

from servers.launch.ports import LOWEST, bindable, ephemeral_low, free_port


def test_picks_lie_below_the_ephemeral_range_and_are_free() -> None:
    low = ephemeral_low()
    for _ in range(20):
        port = free_port()
        assert LOWEST <= port < low
        assert bindable(port)


def test_consecutive_ports_are_all_free() -> None:
    base = free_port(count=3)
    assert base + 2 < ephemeral_low()
    assert all(bindable(base + k) for k in range(3))


def test_a_port_someone_listens_on_is_not_bindable() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", free_port()))
        held.listen()
        assert not bindable(held.getsockname()[1])
