"""Knee detection on synthetic per-second series (no network)."""

from __future__ import annotations

import pytest

from loadgen.calibrate.knee import Knee, extended, find_knee, overrun


def saturating(offered: list[float], capacity: float) -> tuple[list[float], list[float | None]]:
    """A server that serves up to ``capacity``/s; past it a queue builds and latency grows."""
    served: list[float] = []
    latency: list[float | None] = []
    queue = 0.0
    for rate in offered:
        queue += rate
        done = min(queue, capacity)
        queue -= done
        served.append(done)
        latency.append(5.0 + 1000.0 * queue / capacity)
    return served, latency


def test_linear_ramp_finds_the_servers_limit_within_one_step() -> None:
    offered = [10.0 * i for i in range(1, 31)]  # 10 .. 300 msgs/s, 10/s steps
    served, latency = saturating(offered, 120.0)
    knee = find_knee(offered, served, latency)
    assert knee.bounded == "knee"
    assert 110.0 <= knee.capacity <= 130.0  # one 10/s step either side
    assert knee.plateau == pytest.approx(120.0)


def test_geometric_ramp_and_a_limit_between_steps() -> None:
    offered = [20.0 * 1.25**i for i in range(25)]
    served, latency = saturating(offered, 500.0)
    knee = find_knee(offered, served, latency)
    assert knee.bounded == "knee"
    assert 500.0 / 1.25 <= knee.capacity <= 500.0 * 1.25


def test_a_ramp_that_never_saturates_gives_a_lower_bound() -> None:
    offered = [10.0 * i for i in range(1, 11)]
    knee = find_knee(offered, offered, [3.0] * 10)
    assert knee.bounded == "above"
    assert knee.capacity == 100.0


def test_saturated_from_the_first_second_gives_an_upper_bound() -> None:
    offered = [100.0, 120.0, 140.0, 160.0]
    knee = find_knee(offered, [30.0] * 4, [900.0] * 4)
    assert knee.bounded == "below"
    assert knee.second is None
    assert knee.capacity == 100.0


def test_a_one_second_blip_is_not_the_knee() -> None:
    offered = [10.0 * i for i in range(1, 21)]
    served, latency = saturating(offered, 150.0)
    latency[5] = 800.0  # a neighbour's burst: one slow second, then back to normal
    knee = find_knee(offered, served, latency)
    assert 140.0 <= knee.capacity <= 160.0


def test_latency_alone_can_end_the_ramp() -> None:
    offered = [10.0 * i for i in range(1, 21)]
    latency: list[float | None] = [5.0 if rate <= 100 else 400.0 for rate in offered]
    knee = find_knee(offered, offered, latency)
    assert knee.reason == "latency"
    assert knee.capacity == 100.0


def test_nothing_arriving_in_a_second_that_offered_work_fails_it() -> None:
    offered = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    served = [10.0, 20.0, 30.0, 0.0, 0.0, 0.0]
    latency: list[float | None] = [5.0, 5.0, 5.0, None, None, None]
    knee = find_knee(offered, served, latency)
    assert knee.capacity == 30.0


def test_seconds_offering_too_little_are_not_judged() -> None:
    offered = [1.0, 2.0, 50.0, 60.0, 70.0]
    served = [0.0, 0.0, 50.0, 60.0, 70.0]  # the first two seconds would fail on their own
    latency: list[float | None] = [None, None, 4.0, 4.0, 4.0]
    knee = find_knee(offered, served, latency)
    assert knee.bounded == "above"
    assert knee.capacity == 70.0


def test_served_is_judged_over_a_trailing_window() -> None:
    # Deliveries of one second arriving in the next (latency near a second boundary) keep up.
    offered = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    served = [90.0, 110.0, 90.0, 110.0, 90.0, 110.0]
    knee = find_knee(offered, served, [20.0] * 6)
    assert knee.bounded == "above"


def test_series_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per second"):
        find_knee([1.0, 2.0], [1.0], [None, None])


@pytest.mark.parametrize(
    ("p99_ms", "served", "offered", "expected"),
    [
        (20.0, 100.0, 100.0, False),
        (1500.0, 100.0, 100.0, True),  # far over the latency bound
        (None, 10.0, 100.0, True),  # serving a tenth of what is offered
        (30.0, 60.0, 100.0, False),  # behind, but not yet clearly overrun
        (None, 0.0, 2.0, False),  # too little offered to judge
    ],
)
def test_overrun(p99_ms: float | None, served: float, offered: float, expected: bool) -> None:
    assert overrun(p99_ms, served, offered) is expected


def test_a_ramp_overrun_from_its_start_after_one_that_ended_below_the_knee() -> None:
    sustained = Knee(43.0, 7, "above", "the ramp ended before the knee", 0.0)
    overrun_at_once = Knee(48.0, None, "below", "served", 44.0)
    knee = extended(sustained, overrun_at_once)
    assert (knee.capacity, knee.bounded, knee.plateau) == (43.0, "knee", 44.0)
    assert knee.reason == "sustained 43/s, overrun from 48/s"
    found = Knee(60.0, 3, "knee", "latency", 58.0)
    assert extended(sustained, found) is found  # a knee of its own: its answer
    assert extended(Knee(43.0, 7, "knee", "served", 40.0), overrun_at_once) is overrun_at_once
