"""A capacity step's verdict: the SLO, the served rate and the queue, each in words; and
whether the step's servers can serve the next step. Synthetic summaries, no network."""

from __future__ import annotations

from typing import Any

import pytest

from loadgen.capacity.model import parse_slo
from loadgen.capacity.step import (
    DECISIVE_BEHIND_S,
    FOREIGN_CPU_MAX,
    SERVED_RATIO_MIN,
    StepRecord,
    foreign_cpu_pct,
    is_decisive,
    judge_step,
    restart_reason,
)

SLO = parse_slo("p99_ms<100,loss==0")


def document(
    overall: dict[str, Any] | None,
    reasons: list[str] | None = None,
    partial: list[str] | None = None,
    saturation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    run: dict[str, Any] = {
        "validity": {"valid": not reasons, "reasons": reasons or []},
        "partial_reasons": partial or [],
    }
    if overall is not None:
        run["overall"] = overall
    if saturation is not None:
        run["saturation"] = saturation
    return {"runs": [run], "settings": {"server": {"delay_ms": 4.0}}}


# A summary written before served rates and saturation were measured (schema 1).
OLD = {"p50_ms": 5.0, "p99_ms": 20.0, "msgs_per_s": 100.0, "loss": 0, "errors": 0}
# The same run as the current load generator writes it: kept up, nothing left behind.
GOOD = {
    **OLD, "offered_deliveries_per_s": 100.0, "served_deliveries_per_s": 99.5,
    "served_ratio": 0.995, "saturated": 0, "latency_growth_ms": 0.4, "queue_s": 0.005,
    "late": 0, "lost": 0, "queued": 0, "backlog_at_deadline": 0,
    "acks_outstanding_at_deadline": 0,
}  # fmt: skip


def judge(doc: dict[str, Any], **kwargs: Any) -> StepRecord:
    return judge_step(doc, SLO, index=1, load=100.0, result="r.json", elapsed_s=9.0, **kwargs)


def test_a_run_within_the_slo_that_kept_up_passes() -> None:
    step = judge(document(GOOD))
    assert (step.outcome, step.passed, step.valid, step.loadgen_bound) == (
        "pass", True, True, False,
    )  # fmt: skip
    assert step.conditions == {"slo": "pass", "served": "pass", "queue": "pass"}
    assert step.reasons == ()
    data = step.as_dict()
    assert data["p99_ms"] == 20.0 and data["server_delay_ms"] == 4.0 and data["result"] == "r.json"
    assert data["served_ratio"] == 0.995 and data["backlog_at_deadline"] == 0
    assert data["server"] == "started" and data["run"] == 1
    assert data["steady_s"] is None  # the document holds no scenario


def test_a_step_records_how_long_its_measured_phase_ran() -> None:
    doc = document(GOOD)
    doc["scenario"] = {"phases": [
        {"name": "warmup", "kind": "warmup", "duration_s": 2.0},
        {"name": "steady", "kind": "steady", "duration_s": 15.0},
    ]}  # fmt: skip
    assert judge(doc).steady_s == 15.0 and judge(doc).as_dict()["steady_s"] == 15.0


def test_an_old_summary_is_judged_by_the_slo_alone() -> None:
    step = judge(document(OLD))
    assert step.outcome == "pass"
    assert step.conditions == {"slo": "pass", "served": "not judged", "queue": "not judged"}


def test_a_run_missing_the_slo_fails_and_says_why() -> None:
    step = judge(document({**GOOD, "p99_ms": 450.0}))
    assert step.outcome == "fail" and step.conditions["slo"] == "fail"
    assert step.reasons == ("SLO missed: p99_ms < 100 (actual 450)",)


def test_a_run_within_the_slo_that_served_too_little_fails() -> None:
    """The latency of what arrived looks fine, but 10 % of the load was never served in time."""
    behind = {**GOOD, "served_deliveries_per_s": 90.0, "served_ratio": 0.9}
    step = judge(document(behind))
    assert step.outcome == "fail"
    assert step.conditions == {"slo": "pass", "served": "fail", "queue": "pass"}
    assert step.reasons == (
        "did not keep up: served 90.0% of the offered load (90 of 100 deliveries/s; "
        "a pass needs 98%)",
    )


def test_the_served_rate_is_read_from_the_saturation_evidence_when_there() -> None:
    behind = {**GOOD, "served_ratio": 0.5}
    evidence = {"unit": "msgs", "offered_per_s": 400.0, "served_per_s": 200.0, "reasons": []}
    (reason,) = judge(document(behind, saturation=evidence)).reasons
    assert "(200 of 400 msgs/s;" in reason


def test_just_under_the_served_threshold_fails_just_over_passes() -> None:
    assert judge(document({**GOOD, "served_ratio": SERVED_RATIO_MIN})).outcome == "pass"
    assert judge(document({**GOOD, "served_ratio": SERVED_RATIO_MIN - 0.001})).outcome == "fail"


def test_a_growing_queue_fails_even_when_the_rest_holds() -> None:
    growing = {**GOOD, "saturated": 1, "latency_growth_ms": 85.0, "queue_s": 0.09}
    evidence = {"reasons": ["latency grew through the steady phase"]}
    step = judge(document(growing, saturation=evidence))
    assert step.outcome == "fail"
    assert step.conditions == {"slo": "pass", "served": "pass", "queue": "fail"}
    assert step.reasons == (
        "saturated, its queue grew: latency grew through the steady phase; 0.09 s behind at "
        "the end",
    )
    bare = judge(document(growing))  # no saturation evidence recorded: the figures speak
    assert bare.reasons == (
        "saturated, its queue grew: latency grew 85 ms through the step; 0.09 s behind at the end",
    )


def test_every_failed_condition_is_named_once() -> None:
    bad = {**GOOD, "p99_ms": 900.0, "served_ratio": 0.6, "served_deliveries_per_s": 60.0,
           "saturated": 1, "queue_s": 2.5}  # fmt: skip
    evidence = {"reasons": ["served 60 deliveries/s of 100/s offered (60%, below 95%)",
                            "median latency grew by 2,400 ms through the window"]}  # fmt: skip
    step = judge(document(bad, saturation=evidence))
    assert step.conditions == {"slo": "fail", "served": "fail", "queue": "fail"}
    assert step.reasons[1:] == (
        "did not keep up: served 60.0% of the offered load (60 of 100 deliveries/s; a pass "
        "needs 98%)",
        "saturated, its queue grew: median latency grew by 2,400 ms through the window; "
        "2.50 s behind at the end",
    )


def test_a_ratio_just_under_the_threshold_is_not_shown_as_the_threshold() -> None:
    (reason,) = judge(document({**GOOD, "served_ratio": 0.97968})).reasons
    assert "served 97.9% of the offered load" in reason


def test_a_loadgen_bound_run_is_unknown_even_when_it_misses_the_slo() -> None:
    reason = "loadgen_bound: the load generator sent its messages 80.0 ms late at p99"
    step = judge(document({**GOOD, "p99_ms": 900.0, "served_ratio": 0.2}, reasons=[reason]))
    assert step.outcome == "unknown" and step.loadgen_bound and not step.valid
    assert reason in step.reasons and step.conditions == {}


def test_a_run_without_samples_is_unknown() -> None:
    step = judge(document(None, reasons=["no samples"], partial=["load generator failed: x"]))
    assert step.outcome == "unknown" and not step.passed


def test_a_server_that_died_fails() -> None:
    died = "sio[0] died at t=3.1s (exit -9); last log lines: []"
    step = judge(document(GOOD, partial=[died]))
    assert step.outcome == "fail" and died in step.reasons


def test_the_server_state_is_recorded() -> None:
    why = "the step before left a backlog: backlog at deadline 40"
    step = judge(document(GOOD), server="restarted", server_why=why, run_at_load=2)
    data = step.as_dict()
    assert (data["server"], data["server_why"], data["run"]) == ("restarted", why, 2)


def test_servers_are_kept_when_the_step_left_nothing_behind() -> None:
    assert restart_reason(judge(document(GOOD))) is None
    # a step that failed its SLO but left nothing behind keeps its servers too
    assert restart_reason(judge(document({**GOOD, "p99_ms": 450.0}))) is None


@pytest.mark.parametrize(
    ("changes", "partial", "words"),
    [
        ({"backlog_at_deadline": 40}, [], "left a backlog: backlog at deadline 40"),
        ({"queued": 12, "lost": 3}, [], "queued 12, lost 3"),
        ({"acks_outstanding_at_deadline": 2}, [], "acks outstanding at deadline 2"),
        ({}, ["sio[0] died at t=1.0s (exit -9)"], "a server died"),
        ({"p50_ms": None, "loss": None}, ["load generator failed: boom"], "could not be measured"),
    ],
)
def test_servers_are_restarted_after_a_step_that_left_something(
    changes: dict[str, Any], partial: list[str], words: str
) -> None:
    reason = restart_reason(judge(document({**GOOD, **changes}, partial=partial)))
    assert reason is not None and words in reason


def test_an_old_summary_cannot_vouch_for_its_servers() -> None:
    reason = restart_reason(judge(document(OLD)))
    assert reason is not None and "did not record its backlog" in reason


def sampled(
    doc: dict[str, Any], server: float, loadgen: float, seconds: int = 10
) -> dict[str, Any]:
    """``doc`` with a two-CPU environment and resource samples once a second: the server at
    ``server`` and the load generator at ``loadgen`` percent of a core."""
    doc["environment"] = {"cpu_count": 2}
    doc["runs"][0]["resources"] = {
        "t": [0.5 + i for i in range(seconds)],
        "processes": {
            "channels[0]": {"cpu_percent": [server] * seconds},
            "loadgen[0]": {"cpu_percent": [loadgen] * (seconds - 1) + [None]},
        },
    }
    return doc


def test_cpu_used_by_other_processes_is_the_machine_less_the_runs_own() -> None:
    doc = sampled(document(GOOD), server=90.0, loadgen=10.0)
    # 2 CPUs 60 % busy: 120 % of a core; own 90 + 10 (the missing sample not counted): 20 %
    assert foreign_cpu_pct(doc, 60.0) == pytest.approx(20.0)
    assert foreign_cpu_pct(doc, 40.0) == 0.0  # never below zero
    assert foreign_cpu_pct(doc, None) is None
    assert foreign_cpu_pct(document(GOOD), 60.0) is None  # no samples


def test_a_step_the_machine_was_busy_with_other_work_during_is_disturbed() -> None:
    """The verdict stays what was measured; the step is flagged and says why, in words."""
    doc = sampled(document(GOOD), server=90.0, loadgen=10.0)
    quiet = judge(doc, machine_busy_pct=60.0)
    assert (quiet.outcome, quiet.disturbed, quiet.foreign_cpu_pct) == ("pass", False, 20.0)
    assert quiet.machine_busy_pct == 60.0 and quiet.reasons == ()
    busy = judge(doc, machine_busy_pct=85.0)  # 170 % of a core, 70 % of it others'
    assert busy.foreign_cpu_pct == pytest.approx(70.0) and busy.foreign_cpu_pct > FOREIGN_CPU_MAX
    assert (busy.outcome, busy.passed, busy.disturbed) == ("pass", True, True)
    assert busy.reasons == (
        "disturbed: other processes used 70% of a core while it ran (more than 40%); "
        "this run does not vote",
    )
    assert busy.as_dict()["disturbed"] is True and busy.as_dict()["foreign_cpu_pct"] == 70.0
    assert judge(doc).disturbed is False  # the machine's load not known: not disturbed


def steady(doc: dict[str, Any], seconds: float) -> dict[str, Any]:
    doc["scenario"] = {"phases": [{"name": "steady", "kind": "steady", "duration_s": seconds}]}
    return doc


def test_a_failure_seconds_behind_decides_its_load_alone() -> None:
    """Served 50 % over 15 s: 7.5 s of the load behind, more than any stall of the server
    leaves; the step says so. Served 90 % over 15 s (1.5 s behind) is put to the vote."""
    far = judge(steady(document({**GOOD, "served_ratio": 0.5, "p99_ms": 4000.0}), 15.0))
    assert far.outcome == "fail" and far.decisive and far.as_dict()["decisive"] is True
    assert far.reasons[-1] == (
        "decisive: 7.5 s behind at the end (more than 2 s: beyond a stall); this run decides "
        "its load alone"
    )
    near = judge(steady(document({**GOOD, "served_ratio": 0.9}), 15.0))
    assert near.outcome == "fail" and not near.decisive
    short = judge(steady(document({**GOOD, "served_ratio": 0.7}), 5.0))  # 1.5 s behind
    assert short.outcome == "fail" and not short.decisive


def test_only_a_failure_far_behind_is_decisive() -> None:
    assert is_decisive("fail", 1.0 - (DECISIVE_BEHIND_S + 0.1) / 10.0, 10.0)
    assert not is_decisive("fail", 1.0 - (DECISIVE_BEHIND_S - 0.1) / 10.0, 10.0)
    assert not is_decisive("pass", 0.0, 10.0)
    assert not is_decisive("fail", None, 10.0) and not is_decisive("fail", 0.1, None)
    died = document({**GOOD, "served_ratio": 0.1}, partial=["server sio died at 3.0 s"])
    assert not judge(steady(died, 15.0)).decisive  # a dead server is not a load's limit
