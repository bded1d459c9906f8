"""What ``bench capacity`` does: check the request, run the interleaved searches, print the
summary. Exit status: 0 every search completed, 1 one could not, 2 bad input."""

from __future__ import annotations

import dataclasses
import sys
import uuid
from datetime import UTC, datetime
from typing import TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from loadgen.capacity.request import BadInputError, CapacityRequest, prepare
from loadgen.capacity.search_run import search
from loadgen.run.runner import (
    RunError,
    RunOptions,
    resolve_brokers,
    resolve_mqtt,
    resolve_redis,
)
from report.capacity_text import render


def run_capacity(
    request: CapacityRequest,
    options: RunOptions,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """``bench capacity``: 0 every search completed, 1 one could not (load-generator bound,
    step limit, no sustainable load, interrupted), 2 bad input (nothing is run)."""
    try:
        plan = prepare(request, options.contenders)
        resolve_redis(plan.base, options)
        resolve_brokers(plan.base, options)
        resolve_mqtt(plan.base, options)  # devices: a broker that is down is exit 2 now
    except (BadInputError, RunError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    capacity_id = f"capacity-{plan.base.name}-{stamp}-{uuid.uuid4().hex[:6]}"
    path = options.out_dir / f"{capacity_id}.json"
    step_options = dataclasses.replace(options, out_dir=options.out_dir / capacity_id)
    document = search(plan, step_options, path, err)
    print(render(document), file=out)
    print(f"result: {path}", file=out)
    complete = document["status"] == "complete" and all(
        entry["maximum"]["complete"] for entry in document["contenders"].values()
    )
    return EXIT_OK if complete else EXIT_FAILED
