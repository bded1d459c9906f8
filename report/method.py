"""The report's method text: how the figures were measured, in a few sentences (pure).

Results of schema 2 carry late, lost and queued deliveries, served rates and a saturation
judgement; their method says how those are counted. Results of schema 1 keep the text they
were measured under.
"""

from __future__ import annotations

from loadgen.measure.saturation import (
    CPU_BOUND_PCT,
    GROWTH_MIN_FRACTION,
    GROWTH_MIN_MS,
    SERVED_MSGS_MIN,
    SERVED_RATIO_MIN,
    SERVED_SECONDS_MIN,
)
from report.verdict import MIN_EFFECT

_PLAN = (
    "Each contender ran the identical plan (same seed, connections, rooms, send times and "
    "payloads) against its own freshly started servers, one contender at a time, alternated "
    "and repeated (A B A B) so that drift of the machine does not favour one side."
)
_OPEN_LOOP = (
    "The load is open-loop: every message has a planned send time, and a delivery's latency is "
    "its receive time minus that planned time (so server stalls are not hidden), counted for "
    "every recipient; latencies go into HDR histograms, merged without loss."
)
_FIGURES_V1 = (
    "Figures cover the measured phases (warm-up excluded). Each table cell is the median of the "
    "repetitions with the lowest and highest in brackets; msgs/s counts acknowledged sends, "
    "deliveries/s received deliveries; loss compares deliveries with the room members at send "
    "time; CPU is percent of one core and RSS the peak, summed over a contender's instances."
)
_FIGURES_V2 = (
    "Figures cover the measured phases (warm-up excluded). Each table cell is the median of the "
    "repetitions with the lowest and highest in brackets. Offered deliveries/s is what the plan "
    "put into the window (every room member at send time); served deliveries/s and msgs/s count "
    "deliveries and acknowledgements by the second they were received, so a server that cannot "
    "keep up shows the rate it really served. CPU is percent of one core and RSS the peak, "
    "summed over a contender's instances."
)
_LATE_LOST = (
    "Late is not lost. After the deadline (the plan's end plus the drain) the load generator "
    "keeps receiving for a bounded grace period: a delivery that arrives then is late, and its "
    "real latency is in the histogram. What is still missing when the grace period ends is lost "
    "only where the evidence says so (the receiver's connection dropped, or nothing arrived any "
    "more while deliveries were outstanding); otherwise it is called still queued. A percentile "
    "that undelivered deliveries make unknowable is shown as a lower bound (> X), never as a "
    "smaller number."
)
_SATURATION = (
    f"A contender is saturated when it served under {SERVED_RATIO_MIN:.0%} of the offered rate "
    f"(judged over {SERVED_SECONDS_MIN} whole seconds and {SERVED_MSGS_MIN} messages or more: "
    "over fewer, one message's deliveries landing past the window's end move the ratio more "
    "than that margin), or when its median latency grew through the window (the least-squares "
    "line through the "
    f"per-second p50 rising by more than {GROWTH_MIN_MS:.0f} ms and by more than "
    f"{GROWTH_MIN_FRACTION:.0%} of the window's median): its queue grows, and its latency "
    "measures the queue, not its speed. Its latency cells say saturated, and latency and server "
    "CPU are compared only among contenders that kept up. What bounds it comes from its CPU "
    "samples: at "
    f"{CPU_BOUND_PCT:.0f} % of a core or more on its busiest instance it is CPU-bound; below "
    "that it was waiting on something else (its backplane's round trips, a lock, I/O)."
)
_VERDICTS = (
    f"Verdicts are generated from the medians; differences under {MIN_EFFECT:.0%} are called "
    "about the same. A run in which the load generator fell behind its plan or ran out of CPU "
    "is marked invalid above, never silently reported. `bench compare` tests differences "
    "between result files for significance."
)

METHOD = (_PLAN, _OPEN_LOOP, _FIGURES_V1, _VERDICTS)
METHOD_V2 = (_PLAN, _OPEN_LOOP, _FIGURES_V2, _LATE_LOST, _SATURATION, _VERDICTS)

EXTRA_METHOD = {
    "capacity": "A capacity search (`bench capacity`) runs the scenario at rising offered "
    "loads, then bisects, until a step fails; a step passes only when the SLO holds, at "
    "least 98% of the offered load is served and the queue does not grow. The answer is an "
    "interval (highest pass, lowest fail) whose bounds are each decided by a majority of "
    "three runs; contenders alternate step by step, a contender's servers are kept from a "
    "step that left no backlog and restarted otherwise (each step says which), and a step "
    "the load generator could not drive is marked unknown and never counted as the "
    "server's limit. The setup table of each search says how it was run.",
    "scale": "A scale-out summary (`bench scale`) runs the scenario at each instance count "
    "behind one Redis, clients spread over the instances.",
    "robustness": "A robustness result (`bench robustness`) runs each hostile-client probe "
    "once per contender, one contender after the other, with the limits in force named in "
    "its setup table; its figures are single measurements, not medians of repetitions.",
}
FAULT_METHOD = (
    "Faults are scenario steps carried out at planned times; a fault's outage runs from the "
    "fault to the later of the service coming back and every dropped client being back, and "
    "lost deliveries are counted by the second their message was planned."
)
