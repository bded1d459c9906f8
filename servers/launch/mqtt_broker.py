"""The MQTT broker of the IoT-dashboard scenario: is one there, and a private ``mosquitto``.

:func:`mqtt_ping` speaks the protocol (CONNECT, then CONNACK accepted), so a port that accepts
TCP but is not an MQTT broker does not pass. :class:`MosquittoServer` starts a broker on a free
port for tests (nothing on disk, anonymous clients on 127.0.0.1 only).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from servers.common.telemetry import host_port
from servers.launch.process import free_port

START_HINT = "start one with `mosquitto -p 1883` or pass --mqtt-url"
# MQTT 3.1.1 CONNECT: protocol "MQTT" level 4, clean session, keep-alive 5 s, id "bench-ping".
_CLIENT_ID = b"bench-ping"
_VARIABLE = b"\x00\x04MQTT\x04\x02\x00\x05" + len(_CLIENT_ID).to_bytes(2, "big") + _CLIENT_ID
_CONNECT = bytes([0x10, len(_VARIABLE)]) + _VARIABLE
_DISCONNECT = b"\xe0\x00"


class MqttUnavailableError(RuntimeError):
    """No MQTT broker could be reached or started."""


def mqtt_ping(url: str, timeout: float = 1.0) -> bool:
    """True when an MQTT broker at ``url`` accepts a connection."""
    host, port = host_port(url)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_CONNECT)
            reply = b""
            while len(reply) < 4:
                chunk = sock.recv(4 - len(reply))
                if not chunk:
                    return False
                reply += chunk
            sock.sendall(_DISCONNECT)
    except OSError:
        return False
    return reply[0] == 0x20 and reply[3] == 0  # CONNACK, return code 0 (accepted)


def broker_problem(url: str) -> str | None:
    """Why the IoT scenario cannot run against ``url``, or None when a broker answers there."""
    if mqtt_ping(url):
        return None
    return f"no MQTT broker answers at {url}; {START_HINT}"


class MosquittoServer:
    """A ``mosquitto`` child process on a free port."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        binary = shutil.which("mosquitto")
        if binary is None:
            raise MqttUnavailableError("mosquitto is not on PATH")
        self.binary = binary
        self.host = host
        self.port = port or free_port(host)
        self.dir = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
        self.log_path = self.dir / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> MosquittoServer:
        conf = self.dir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} {self.host}\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 0\nmax_inflight_messages 0\n"
        )
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-c", str(conf)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not mqtt_ping(self.url, timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
                self.stop()
                raise MqttUnavailableError(f"mosquitto on port {self.port} did not start:\n{text}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> MosquittoServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
