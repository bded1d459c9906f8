"""A worker's live figures, folded once a second from what it already counts (its ``tick``).

Nothing is added to the hot path: the counters are the recorder's own (:mod:`loadgen.run.samples`),
and the latency histogram is folded from the per-second series, each past second once
(:class:`~loadgen.measure.exposition.LatencyFold`). The coordinator shows the ticks on its
progress line and renders them on ``--metrics-port`` (:mod:`loadgen.run.metrics_http`).
"""

from __future__ import annotations

import time
from typing import Any

from loadgen.measure.exposition import LatencyFold
from loadgen.run.driver import Driver


class LiveFigures:
    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.fold = LatencyFold()
        self._last_delivered = 0

    def tick(self) -> dict[str, Any]:
        """The figures of one ``tick``: the progress line's, then the exposition's."""
        samples = self.driver.samples
        series = samples.timeseries
        delivered = series.delivered_total()
        t_start = self.driver.recorder.t_start
        current = int(time.monotonic() - t_start) if t_start else 0
        figures = {
            "sent": sum(samples.sent),
            "delivered": delivered,
            "delivered_last_s": delivered - self._last_delivered,
            "p99_ms": series.latest_p99_ms(),
            "errors": sum(samples.errors.values()),
            "acked": sum(samples.acked),
            "late": sum(samples.late),
            "connected": samples.connected,
            "errors_by_code": dict(samples.errors),
            "latency": self.fold.update(series.latency_counts, series.seconds(), current),
        }
        self._last_delivered = delivered
        return figures
