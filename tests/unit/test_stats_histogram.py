"""HDR latency histograms: lossless merge across workers, encoding, percentiles."""

from __future__ import annotations

import json
import math
import random

import pytest
from hdrh.histogram import HdrHistogram

from loadgen.measure.stats import HIGHEST_US, PERCENTILES, LatencyHistogram, counts_index


def samples(n: int, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    return [int(rng.lognormvariate(7, 1.6)) + 1 for _ in range(n)]


def filled(values: list[int]) -> LatencyHistogram:
    hist = LatencyHistogram()
    for value in values:
        hist.record(value)
    return hist


def test_inline_index_matches_hdrhistogram() -> None:
    reference = HdrHistogram(1, HIGHEST_US, 3)
    for value in [1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 123_456, HIGHEST_US]:
        assert counts_index(value) == reference._counts_index_for(value)


def test_matches_hdrhistogram_record_value() -> None:
    values = samples(20_000)
    reference = HdrHistogram(1, HIGHEST_US, 3)
    for value in values:
        reference.record_value(value)
    ours = filled(values)
    assert ours.count == 20_000
    for percentile in PERCENTILES:
        assert ours.percentile_us(percentile) == reference.get_value_at_percentile(percentile)
    summary = ours.summary()
    assert summary.max_ms == reference.get_max_value() / 1000
    assert summary.mean_ms == pytest.approx(reference.get_mean_value() / 1000)


def test_merge_across_workers_equals_one_histogram() -> None:
    values = samples(50_000)
    single = filled(values)
    workers = [LatencyHistogram() for _ in range(4)]
    for i, value in enumerate(values):
        workers[i % 4].record(value)
    # each worker ships its histogram as text; the parent merges the decoded parts
    shipped = [json.loads(json.dumps({"h": w.encode()}))["h"] for w in workers]
    merged = LatencyHistogram.merged(LatencyHistogram.decode(text) for text in shipped)
    assert merged == single
    assert merged.summary() == single.summary()
    for percentile in (*PERCENTILES, 0.0, 100.0, 75.0):
        assert merged.percentile_us(percentile) == single.percentile_us(percentile)


def test_merge_in_place_and_empty_parts() -> None:
    a, b = filled([100, 200]), filled([300])
    a.merge(b)
    a.merge(LatencyHistogram())
    assert a.count == 3
    assert a.summary().max_ms == pytest.approx(0.3, abs=0.001)
    assert b.count == 1


def test_encode_decode_round_trip() -> None:
    hist = filled(samples(5000, seed=2))
    text = hist.encode()
    assert isinstance(text, str) and text.isascii()
    back = LatencyHistogram.decode(text)
    assert back == hist
    assert back.summary() == hist.summary()
    back.record(5)  # a decoded histogram keeps recording
    assert back.count == 5001
    empty = LatencyHistogram.decode(LatencyHistogram().encode())
    assert empty.count == 0


def test_decode_refuses_other_layouts() -> None:
    other = HdrHistogram(1, 1000, 2)
    other.record_value(5)
    with pytest.raises(ValueError, match="not ours"):
        LatencyHistogram.decode(other.encode().decode())


def test_values_are_clamped_into_range() -> None:
    hist = LatencyHistogram()
    hist.record(0)
    hist.record(-5)
    hist.record(HIGHEST_US * 10)
    hist.record_seconds(0.0025)
    assert hist.count == 4
    summary = hist.summary()
    assert summary.min_ms == 0.001
    assert summary.max_ms == pytest.approx(HIGHEST_US / 1000, rel=0.001)
    assert hist.percentile_us(50) == 1


def test_summary_of_empty_is_nan() -> None:
    summary = LatencyHistogram().summary()
    assert summary.count == 0
    assert math.isnan(summary.p99_ms)
    assert set(summary.as_dict()) >= {"p50_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms"}


def test_spectrum_for_plots() -> None:
    hist = filled(samples(10_000))
    points = hist.spectrum()
    percentiles = [p for p, _ in points]
    values = [v for _, v in points]
    assert percentiles == sorted(percentiles) and values == sorted(values)
    assert points[-1] == (100.0, hist.summary().max_ms)
    assert len(points) > 20
    assert LatencyHistogram().spectrum() == []


def test_summary_mean_is_hdrh_mean_from_the_counts() -> None:
    """The summary's mean is computed from the counts array (hdrh's iterator was slow): it is
    exactly hdrh's figure, each bucket at its median equivalent value."""
    hist = LatencyHistogram()
    for micros in (1, 7, 999, 1_000, 2_047, 2_048, 123_456, 5_000_000, 59_000_000, 59_000_000):
        hist.record(micros)
    expected = hist._synced().get_mean_value() / 1000
    assert hist.summary().mean_ms == expected
    assert LatencyHistogram().summary().count == 0
