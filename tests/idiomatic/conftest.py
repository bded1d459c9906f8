"""Deployments of the two Python frameworks under the idiomatic Django profile.

Users and tokens are seeded the way the harness seeds them (servers/idiomatic/harness.py): a
``User`` and a token row whose key is the exact token the client sends. A token that was never
seeded (an expired one, garbage) finds no row and is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from servers.common.config import ServerConfig
from servers.common.tokens import make_token
from servers.idiomatic.harness import remove_users, seed_users
from servers.launch import start_servers
from tests.contract.conftest import ALLOWED_ORIGIN, Deployment, Running

# Every user the contract tests connect as, seeded in one go before they run.
CONTRACT_USERS = ("alice", "bob", "carol", "mallory", "eve")
IDIOMATIC_DEPLOYMENTS = [Deployment("sio"), Deployment("channels")]


@dataclass
class IdiomaticRunning(Running):
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, user: str, ttl: float = 300.0) -> str:
        """The seeded token of ``user`` (seeded now when the user is new)."""
        if user not in self.tokens:
            token = make_token(user, self.config.secret, ttl=max(ttl, 300.0), now=time.time())
            seed_users(self.config, {user: token})
            self.tokens[user] = token
        return self.tokens[user]


def deploy_idiomatic(
    deployment: Deployment, tmp: Path, db_url: str | None = None
) -> Iterator[IdiomaticRunning]:
    config = ServerConfig(
        profile="idiomatic",
        persistence=True,
        db_url=db_url or f"sqlite:///{tmp / 'chat.sqlite3'}",
        allowed_origins=(ALLOWED_ORIGIN,),
        max_body_bytes=4096,
    )
    group = start_servers(deployment.contender, config, log_dir=tmp)  # migrations applied
    now = time.time()
    tokens = {u: make_token(u, config.secret, ttl=3600, now=now) for u in CONTRACT_USERS}
    try:
        seed_users(config, tokens)
        running = IdiomaticRunning(deployment, config, group, tokens=dict(tokens))
        yield running
    finally:
        group.stop()
        remove_users(config, running.tokens if "running" in locals() else tokens)


@pytest.fixture(scope="module", params=IDIOMATIC_DEPLOYMENTS, ids=lambda d: f"{d}-idiomatic")
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IdiomaticRunning]:
    yield from deploy_idiomatic(request.param, tmp_path_factory.mktemp(f"{request.param}-idio"))
