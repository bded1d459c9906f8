"""The launcher's side of the idiomatic profile (no Django here: it runs in child processes).

Before servers start, :func:`migrate` applies the project's migrations; before a run,
:func:`seed_users` creates a ``User`` and a token row for every user the run's clients will
connect as, the row's key being the exact token they send; after the run,
:func:`remove_users` deletes them. None of it is timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping

from servers.common.config import ServerConfig
from servers.idiomatic.profiles import profile_unsupported

__all__ = ["migrate", "profile_unsupported", "remove_users", "seed_users"]

SETTINGS = "servers.idiomatic.settings"
MIGRATION_LOCK = 0x6964_696F_6D21  # "idiom!": launchers on one PostgreSQL migrate in turn


class SeedError(RuntimeError):
    """The child that migrates, seeds or removes users failed."""


def _child(
    command: str, config: ServerConfig, payload: object, python: str, cwd: str | None
) -> None:
    env = {**os.environ, **config.to_env(), "DJANGO_SETTINGS_MODULE": SETTINGS}
    done = subprocess.run(
        [python, "-m", "servers.idiomatic.seed", command],
        input=json.dumps(payload), env=env, cwd=cwd, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise SeedError(f"idiomatic profile: {command} on {config.db_url} failed:\n"
                        f"{done.stderr[-2000:]}")  # fmt: skip


def migrate(config: ServerConfig, python: str = sys.executable, cwd: str | None = None) -> None:
    """Apply the Django project's migrations to ``config.db_url`` (once, before servers start)."""
    if not config.db_url.startswith(("postgresql://", "postgres://")):
        _child("migrate", config, None, python, cwd)
        return
    import psycopg

    with psycopg.connect(config.db_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            _child("migrate", config, None, python, cwd)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def seed_users(
    config: ServerConfig,
    tokens: Mapping[str, str],
    python: str = sys.executable,
    cwd: str | None = None,
) -> None:
    """A ``User`` and a token row (key = the token) for each of ``tokens``' users."""
    _child("seed", config, {"tokens": dict(tokens)}, python, cwd)


def remove_users(
    config: ServerConfig,
    users: Iterable[str],
    python: str = sys.executable,
    cwd: str | None = None,
) -> None:
    """Delete ``users`` and their tokens."""
    _child("remove", config, {"users": sorted(users)}, python, cwd)
