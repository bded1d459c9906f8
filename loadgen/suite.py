"""``bench suite``: the README's main job, a quick standard comparison of both servers."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path
from typing import TextIO

from loadgen.run_command import EXIT_BAD_INPUT, run_files
from loadgen.runner import DEFAULT_REDIS_URL, ROOT, RunOptions
from loadgen.scenario_model import ALL_CONTENDERS
from servers.launch.redis import ping

STANDARD = ("echo", "room-chat", "fanout")


def node_reference_available() -> bool:
    """The sio-node contender needs node and the project's node_modules (make install)."""
    return shutil.which("node") is not None and (ROOT / "node_modules" / "socket.io").is_dir()


QUICK_CONTENDERS = ("sio", "channels")


def choose_backend(redis_url: str | None, out: TextIO) -> tuple[str, str | None]:
    """Redis when one answers, else the embedded in-memory default (and say so)."""
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if ping(url):
        print(f"suite: using Redis at {url}", file=out)
        return "redis", url
    print(
        f"suite: no Redis answers at {url}: running the embedded in-memory default "
        "(one instance per contender); the report says so",
        file=out,
    )
    return "memory", None


def run_suite(
    *,
    quick: bool,
    out_dir: Path,
    redis_url: str | None,
    contenders: tuple[str, ...],
    report: bool = True,
    out: TextIO = sys.stdout,
) -> int:
    backend, url = choose_backend(redis_url, out)
    files = [ROOT / "scenarios" / f"{name}.yaml" for name in STANDARD]
    cli: dict[str, object] = {"backend.kind": backend}
    if quick:
        cli.update({"duration": 6, "repetitions": 2})
    chosen = list(contenders or (QUICK_CONTENDERS if quick else ()))
    if not contenders and node_reference_available():
        chosen = [*(chosen or ALL_CONTENDERS), "sio-node"]  # the original server, for reference
    elif not contenders:
        print("suite: Node.js or node_modules missing: no sio-node reference line", file=out)
    if chosen:
        cli["contenders"] = chosen
    options = dataclasses.replace(RunOptions(), out_dir=out_dir, redis_url=url)
    results: list[Path] = []
    status = run_files(files, cli, options, out=out, written=results)
    if status == EXIT_BAD_INPUT or not results:
        return status
    if report:
        from report.commands import write_report

        paths = write_report(results, out_dir / f"report-{results[0].stem.split('-', 1)[-1]}")
        for path in paths:
            print(f"report: {path}", file=out)
    return status
