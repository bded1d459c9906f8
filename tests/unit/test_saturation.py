"""Saturation, served rates and censored percentiles: pure, no network."""

from __future__ import annotations

import pytest

from loadgen.measure.accounting import DeliveryCounts
from loadgen.measure.saturation import SERVED_MSGS_MIN, classify, latency_trend, window_seconds
from loadgen.measure.served import window_flow
from loadgen.measure.stats import LatencyHistogram, censored_summary
from loadgen.measure.timeseries import SecondRow
from loadgen.plan.model import PhaseWindow


def steady(ms: float, seconds: int = 10) -> list[tuple[float, float]]:
    return [(float(t), ms) for t in range(seconds)]


def test_a_server_that_keeps_up_is_not_saturated() -> None:
    noisy = [(float(t), 1.0 + (0.4 if t % 3 else 0.0)) for t in range(10)]
    result = classify(offered_per_s=500, served_per_s=497, p50s=noisy, unit="deliveries")
    assert not result.saturated
    assert result.reasons == ()
    assert result.bound is None


def test_served_below_offered_is_saturation_with_the_rates_in_words() -> None:
    result = classify(
        offered_per_s=500, served_per_s=110, p50s=steady(5.0), unit="deliveries",
        server_cpu_pct=52.0, cpu_per_instance_pct=52.0,
    )  # fmt: skip
    assert result.saturated
    assert "served 110 deliveries/s of 500/s offered (22%" in result.reasons[0]
    assert result.bound == "waiting"


def test_a_growing_queue_is_saturation_even_when_the_rate_is_served() -> None:
    growing = [(float(t), 10.0 + 80.0 * t) for t in range(8)]
    result = classify(offered_per_s=100, served_per_s=99, p50s=growing, unit="deliveries",
                      cpu_per_instance_pct=97.0)  # fmt: skip
    assert result.saturated
    assert result.latency_growth_ms == pytest.approx(80.0 * 8)
    assert result.queue_s == pytest.approx(0.57)
    assert result.bound == "cpu"


def test_a_constant_high_latency_is_slow_not_saturated() -> None:
    result = classify(offered_per_s=100, served_per_s=100, p50s=steady(400.0), unit="msgs")
    assert not result.saturated


def test_noise_of_a_few_milliseconds_is_no_growth() -> None:
    spiky = [(float(t), 2.0 if t != 7 else 60.0) for t in range(10)]
    assert not classify(offered_per_s=50, served_per_s=50, p50s=spiky, unit="msgs").saturated


def test_latency_trend_needs_three_points() -> None:
    assert latency_trend([(0.0, 1.0), (1.0, 100.0)]) == (0.0, 0.0)
    slope, growth = latency_trend([(0.0, 0.0), (1.0, 10.0), (2.0, 20.0)])
    assert slope == pytest.approx(10.0)
    assert growth == pytest.approx(30.0)


def test_window_seconds_are_the_whole_seconds_inside() -> None:
    assert list(window_seconds(2.0, 12.0)) == list(range(2, 12))
    assert list(window_seconds(1.5, 4.2)) == [2, 3]
    assert list(window_seconds(3.2, 3.8)) == []


def row(second: int, delivered: int, acked: int, p50: float | None = 1.0) -> SecondRow:
    return SecondRow(second, acked, delivered, 0, acked, p50, p50)


def test_served_rate_counts_by_receive_time_and_can_be_below_offered() -> None:
    window = PhaseWindow(1, "steady", "steady", 2.0, 6.0, 1.0, 1.0)
    rows = [row(s, delivered=110, acked=110) for s in range(0, 12)]
    flow = window_flow(rows, window, sent=2000, acked=1500, offered_deliveries=2000,
                       received=1500)  # fmt: skip
    assert flow.offered_deliveries_per_s == 500
    assert flow.served_deliveries_per_s == 110
    assert flow.served_msgs_per_s == 110
    assert flow.unit == "deliveries"
    assert len(flow.p50s) == 4


def test_a_window_without_whole_seconds_falls_back_to_counts() -> None:
    window = PhaseWindow(0, "short", "steady", 0.2, 0.7, 1.0, 1.0)
    flow = window_flow([row(0, 5, 5)], window, sent=10, acked=10, offered_deliveries=0,
                       received=0)  # fmt: skip
    assert flow.unit == "msgs"
    assert flow.served == pytest.approx(20.0)


