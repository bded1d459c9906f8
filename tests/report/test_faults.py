"""Fault results in reports: outage windows, loss during and after them, the recovery table
and verdict, the lost-by-second plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from report.faults import Outage, outages, recovery_rows, split_loss
from report.markdown import render_markdown
from report.plotplan import plot_plan
from report.summary import build_report
from tests.report.conftest import FAULT_KILL, FAULT_REDIS, ROOM_CHAT, assert_golden, load
from tests.report.test_commands import bench


def test_fault_report_golden() -> None:
    named = [(p.name, load(p)) for p in (FAULT_KILL, FAULT_REDIS)]
    assert_golden("report-faults.md", render_markdown(build_report(named)))


def run(events: list[dict[str, Any]], recovery: list[dict[str, Any]]) -> dict[str, Any]:
    return {"fault_events": events, "recovery": recovery}


def event(t: float, action: str, instance: int = 0) -> dict[str, Any]:
    return {"t": t, "planned_t": t, "action": action, "instance": instance}


def recovered(
    at: float, fault: str, dropped: int, never: int, after: float | None
) -> dict[str, Any]:
    return {
        "fault": fault, "at_s": at, "dropped": dropped, "reconnected": dropped - never,
        "never_back": never, "all_back_after_s": after,
    }  # fmt: skip


def test_a_kill_outage_lasts_until_every_client_is_back() -> None:
    kill = run(
        [event(5.0, "kill", 1), event(7.5, "restart", 1)], [recovered(5.0, "kill", 20, 0, 3.0)]
    )
    (o,) = outages(kill)
    assert (o.start, o.restored, o.end, o.dropped) == (5.0, 7.5, 8.0, 20)
    assert o.what() == "kill of instance 1 at 5.0 s (restarted at 7.5 s)"


def test_an_outage_without_drops_ends_with_the_service_and_is_open_while_a_client_is_away() -> None:
    events = [event(5.0, "redis_stop"), event(7.0, "redis_start")]
    (o,) = outages(run(events, [recovered(5.0, "redis_stop", 0, 0, None)]))
    assert (o.end, o.what()) == (7.0, "stop of Redis at 5.0 s (started again at 7.0 s)")
    (o,) = outages(run(events, [recovered(5.0, "redis_stop", 4, 1, None)]))
    assert o.end is None


@pytest.mark.parametrize(("broker", "name"), [("rabbitmq", "RabbitMQ"), ("postgres", "PostgreSQL")])
def test_a_rabbitmq_or_postgres_restart_is_an_outage_of_that_broker(broker: str, name: str) -> None:
    events = [event(5.0, f"{broker}_stop"), event(11.0, f"{broker}_start")]
    (o,) = outages(run(events, [recovered(5.0, f"{broker}_stop", 0, 0, None)]))
    assert (o.end, o.what()) == (11.0, f"stop of {name} at 5.0 s (started again at 11.0 s)")
    failed = [event(5.0, f"{broker}_stop"), event(95.0, f"{broker}_start_failed")]
    (o,) = outages(run(failed, [recovered(5.0, f"{broker}_stop", 0, 0, None)]))
    assert o.restored is None


def test_loss_is_split_into_before_during_and_after_each_outage() -> None:
    windows = [
        Outage("kill", 1, 5.2, 7.0, 8.5, 10, 0, 3.3),
        Outage("kill", 0, 12.0, 13.0, 13.0, 10, 0, 1.0),
    ]
    lost = {3: 1, 4: 2, 5: 10, 8: 7, 9: 4, 11: 3, 12: 5, 14: 6}
    split = split_loss(lost, windows)
    # second 4 ends before 5.2; 5 and 8 overlap the first outage; 9 and 11 follow it; 12 is in
    # the second (ends at 13.0); 14 follows that.
    assert (split.before, split.during, split.after) == (3, (17, 5), (7, 6))
    assert split.after_seconds == ((9, 11), (14,))


def test_real_faults_recovery_rows() -> None:
    rows = {(r.contender, r.outage.action): r for r in recovery_rows([load(FAULT_KILL)])}
    kill = rows["sio", "kill"]
    assert (kill.outage.dropped, kill.lost_after) == (20, 0)
    assert kill.lost_during == load(FAULT_KILL)["runs"][0]["overall"]["loss"]
    redis = {r.contender: r for r in recovery_rows([load(FAULT_REDIS)])}
    # Redis restart: sio dropped no client but lost deliveries planned in the second after
    # Redis was back; one Channels client never came back (an open-ended outage).
    assert (redis["sio"].outage.dropped, redis["sio"].lost_after) == (0, 65)
    assert redis["sio"].after_seconds == (8,)
    assert redis["channels"].outage.end is None and redis["channels"].outage.never_back == 1


def test_fault_verdicts_and_recovery_table() -> None:
    section = build_report([(FAULT_REDIS.name, load(FAULT_REDIS))]).sections[0]
    assert (
        "python-socketio, stop of Redis at 5.1 s (started again at 7.1 s): no client dropped; "
        "1425 deliveries lost during the outage, 65 after it (planned in second 8)."
    ) in section.verdicts
    assert (
        "Fewest deliveries lost during the outage: python-socketio (1425); "
        "Channels (uvicorn) 3.24x (4614)."
    ) in section.verdicts
    caption, table = section.tables[-1]
    assert caption.startswith("Recovery from each fault")
    assert table.rows[1][3] == "never: 1 not back"
    kill = build_report([(FAULT_KILL.name, load(FAULT_KILL))]).sections[0]
    assert "Back soonest: python-socketio (7.7 s); Channels (uvicorn) about the same (7.7 s)." in (
        kill.verdicts
    )
    assert all(row[6] == "none" for row in dict(kill.tables)[caption].rows)  # nothing lost after


def test_fault_plots_are_planned_and_drawn(tmp_path: Path) -> None:
    kinds = [p.kind for p in plot_plan([load(FAULT_KILL)], "fault-kill")]
    assert kinds[-1] == "lost-by-second" and "timeline" in kinds
    timeline = next(p for p in plot_plan([load(FAULT_KILL)], "x") if p.kind == "timeline")
    assert "outage hatched" in timeline.caption
    assert "lost-by-second" not in [p.kind for p in plot_plan([load(ROOM_CHAT)], "r")]
    result = bench("report", FAULT_KILL, FAULT_REDIS, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    for name in ("fault-kill-lost-by-second.png", "fault-redis-timeline.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
