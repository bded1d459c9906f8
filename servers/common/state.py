"""Per-connection chat state, the same on both servers."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from servers.common.config import ServerConfig
from servers.common.tokens import verify_token


@dataclass(slots=True)
class Member:
    """One authenticated connection: who it is and which rooms it joined."""

    user: str
    rooms: set[str] = field(default_factory=set)
    conn: str = field(default_factory=lambda: uuid.uuid4().hex[:16])  # presence entry id


def authenticate(token: object, config: ServerConfig) -> Member:
    """Check a token (raises ``TokenError``) and return the new connection's state."""
    return Member(verify_token(token, config.secret, now=time.time()))


def artificial_delay(config: ServerConfig) -> None:
    """Block the event loop for the configured per-message delay (a known, computable cost)."""
    if config.delay_ms > 0:
        time.sleep(config.delay_ms / 1000.0)
