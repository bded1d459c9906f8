"""Latency histograms: HDR (``hdrhistogram``), microseconds, 1 us .. 60 s, 3 significant digits.

:class:`LatencyHistogram` records on the hot path by indexing the HDR counts array directly
(about 4x faster than ``HdrHistogram.record_value``), with the package's exact bucket layout,
so its base64 encoding is the standard HDR V2 form and merging is lossless: the merged counts
are the sum of the parts, and every percentile equals that of one histogram of all samples.

The per-second time series and the delivery accounting live in
:mod:`loadgen.measure.timeseries` and :mod:`loadgen.measure.accounting`; expectation checks in
:mod:`loadgen.scenario.expectations` (re-exported).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from hdrh.histogram import HdrHistogram

from loadgen.scenario.expectations import evaluate

__all__ = [
    "HIGHEST_US",
    "LOWEST_US",
    "PERCENTILES",
    "SIGNIFICANT_FIGURES",
    "LatencyHistogram",
    "LatencySummary",
    "evaluate",
]

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_FIGURES = 3
PERCENTILES = (50.0, 90.0, 99.0, 99.9, 99.99)


def _new() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)


_LAYOUT = _new()
assert _LAYOUT.unit_magnitude == 0, "the inline index below assumes a lowest value of 1"
_HALF_MAGNITUDE: int = _LAYOUT.sub_bucket_half_count_magnitude  # 10
_HALF_COUNT: int = _LAYOUT.sub_bucket_half_count  # 1024
_SUB_MASK: int = _LAYOUT.sub_bucket_mask  # 2047
_SHIFT: int = _HALF_MAGNITUDE + 1  # 11
_COUNTS_LEN: int = _LAYOUT.counts_len


def counts_index(micros: int) -> int:
    """HDR counts index of a value (``HdrHistogram._counts_index_for``, inlined)."""
    bucket = (micros | _SUB_MASK).bit_length() - _SHIFT
    return ((bucket + 1) << _HALF_MAGNITUDE) + (micros >> bucket) - _HALF_COUNT


_TOP_INDEX: int = counts_index(HIGHEST_US)


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Milliseconds; the keys match the latency metrics of expectations."""

    count: int
    min_ms: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    p9999_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class LatencyHistogram:
    """A mergeable latency histogram in microseconds; values outside 1 us .. 60 s are clamped."""

    __slots__ = ("_counts", "_hist")

    def __init__(self, hist: HdrHistogram | None = None) -> None:
        self._hist = hist if hist is not None else _new()
        self._counts = self._hist.counts

    def record(self, micros: int) -> None:
        """Count one value, an int of microseconds (the hot path)."""
        if micros < LOWEST_US:
            micros = LOWEST_US
        elif micros > HIGHEST_US:
            micros = HIGHEST_US
        bucket = (micros | _SUB_MASK).bit_length() - _SHIFT
        self._counts[((bucket + 1) << _HALF_MAGNITUDE) + (micros >> bucket) - _HALF_COUNT] += 1

    def record_seconds(self, seconds: float) -> None:
        self.record(int(seconds * 1_000_000))

    def _synced(self) -> HdrHistogram:
        """The HDR histogram with its total, min and max brought up to date with the counts."""
        hist = self._hist
        counts = memoryview(self._counts).cast("B").cast("Q").tolist()
        total = sum(counts)
        if total == 0:
            hist.total_count, hist.min_value, hist.max_value = 0, sys.maxsize, 0
            return hist
        low = next(i for i, n in enumerate(counts) if n)
        high = len(counts) - 1 - next(i for i, n in enumerate(reversed(counts)) if n)
        hist.set_internal_tacking_values(low, high, total)
        return hist

    @property
    def count(self) -> int:
        return int(self._synced().total_count)

    def merge(self, other: LatencyHistogram) -> None:
        """Add ``other``'s counts into this histogram (lossless)."""
        self._synced().add(other._synced())

    @classmethod
    def merged(cls, parts: Iterable[LatencyHistogram]) -> LatencyHistogram:
        result = cls()
        for part in parts:
            result.merge(part)
        return result

    def encode(self) -> str:
        """Compressed, base64 HDR V2 text, for JSON."""
        return bytes(self._synced().encode()).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> LatencyHistogram:
        hist = HdrHistogram.decode(text.encode("ascii"))
        layout = (hist.lowest_trackable_value, hist.highest_trackable_value)
        if layout != (LOWEST_US, HIGHEST_US) or hist.significant_figures != SIGNIFICANT_FIGURES:
            raise ValueError(f"histogram layout {layout}/{hist.significant_figures} is not ours")
        if hist.counts_len != _COUNTS_LEN or hist.word_size != _LAYOUT.word_size:
            raise ValueError("histogram counts layout is not ours")
        return cls(hist)

    def over_range(self) -> int:
        """Samples at the ceiling (60 s): values above the range are clamped into it."""
        return int(self._counts[_TOP_INDEX])

    def percentile_us(self, percentile: float) -> int:
        """The value at ``percentile`` (0..100): the highest value of its HDR bucket."""
        return int(self._synced().get_value_at_percentile(percentile))

    def _mean_us(self, hist: HdrHistogram) -> float:
        """``hist.get_mean_value()``, the same figure (each bucket at its median equivalent
        value), from the counts array: hdrh's iterator took about 0.25 s per histogram."""
        counts = memoryview(self._counts).cast("B").cast("Q").tolist()
        total = 0
        for index, n in enumerate(counts):
            if n:
                value = hist.get_value_from_index(index)
                low = hist.get_lowest_equivalent_value(value)
                size = hist.get_highest_equivalent_value(value) - low + 1
                total += n * (low + (size >> 1))
        return total / int(hist.total_count)

    def summary(self) -> LatencySummary:
        hist = self._synced()
        if hist.total_count == 0:
            return LatencySummary(0, *([float("nan")] * 8))
        values = hist.get_percentile_to_value_dict(list(PERCENTILES))
        p50, p90, p99, p999, p9999 = (values[p] / 1000 for p in PERCENTILES)
        return LatencySummary(
            count=int(hist.total_count),
            min_ms=hist.get_min_value() / 1000,
            mean_ms=self._mean_us(hist) / 1000,
            p50_ms=p50,
            p90_ms=p90,
            p99_ms=p99,
            p999_ms=p999,
            p9999_ms=p9999,
            max_ms=hist.get_max_value() / 1000,
        )

    def spectrum(self, ticks_per_half_distance: int = 5) -> list[tuple[float, float]]:
        """``(percentile, ms)`` points for a percentile-spectrum plot, denser towards 100.

        Plot them with an x axis of ``1 / (1 - percentile / 100)`` on a log scale, as the HDR
        tools do; the last point is the maximum at percentile 100.
        """
        hist = self._synced()
        if hist.total_count == 0:
            return []
        points = [
            (float(item.percentile_level_iterated_to), item.value_iterated_to / 1000)
            for item in hist.get_percentile_iterator(ticks_per_half_distance)
        ]
        if points[-1][0] < 100.0:
            points.append((100.0, hist.get_max_value() / 1000))
        return points

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LatencyHistogram):
            return NotImplemented
        return bytes(self._counts) == bytes(other._counts)

    __hash__ = None  # type: ignore[assignment]


