"""Per-second time series: sent, delivered, acked, errors, and delivery latency p50/p99.

Deliveries and acks are counted by the second they were *received*: the served rate.

Each second keeps a sparse latency histogram in the HDR layout at 2 significant digits (about
1 % resolution), a dict from bucket index to count: cheap to record, small in JSON, and merged
across workers by adding counts, so the merged percentiles are those of all samples.
Seconds are counted from the start of the run (the first phase); earlier events land in 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loadgen.measure.stats import HIGHEST_US, LOWEST_US

# HDR layout at 2 significant digits: 256 sub-buckets, 128 per half.
_HALF_MAGNITUDE = 7
_HALF_COUNT = 1 << _HALF_MAGNITUDE
_SUB_MASK = (1 << (_HALF_MAGNITUDE + 1)) - 1
_SHIFT = _HALF_MAGNITUDE + 1


def bucket_index(micros: int) -> int:
    """HDR counts index of a value in the 2-digit layout."""
    micros = min(max(micros, LOWEST_US), HIGHEST_US)
    bucket = (micros | _SUB_MASK).bit_length() - _SHIFT
    return ((bucket + 1) << _HALF_MAGNITUDE) + (micros >> bucket) - _HALF_COUNT


def bucket_value(index: int) -> int:
    """The highest value that lands in bucket ``index`` (what HDR reports as a percentile)."""
    bucket = (index >> _HALF_MAGNITUDE) - 1
    sub = (index & (_HALF_COUNT - 1)) + _HALF_COUNT
    if bucket < 0:
        sub -= _HALF_COUNT
        bucket = 0
    return (sub << bucket) + (1 << bucket) - 1


def sparse_percentiles(counts: dict[int, int], percentiles: tuple[float, ...]) -> list[int]:
    """Values (us) at each percentile of a sparse histogram, with HDR's rounding of the rank."""
    total = sum(counts.values())
    if total == 0:
        return []
    ordered = sorted(counts.items())
    values = []
    for percentile in percentiles:
        target = max(int(min(percentile, 100.0) * total / 100 + 0.5), 1)
        running = 0
        for index, count in ordered:
            running += count
            if running >= target:
                values.append(bucket_value(index))
                break
    return values


@dataclass(frozen=True, slots=True)
class SecondRow:
    second: int
    sent: int
    delivered: int
    errors: int
    acked: int
    p50_ms: float | None  # None: nothing was delivered in that second
    p99_ms: float | None


class TimeSeries:
    """Mergeable per-second counters; the ``add_*`` methods sit on the hot path."""

    __slots__ = ("_acked", "_delivered", "_errors", "_latency", "_sent")

    def __init__(self) -> None:
        self._acked: list[int] = []
        self._sent: list[int] = []
        self._delivered: list[int] = []
        self._errors: list[int] = []
        self._latency: list[dict[int, int]] = []

    def _grow(self, second: int) -> None:
        missing = second + 1 - len(self._sent)
        if missing > 0:
            self._sent.extend([0] * missing)
            self._delivered.extend([0] * missing)
            self._errors.extend([0] * missing)
            self._acked.extend([0] * missing)
            self._latency.extend({} for _ in range(missing))

    def add_sent(self, time_s: float, count: int = 1) -> None:
        second = int(time_s) if time_s > 0 else 0
        if second >= len(self._sent):
            self._grow(second)
        self._sent[second] += count

    def add_error(self, time_s: float, count: int = 1) -> None:
        second = int(time_s) if time_s > 0 else 0
        if second >= len(self._sent):
            self._grow(second)
        self._errors[second] += count

    def add_acked(self, time_s: float) -> None:
        """One ack received at ``time_s``."""
        second = int(time_s) if time_s > 0 else 0
        if second >= len(self._sent):
            self._grow(second)
        self._acked[second] += 1

    def add_delivery(self, time_s: float, micros: int) -> None:
        """One delivery received at ``time_s`` with latency ``micros`` (an int)."""
        second = int(time_s) if time_s > 0 else 0
        try:
            self._delivered[second] += 1
        except IndexError:
            self._grow(second)
            self._delivered[second] += 1
        if micros < LOWEST_US:
            micros = LOWEST_US
        elif micros > HIGHEST_US:
            micros = HIGHEST_US
        bucket = (micros | _SUB_MASK).bit_length() - _SHIFT
        index = ((bucket + 1) << _HALF_MAGNITUDE) + (micros >> bucket) - _HALF_COUNT
        counts = self._latency[second]
        counts[index] = counts.get(index, 0) + 1

    def merge(self, other: TimeSeries) -> None:
        """Add ``other``'s counts second by second (lossless)."""
        if other._sent:
            self._grow(len(other._sent) - 1)
        for second in range(len(other._sent)):
            self._sent[second] += other._sent[second]
            self._delivered[second] += other._delivered[second]
            self._errors[second] += other._errors[second]
            self._acked[second] += other._acked[second]
            mine = self._latency[second]
            for index, count in other._latency[second].items():
                mine[index] = mine.get(index, 0) + count

    def seconds(self) -> int:
        """How many seconds the series covers so far."""
        return len(self._sent)

    def delivered_total(self) -> int:
        return sum(self._delivered)

    def latest_p99_ms(self) -> float | None:
        """p99 of the latest second with deliveries (the live display's), None before any:
        one second's percentile, where :meth:`rows` computes every second's."""
        for counts in reversed(self._latency):
            if counts:
                values = sparse_percentiles(counts, (99.0,))
                return values[0] / 1000 if values else None
        return None

    def latency_counts(self, second: int) -> dict[int, int]:
        """Second ``second``'s sparse latency histogram (HDR index -> count), read only."""
        return self._latency[second]

    def rows(self) -> list[SecondRow]:
        rows = []
        for second, counts in enumerate(self._latency):
            values = sparse_percentiles(counts, (50.0, 99.0))
            p50, p99 = (v / 1000 for v in values) if values else (None, None)
            row = SecondRow(
                second, self._sent[second], self._delivered[second], self._errors[second],
                self._acked[second], p50, p99,
            )  # fmt: skip
            rows.append(row)
        return rows

    def to_json(self) -> dict[str, Any]:
        """Plain data; ``latency`` holds per second a flat ``[index, count, ...]`` list."""
        latency = [[v for item in sorted(c.items()) for v in item] for c in self._latency]
        return {
            "sent": list(self._sent),
            "delivered": list(self._delivered),
            "errors": list(self._errors),
            "acked": list(self._acked),
            "latency": latency,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TimeSeries:
        series = cls()
        lengths = {len(data[key]) for key in ("sent", "delivered", "errors", "latency")}
        if len(lengths) != 1:
            raise ValueError("time series columns have different lengths")
        series._sent = [int(v) for v in data["sent"]]
        series._delivered = [int(v) for v in data["delivered"]]
        series._errors = [int(v) for v in data["errors"]]
        # files of schema 1 have no acks per second
        series._acked = [int(v) for v in data.get("acked", [0] * len(series._sent))]
        if len(series._acked) != len(series._sent):
            raise ValueError("time series columns have different lengths")
        series._latency = [
            {int(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}
            for flat in data["latency"]
        ]
        return series

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimeSeries):
            return NotImplemented
        return self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]