def hist(values_ms: list[float]) -> LatencyHistogram:
    h = LatencyHistogram()
    for v in values_ms:
        h.record(int(v * 1000))
    return h


def test_no_missing_samples_gives_the_plain_percentiles() -> None:
    h = hist([float(i) for i in range(1, 101)])
    values, censored = censored_summary(h, 0, floor_ms=0.0)
    assert censored == []
    assert values["p50_ms"] == pytest.approx(h.summary().p50_ms)
    assert values["p99_ms"] == pytest.approx(h.summary().p99_ms)


def test_undelivered_messages_censor_the_high_percentiles() -> None:
    # 90 delivered at 1..90 ms, 10 never arrived after a 6.5 s wait: p50 is known (and
    # higher than among the delivered alone), p99 is only "> 6.5 s".
    h = hist([float(i) for i in range(1, 91)])
    values, censored = censored_summary(h, 10, floor_ms=6500.0)
    assert values["p50_ms"] == pytest.approx(50.0, rel=0.01)
    assert values["p90_ms"] == pytest.approx(90.0, rel=0.01)
    assert "p99_ms" in censored and "max_ms" in censored and "p50_ms" not in censored
    assert values["p99_ms"] == 6500.0


def test_over_range_counts_samples_at_the_ceiling() -> None:
    h = hist([5.0, 61_000.0, 120_000.0])
    assert h.over_range() == 2


def test_queued_deliveries_are_not_lost() -> None:
    counts = DeliveryCounts(expected=100, received=60, late=30)
    assert counts.lost == 40
    counts.mark_queued()
    assert (counts.lost, counts.queued, counts.undelivered) == (0, 40, 40)
    assert counts.as_dict()["loss_pct"] == 0.0


def test_a_dead_server_is_lossy_not_saturated() -> None:
    # offered 100/s, 90/s of it lost (the connections dropped), the rest served at once
    result = classify(offered_per_s=100, served_per_s=10, p50s=steady(2.0), unit="deliveries",
                      lost_per_s=90)  # fmt: skip
    assert not result.saturated
    assert result.served_ratio == pytest.approx(0.1)


def test_one_or_two_whole_seconds_do_not_judge_the_served_rate() -> None:
    # a 2 s smoke window of a mostly idle scenario: its one whole second held no sends
    short = classify(offered_per_s=20, served_per_s=0, p50s=[], unit="deliveries",
                     served_seconds=1)  # fmt: skip
    assert not short.saturated and short.served_ratio == 0.0
    longer = classify(offered_per_s=20, served_per_s=0, p50s=[], unit="deliveries",
                      served_seconds=3)  # fmt: skip
    assert longer.saturated
    counted = classify(offered_per_s=20, served_per_s=0, p50s=[], unit="deliveries",
                       served_seconds=0)  # fmt: skip
    assert counted.saturated  # no whole second: the window's own counts decide


def test_a_window_of_few_messages_does_not_judge_the_served_rate() -> None:
    # the quick suite's fanout at 0.675 msgs/s: 7 messages in a 10 s window, 200 deliveries;
    # the last message's deliveries landed past the window's end
    few = classify(offered_per_s=20, served_per_s=17.2, p50s=steady(14.0), unit="deliveries",
                   served_seconds=9, offered_msgs=7)  # fmt: skip
    assert not few.saturated and few.reasons == ()
    assert few.served_ratio == pytest.approx(0.86)
    enough = classify(offered_per_s=20, served_per_s=17.2, p50s=steady(14.0), unit="deliveries",
                      served_seconds=9, offered_msgs=SERVED_MSGS_MIN)  # fmt: skip
    assert enough.saturated and "below 95%" in enough.reasons[0]
    # a queue that grows still says saturated, however few the messages
    growing = [(float(s), 20.0 + 60.0 * s) for s in range(9)]
    queued = classify(offered_per_s=20, served_per_s=10, p50s=growing, unit="deliveries",
                      served_seconds=9, offered_msgs=7)  # fmt: skip
    assert queued.saturated and "grew" in queued.reasons[0]
