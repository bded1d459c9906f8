"""``bench robustness``: run the probes, write the result, print the side-by-side section."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from loadgen.robustness.model import RobustnessFileError, load_scenario, write
from loadgen.robustness.runner import run
from report.robustness import render_markdown


def robustness_command(
    scenario_path: Path, out: Path, contenders: tuple[str, ...], redis_url: str | None
) -> int:
    try:
        scenario = load_scenario(scenario_path)
    except RobustnessFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    if contenders:
        scenario = scenario.model_copy(update={"contenders": contenders})
    redis_url = redis_url or os.environ.get("REDIS_URL")
    if scenario.backend == "redis" and not redis_url:
        print("the redis backend needs --redis-url or REDIS_URL", file=sys.stderr)
        return 2
    log_dir = Path(tempfile.mkdtemp(prefix="bench-robustness-"))
    doc = run(scenario, log_dir, redis_url)
    write(doc, out)
    print(render_markdown(doc))
    print(f"\nresult: {out} (server logs: {log_dir})")
    return 0
