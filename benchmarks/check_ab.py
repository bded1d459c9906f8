"""How often does ``bench check --base`` raise a false alarm, and how often does it catch a
known slowdown? Runs the A/B check N times on the unchanged tree (expect PASS every time) and
N times with a per-message delay injected into one contender's *current* side only (expect
FAIL every time), and prints per run the verdict, the tracked ratios with their intervals and
the wall time, then the totals.

    flock /tmp/bench-measure.lock .venv/bin/python benchmarks/check_ab.py --runs 10

Run it from a clean checkout (the check refuses uncommitted changes; ``--allow-dirty`` is
passed on with ``--allow-dirty``). Extra arguments after ``--`` go to ``bench check``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def one_check(base: str, out: Path, env: dict[str, str], extra: list[str]) -> dict[str, Any]:
    report = out / "check.json"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bench", "check", "--base", base, "--out", str(out),
         "--json", str(report), *extra],
        cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    data = json.loads(report.read_text()) if report.exists() else {}
    return {"exit": result.returncode, "wall_s": wall, "data": data,
            "stderr": result.stderr[-1500:] if result.returncode not in (0, 1) else ""}  # fmt: skip


def describe(run: dict[str, Any]) -> str:
    data = run["data"]
    verdict = {0: "PASS", 1: "FAIL"}.get(run["exit"], f"ERROR (exit {run['exit']})")
    parts = [f"{verdict:<5} {run['wall_s']:5.0f} s"]
    if data:
        parts.append(f"at {data['ab']['rate_msgs_per_s']:g} msgs/s")
        for row in data["rows"]:
            if row["metric"] not in ("p50_ms", "p99_ms") or row["ratio"] is None:
                continue
            flag = "" if row["status"] in ("ok", "improved") else f" {row['status']}"
            parts.append(
                f"{row['contender']} {row['metric'][:3]} {row['ratio']:.2f}x "
                f"[{row['low']:.2f}..{row['high']:.2f}]{flag}"
            )
    return " | ".join(parts) + (f"\n      {run['stderr']}" if run["stderr"] else "")


def series(name: str, args: argparse.Namespace, env: dict[str, str], extra: list[str]) -> int:
    """Run the check ``args.runs`` times; return how many failed (exit 1)."""
    print(f"== {name}", flush=True)
    failed = 0
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="check-ab-") as tmp:
            run = one_check(args.base, Path(tmp), env, extra)
            if args.keep:
                target = args.keep / f"{name.split()[0]}-{i + 1:02d}"
                target.mkdir(parents=True, exist_ok=True)
                for path in Path(tmp).glob("*.json"):
                    path.replace(target / path.name)
        failed += run["exit"] == 1
        print(f"  {i + 1:2d}  {describe(run)}", flush=True)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--base", default="HEAD")
    parser.add_argument("--delay-ms", type=float, default=2.0)
    parser.add_argument("--delayed", default="sio", help="the contender slowed")
    parser.add_argument("--keep", type=Path, help="keep each check's JSON files here")
    parser.add_argument("extra", nargs="*", help="after --: passed on to bench check")
    args = parser.parse_args()
    started = time.monotonic()
    passed = args.runs - series("unchanged tree", args, {}, args.extra)
    variable = "BENCH_DELAY_MS_" + args.delayed.upper().replace("-", "_")
    slow = {variable: f"{args.delay_ms:g}"}
    caught = series(f"slowed {variable}={args.delay_ms:g}", args, slow, args.extra)
    print(f"\nunchanged tree: PASS {passed}/{args.runs} (false alarms {args.runs - passed})")
    print(f"{args.delay_ms:g} ms delay in {args.delayed}'s current side: FAIL {caught}/{args.runs}")
    print(f"total wall time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
