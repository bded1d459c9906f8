"""Ports for the processes the harness starts (servers, private brokers), picked below the
kernel's ephemeral range.

A port found free is bound by its server a moment later. In the ephemeral range (where
``bind(port 0)`` and every outgoing connection on the machine take theirs) any client
connection could take it in between: with five test workers connecting, a server's second
instance found its port taken ("address already in use"). Below that range only another
explicit pick can take it, and picks are spread at random over thousands of ports.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL_LOW = 32768  # Linux's default (macOS starts at 49152: above it too)
LOWEST = 10_000  # under it lie the well-known services (PostgreSQL, Redis, RabbitMQ, ...)
TRIES = 200
_pick = random.SystemRandom()  # unseeded, unlike the harness's seeded generators


def ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_LOW


def bindable(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on ``port`` on ``host`` now: nothing listens there
    (connections in TIME_WAIT do not count, as the servers bind with ``SO_REUSEADDR``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen()
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", count: int = 1) -> int:
    """The first of ``count`` consecutive ports free on ``host`` now, below the ephemeral range
    (anywhere above :data:`LOWEST` when that range starts too low to leave room)."""
    top = ephemeral_low() - count
    if top <= LOWEST:
        top = 65536 - count
    for _ in range(TRIES):
        base = _pick.randrange(LOWEST, top)
        if all(bindable(base + k, host) for k in range(count)):
            return base
    raise OSError(f"found no {count} free consecutive port(s) on {host} in {TRIES} tries")
