"""The brokers a backplane comparison runs on: the ones given, else private ones started for
it (their samples are the comparison's own traffic), else the machine's, shared with other work.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, TextIO

from loadgen.run.runner import DEFAULT_REDIS_URL
from servers.common.brokers import redacted
from servers.common.config import DEFAULT_POSTGRES_URL, DEFAULT_RABBITMQ_URL

if TYPE_CHECKING:
    from commands.backplanes import BackplaneSettings


def given_urls(settings: BackplaneSettings) -> dict[str, str | None]:
    """The broker URLs given on the command line or in the environment (None: not given)."""
    return {
        "redis": settings.redis_url or os.environ.get("REDIS_URL"),
        "rabbitmq": settings.rabbitmq_url or os.environ.get("RABBITMQ_URL"),
        "postgres": settings.postgres_url or os.environ.get("POSTGRES_URL"),
    }


def brokers_for(
    settings: BackplaneSettings, stack: contextlib.ExitStack, out: TextIO
) -> tuple[dict[str, str], dict[str, str]]:
    """(URL, how it was chosen) of Redis and each compared broker: the one given, else a private
    broker on a free port for this comparison alone (its samples are the runs' own), else the
    machine's (shared with other work)."""
    from servers.launch.private_brokers import PRIVATE_BROKERS as makers

    shared = {"redis": DEFAULT_REDIS_URL, "rabbitmq": DEFAULT_RABBITMQ_URL,
              "postgres": DEFAULT_POSTGRES_URL}  # fmt: skip
    urls: dict[str, str] = {}
    how: dict[str, str] = {}
    for kind, given in given_urls(settings).items():
        if kind != "redis" and kind not in settings.backends:
            continue
        if given:
            urls[kind], how[kind] = given, f"given ({redacted(given)}), shared"
            continue
        try:
            server = stack.enter_context(makers[kind]())
        except (RuntimeError, OSError) as exc:  # not installed, or did not start
            print(f"backplanes: no private {kind} ({str(exc).splitlines()[0]}): using the "
                  f"machine's at {redacted(shared[kind])}", file=out)  # fmt: skip
            urls[kind], how[kind] = shared[kind], "the machine's, shared with other work"
            continue
        urls[kind] = server.url
        how[kind] = f"private, started for this comparison (port {server.port})"
    return urls, how
