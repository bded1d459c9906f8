"""Start Channels' MQTT protocol server (``mqttasgi``) beside an instance of the Channels server.

Called when the Channels ASGI application is imported with ``BENCH_MQTT_URL`` set (in
:mod:`servers.channels.routing`): the ``mqttasgi`` process is a child of the ASGI server's
process, so it shares its process group (the launcher stops the group as a whole) and dies with
it (``PR_SET_PDEATHSIG``). The import waits until the consumer has subscribed, so the ASGI
server is not ready (its health probe does not answer) before the bridge listens.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from servers.common.config import ServerConfig
from servers.common.telemetry import host_port
from servers.launch.orphans import die_with_parent

APP = "servers.channels.mqtt_asgi:application"
READY_FILE_ENV = "BENCH_MQTT_READY_FILE"
SIDECAR_ENV = "BENCH_MQTT_SIDECAR"  # set in the child: it must not start another one
READY_TIMEOUT_S = 30.0
SETTLE_S = 0.2  # after the SUBSCRIBE went out: let the broker take it before dashboards join


def mqttasgi_argv(config: ServerConfig, python: str = sys.executable) -> list[str]:
    host, port = host_port(config.mqtt_url)
    # -i: a client id per process (two instances must not take over each other's session).
    return [
        python, "-c", "from mqttasgi.cli import main; main()",
        "-H", host, "-p", str(port), "-i", f"bench-channels-{os.getpid()}", "-r", "0", APP,
    ]  # fmt: skip


def start_mqttasgi(config: ServerConfig) -> subprocess.Popen[bytes] | None:
    """Start ``mqttasgi`` for this process and wait until it subscribed (None: no bridge)."""
    if not config.mqtt_url or os.environ.get(SIDECAR_ENV):
        return None
    ready = Path(tempfile.mkdtemp(prefix="bench-mqttasgi-")) / "ready"
    env = {**os.environ, READY_FILE_ENV: str(ready), SIDECAR_ENV: "1"}
    process = subprocess.Popen(  # output goes to the server's log, beside its own lines
        mqttasgi_argv(config),
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,  # mqttasgi ignores SIGTERM
    )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready.exists():
        if process.poll() is not None:
            raise RuntimeError(
                f"mqttasgi exited with status {process.returncode} before it subscribed"
            )
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(
                f"mqttasgi did not subscribe at {config.mqtt_url} within {READY_TIMEOUT_S:.0f} s"
            )
        time.sleep(0.05)
    time.sleep(SETTLE_S)
    return process
