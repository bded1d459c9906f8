"""The launcher and ``bench serve``: crashes reported at once, and no server process left behind."""

from __future__ import annotations

import contextlib
import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from servers.common.config import DEFAULT_SECRET, ServerConfig
from servers.common.tokens import TokenError, verify_token
from servers.launch import CONTENDERS, ServerStartError, start_servers
from servers.launch.ports import bindable, free_port
from tests.conftest import TIMEOUT

pytestmark = pytest.mark.integration

BENCH = str(Path(sys.executable).with_name("bench"))
# ``bench serve`` prints one line per instance: "sio[0] on http://127.0.0.1:PORT (pid N, log P)".
LISTEN_RE = re.compile(
    r"^(?P<contender>[\w-]+)\[(?P<instance>\d+)\] on http://(?P<host>[\d.]+):(?P<port>\d+) "
    r"\(pid (?P<pid>\d+), log (?P<log>.+)\)$"
)


# --- helpers -----------------------------------------------------------------------------------


def alive(proc: psutil.Process) -> bool:
    """True while the process runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def survivors(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait up to ``timeout`` for every process to end; return those still running."""
    deadline = time.monotonic() + timeout
    while True:
        left = [proc for proc in procs if alive(proc)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def tree(pids: list[int]) -> list[psutil.Process]:
    """The processes ``pids`` and all their descendants (a server may fork workers)."""
    procs = [psutil.Process(pid) for pid in pids]
    return procs + [child for proc in procs for child in proc.children(recursive=True)]


def busy_ports(ports: list[int], timeout: float) -> list[int]:
    """Wait up to ``timeout`` for every port to be free; return those still listened on.

    A killed multi-threaded server can show as a zombie while its other threads still hold
    its sockets, so a port is polled rather than checked once.
    """
    deadline = time.monotonic() + timeout
    while True:
        busy = [port for port in ports if not bindable(port)]
        if not busy or time.monotonic() > deadline:
            return busy
        time.sleep(0.05)


def healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def kill_quietly(procs: list[psutil.Process]) -> None:
    for proc in procs:
        if alive(proc):
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()


@dataclass(frozen=True)
class Listening:
    contender: str
    instance: int
    port: int
    pid: int


class BenchServe:
    """``bench serve`` as a child process, its output read line by line with bounded waits."""

    def __init__(self, args: list[str], env: dict[str, str], sigint_ignored: bool = False) -> None:
        # A shell script's `cmd &` starts cmd with SIGINT ignored; sigint_ignored does the same.
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
        self.process = subprocess.Popen(
            [BENCH, "serve", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=ignore,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.servers: list[psutil.Process] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_listening(self, instances: int, timeout: float) -> list[Listening]:
        """Return the instances' listen lines once all are printed (and track their pids)."""
        found: list[Listening] = []
        deadline = time.monotonic() + timeout
        while len(found) < instances:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                pytest.fail(f"bench serve printed no {instances} listen lines:\n{self.text()}")
            self.output.append(line)
            match = LISTEN_RE.match(line)
            if match:
                pid = int(match["pid"])
                self.servers.append(psutil.Process(pid))
                found.append(
                    Listening(match["contender"], int(match["instance"]), int(match["port"]), pid)
                )
        return found

    def finish(self, timeout: float) -> int:
        """Wait for the exit status; collect what else it printed."""
        code = self.process.wait(timeout=timeout)
        while (line := self.lines.get(timeout=timeout)) is not None:
            self.output.append(line)
        return code

    def text(self) -> str:
        return "\n".join(self.output)

    def cleanup(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        kill_quietly(self.servers)


StartServe = Callable[..., BenchServe]


@pytest.fixture
def bench_serve() -> Iterator[StartServe]:
    """Start ``bench serve`` processes; every one and every server it printed dies at teardown."""
    started: list[BenchServe] = []

    def start(args: list[str], env: dict[str, str], sigint_ignored: bool = False) -> BenchServe:
        started.append(BenchServe(args, env, sigint_ignored))
        return started[-1]

    yield start
    for serve in started:
        serve.cleanup()


def bench_env(**extra: str) -> dict[str, str]:
    """Our environment without any ``BENCH_*`` setting, plus ``extra``: for a ``bench`` child."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BENCH_")}
    return {**env, **extra}


# --- (a) a child that crashes at start is reported at once, with its log -----------------------


@pytest.mark.parametrize("contender", CONTENDERS)
def test_child_crashing_at_import_is_reported_at_once_with_its_log(
    contender: str, tmp_path: Path
) -> None:
    bad = ServerConfig(backend="bogus")  # type: ignore[arg-type]  # the child's from_env rejects it
    ready_timeout = 20 * TIMEOUT
    started = time.monotonic()
    with pytest.raises(ServerStartError) as info:
        start_servers(contender, bad, log_dir=tmp_path, ready_timeout=ready_timeout)
    elapsed = time.monotonic() - started

    message = str(info.value)
    assert "exited with status" in message
    # from the child's log
    assert "BENCH_BACKEND must be one of memory, redis, rabbitmq, postgres, not 'bogus'" in message
    assert str(tmp_path) in message  # says where the whole log is
    assert elapsed < 2 * TIMEOUT < ready_timeout


def test_instance_failing_to_bind_stops_the_instances_already_started(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    base = free_port(count=2)
    config = ServerConfig(backend="redis", redis_url=redis_url, redis_prefix=prefix)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", base + 1))
        blocker.listen()
        started = time.monotonic()
        with pytest.raises(ServerStartError) as info:
            start_servers(
                "sio",
                config,
                instances=2,
                base_port=base,
                log_dir=tmp_path,
                ready_timeout=20 * TIMEOUT,
            )
        elapsed = time.monotonic() - started

    message = str(info.value)
    assert f"sio[1] on http://127.0.0.1:{base + 1}" in message
    assert "address already in use" in message
    assert elapsed < 2 * TIMEOUT
    leftovers = [
        proc
        for proc in psutil.Process().children(recursive=True)
        if alive(proc) and str(base) in " ".join(proc.cmdline())
    ]
    assert leftovers == [], "instance 0 was not stopped after instance 1 failed"
    assert busy_ports([base], TIMEOUT) == []


# --- (b) after start and stop, no server process is left and the ports are free ----------------


@pytest.mark.parametrize("contender", CONTENDERS)
def test_stop_leaves_no_process_and_frees_the_ports(
    contender: str, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    config = ServerConfig(backend="redis", redis_url=redis_url, redis_prefix=prefix)
    with start_servers(contender, config, instances=2, log_dir=tmp_path) as group:
        procs = tree(group.pids)
        ports = [server.spec.port for server in group.servers]
        assert all(healthy(port) for port in ports)
        assert all(alive(proc) for proc in procs)

    assert survivors(procs, TIMEOUT) == []
    assert busy_ports(ports, TIMEOUT) == []


def test_servers_stop_when_the_block_using_them_fails(tmp_path: Path) -> None:
    procs: list[psutil.Process] = []
    with (
        pytest.raises(RuntimeError, match="the test body failed"),
        start_servers("sio", ServerConfig(), log_dir=tmp_path) as group,
    ):
        procs = tree(group.pids)
        raise RuntimeError("the test body failed")

    assert procs
    assert survivors(procs, TIMEOUT) == []


def test_stop_kills_a_paused_server_after_the_grace_period(tmp_path: Path) -> None:
    group = start_servers("sio", ServerConfig(), log_dir=tmp_path)
    procs = tree(group.pids)
    try:
        group.kill(0, signal.SIGSTOP)  # a paused process cannot act on SIGTERM
        started = time.monotonic()
        group.stop(grace=0.5)
        elapsed = time.monotonic() - started
    finally:
        kill_quietly(procs)

    assert survivors(procs, TIMEOUT) == []
    assert elapsed < TIMEOUT


# --- (c) an interrupted ``bench serve`` leaves no server process ---------------------------------


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_interrupted_bench_serve_leaves_no_server_process(
    sig: signal.Signals,
    bench_serve: StartServe,
    redis_url: str,
    prefix: str,
    tmp_path: Path,
) -> None:
    args = ["sio", "--port", "0", "--instances", "2", "--backend", "redis"]
    args += ["--redis-url", redis_url, "--log-dir", str(tmp_path)]
    serve = bench_serve(args, bench_env(BENCH_REDIS_PREFIX=prefix))
    listening = serve.wait_listening(2, timeout=4 * TIMEOUT)
    ports = [server.port for server in listening]
    assert all(healthy(port) for port in ports)

    serve.process.send_signal(sig)
    code = serve.finish(timeout=2 * TIMEOUT)

    if sig == signal.SIGINT:  # Ctrl-C is the documented way to stop: a clean exit
        assert code == 0, serve.text()
        assert "stopping" in serve.text()
    elif sig == signal.SIGKILL:  # no handler runs: the children go by PR_SET_PDEATHSIG alone
        assert code == -signal.SIGKILL
    else:
        assert code != 0
    assert survivors(serve.servers, TIMEOUT) == [], serve.text()
    assert busy_ports(ports, TIMEOUT) == []


def test_bench_serve_started_in_the_background_stops_on_sigint(
    bench_serve: StartServe, tmp_path: Path
) -> None:
    serve = bench_serve(
        ["sio", "--port", "0", "--log-dir", str(tmp_path)], bench_env(), sigint_ignored=True
    )
    serve.wait_listening(1, timeout=4 * TIMEOUT)

    serve.process.send_signal(signal.SIGINT)

    assert serve.finish(timeout=2 * TIMEOUT) == 0, serve.text()
    assert survivors(serve.servers, TIMEOUT) == []


# --- (d) ``--port N``: instance K listens on N+K -------------------------------------------------


def test_bench_serve_port_n_puts_instance_k_on_n_plus_k(
    bench_serve: StartServe, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    base = free_port(count=2)
    args = ["sio", "--port", str(base), "--instances", "2", "--backend", "redis"]
    args += ["--redis-url", redis_url, "--log-dir", str(tmp_path)]
    serve = bench_serve(args, bench_env(BENCH_REDIS_PREFIX=prefix))
    listening = serve.wait_listening(2, timeout=4 * TIMEOUT)

    assert [(s.instance, s.port) for s in listening] == [(0, base), (1, base + 1)]
    assert all(healthy(base + k) for k in range(2))
    serve.process.send_signal(signal.SIGINT)
    assert serve.finish(timeout=2 * TIMEOUT) == 0
    assert survivors(serve.servers, TIMEOUT) == []


# --- (e) bad input and ``bench token`` ----------------------------------------------------------


def run_bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BENCH, *args],
        env=env or bench_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=4 * TIMEOUT,
        check=False,
    )


def test_unknown_contender_exits_2_naming_the_choices() -> None:
    result = run_bench("serve", "nope", "--port", "0")

    assert result.returncode == 2
    assert "unknown contender 'nope'" in result.stderr
    assert all(name in result.stderr for name in CONTENDERS)
    assert result.stdout == ""


def test_bench_token_prints_a_token_the_servers_accept() -> None:
    result = run_bench("token", "alice")

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert verify_token(token, DEFAULT_SECRET, now=time.time()) == "alice"


def test_bench_token_honours_bench_secret_and_ttl() -> None:
    result = run_bench("token", "bob", "--ttl", "60", env=bench_env(BENCH_SECRET="s3cret"))

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    now = time.time()
    assert verify_token(token, "s3cret", now=now) == "bob"
    with pytest.raises(TokenError, match="bad signature"):
        verify_token(token, DEFAULT_SECRET, now=now)
    with pytest.raises(TokenError, match="expired"):
        verify_token(token, "s3cret", now=now + 120)
