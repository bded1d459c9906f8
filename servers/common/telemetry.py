"""Device telemetry over MQTT, the IoT-dashboard scenario's wire format (pure; see docs/iot.md).

A device publishes to ``devices/<device>/telemetry`` a JSON object ``{"room", "id", "ts",
"body"}``: the room is its device group (the dashboards watching the group joined it), ``id``
and ``ts`` are a chat message's (the load generator's per-device stream and sequence, and the
sender's seconds since the run's start). Every server's bridge subscribes to the same topic
filter (a shared subscription, so that with several instances each message is bridged once and
fanned out over the backplane) and forwards :func:`telemetry_delivery` to the room, exactly the
delivery a chat message to that room would make (``from`` is the device).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from servers.common import jsonlib, protocol
from servers.common.protocol import ChatError

TOPIC_FILTER = "devices/+/telemetry"
# MQTT 5 / Mosquitto shared subscription: the broker hands each message to one subscriber of the
# group, so N server instances bridge it once between them (the backplane fans it out).
SHARED_TOPIC_FILTER = "$share/bench-dashboards/" + TOPIC_FILTER
DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"


def topic_for(device: str | int) -> str:
    return f"devices/{device}/telemetry"


def device_of(topic: str) -> str:
    """The device a telemetry topic names; :class:`ChatError` for another topic."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != "devices" or parts[2] != "telemetry" or not parts[1]:
        raise ChatError(protocol.BAD_REQUEST, f"not a telemetry topic: {topic!r}")
    return parts[1]


def telemetry_delivery(topic: str, payload: bytes, max_body_bytes: int) -> dict[str, Any]:
    """What the dashboards in the device's room receive for one telemetry message."""
    device = device_of(topic)
    try:
        data = jsonlib.loads(payload)
    except ValueError:
        raise ChatError(protocol.BAD_REQUEST, "telemetry payload is not JSON") from None
    req = protocol.parse_msg(data, max_body_bytes)
    return protocol.delivery(f"device-{device}", req)


def host_port(url: str) -> tuple[str, int]:
    """``mqtt://HOST:PORT`` -> ``(HOST, PORT)`` (port 1883 when left out)."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ValueError(f"an MQTT broker URL is mqtt://HOST:PORT, not {url!r}")
    return parts.hostname, parts.port or 1883
