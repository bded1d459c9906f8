"""Real chat servers for the client tests: uvicorn in a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 5.0 * float(os.environ.get("BENCH_TEST_TIMEOUT_SCALE", "1"))
APPS = {
    "sio": "servers.sio.asgi:application",
    "channels": "servers.channels.asgi:application",
}
ALLOWED_ORIGIN = "http://allowed.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 4 * TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server at {url} not healthy in time:\n{log.read_text()}")


def start_server(kind: str, tmp: Path, **env: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    log = tmp / f"{kind}-{port}.log"
    cmd = [sys.executable, "-m", "uvicorn", APPS[kind], "--port", str(port)]
    cmd += ["--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio"]
    cmd += ["--lifespan", "off", "--no-access-log"]
    full_env = {
        **os.environ,
        "BENCH_BACKEND": "memory",
        "BENCH_PERSISTENCE": "1",
        "BENCH_DB_URL": f"sqlite:///{tmp / f'{kind}-{port}.sqlite3'}",
        "BENCH_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        **env,
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log)
    except BaseException:
        stop(proc)
        raise
    return url, proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def server_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One sio and one Channels server for the whole session: ``{"sio": url, ...}``."""
    tmp = tmp_path_factory.mktemp("client-servers")
    started: list[subprocess.Popen[bytes]] = []
    urls: dict[str, str] = {}
    try:
        for kind in APPS:
            urls[kind], proc = start_server(kind, tmp)
            started.append(proc)
        yield urls
    finally:
        for proc in started:
            stop(proc)
