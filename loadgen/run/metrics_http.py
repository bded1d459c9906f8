"""``bench run --metrics-port``: the load generator's live figures for Prometheus.

A tiny HTTP server in the coordinator's event loop answers ``GET /metrics`` with the latest
tick of every worker of every contender run so far (:func:`loadgen.measure.exposition.render`,
computed when scraped). The workers' ticks arrive once a second anyway (the progress line);
the workers do nothing more per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from loadgen.measure.exposition import render

if TYPE_CHECKING:
    from loadgen.run.runner import RunOptions
    from loadgen.scenario.load import Scenario

T = TypeVar("T")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Tick = Callable[[str, dict[str, Any]], None]


class LiveExporter:
    """Serves ``/metrics`` on ``host:port`` while open (``async with``)."""

    def __init__(self, port: int, host: str = "0.0.0.0") -> None:  # scraped from containers too
        self.host = host
        self.port = port
        self.state: dict[str, dict[str, Any]] = {}
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> LiveExporter:
        self._server = await asyncio.start_server(self._answer, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    def on_tick(self, contender: str, progress: dict[str, Any]) -> None:
        figures = self.state.setdefault(contender, {"lost": None})
        figures["t"] = progress["t"]
        figures["workers"] = progress.get("workers", [])
        figures["lost"] = None  # a new run of this contender: not judged yet

    def on_record(self, contender: str, record: dict[str, Any]) -> None:
        self.state.setdefault(contender, {"t": 0.0, "workers": []})["lost"] = sum(
            record.get("lost_by_second", {}).values()
        )

    def watching(self, options: RunOptions) -> RunOptions:
        """``options`` with this exporter fed every tick and record (as well as theirs)."""
        return dataclasses.replace(
            options,
            on_tick=_both(options.on_tick, self.on_tick),
            on_record=_both(options.on_record, self.on_record),
        )

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b""
            if path.split(b"?", 1)[0] == b"/metrics":
                status, kind, body = "200 OK", CONTENT_TYPE, render(self.state).encode()
            else:
                status, kind, body = "404 Not Found", "text/plain", b"not found"
            head = (
                f"HTTP/1.1 {status}\r\ncontent-type: {kind}\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        finally:
            writer.close()


async def with_live_figures(
    run: Callable[[Scenario, str, RunOptions], Awaitable[T]],
    scenario: Scenario,
    source: str,
    options: RunOptions,
) -> T:
    """``run(scenario, source, options)`` with the live figures served on the options' port."""
    assert options.metrics_port is not None
    async with LiveExporter(options.metrics_port) as exporter:
        return await run(
            scenario, source, dataclasses.replace(exporter.watching(options), metrics_port=None)
        )


def _both(first: Tick | None, second: Tick) -> Tick:
    if first is None:
        return second

    def both(contender: str, data: dict[str, Any]) -> None:
        first(contender, data)
        second(contender, data)

    return both
