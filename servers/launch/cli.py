"""What ``bench serve`` and ``bench token`` do (the CLI module only parses options)."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from pathlib import Path

from servers.common.config import ConfigError, ServerConfig
from servers.common.tokens import make_token
from servers.launch.backplane import backplane_problem, with_broker_urls
from servers.launch.process import ServerDiedError, ServerStartError, start_servers
from servers.launch.specs import CONTENDERS, AsgiSettings

HAND_USERS = ("alice", "bob")  # idiomatic profile: seeded for connecting by hand
HAND_TTL_S = 24 * 3600.0


def seed_by_hand(config: ServerConfig, users: tuple[str, ...]) -> dict[str, str]:
    """Idiomatic profile: a Django user and a token row for each of ``users`` (the token the
    servers look up through the ORM); their tokens. Nothing under the equal profile."""
    if config.profile != "idiomatic" or not users:
        return {}
    from servers.idiomatic.harness import seed_users

    now = time.time()
    tokens = {user: make_token(user, config.secret, ttl=HAND_TTL_S, now=now) for user in users}
    seed_users(config, tokens)
    return tokens


def _say_tokens(tokens: dict[str, str], config: ServerConfig) -> None:
    for user, token in tokens.items():
        print(f"user {user}: token {token}", flush=True)
    print(
        "profile idiomatic: tokens are looked up in Django's tables; another user's: "
        f"bench token NAME --profile idiomatic --db-url {config.db_url}",
        flush=True,
    )


def _exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that context managers and atexit stop the servers.

    SIGINT is made to raise KeyboardInterrupt even when it was inherited as ignored (a shell
    script's ``bench serve ... &`` starts it so), like the ASGI servers it runs.
    """

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def serve(
    contender: str,
    *,
    port: int,
    host: str = "127.0.0.1",
    backend: str,
    redis_url: str | None,
    instances: int,
    rabbitmq_url: str | None = None,
    postgres_url: str | None = None,
    channels_layer: str,
    persistence: bool,
    db_url: str | None,
    deflate: bool,
    log_dir: Path | None,
    users: tuple[str, ...] = HAND_USERS,
) -> int:
    if contender not in CONTENDERS:
        print(f"error: unknown contender {contender!r}; choose from {', '.join(CONTENDERS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        config = dataclasses.replace(
            ServerConfig.from_env(os.environ),
            backend=backend,  # type: ignore[arg-type]
            channels_layer=channels_layer,  # type: ignore[arg-type]
            persistence=persistence,
        )
        if deflate:
            config = dataclasses.replace(config, ws_per_message_deflate=True)
        if redis_url:
            config = dataclasses.replace(config, redis_url=redis_url)
        config = with_broker_urls(config, rabbitmq_url, postgres_url)
        if db_url:
            config = dataclasses.replace(config, db_url=db_url)
        config.check()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if instances > 1 and backend == "memory":
        print("error: --instances > 1 needs a shared --backend (redis, rabbitmq, postgres)",
              file=sys.stderr)  # fmt: skip
        return 2
    problem = backplane_problem(contender, config)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    _exit_on_sigterm()
    asgi = AsgiSettings()
    try:
        group = start_servers(
            contender,
            config,
            instances=instances,
            base_port=port,
            host=host,
            asgi=asgi,
            log_dir=log_dir,
        )
    except (ServerStartError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    tokens: dict[str, str] = {}
    with group:
        try:  # from the first listen line on, Ctrl-C is a clean stop (tests send it right after)
            tokens = seed_by_hand(config, users)  # the migrations ran in start_servers
            for server in group.servers:
                print(f"{server.describe()} (pid {server.pid}, log {server.log_path})", flush=True)
            if tokens:
                _say_tokens(tokens, config)
            print(f"backend: {config.backend}; press Ctrl-C to stop", flush=True)
            while True:
                group.check_alive()
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("stopping", flush=True)
        except ServerDiedError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            if tokens:  # the users seeded for this session go with it
                from servers.idiomatic.harness import remove_users

                remove_users(config, list(tokens))
    return 0


def token(user: str, ttl: float, profile: str = "equal", db_url: str | None = None) -> int:
    """Print a token for ``user``; under the idiomatic profile also store it (and the user) in
    the Django tables of ``db_url``, where the servers look it up."""
    try:
        config = ServerConfig.from_env({**os.environ, "BENCH_PROFILE": profile})
        if db_url:
            config = dataclasses.replace(config, db_url=db_url)
        config.check()
        value = make_token(user, config.secret, ttl=ttl, now=time.time())
    except (ValueError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if config.profile == "idiomatic":
        from servers.idiomatic.harness import SeedError, migrate, seed_users

        try:
            migrate(config)
            seed_users(config, {user: value})
        except SeedError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(value)
    return 0
