"""The MQTT broker of the IoT-dashboard scenario: is one there, and a private ``mosquitto``.

:func:`mqtt_ping` speaks the protocol (CONNECT, then CONNACK accepted), so a port that accepts
TCP but is not an MQTT broker does not pass. :class:`MosquittoServer` starts a broker on a free
port for tests (nothing on disk, anonymous clients on 127.0.0.1 only).
"""

from __future__ import annotations

import shutil
import socket

from servers.common.telemetry import host_port
from servers.launch.private import PrivateServer, PrivateServerError

START_HINT = "start one with `mosquitto -p 1883` or pass --mqtt-url"
# MQTT 3.1.1 CONNECT: protocol "MQTT" level 4, clean session, keep-alive 5 s, id "bench-ping".
_CLIENT_ID = b"bench-ping"
_VARIABLE = b"\x00\x04MQTT\x04\x02\x00\x05" + len(_CLIENT_ID).to_bytes(2, "big") + _CLIENT_ID
_CONNECT = bytes([0x10, len(_VARIABLE)]) + _VARIABLE
_DISCONNECT = b"\xe0\x00"


class MqttUnavailableError(PrivateServerError):
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


class MosquittoServer(PrivateServer):
    """A ``mosquitto`` child process on a free port."""

    name = "mosquitto"
    error = MqttUnavailableError

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        binary = shutil.which("mosquitto")
        if binary is None:
            raise MqttUnavailableError("mosquitto is not on PATH")
        super().__init__(port, host)
        self.binary = binary

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def prepare(self) -> None:
        (self.dir / "mosquitto.conf").write_text(
            f"listener {self.port} {self.host}\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 0\nmax_inflight_messages 0\n"
        )

    def command(self) -> list[str]:
        return [self.binary, "-c", str(self.dir / "mosquitto.conf")]

    def ready(self) -> bool:
        return mqtt_ping(self.url, timeout=0.5)
