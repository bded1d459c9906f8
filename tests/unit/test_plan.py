"""The plan: deterministic for a seed, identical across contenders, honouring rates and phases."""

from __future__ import annotations

import itertools
import random
import textwrap
from collections import Counter

import pytest

from loadgen.plan.arrivals import Segment, arrival_times
from loadgen.plan.build import (
    OP_NAMES,
    assign_rooms,
    body_for,
    build_plan,
    message_id,
    partition,
    room_name,
    split_message_id,
)
from loadgen.plan.model import CHURN_GUARD_S, NO_ID, OP_CHURN, OP_MSG
from loadgen.scenario.load import Scenario, load_scenario_text, resolve


def scenario(text: str = "", **cli: object) -> Scenario:
    base = "name: p\n" + ("" if "traffic:" in text else "traffic: {total_rate: 200}\n")
    return load_scenario_text(base + text, cli=cli or None)


ROOM_CHAT = """
connections: {count: 60, ramp_up_s: 3}
rooms: {count: 6, members_per_room: 10}
phases:
  - {name: warmup, kind: warmup, duration_s: 1}
  - {name: steady, kind: steady, duration_s: 5}
"""


def test_deterministic_for_a_seed() -> None:
    first = build_plan(scenario(ROOM_CHAT))
    second = build_plan(scenario(ROOM_CHAT))
    assert first == second
    assert first.digest() == second.digest()
    other = build_plan(scenario(ROOM_CHAT, seed=2))
    assert other.digest() != first.digest()


def test_identical_for_every_contender() -> None:
    plans = [
        build_plan(scenario(ROOM_CHAT, contenders=[name], repetitions=3))
        for name in ("sio", "channels", "channels-daphne")
    ]
    assert plans[0] == plans[1] == plans[2]
    assert len({p.digest() for p in plans}) == 1


def test_connections_users_ramp_and_rooms() -> None:
    plan = build_plan(scenario(ROOM_CHAT))
    assert [c.index for c in plan.connections] == list(range(60))
    assert plan.connections[7].user == plan.connections[7].token_user == "u7"
    assert [c.connect_at for c in plan.connections[:3]] == [0.0, 0.05, 0.1]
    assert plan.connections[0].rooms == (0,) and plan.connections[15].rooms == (1,)
    assert plan.members[1] == tuple(range(10, 20))
    assert room_name(3) == "room-3"


@pytest.mark.parametrize(
    ("assignment", "room_of_11"),
    [("fill", 1), ("round_robin", 5)],
)
def test_room_assignment(assignment: str, room_of_11: int) -> None:
    text = f"rooms: {{count: 6, members_per_room: 10, assignment: {assignment}}}\n"
    members = assign_rooms(scenario("connections: {count: 60}\n" + text))
    assert sorted(c for m in members for c in m) == list(range(60))
    assert 11 in members[room_of_11]


def test_random_assignment_is_balanced_and_seeded() -> None:
    text = (
        "connections: {count: 50}\nrooms: {count: 10, members_per_room: 10, assignment: random}\n"
    )
    members = assign_rooms(scenario(text))
    assert members == assign_rooms(scenario(text))
    assert all(len(set(m)) == 10 for m in members)
    assert set(Counter(c for m in members for c in m).values()) == {2}


def test_more_slots_than_connections_wrap_without_repeats() -> None:
    members = assign_rooms(
        scenario("connections: {count: 12}\nrooms: {count: 5, members_per_room: 7}\n")
    )
    assert all(len(set(m)) == 7 for m in members)


def test_instances_spread_every_room() -> None:
    text = "instances: 2\nbackend: {kind: redis}\n" + ROOM_CHAT
    plan = build_plan(scenario(text))
    for room in plan.members:
        assert Counter(plan.connections[c].instance for c in room) == {0: 5, 1: 5}
    echo = build_plan(
        scenario("instances: 2\nbackend: {kind: redis}\nrooms: {count: 100, members_per_room: 1}\n")
    )
    assert Counter(c.instance for c in echo.connections) == {0: 50, 1: 50}


def test_send_count_matches_rate_times_duration() -> None:
    plan = build_plan(scenario(ROOM_CHAT))
    assert plan.total_sends == pytest.approx(200 * 6, rel=0.06)
    uniform = build_plan(scenario(ROOM_CHAT + "traffic: {total_rate: 200, arrival: uniform}\n"))
    assert uniform.total_sends == pytest.approx(1200, abs=60)
    per_conn = build_plan(scenario(ROOM_CHAT + "traffic: {rate_per_connection: 4, senders: 30}\n"))
    assert per_conn.total_sends == pytest.approx(4 * 30 * 6, rel=0.06)
    assert sum(1 for c in per_conn.connections if len(c.schedule)) == 30


def test_phase_multipliers_and_ramps() -> None:
    text = """
    connections: {count: 50}
    traffic: {total_rate: 500}
    phases:
      - {name: w, kind: warmup, duration_s: 2, rate_multiplier: 0.5}
      - {name: s, kind: steady, duration_s: 4, rate_multiplier: 2}
      - {name: pause, kind: steady, duration_s: 1, rate_multiplier: 0}
      - {name: up, kind: ramp, duration_s: 4, from_multiplier: 0, to_multiplier: 2}
    """
    plan = build_plan(scenario(textwrap.dedent(text)))
    per_phase = Counter(p for c in plan.connections for p in c.schedule.phases)
    assert per_phase[0] == pytest.approx(500, rel=0.1)
    assert per_phase[1] == pytest.approx(4000, rel=0.05)
    assert per_phase[2] == 0
    assert per_phase[3] == pytest.approx(2000, rel=0.05)  # 500/s x 4 s x mean multiplier 1
    ramp = [t for c in plan.connections for t, _, _, _, p in c.schedule if p == 3]
    first_half = sum(1 for t in ramp if t < 9)
    assert first_half == pytest.approx(len(ramp) / 4, rel=0.1)  # linear ramp: 1/4 in half the time
    for c in plan.connections:
        times = list(c.schedule.times)
        assert times == sorted(times)
        for t, _, _, _, phase in c.schedule:
            window = plan.phases[phase]
            assert window.start_s <= t < window.end_s


