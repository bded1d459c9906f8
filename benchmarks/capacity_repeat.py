"""Do repeated capacity searches agree? N searches of one contender, back to back.

    .venv/bin/python benchmarks/capacity_repeat.py --contender sio --searches 3
    .venv/bin/python benchmarks/capacity_repeat.py --contender channels --backend memory \\
        --scenario scenarios/echo.yaml --slo "p99_ms<250,loss==0" --json repeat.json

Each search is a full ``bench capacity`` search (the same code path, default settings unless
given) and writes its own capacity file under ``--out``. Printed per search: the interval
found (highest pass - lowest fail) with its votes, the steps run and how many reused their
servers and how many were disturbed by other work on the machine (they do not vote and run
again), the wall time and how busy the whole machine was (median over the steps: a
neighbour's work on a shared machine shows there), and the server's CPU time per message on
its passing steps (ms of CPU per acknowledged message, the median over those steps: a machine
that got slower or faster between searches shows there, beside the capacity it found); then
the spread of the answers (``max / min - 1`` of the highest passing loads) and their median.
``--knee-length 1`` runs every step the same length (the method before longer knee steps).
On a shared machine wrap it in ``flock /tmp/bench-measure.lock``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadgen.capacity.request import BadInputError, CapacityRequest, prepare
from loadgen.capacity.search_run import search
from loadgen.run.runner import RunOptions, resolve_redis

ROOT = Path(__file__).resolve().parent.parent


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contender", required=True)
    parser.add_argument("--searches", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "echo.yaml")
    parser.add_argument("--slo", default="p99_ms<250,loss==0")
    parser.add_argument("--backend", default="memory", help="memory or redis")
    parser.add_argument("--start", type=float)
    parser.add_argument("--max", dest="max_load", type=float)
    parser.add_argument("--step-factor", type=float, default=2.0)
    parser.add_argument("--precision", type=float, default=0.05)
    parser.add_argument("--confirm", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--step-duration", type=float, default=5.0)
    parser.add_argument("--knee-length", type=float, help="steps at the knee, x step duration")
    parser.add_argument("--no-reuse", action="store_true", help="fresh servers every step")
    parser.add_argument("--out", type=Path, default=Path("/tmp/capacity-repeat"))
    parser.add_argument("--json", type=Path, help="write the figures here too")
    return parser.parse_args()


def one_search(args: argparse.Namespace, number: int) -> dict[str, Any]:
    request = CapacityRequest(
        scenario=args.scenario, slo=args.slo, start=args.start, max_load=args.max_load,
        step_factor=args.step_factor, precision=args.precision, confirm=args.confirm,
        warmup_s=args.warmup, step_s=args.step_duration, reuse_servers=not args.no_reuse,
        cli={"backend.kind": args.backend},
    )  # fmt: skip
    options = RunOptions(out_dir=args.out / f"search-{number}", contenders=(args.contender,),
                         progress=None)  # fmt: skip
    plan = prepare(request, options.contenders)
    if args.knee_length is not None:
        settings = dataclasses.replace(plan.settings, knee_length=args.knee_length)
        plan = dataclasses.replace(plan, settings=settings)
    resolve_redis(plan.base, options)
    path = args.out / f"{args.contender}-{number}.json"
    began = time.monotonic()
    document = search(plan, options, path, sys.stderr)
    wall = time.monotonic() - began
    entry = document["contenders"][args.contender]
    steps = entry["steps"]
    return {
        "search": number, "file": str(path), "status": entry["maximum"]["status"],
        "found": entry["maximum"]["load"], "interval": entry["maximum"].get("interval"),
        "steps": len(steps), "reused": sum(1 for s in steps if s.get("server") == "reused"),
        "wall_s": wall, "machine_busy_pct": _median([s.get("machine_busy_pct") for s in steps]),
        "knee_length": plan.settings.knee_length,
        "disturbed": sum(1 for s in steps if s.get("disturbed")),
        "decisive": sum(1 for s in steps if s.get("decisive")),
        "cpu_ms_per_msg": _median(
            [cpu_ms_per_msg(s) for s in steps if s.get("passed") and not s.get("disturbed")]
        ),
    }  # fmt: skip


def cpu_ms_per_msg(step: dict[str, Any]) -> float | None:
    """The server's CPU time per acknowledged message over the step's steady phase (ms), from
    the step's own result file (its resource samples, once a second)."""
    try:
        run = json.loads(Path(step["result"]).read_text())["runs"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    steady = [p for p in run.get("phases", []) if p.get("kind", p.get("name")) == "steady"]
    rate = step.get("msgs_per_s")
    if not steady or not rate:
        return None
    start, end = steady[0]["start_s"], steady[-1]["end_s"]
    times = run["resources"]["t"]
    total = 0.0
    for name, samples in run["resources"]["processes"].items():
        if name.startswith("loadgen"):
            continue
        inside = [c for t, c in zip(times, samples["cpu_percent"], strict=False)
                  if c is not None and start <= t <= end]  # fmt: skip
        if not inside:
            return None
        total += statistics.mean(inside)
    return round(total / 100.0 / float(rate) * 1000.0, 3)


def _median(values: list[Any]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    return statistics.median(numbers) if numbers else None


def main() -> int:
    args = arguments()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for number in range(1, args.searches + 1):
        try:
            row = one_search(args, number)
        except BadInputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        rows.append(row)
        found = row["interval"] or {}
        print(
            f"{args.contender} search {number}: {row['status']}, interval "
            f"{found.get('pass')} - {found.get('fail')} (votes {found.get('pass_votes')}, "
            f"{found.get('fail_votes')}; spread {found.get('spread') or 0:.1%}), "
            f"{row['steps']} steps ({row['reused']} on reused servers, {row['disturbed']} "
            f"disturbed, {row['decisive']} decisive failures), {row['wall_s']:.0f} s; "
            f"machine busy {row['machine_busy_pct']}% (median of its steps); server CPU "
            f"{row['cpu_ms_per_msg']} ms per message (median of its passing steps)",
            flush=True,
        )
    loads = [r["found"] for r in rows if r["found"]]
    spread = max(loads) / min(loads) - 1 if loads else None
    middle = statistics.median(loads) if loads else None
    walls = [r["wall_s"] for r in rows]
    summary = {
        "contender": args.contender, "scenario": str(args.scenario), "slo": args.slo,
        "backend": args.backend, "found": loads, "median": middle, "spread": spread,
        "wall_s": walls, "searches": rows,
    }  # fmt: skip
    said = "-" if spread is None else f"{spread:.1%}"
    typical = "-" if middle is None else f"{middle:g}"
    print(
        f"{args.contender}: found {', '.join(f'{v:g}' for v in loads)}; spread (max/min - 1) "
        f"{said}; median {typical}; wall time per search {', '.join(f'{w:.0f}' for w in walls)} s "
        f"(mean {sum(walls) / len(walls):.0f} s)"
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    return 0 if loads and len(loads) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
