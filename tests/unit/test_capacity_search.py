"""The pure capacity search against simulated servers: no network, no clock."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable

import pytest

from loadgen.capacity.search import SearchSettings, conclude, next_load, step_length
from loadgen.capacity.votes import Outcome, Trial, judge

System = Callable[[float, int], Outcome]  # (load, how often this load ran before) -> outcome


def limit(capacity: float) -> System:
    """A well-behaved server: meets the SLO up to ``capacity``, misses it above."""
    return lambda load, _seen: "pass" if load <= capacity else "fail"


def search(system: System, settings: SearchSettings) -> list[Trial]:
    trials: list[Trial] = []
    while (load := next_load(trials, settings)) is not None:
        seen = sum(1 for t in trials if t.load == load)
        trials.append(Trial(load, system(load, seen)))
        assert len(trials) <= settings.max_steps
    return trials


def settings(**changes: float | int | bool) -> SearchSettings:
    base: dict[str, float | int | bool] = {
        "start": 50.0, "max_load": 10_000.0, "min_load": 1.0, "step_factor": 2.0,
        "precision": 0.05, "confirm": 1,
    }  # fmt: skip
    base.update(changes)
    return SearchSettings(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("capacity", [60.0, 300.0, 777.0, 5000.0])
def test_monotone_server_is_bracketed_within_the_precision(capacity: float) -> None:
    chosen = settings()
    trials = search(limit(capacity), chosen)
    result = conclude(trials, chosen)
    assert result.status == "found" and result.complete
    assert result.max_load is not None and result.ceiling is not None
    assert result.max_load <= capacity < result.ceiling
    assert result.ceiling <= result.max_load * 1.05
    # geometric raise first: 50, 100, 200, ... until the first failure
    distinct = list(dict.fromkeys(t.load for t in trials))
    raises = [load for load in (50.0, 100.0, 200.0, 400.0, 800.0) if load / 2 <= capacity]
    assert distinct[: len(raises)] == raises


def test_step_count_is_logarithmic() -> None:
    trials = search(limit(300.0), settings(confirm=0))
    # 50 100 200 400 (4 raises) then bisect 200..400 down to 5 %: 5 more
    assert len(trials) <= 10


def test_a_failure_at_the_start_searches_downwards() -> None:
    chosen = settings(start=1000.0)
    result = conclude(search(limit(40.0), chosen), chosen)
    assert result.status == "found"
    assert result.max_load is not None and 40.0 / 1.05 <= result.max_load <= 40.0


def test_passing_at_the_maximum_is_a_lower_bound() -> None:
    chosen = settings(max_load=300.0)
    trials = search(limit(1e9), chosen)
    result = conclude(trials, chosen)
    assert result.status == "at_least" and result.complete
    assert result.max_load == 300.0 and trials[-1].load == 300.0


def test_failing_even_at_the_minimum_finds_none() -> None:
    chosen = settings(start=8.0, min_load=2.0)
    result = conclude(search(limit(0.5), chosen), chosen)
    assert result.status == "none" and not result.complete
    assert result.max_load is None and result.ceiling == 2.0


def test_a_flaky_failure_below_the_limit_is_outvoted() -> None:
    """200 fails once (a hiccup), then passes on both re-runs: the limit is still found."""

    def flaky(load: float, seen: int) -> Outcome:
        if load == 200.0 and seen == 0:
            return "fail"
        return limit(300.0)(load, seen)

    chosen = settings(confirm=1)
    trials = search(flaky, chosen)
    result = conclude(trials, chosen)
    assert [t.outcome for t in trials if t.load == 200.0] == ["fail", "pass", "pass"]
    assert result.status == "found"
    assert result.max_load is not None and 300.0 / 1.05 <= result.max_load <= 300.0


def test_without_confirmation_a_flaky_failure_caps_the_answer() -> None:
    """The reason ``confirm`` exists: one unconfirmed hiccup is believed."""

    def flaky(load: float, seen: int) -> Outcome:
        return "fail" if load == 200.0 else limit(300.0)(load, seen)

    chosen = settings(confirm=0)
    result = conclude(search(flaky, chosen), chosen)
    assert result.max_load is not None and result.max_load < 200.0


def test_a_real_failure_is_confirmed_by_majority() -> None:
    """The failing bound of the answer runs twice (2 of 3 agree); the failures the
    bisection passed on the way down to it ran once."""
    chosen = settings(confirm=1)
    trials = search(limit(300.0), chosen)
    result = conclude(trials, chosen)
    fails = [t.load for t in trials if t.outcome == "fail"]
    assert fails.count(result.ceiling) == 2 and result.ceiling_votes == "2/2"
    assert all(fails.count(load) == 1 for load in fails if load != result.ceiling)


def test_both_bounds_of_the_interval_are_decided_by_majority() -> None:
    """Not only failures: the highest pass is confirmed too; loads far below run once."""
    chosen = settings(confirm=1)
    trials = search(limit(300.0), chosen)
    result = conclude(trials, chosen)
    runs = {load: sum(1 for t in trials if t.load == load) for load in {t.load for t in trials}}
    assert result.max_load is not None and result.ceiling is not None
    assert runs[result.max_load] == 2 and runs[result.ceiling] == 2
    assert (result.max_votes, result.ceiling_votes) == ("2/2", "2/2")
    assert runs[50.0] == runs[100.0] == 1  # passed while raising, far below the knee
    bisected = [load for load in runs if 200.0 < load < 400.0]
    bounds = {result.max_load, result.ceiling}
    assert bisected and all(runs[load] == 1 for load in bisected if load not in bounds)
    assert result.spread is not None and 0 < result.spread <= 0.05


def test_a_lucky_pass_at_the_bound_is_outvoted() -> None:
    """A coin toss at 310 (just over the limit): its first run passes, the next two fail."""

    def lucky(load: float, seen: int) -> Outcome:
        return "pass" if load <= 300.0 or (310.0 <= load <= 320.0 and seen == 0) else "fail"

    chosen = settings(start=310.0, max_load=620.0)
    trials = search(lucky, chosen)
    assert [t.outcome for t in trials if t.load == 310.0] == ["pass", "fail", "fail"]
    result = conclude(trials, chosen)
    assert result.max_load is not None and 300.0 / 1.05 <= result.max_load <= 300.0
    assert result.ceiling is not None and result.ceiling <= 310.0


def coin_toss(capacity: float, width: float, rng: random.Random) -> System:
    """A server near its knee: passes with a probability that falls from 1 to 0 around
    ``capacity`` (logistic, ``width`` relative): the coin toss the issue saw."""

    def system(load: float, _seen: int) -> Outcome:
        p_pass = 1.0 / (1.0 + math.exp((load / capacity - 1.0) / width))
        return "pass" if rng.random() < p_pass else "fail"

    return system


def test_majority_votes_make_repeated_searches_agree() -> None:
    """Forty searches of the same noisy server: with a majority of 3 at the bounds their
    answers spread less than with one run per load, and all land near the knee."""

    def answers(confirm: int) -> list[float]:
        chosen = settings(start=100.0, confirm=confirm, max_steps=60)
        found = []
        for seed in range(40):
            trials = search(coin_toss(300.0, 0.04, random.Random(seed)), chosen)
            result = conclude(trials, chosen)
            assert result.status == "found" and result.max_load is not None
            found.append(result.max_load)
        return found

    single, majority = answers(0), answers(1)
    assert statistics.pstdev(majority) < statistics.pstdev(single)
    assert all(240.0 <= v <= 345.0 for v in majority), sorted(majority)


def test_a_lucky_pass_above_the_limit_is_reported_not_counted() -> None:
    """Noise the other way: 400 passes once after 300 was judged failing."""
    chosen = settings(confirm=0)
    history = [Trial(50, "pass"), Trial(100, "pass"), Trial(200, "pass"), Trial(400, "pass"),
               Trial(800, "fail"), Trial(600, "fail"), Trial(300, "fail")]  # fmt: skip
    result = conclude(history, chosen)
    assert result.ceiling == 300 and result.max_load == 200
    assert result.non_monotone == (400.0,)


def test_loadgen_bound_steps_are_never_the_servers_limit() -> None:
    """The load generator saturates at 150; the server could take 300. The answer is a
    lower bound below 150, flagged, and no unknown load is ever reported as the maximum."""

    def bound(load: float, seen: int) -> Outcome:
        return "unknown" if load >= 150.0 else limit(300.0)(load, seen)

    chosen = settings()
    trials = search(bound, chosen)
    result = conclude(trials, chosen)
    assert result.status == "loadgen_limited" and not result.complete
    assert result.ceiling_outcome == "unknown"
    assert result.max_load is not None and 150.0 / 1.05 <= result.max_load < 150.0
    assert result.max_load not in {t.load for t in trials if t.outcome == "unknown"}
    assert max(t.load for t in trials) <= 200.0  # stopped raising at the first unknown


def test_unknown_at_the_start_with_nothing_measurable_has_no_answer() -> None:
    chosen = settings(start=50.0, min_load=10.0)
    trials = search(lambda _load, _seen: "unknown", chosen)
    result = conclude(trials, chosen)
    assert result.status == "loadgen_limited" and result.max_load is None
    assert all(t.outcome == "unknown" for t in trials)


def test_a_real_failure_below_an_unknown_load_is_found() -> None:
    def system(load: float, seen: int) -> Outcome:
        return "unknown" if load >= 400.0 else limit(100.0)(load, seen)

    chosen = settings()
    result = conclude(search(system, chosen), chosen)
    assert result.status == "found" and result.ceiling_outcome == "fail"
    assert result.max_load is not None and 100 / 1.05 <= result.max_load <= 100


def test_a_transient_invalid_step_is_retried() -> None:
    def system(load: float, seen: int) -> Outcome:
        return "unknown" if load == 200.0 and seen == 0 else limit(300.0)(load, seen)

    chosen = settings(confirm=1)
    result = conclude(search(system, chosen), chosen)
    assert result.status == "found"
    assert result.max_load is not None and result.max_load > 200.0


def test_integer_loads_for_connection_counts() -> None:
    chosen = settings(start=10.0, integer=True, precision=0.01)
    trials = search(limit(37.0), chosen)
    result = conclude(trials, chosen)
    assert all(t.load == int(t.load) for t in trials)
    assert (result.status, result.max_load, result.ceiling) == ("found", 37.0, 38.0)


def test_the_step_limit_ends_an_unfinished_search() -> None:
    chosen = settings(max_steps=3)
    trials = search(limit(1000.0), chosen)
    result = conclude(trials, chosen)
    assert len(trials) == 3 and result.status == "step_limit" and not result.complete


def test_a_search_in_progress_is_running() -> None:
    chosen = settings()
    assert conclude([Trial(50.0, "pass")], chosen).status == "running"
    assert next_load([], chosen) == 50.0
    assert next_load([Trial(50.0, "pass")], chosen) == 100.0
    failed = [Trial(50.0, "pass"), Trial(100.0, "fail")]
    assert next_load(failed, chosen) == 75.0  # bisect on first runs
    narrow = [*failed, Trial(75.0, "pass"), Trial(87.5, "pass"), Trial(93.75, "pass"),
              Trial(96.875, "fail")]  # fmt: skip
    assert next_load(narrow, chosen) == 96.875  # within 5 %: the ceiling is put to the vote
    confirmed = [*narrow, Trial(96.875, "fail")]
    assert next_load(confirmed, chosen) == 93.75  # then the highest pass
    assert conclude([*confirmed, Trial(93.75, "pass")], chosen).status == "found"


@pytest.mark.parametrize(
    ("outcomes", "confirm", "expected"),
    [
        ([], 1, ("undecided", False, "0/0")),
        (["pass"], 1, ("pass", False, "1/1")),  # provisional: one run of three
        (["pass"], 0, ("pass", True, "1/1")),
        (["fail"], 0, ("fail", True, "1/1")),
        (["fail"], 1, ("fail", False, "1/1")),
        (["fail", "fail"], 1, ("fail", True, "2/2")),
        (["pass", "pass"], 1, ("pass", True, "2/2")),
        (["fail", "pass"], 1, ("undecided", False, "0/2")),
        (["fail", "pass", "pass"], 1, ("pass", True, "2/3")),
        (["pass", "fail", "fail"], 1, ("fail", True, "2/3")),
        (["unknown"], 0, ("unknown", True, "1/1")),
        (["unknown", "unknown"], 1, ("unknown", True, "2/2")),
        (["unknown", "pass"], 1, ("undecided", False, "0/2")),
        (["fail", "unknown", "pass"], 1, ("unknown", True, "1/3")),  # no majority: cannot tell
        (["pass", "pass", "fail"], 2, ("pass", False, "2/3")),  # 3 of 5 needed
    ],
)
def test_judge(outcomes: list[Outcome], confirm: int, expected: tuple[str, bool, str]) -> None:
    judged = judge(outcomes, confirm)
    assert (judged.verdict, judged.decided, judged.votes) == expected


@pytest.mark.parametrize(
    ("outcomes", "decisive", "expected"),
    [
        (["fail"], ["fail"], ("fail", True, "1/1")),  # weighs as a majority of 3
        (["pass", "fail"], ["fail"], ("fail", True, "1/2")),
        (["pass", "pass", "fail"], ["fail"], ("fail", True, "1/3")),  # a tie: the failure
        (["pass", "pass", "pass", "fail"], ["fail"], ("pass", True, "3/4")),
    ],
)
def test_a_decisive_run_weighs_as_a_majority(
    outcomes: list[Outcome], decisive: list[Outcome], expected: tuple[str, bool, str]
) -> None:
    judged = judge(outcomes, 1, decisive)
    assert (judged.verdict, judged.decided, judged.votes) == expected


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"step_factor": 1.0}, "step factor"),
        ({"precision": 0.0}, "precision"),
        ({"precision": 1.5}, "precision"),
        ({"start": 0.5}, "start load"),
        ({"start": 20_000.0}, "start load"),
        ({"min_load": 0.0, "start": 1.0}, "minimum load"),
        ({"confirm": -1}, "confirm"),
        ({"max_steps": 0}, "max_steps"),
        ({"knee_length": 0.5}, "knee length"),
        ({"start": float("nan")}, "finite"),
    ],
)
def test_bad_settings_are_named(changes: dict[str, float], words: str) -> None:
    problems = settings(**changes).problems()
    assert problems and any(words in p for p in problems), problems


def test_good_settings_have_no_problems() -> None:
    assert settings().problems() == []


def test_steps_run_longer_once_the_search_reached_the_knee() -> None:
    """Raising far below the knee: the step duration; after any load failed or could not be
    measured, ``knee_length`` times it, for every further step (bisection and the votes)."""
    chosen = settings(knee_length=3.0)
    assert step_length([], chosen) == 1.0
    assert step_length([Trial(50.0, "pass"), Trial(100.0, "pass")], chosen) == 1.0
    assert step_length([Trial(50.0, "pass"), Trial(100.0, "fail")], chosen) == 3.0
    assert step_length([Trial(100.0, "unknown")], chosen) == 3.0
    after = [Trial(50.0, "pass"), Trial(100.0, "fail"), Trial(75.0, "pass")]
    assert step_length(after, chosen) == 3.0
    assert step_length(after, settings(knee_length=1.0)) == 1.0
    assert settings().knee_length == 3.0  # the default


def test_a_disturbed_trial_does_not_vote_and_its_load_runs_again() -> None:
    """A run the machine's other work disturbed is not counted: the same load runs again,
    the votes and the knee ignore it, and the answer is what the undisturbed runs say."""
    chosen = settings(start=100.0, knee_length=3.0)
    trials = [Trial(100.0, "pass"), Trial(200.0, "fail", disturbed=True)]
    assert next_load(trials, chosen) == 200.0
    assert step_length(trials, chosen) == 1.0  # a disturbed failure is not the knee
    busy_at_first = [Trial(100.0, "fail", disturbed=True)]
    assert next_load(busy_at_first, chosen) == 100.0

    server = limit(150.0)
    disturbed_runs = {(200.0, 0), (175.0, 1)}  # these runs met a neighbour's test run
    trials = []
    while (load := next_load(trials, chosen)) is not None:
        run = sum(1 for t in trials if t.load == load)
        hit = (load, run) in disturbed_runs
        # a disturbed run fails whatever the load: the neighbour took the server's CPU
        trials.append(Trial(load, "fail" if hit else server(load, run), disturbed=hit))
    result = conclude(trials, chosen)
    assert result.status == "found" and result.max_load is not None and result.ceiling
    assert result.max_load <= 150 < result.ceiling <= result.max_load * 1.05
    assert sum(t.disturbed for t in trials) >= 1
    votes = [t for t in trials if t.load == result.ceiling and not t.disturbed]
    assert result.ceiling_votes == f"{sum(t.outcome == 'fail' for t in votes)}/{len(votes)}"


def test_a_vote_that_overturns_a_bound_moves_the_interval() -> None:
    """290 fails once by chance (the server's limit is 300): the bisection narrows below it
    on that one run, the vote at the end overturns it, and the search goes on above it."""

    def flaky(load: float, seen: int) -> Outcome:
        return "fail" if load == 290.0 and seen == 0 else limit(300.0)(load, seen)

    chosen = settings(start=200.0, max_load=400.0, step_factor=1.45)
    trials = search(flaky, chosen)
    result = conclude(trials, chosen)
    assert [t.outcome for t in trials if t.load == 290.0] == ["fail", "pass", "pass"]
    assert result.status == "found" and result.max_load is not None
    assert 290.0 <= result.max_load <= 300.0 < (result.ceiling or 0.0)
    assert (result.max_votes, result.ceiling_votes) in {("2/2", "2/2"), ("2/3", "2/2")}


def test_a_decisive_failure_decides_its_load_alone() -> None:
    """Far over the limit a run ends seconds behind: one run decides, no vote; near the limit
    failures are not decisive and the bound is still put to the vote."""

    def decisive_search(capacity: float) -> list[Trial]:
        chosen = settings(start=1000.0)
        trials: list[Trial] = []
        while (load := next_load(trials, chosen)) is not None:
            outcome = limit(capacity)(load, 0)
            trials.append(
                Trial(load, outcome, decisive=outcome == "fail" and load > 1.15 * capacity)
            )
        return trials

    trials = decisive_search(300.0)
    result = conclude(trials, settings(start=1000.0))
    assert [t.load for t in trials if t.load == 1000.0] == [1000.0]  # one run
    assert result.status == "found" and result.ceiling_votes == "2/2"
    assert result.max_load is not None and 300 / 1.05 <= result.max_load <= 300


def test_votes_are_spent_on_the_bounds_of_the_answer() -> None:
    """Forty searches of the noisy server: voting only on the bounds of the answer costs 11
    runs on average (a vote at every bisection point cost 14) for the same spread."""
    chosen = settings(start=100.0, confirm=1, max_steps=60)
    runs, found = [], []
    for seed in range(40):
        trials = search(coin_toss(300.0, 0.04, random.Random(seed)), chosen)
        runs.append(len(trials))
        found.append(conclude(trials, chosen).max_load or 0.0)
    assert statistics.mean(runs) <= 11.5, runs
    assert all(240.0 <= v <= 345.0 for v in found) and statistics.pstdev(found) < 12.0