def test_arrivals_invert_the_ramp_exactly() -> None:
    segment = Segment(10.0, 20.0, 1.0, 3.0)
    assert segment.operations(5.0) == 100.0
    assert segment.time_at(0.0, 5.0) == 10.0
    assert segment.time_at(100.0, 5.0) == pytest.approx(20.0)
    # after t seconds: 5 * (t + t^2 / 10) operations
    assert segment.time_at(5 * (4 + 1.6), 5.0) == pytest.approx(14.0)
    down = Segment(0.0, 10.0, 2.0, 0.0)
    assert down.time_at(down.operations(1.0), 1.0) == pytest.approx(10.0)
    uniform = list(arrival_times(random.Random(1), 10.0, [Segment(0, 1, 1, 1)], poisson=False))
    assert len(uniform) == 10
    gaps = {round(b[0] - a[0], 9) for a, b in itertools.pairwise(uniform)}
    assert gaps == {0.1}


def test_message_ids_unique_per_stream_and_counted_from_zero() -> None:
    plan = build_plan(
        scenario(ROOM_CHAT + "traffic: {total_rate: 200, mix: {msg: 3, presence: 1}}\n")
    )
    seen: dict[int, list[int]] = {}
    ops: Counter[str] = Counter()
    for c in plan.connections:
        for t, op, room, msg_id, _ in c.schedule:
            ops[OP_NAMES[op]] += 1
            if op != OP_MSG:
                assert msg_id == NO_ID
                continue
            stream, seq = split_message_id(msg_id)
            assert msg_id == message_id(stream, seq)
            assert plan.streams[stream].sender == c.index
            assert plan.streams[stream].room == room
            assert plan.streams[stream].times[seq] == t
            seen.setdefault(stream, []).append(seq)
    assert all(seqs == list(range(len(seqs))) for seqs in seen.values())
    assert ops["presence"] == pytest.approx(ops["msg"] / 3, rel=0.2)


def test_expected_deliveries_are_room_members() -> None:
    plan = build_plan(scenario(ROOM_CHAT))
    msgs = sum(len(s) for s in plan.streams)
    totals = plan.expected_totals()
    assert sum(certain for certain, _ in totals) == msgs * 10
    assert all(optional == 0 for _, optional in totals)
    assert plan.expected(0, 0) == (10, 0)


def test_churn_windows_make_members_optional() -> None:
    text = ROOM_CHAT + "traffic: {total_rate: 120, mix: {msg: 9, churn: 1}, churn_away_s: 0.5}\n"
    plan = build_plan(scenario(text))
    assert plan.away
    for (conn, room), windows in plan.away.items():
        assert room in plan.connections[conn].rooms
        for leave, rejoin in windows:
            assert rejoin - leave == pytest.approx(0.5)
            # the churner sends nothing to that room while away (nor in the guard after)
            for t, op, r, _, _ in plan.connections[conn].schedule:
                if r == room and op != OP_CHURN:
                    assert not leave <= t < rejoin + CHURN_GUARD_S
    totals = plan.expected_totals()
    msgs = sum(len(s) for s in plan.streams)
    assert sum(c + o for c, o in totals) == msgs * 10
    assert sum(o for _, o in totals) > 0
    checked = sum(plan.expected(s.index, q)[1] for s in plan.streams for q in range(len(s)))
    assert checked == sum(o for _, o in totals)


def test_body_is_deterministic() -> None:
    text = body_for(1, 100, "text")
    assert isinstance(text, str) and len(text) == 100 and text.isalnum() and text.isascii()
    assert body_for(1, 100, "text") == text != body_for(2, 100, "text")
    binary = body_for(1, 32768, "binary")
    assert isinstance(binary, bytes) and len(binary) == 32768
    plan = build_plan(scenario("traffic: {total_rate: 5, body: binary, message_bytes: 300}\n"))
    assert plan.body == body_for(1, 300, "binary")


def test_partition_is_deterministic_complete_and_balanced() -> None:
    plan = build_plan(scenario(ROOM_CHAT))
    shares = partition(plan, 4)
    assert shares == partition(plan, 4)
    assert len(shares) == 4
    assert sorted(c for share in shares for c in share) == list(range(60))
    assert all(share == sorted(share) for share in shares)
    assert max(len(s) for s in shares) - min(len(s) for s in shares) <= 3
    assert partition(plan, 1) == [list(range(60))]
    assert len(partition(plan, 500)) == 60
    with pytest.raises(ValueError, match="n_workers"):
        partition(plan, 0)


def test_large_plan_is_compact() -> None:
    big = resolve(
        {
            "name": "big",
            "connections": {"count": 1000},
            "rooms": {"count": 100, "members_per_room": 10},
            "traffic": {"total_rate": 10000},
            "phases": [{"name": "s", "kind": "steady", "duration_s": 10}],
        }
    )
    plan = build_plan(big)
    assert plan.total_sends == pytest.approx(100_000, rel=0.02)
    schedule = plan.connections[0].schedule
    assert schedule.times.typecode == "d" and schedule.ids.typecode == "q"
