"""Statistics of compare and check (pure)."""

from __future__ import annotations

from report.significance import judge, p_value, ratio_interval, smallest_p

SLOW = [10.0, 11.0, 12.0, 10.5, 11.5, 10.8]
FAST = [5.0, 5.5, 6.0, 5.2, 5.8, 5.4]


def test_a_large_consistent_change_is_significant_and_worse() -> None:
    change = judge(5.4, 11.0, FAST, SLOW, "lower")
    assert change.verdict == "worse"
    assert change.p_value is not None and change.p_value < 0.01
    assert judge(11.0, 5.4, SLOW, FAST, "lower").verdict == "better"
    assert judge(11.0, 5.4, SLOW, FAST, "higher").verdict == "worse"


def test_a_change_under_the_minimum_effect_is_noise_whatever_the_test() -> None:
    assert judge(10.0, 10.3, SLOW, [v * 1.03 for v in SLOW], "lower").verdict == "noise"


def test_too_few_samples_are_not_significant() -> None:
    assert judge(5.0, 11.0, [5.0, 5.1], [11.0, 11.2], "lower").verdict == "not significant"
    assert smallest_p(2, 2) > 0.05
    assert smallest_p(4, 4) < 0.05


def test_equal_samples_and_empty_sides() -> None:
    assert p_value([0.0, 0.0], [0.0, 0.0]) == 1.0
    assert p_value([], [1.0]) is None
    assert judge(0.0, 0.0, [], [], "lower").verdict == "no data"


def test_ratio_interval_is_reproducible_and_relative_to_the_reference() -> None:
    plain = ratio_interval(SLOW, FAST)
    assert plain == ratio_interval(SLOW, FAST)
    assert plain is not None
    point, low, high = plain
    assert low <= point <= high
    assert 1.8 < point < 2.2
    # The reference slowed down by the same factor: relative to it, nothing changed.
    relative = ratio_interval(SLOW, FAST, [2 * v for v in FAST], FAST)
    assert relative is not None and relative[1] < 1.0 < relative[2]
    assert ratio_interval([], FAST) is None
