"""``bench robustness``: run the probes, write the result, print the side-by-side section."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from documents import robustness as robustness_doc
from loadgen.robustness.model import RobustnessFileError, load_scenario
from loadgen.robustness.runner import run
from report.robustness import render_markdown


def robustness_command(
    scenario_path: Path, out: Path, contenders: tuple[str, ...], redis_url: str | None
) -> int:
    try:
        scenario = load_scenario(scenario_path)
    except RobustnessFileError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    if contenders:
        scenario = scenario.model_copy(update={"contenders": contenders})
    redis_url = redis_url or os.environ.get("REDIS_URL")
    if scenario.backend == "redis" and not redis_url:
        print("the redis backend needs --redis-url or REDIS_URL", file=sys.stderr)
        return EXIT_BAD_INPUT
    log_dir = Path(tempfile.mkdtemp(prefix="bench-robustness-"))
    doc = run(scenario, log_dir, redis_url)
    robustness_doc.write(out, doc)
    print(render_markdown(doc))
    print(f"\nresult: {out} (server logs: {log_dir})")
    return EXIT_OK
