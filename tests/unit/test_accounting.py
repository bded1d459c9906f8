"""Loss, duplicates and out-of-order per sender stream."""

from __future__ import annotations

import random

import pytest

from loadgen.measure.accounting import (
    DUPLICATE,
    IN_ORDER,
    OUT_OF_ORDER,
    STRAY,
    DeliveryCounts,
    DeliveryReport,
    DeliveryTracker,
    reconcile,
    tally,
)
from loadgen.plan.build import build_plan, message_id
from loadgen.plan.model import OP_MSG, Plan
from loadgen.scenario.load import load_scenario_text


def test_tally_reference() -> None:
    result = tally([0, 1, 3, 2, 3, 5, 9, 1], length=6)
    assert result.received == 5  # 0 1 2 3 5
    assert result.lost == 1  # 4
    assert result.duplicates == 2  # 3 and 1 again
    assert result.out_of_order == 1  # 2 after 3
    assert result.stray == 1  # 9


def test_tracker_codes() -> None:
    tracker = DeliveryTracker([4, 2])
    assert tracker.record(message_id(0, 0)) == IN_ORDER
    assert tracker.record(message_id(0, 2)) == IN_ORDER
    assert tracker.record(message_id(0, 1)) == OUT_OF_ORDER
    assert tracker.record(message_id(0, 1)) == DUPLICATE
    assert tracker.record(message_id(0, 4)) == STRAY  # past the stream's end
    assert tracker.record(message_id(2, 0)) == STRAY  # no such stream
    assert tracker.record(-1) == STRAY
    assert tracker.record(message_id(1, 1)) == IN_ORDER
    assert list(tracker.duplicate_ids) == [message_id(0, 1)]
    assert list(tracker.out_of_order_ids) == [message_id(0, 1)]
    assert tracker.stray == 3
    assert tracker.streams() == [0, 1]
    assert tracker.seen(0) == 0b0111


@pytest.mark.parametrize("seed", range(20))
def test_tracker_agrees_with_tally(seed: int) -> None:
    rng = random.Random(seed)
    length = rng.randint(1, 60)
    seqs = [rng.randint(0, length + 3) for _ in range(rng.randint(0, 120))]
    tracker = DeliveryTracker([length])
    for seq in seqs:
        tracker.record(message_id(0, seq))
    expected = tally(seqs, length)
    assert tracker.seen(0).bit_count() == expected.received
    assert len(tracker.duplicate_ids) == expected.duplicates
    assert len(tracker.out_of_order_ids) == expected.out_of_order
    assert tracker.stray == expected.stray


SCENARIO = """
name: acc
connections: {count: 30}
rooms: {count: 3, members_per_room: 10}
traffic: {total_rate: 300}
phases:
  - {name: warmup, kind: warmup, duration_s: 1}
  - {name: steady, kind: steady, duration_s: 2}
"""


def deliveries(plan: Plan) -> list[tuple[int, int]]:
    """(receiver, msg_id) of every planned delivery, in send order."""
    sends = sorted(
        (t, msg_id, room)
        for c in plan.connections
        for t, op, room, msg_id, _ in c.schedule
        if op == OP_MSG
    )
    return [(member, msg_id) for _, msg_id, room in sends for member in plan.members[room]]


def report(plan: Plan, events: list[tuple[int, int]]) -> DeliveryReport:
    trackers = [DeliveryTracker(plan.stream_lengths) for _ in plan.connections]
    for receiver, msg_id in events:
        trackers[receiver].record(msg_id)
    total = DeliveryReport([DeliveryCounts() for _ in plan.phases])
    for index, tracker in enumerate(trackers):
        total.merge(reconcile(plan, index, tracker))
    return total


def test_perfect_delivery_has_no_loss() -> None:
    plan = build_plan(load_scenario_text(SCENARIO))
    result = report(plan, deliveries(plan))
    assert result.receivers == 30
    assert [(c.expected, c.received) for c in result.phases] == [
        (certain, certain) for certain, _ in plan.expected_totals()
    ]
    total = result.total()
    assert total.lost == 0 and total.duplicates == 0 and total.out_of_order == 0
    assert total.as_dict()["loss_pct"] == 0.0


def test_loss_duplicates_reorder_and_unexpected_are_counted_per_phase() -> None:
    plan = build_plan(load_scenario_text(SCENARIO))
    events = deliveries(plan)
    steady_start = plan.phases[1].start_s
    stream = next(s for s in plan.streams if s.phase_starts[1] < len(s) - 3)
    first_steady = stream.phase_starts[1]
    receiver = plan.members[stream.room][3]
    lost = message_id(stream.index, 0)  # warmup message
    lost_steady = message_id(stream.index, first_steady)
    late = message_id(stream.index, first_steady + 1)
    events = [e for e in events if e not in {(receiver, lost), (receiver, lost_steady)}]
    events.remove((receiver, late))
    events.append((receiver, late))  # arrives after later ones: out of order
    events.append((receiver, message_id(stream.index, first_steady + 2)))  # again: duplicate
    outsider = next(c.index for c in plan.connections if stream.room not in c.rooms)
    events.append((outsider, message_id(stream.index, 0)))  # not in the room: unexpected
    events.append((outsider, message_id(len(plan.streams), 0)))  # no such message: stray
    result = report(plan, events)
    warmup, steady = result.phases
    assert (warmup.lost, steady.lost) == (1, 1)
    assert (warmup.out_of_order, steady.out_of_order) == (0, 1)
    assert (warmup.duplicates, steady.duplicates) == (0, 1)
    assert (warmup.unexpected, steady.unexpected) == (1, 0)
    assert result.stray == 1
    total = result.total()
    assert total.lost == 2 and total.stray == 1
    assert total.loss_pct == pytest.approx(100 * 2 / total.expected)
    assert plan.streams[stream.index].times[first_steady] >= steady_start


def test_churned_receiver_is_optional_not_lost() -> None:
    text = SCENARIO.replace("{total_rate: 300}", "{total_rate: 300, mix: {msg: 9, churn: 1}}")
    plan = build_plan(load_scenario_text(text))
    (conn, room), windows = next(iter(plan.away.items()))
    leave, rejoin = windows[0]
    # the churned member misses what was sent while it was away
    events = [
        (r, m)
        for r, m in deliveries(plan)
        if not (
            r == conn
            and plan.streams[m >> 32].room == room
            and leave <= plan.streams[m >> 32].times[m & 0xFFFFFFFF] <= rejoin
        )
    ]
    total = report(plan, events).total()
    assert total.lost == 0
    assert total.optional == sum(o for _, o in plan.expected_totals())
    assert total.optional_received < total.optional
    assert total.expected == sum(c for c, _ in plan.expected_totals())
