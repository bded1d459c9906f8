"""``python -m servers.reference --host H --port P``: settings from ``BENCH_*`` variables."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from servers.common.config import ConfigError, ServerConfig
from servers.reference.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servers.reference")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = ServerConfig.from_env(os.environ)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        asyncio.run(serve(config, args.host, args.port))
    else:
        uvloop.run(serve(config, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
