"""``bench run`` end to end: real servers, real workers, real result files."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import TIMEOUT, TIMING

pytestmark = [pytest.mark.integration, pytest.mark.slow, TIMING]
ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # Ctrl-C as from a terminal: a test run started in the background (``make test &``)
        # inherits SIGINT ignored, and so would bench, which then could not be interrupted
        preexec_fn=_sigint_default,
    )


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Output:
    """A running bench's output, read as it comes, so that a test can wait for a line (the
    run's start) instead of sleeping a fixed time that a loaded machine may outlast."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # end of output
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float) -> bool:
        """Whether a line matching ``pattern`` came within ``timeout`` seconds."""
        found = re.compile(pattern)
        with self._changed:
            return self._changed.wait_for(
                lambda: any(found.search(ln) for ln in self.lines) or "" in self.lines, timeout
            ) and any(found.search(ln) for ln in self.lines)

    def text(self, timeout: float) -> str:
        """All of it, once bench has exited (within ``timeout`` seconds)."""
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=TIMEOUT)
        return "".join(self.lines)


def started(contender: str) -> str:
    """A progress line of ``contender``'s run: the first comes when its start is scheduled,
    servers ready and clients connected (loadgen/run/progress.py)."""
    return rf"^\s+{re.escape(contender)}\s+\[[#-]+\]"


def result_of(output: str) -> dict:
    line = [ln for ln in output.splitlines() if ln.startswith("result: ")][-1]
    return json.loads(Path(line.removeprefix("result: ")).read_text())


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def cmdline(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # exited (or a zombie) since it was listed
        return ""


def assert_all_gone(processes: list[psutil.Process]) -> None:
    deadline = time.monotonic() + 2 * TIMEOUT
    alive = processes
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and cmdline(p)]
        time.sleep(0.1)
    assert alive == [], f"left running: {[cmdline(p) for p in alive]}"


# The scenario's contenders (every one by default) over memory; over Redis the frameworks only:
# channels-daphne is the Channels app and layer of `channels` under another ASGI server, which
# the memory run covers; over Redis it ran the same layer code a third time.
CONTENDERS = {"memory": ["sio", "channels", "channels-daphne"], "redis": ["sio", "channels"]}


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_echo_smoke_runs_every_contender_within_a_minute(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {"REDIS_URL": request.getfixturevalue("redis_url")} if backend == "redis" else {}
    chosen = [a for c in CONTENDERS[backend] for a in ("--contender", c)] if env else []
    began = time.monotonic()
    proc = bench("run", "scenarios/echo.yaml", "--smoke", "--backend", backend, *chosen,
                 "--out", str(tmp_path), env=env)  # fmt: skip
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    assert time.monotonic() - began < 60, "the smoke run took over a minute"
    doc = result_of(output)
    assert doc["status"] == "complete" and doc["scenario"]["backend"]["kind"] == backend
    assert [r["contender"] for r in doc["runs"]] == CONTENDERS[backend]
    for run in doc["runs"]:
        overall = run["overall"]
        assert overall["acked"] > 0 and overall["loss"] == 0 and overall["errors"] == 0
        assert overall["deliveries"] == overall["expected"] > 0
        assert run["validity"]["valid"], run["validity"]


FANOUT = """
name: fanout-count
contenders: [sio, channels]
connections: {count: 8, ramp_up_s: 0.2}
rooms: {count: 1, members_per_room: 8}
traffic: {total_rate: 20, senders: 2, message_bytes: 64, arrival: uniform}
phases:
  - {name: steady, kind: steady, duration_s: 2}
drain_s: 1
"""


def test_room_of_n_gets_n_deliveries_per_message(tmp_path: Path) -> None:
    scenario = tmp_path / "fanout-count.yaml"
    scenario.write_text(FANOUT)
    proc = bench("run", str(scenario), "--out", str(tmp_path))
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    for run in result_of(output)["runs"]:
        overall = run["overall"]
        assert overall["acked"] >= 30
        assert overall["deliveries"] == 8 * overall["acked"], run["contender"]
        assert overall["loss"] == 0 and overall["duplicates"] == 0


KILLED = """
name: killed
contenders: [{contender}]
backend: {{kind: redis}}
instances: 2
connections: {{count: 20, ramp_up_s: 0.2}}
rooms: {{count: 2, members_per_room: 10}}
traffic: {{total_rate: 100, message_bytes: 64}}
phases:
  - {{name: steady, kind: steady, duration_s: 4}}
drain_s: 1
"""


@pytest.mark.parametrize("contender", ["sio", "channels"])
def test_server_killed_mid_run_counts_loss_keeps_partial_result_and_leaves_nothing(
    contender: str, tmp_path: Path, redis_url: str
) -> None:
    scenario = tmp_path / "killed.yaml"
    scenario.write_text(KILLED.format(contender=contender))
    proc = bench("run", str(scenario), "--out", str(tmp_path), env={"REDIS_URL": redis_url})
    output_so_far = Output(proc)
    assert output_so_far.wait_for(started(contender), 12 * TIMEOUT), "the run never started"
    time.sleep(1.0)  # about 0.7 s into the 4 s phase: deliveries flow to both instances
    spawned = descendants(proc.pid)
    servers = [p for p in spawned if "uvicorn" in cmdline(p)]
    assert len(servers) == 2 and any("loadgen.run.worker" in cmdline(p) for p in spawned)
    victim = servers[1]
    victim.kill()
    output = output_so_far.text(timeout=120)
    assert proc.returncode == 1, output
    doc = result_of(output)
    assert doc["status"] == "partial"
    assert any("died" in reason for reason in doc["partial_reasons"]), doc["partial_reasons"]
    overall = doc["runs"][0]["overall"]
    assert overall["loss"] > 0
    assert overall["dropped"] > 0
    assert_all_gone(spawned)


def test_ctrl_c_keeps_what_was_measured_and_stops_everything(tmp_path: Path) -> None:
    proc = bench(
        "run", "scenarios/echo.yaml", "--smoke", "--duration", "30", "--out", str(tmp_path)
    )
    output_so_far = Output(proc)
    assert output_so_far.wait_for(started("sio"), 12 * TIMEOUT), "the run never started"
    time.sleep(1.5)  # about 0.7 s into the measured phase, after the 0.5 s warm-up
    spawned = descendants(proc.pid)
    assert any("loadgen.run.worker" in cmdline(p) for p in spawned)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does to the foreground group
    output = output_so_far.text(timeout=60)
    assert proc.returncode == 1, output
    doc = result_of(output)
    assert doc["status"] == "partial"
    assert any("interrupted" in r for r in doc["partial_reasons"])
    assert doc["runs"] and doc["runs"][0]["overall"]["acked"] > 0
    assert_all_gone(spawned)