def censored_summary(
    hist: LatencyHistogram, missing: int, floor_ms: float
) -> tuple[dict[str, float], list[str]]:
    """Percentiles when ``missing`` samples never arrived (their latency is above ``floor_ms``).

    An undelivered message's latency is unknown but larger than anything the run could still
    have seen (``floor_ms``: from its intended time to the end of the grace period, at least).
    A percentile whose rank falls among the missing samples is unknowable: it is returned as
    the lower bound ``max(floor_ms, largest delivered)`` and its key is listed as censored.
    Ranks that fall among the delivered samples are computed over all samples (delivered and
    missing), so the most overloaded contender's p99 never looks better than it is.
    """
    keys = ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "p9999_ms", "max_ms")
    delivered = hist.count
    total = delivered + max(0, missing)
    if total == 0:
        return {}, []
    top = hist.summary().max_ms if delivered else 0.0
    bound = max(floor_ms, top)
    values: dict[str, float] = {}
    censored: list[str] = []
    for key, percentile in zip(keys, (*PERCENTILES, 100.0), strict=True):
        rank = percentile / 100.0 * total
        if missing > 0 and rank > delivered:
            values[key] = bound
            censored.append(key)
        elif percentile >= 100.0:
            values[key] = top
        else:
            # the same rank among the delivered samples alone
            within = 100.0 * rank / delivered if delivered else 100.0
            values[key] = hist.percentile_us(min(within, 100.0)) / 1000
    return values, censored
