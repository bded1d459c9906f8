"""Prometheus metrics of a chat server, the same names and labels on every contender.

Off unless ``BENCH_METRICS`` (``ServerConfig.metrics``, ``--metrics``) is on. Both Python servers
count through this module with the same calls at the same points of the chat contract, and
the Node reference (``servers/sio-node/metrics.js``) mirrors it name for name, bucket for
bucket. Counting is plain integer arithmetic in the server's event loop (no locks, no
``prometheus_client`` on the hot path); the text exposition is built when ``GET /metrics`` is
scraped. When metrics are off, :data:`DISABLED` takes the calls and does nothing.

Names (all prefixed ``chat_``):

- ``connections_open`` (gauge), ``connections_opened_total``
- ``messages_received_total{type}``: client requests by type (``join``, ``leave``, ``msg``,
  ``history``, ``presence``, ``unknown``: an unknown event or frame type, ``invalid``: a frame
  or packet refused before it had a type)
- ``messages_sent_total``: room messages delivered to clients (one per recipient connection)
- ``acks_total``: requests answered ``ok``; ``errors_total{code}``: requests answered an error
- ``handler_seconds{type}`` (histogram): time in the request's handler, :data:`BUCKETS_S`
- ``backplane_published_total``, ``backplane_received_total``: messages handed to, and taken
  from, the backplane between instances (0 on the memory backend)
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from time import perf_counter
from typing import Any

from servers.common.config import ServerConfig

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
HttpApp = Callable[[Scope, Receive, Send], Awaitable[None]]

METRICS_PATH = "/metrics"
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
PREFIX = "chat_"
BUCKETS_S = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
REQUEST_TYPES = ("join", "leave", "msg", "history", "presence", "unknown", "invalid")


class Metrics:
    """The counters of one server process."""

    enabled = True

    def __init__(self, contender: str, backplane: bool) -> None:
        self.contender = contender
        self.backplane = backplane
        self.connections_open = 0
        self.connections_opened = 0
        self.received = dict.fromkeys(REQUEST_TYPES, 0)
        self.sent = 0
        self.acks = 0
        self.errors: Counter[str] = Counter()
        self.latency = {kind: [0] * (len(BUCKETS_S) + 1) for kind in REQUEST_TYPES}
        self.latency_sum = dict.fromkeys(REQUEST_TYPES, 0.0)
        self.published = 0
        self.taken = 0

    def connected(self) -> None:
        self.connections_open += 1
        self.connections_opened += 1

    def disconnected(self) -> None:
        self.connections_open -= 1

    def handled(self, kind: str, started: float, error: str | None) -> None:
        """A request of ``kind`` answered (``error``: its code, else ok), begun at ``started``."""
        elapsed = perf_counter() - started
        if kind not in self.received:
            kind = "unknown"
        self.received[kind] += 1
        if error is None:
            self.acks += 1
        else:
            self.errors[error] += 1
        self.latency[kind][bisect_left(BUCKETS_S, elapsed)] += 1
        self.latency_sum[kind] += elapsed

    def refused(self, code: str) -> None:
        """A frame or packet answered ``code`` before it reached a handler."""
        self.received["invalid"] += 1
        self.errors[code] += 1

    def delivered(self, recipients: int = 1) -> None:
        self.sent += recipients

    def backplane_published(self) -> None:
        if self.backplane:
            self.published += 1

    def backplane_received(self) -> None:
        if self.backplane:
            self.taken += 1

    def render(self) -> str:
        """The Prometheus text exposition (format 0.0.4) of every counter."""
        label = f'contender="{self.contender}"'
        out: list[str] = []

        def family(name: str, kind: str, text: str) -> None:
            out.append(f"# HELP {PREFIX}{name} {text}")
            out.append(f"# TYPE {PREFIX}{name} {kind}")

        def sample(name: str, value: float, extra: str = "") -> None:
            out.append(f"{PREFIX}{name}{{{label}{extra}}} {_number(value)}")

        family("connections_open", "gauge", "Connections open now.")
        sample("connections_open", self.connections_open)
        family("connections_opened_total", "counter", "Connections accepted.")
        sample("connections_opened_total", self.connections_opened)
        family("messages_received_total", "counter", "Client requests, by type.")
        for kind, count in self.received.items():
            sample("messages_received_total", count, f',type="{kind}"')
        family("messages_sent_total", "counter", "Room messages delivered, one per recipient.")
        sample("messages_sent_total", self.sent)
        family("acks_total", "counter", "Requests answered ok.")
        sample("acks_total", self.acks)
        family("errors_total", "counter", "Requests answered an error, by code.")
        for code, count in sorted(self.errors.items()):
            sample("errors_total", count, f',code="{_escape(code)}"')
        family("handler_seconds", "histogram", "Time in a request's handler, by type.")
        for kind, counts in self.latency.items():
            running = 0
            for bound, count in zip((*(f"{b:g}" for b in BUCKETS_S), "+Inf"), counts, strict=True):
                running += count
                sample("handler_seconds_bucket", running, f',type="{kind}",le="{bound}"')
            sample("handler_seconds_sum", self.latency_sum[kind], f',type="{kind}"')
            sample("handler_seconds_count", running, f',type="{kind}"')
        family("backplane_published_total", "counter", "Messages handed to the backplane.")
        sample("backplane_published_total", self.published)
        family("backplane_received_total", "counter", "Messages taken from the backplane.")
        sample("backplane_received_total", self.taken)
        return "\n".join(out) + "\n"


class DisabledMetrics(Metrics):
    """Metrics off: every call does nothing."""

    enabled = False

    def connected(self) -> None:
        pass

    def disconnected(self) -> None:
        pass

    def handled(self, kind: str, started: float, error: str | None) -> None:
        pass

    def refused(self, code: str) -> None:
        pass

    def delivered(self, recipients: int = 1) -> None:
        pass

    def backplane_published(self) -> None:
        pass

    def backplane_received(self) -> None:
        pass


DISABLED = DisabledMetrics("", backplane=False)
_current: dict[str, Metrics] = {}


def metrics_for(config: ServerConfig, contender: str) -> Metrics:
    """This process's metrics (one per process, shared by the chat handlers and ``/metrics``)."""
    if not config.metrics:
        return DISABLED
    if contender not in _current:
        _current[contender] = Metrics(contender, backplane=config.backend != "memory")
    return _current[contender]


def with_metrics(metrics: Metrics, app: HttpApp) -> HttpApp:
    """``app``, with ``GET /metrics`` answered from ``metrics`` when they are on."""
    if not metrics.enabled:
        return app

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != METRICS_PATH:
            await app(scope, receive, send)
            return
        body = metrics.render().encode()
        headers = [(b"content-type", CONTENT_TYPE), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return serve


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
