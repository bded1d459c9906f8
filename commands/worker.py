"""What ``bench worker`` does: serve a coordinator's tasks until Ctrl-C."""

from __future__ import annotations

import asyncio
import sys

import redis

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from loadgen.run.worker_channel import serve_tasks


def worker(coordinator: str, *, once: bool) -> int:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        return asyncio.run(serve_tasks(coordinator, once=once))
    except redis.RedisError as exc:
        print(f"error: cannot use the coordinator at {coordinator}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_OK
