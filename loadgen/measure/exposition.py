"""The load generator's live figures in the Prometheus text format (pure: no I/O).

Workers fold what they already count into a small dict once a second (their ``tick``, see
:mod:`loadgen.run.live`); :func:`render` turns the latest tick of every worker into the text
exposition when ``/metrics`` is scraped. Nothing here runs per message.

Every sample carries ``contender`` and ``worker`` labels. Names (prefixed ``loadgen_``):
``offered_messages_total`` (messages sent, the offered load), ``served_deliveries_total``
(deliveries received, by receive time: the served rate), ``acks_total``,
``late_deliveries_total`` (after the deadline), ``errors_total{code}``,
``delivery_latency_seconds`` (histogram, from the intended send time), ``connected`` (gauge),
``elapsed_seconds`` (gauge) and, once a contender's run is judged, ``lost_deliveries`` (gauge).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from typing import Any

from loadgen.measure.timeseries import bucket_value

PREFIX = "loadgen_"
LATENCY_BOUNDS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BOUNDS_US = tuple(int(b * 1e6) for b in LATENCY_BOUNDS_S)


class LatencyFold:
    """Per-second sparse HDR counts folded into the fixed buckets, one second at a time.

    Seconds before the current one are final (deliveries are counted by receive time): they
    are folded once and kept; the current second is added afresh on every call.
    """

    def __init__(self) -> None:
        self.counts = [0] * (len(_BOUNDS_US) + 1)
        self.sum_us = 0
        self.final = 0  # seconds folded for good
        self._slot: dict[int, tuple[int, int]] = {}  # HDR index -> (bucket, value us)

    def _add(self, counts: list[int], sparse: Mapping[int, int]) -> int:
        total_us = 0
        for index, count in sparse.items():
            slot = self._slot.get(index)
            if slot is None:
                value = bucket_value(index)
                slot = self._slot[index] = (bisect_left(_BOUNDS_US, value), value)
            counts[slot[0]] += count
            total_us += slot[1] * count
        return total_us

    def update(
        self, counts_of: Callable[[int], Mapping[int, int]], seconds: int, current: int
    ) -> dict[str, Any]:
        """``counts_of(s)``: second ``s``'s sparse counts, for ``s < seconds``; ``current``: the
        second now. Returns ``{"buckets": cumulative counts per bound and +Inf, "sum_s"}``."""
        while self.final < min(current, seconds):
            self.sum_us += self._add(self.counts, counts_of(self.final))
            self.final += 1
        counts = list(self.counts)
        sum_us = self.sum_us
        for second in range(self.final, seconds):
            sum_us += self._add(counts, counts_of(second))
        running, cumulative = 0, []
        for count in counts:
            running += count
            cumulative.append(running)
        return {"buckets": cumulative, "sum_s": sum_us / 1e6}


def render(state: Mapping[str, Mapping[str, Any]]) -> str:
    """``state``: contender -> ``{"t": elapsed s, "workers": [tick, ...], "lost": int|None}``."""
    out: list[str] = []
    families = (
        ("offered_messages_total", "counter", "Messages sent (the offered load).", "sent"),
        ("served_deliveries_total", "counter", "Deliveries received (the served load).",
         "delivered"),
        ("acks_total", "counter", "Acks received.", "acked"),
        ("late_deliveries_total", "counter", "Deliveries received after the deadline.", "late"),
        ("connected", "gauge", "Connections open.", "connected"),
    )  # fmt: skip
    for name, kind, text, key in families:
        _family(out, name, kind, text)
        for labels, tick in _workers(state):
            out.append(f"{PREFIX}{name}{{{labels}}} {int(tick.get(key, 0))}")
    _family(out, "errors_total", "counter", "Errors received, by code.")
    for labels, tick in _workers(state):
        for code, count in sorted(tick.get("errors_by_code", {}).items()):
            out.append(f'{PREFIX}errors_total{{{labels},code="{_escape(code)}"}} {int(count)}')
    _family(out, "delivery_latency_seconds", "histogram", "Delivery latency (intended send).")
    bounds = [f"{b:g}" for b in LATENCY_BOUNDS_S] + ["+Inf"]
    for labels, tick in _workers(state):
        latency = tick.get("latency")
        if not latency:
            continue
        for le, count in zip(bounds, latency["buckets"], strict=True):
            out.append(f'{PREFIX}delivery_latency_seconds_bucket{{{labels},le="{le}"}} {count}')
        out.append(f"{PREFIX}delivery_latency_seconds_sum{{{labels}}} {latency['sum_s']!r}")
        out.append(f"{PREFIX}delivery_latency_seconds_count{{{labels}}} {latency['buckets'][-1]}")
    _family(out, "elapsed_seconds", "gauge", "Seconds since the contender's run started.")
    for contender, figures in sorted(state.items()):
        out.append(f'{PREFIX}elapsed_seconds{{contender="{contender}"}} {figures["t"]!r}')
    _family(out, "lost_deliveries", "gauge", "Deliveries lost, once a contender's run is judged.")
    for contender, figures in sorted(state.items()):
        if figures.get("lost") is not None:
            out.append(f'{PREFIX}lost_deliveries{{contender="{contender}"}} {figures["lost"]}')
    return "\n".join(out) + "\n"


def _family(out: list[str], name: str, kind: str, text: str) -> None:
    out.append(f"# HELP {PREFIX}{name} {text}")
    out.append(f"# TYPE {PREFIX}{name} {kind}")


def _workers(state: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    found = []
    for contender, figures in sorted(state.items()):
        for worker, tick in enumerate(figures.get("workers", ())):
            if tick:
                found.append((f'contender="{contender}",worker="{worker}"', tick))
    return found


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
