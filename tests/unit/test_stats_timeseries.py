"""Per-second time series: counts, per-second percentiles, merge, JSON."""

from __future__ import annotations

import json
import random

from hdrh.histogram import HdrHistogram

from loadgen.measure.timeseries import TimeSeries, bucket_index, bucket_value, sparse_percentiles


def test_buckets_match_hdr_at_two_digits() -> None:
    reference = HdrHistogram(1, 60_000_000, 2)
    rng = random.Random(3)
    for value in [1, 127, 128, 255, 256, 257, 1000, 65_535, 1_000_000]:
        index = bucket_index(value)
        assert index == reference._counts_index_for(value)
        assert bucket_value(index) == reference.get_highest_equivalent_value(value)
    values = [rng.randint(1, 500_000) for _ in range(5000)]
    counts: dict[int, int] = {}
    for value in values:
        reference.record_value(value)
        counts[bucket_index(value)] = counts.get(bucket_index(value), 0) + 1
    ours = sparse_percentiles(counts, (50.0, 99.0, 100.0))
    assert ours == [reference.get_value_at_percentile(p) for p in (50.0, 99.0, 100.0)]


def test_counts_per_second() -> None:
    series = TimeSeries()
    series.add_sent(0.2)
    series.add_sent(1.7, 3)
    series.add_delivery(1.1, 2000)
    series.add_delivery(1.9, 4000)
    series.add_error(3.5)
    series.add_sent(-0.5)  # before the start: second 0
    rows = series.rows()
    assert [(r.second, r.sent, r.delivered, r.errors) for r in rows] == [
        (0, 2, 0, 0),
        (1, 3, 2, 0),
        (2, 0, 0, 0),
        (3, 0, 0, 1),
    ]
    assert rows[0].p50_ms is None
    assert rows[1].p50_ms is not None and 1.9 < rows[1].p50_ms < 2.1
    assert rows[1].p99_ms is not None and 3.9 < rows[1].p99_ms < 4.1


def test_merge_across_workers_equals_one_series() -> None:
    rng = random.Random(7)
    events = [(rng.uniform(0, 10), rng.randint(100, 90_000)) for _ in range(5000)]
    single = TimeSeries()
    workers = [TimeSeries() for _ in range(3)]
    for i, (time_s, micros) in enumerate(events):
        single.add_delivery(time_s, micros)
        single.add_sent(time_s)
        workers[i % 3].add_delivery(time_s, micros)
        workers[i % 3].add_sent(time_s)
    merged = TimeSeries()
    for worker in workers:
        merged.merge(TimeSeries.from_json(json.loads(json.dumps(worker.to_json()))))
    assert merged == single
    assert merged.rows() == single.rows()


def test_merge_longer_into_shorter() -> None:
    short, long = TimeSeries(), TimeSeries()
    short.add_sent(0.5)
    long.add_error(4.2)
    short.merge(long)
    assert [r.errors for r in short.rows()] == [0, 0, 0, 0, 1]
    assert short.rows()[0].sent == 1


def test_json_round_trip() -> None:
    series = TimeSeries()
    series.add_delivery(0.5, 1234)
    series.add_delivery(0.6, 1234)
    data = series.to_json()
    assert data["latency"] == [[bucket_index(1234), 2]]
    assert TimeSeries.from_json(data) == series


def test_the_live_figures_match_the_rows_without_computing_them() -> None:
    series = TimeSeries()
    assert series.latest_p99_ms() is None and series.delivered_total() == 0
    for i in range(200):
        series.add_delivery(0.5, 1000 + i * 10)
    series.add_delivery(1.5, 7000)
    series.add_sent(3.2)  # a later second with sends and no deliveries
    rows = series.rows()
    assert series.delivered_total() == sum(r.delivered for r in rows) == 201
    assert series.latest_p99_ms() == [r.p99_ms for r in rows if r.p99_ms is not None][-1]
