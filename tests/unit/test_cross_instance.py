"""Cross-instance deliveries get a histogram of their own; a broker's process-tree CPU."""

from __future__ import annotations

from loadgen.measure.accounting import DeliveryTracker
from loadgen.measure.broker_procs import backplane_urls, tree_cpu_percent
from loadgen.measure.phase import _cross_instance
from loadgen.plan.build import build_plan
from loadgen.run.samples import Recorder
from loadgen.run.worker_result import merge_worker_results
from loadgen.scenario.load import load_scenario_text

TWO_INSTANCES = """
name: x
backend: {kind: redis}
instances: 2
connections: {count: 20, ramp_up_s: 1}
rooms: {count: 10, members_per_room: 2}
traffic: {total_rate: 100, arrival: uniform}
phases:
  - {name: steady, kind: steady, duration_s: 2}
"""


def _deliver_all(instances: int) -> Recorder:
    text = TWO_INSTANCES.replace("instances: 2", f"instances: {instances}")
    plan = build_plan(load_scenario_text(text))
    recorder = Recorder(plan, list(range(len(plan.connections))))
    lengths = [len(s) for s in plan.streams]
    for conn in plan.connections:
        on_message = recorder.delivery_callback(DeliveryTracker(lengths), conn.instance)
        for room in conn.rooms:
            for stream in (plan.streams[i] for i in plan.room_streams[room]):
                for seq, t in enumerate(stream.times):
                    on_message({"id": (stream.index << 32) | seq, "ts": t}, t + 0.002)
    return recorder


def test_deliveries_to_another_instance_than_the_senders_are_counted_apart() -> None:
    recorder = _deliver_all(2)
    plan_rooms_of_two = recorder.samples
    total = plan_rooms_of_two.delivery[0].count
    cross = plan_rooms_of_two.delivery_cross[0].count
    # rooms of two on two instances: one member on each, so half the deliveries cross
    assert total > 0 and cross * 2 == total
    assert 1.5 < plan_rooms_of_two.delivery_cross[0].summary().p50_ms < 2.5


def test_one_instance_has_no_cross_instance_deliveries() -> None:
    recorder = _deliver_all(1)
    assert recorder.samples.delivery[0].count > 0
    assert recorder.samples.delivery_cross[0].count == 0
    assert _cross_instance(recorder.samples.delivery_cross[0]) == {}


def test_cross_histograms_merge_and_older_workers_without_them_load() -> None:
    from loadgen.measure.stats import LatencyHistogram
    from loadgen.measure.timeseries import TimeSeries

    one = LatencyHistogram()
    one.record(3000)
    phase = {
        "delivery": one.encode(), "delivery_uncorrected": one.encode(), "ack": one.encode(),
        "sent": 1, "acked": 1, "accounting": {},
    }  # fmt: skip
    worker = {
        "connections": 1, "connected": 1, "partial_reason": None,
        "connect": {"histogram": one.encode(), "errors": {}}, "errors": {}, "dropped": {},
        "timeseries": TimeSeries().to_json(), "lag": one.encode(), "cpu": {}, "grace": None,
    }  # fmt: skip
    new = {**worker, "phases": [{**phase, "delivery_cross": one.encode()}]}
    old = {**worker, "phases": [phase]}
    merged = merge_worker_results([new, old, new])
    assert merged["phases"][0]["delivery_cross"].count == 2
    summary = _cross_instance(merged["phases"][0]["delivery_cross"])
    assert summary["cross_deliveries"] == 2 and 2.9 < summary["cross_p99_ms"] < 3.1


def test_tree_cpu_counts_a_new_child_whole_and_a_gone_one_not_at_all() -> None:
    before = {1: 10.0, 2: 5.0, 3: 1.0}  # 3 exits before the next reading
    after = {1: 10.5, 2: 5.25, 4: 0.25}  # 4 was born in between
    assert tree_cpu_percent(before, after, 1.0) == 100.0
    assert tree_cpu_percent(before, after, 0.0) is None
    assert tree_cpu_percent(before, {}, 1.0) is None


def test_a_shared_backplane_samples_its_broker_and_presences_redis() -> None:
    urls = {"redis": "redis://r", "rabbitmq": "amqp://a", "postgres": "postgresql://p"}
    assert backplane_urls("rabbitmq", urls) == {"rabbitmq": "amqp://a", "redis": "redis://r"}
    assert backplane_urls("redis", urls) == {"redis": "redis://r"}
    assert backplane_urls("memory", urls) == {}
