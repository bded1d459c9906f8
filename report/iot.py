"""What a report says about an IoT-dashboard scenario: the MQTT bridge each contender uses."""

from __future__ import annotations

from collections.abc import Iterable

# Keyed by framework (a contender's name before its ASGI server: channels-daphne is channels).
BRIDGES = {
    "sio": "an aiomqtt subscriber task in the server process that emits to the room",
    "channels": (
        "mqttasgi (Channels' MQTT protocol server), a process beside each instance whose "
        "MqttConsumer group_sends to the dashboards' group through the Redis channel layer; it "
        "reads about one message per 12 ms tick (~83 msgs/s per process, docs/iot.md), so "
        "above that it is saturated and its served rate is its ceiling"
    ),
    "sio-node": "an mqtt.js subscriber in the server process that emits to the room",
}


def _framework(contender: str) -> str:
    return contender if contender == "sio-node" else contender.split("-", 1)[0]


def bridges_sentence(contenders: Iterable[str]) -> str:
    """One sentence naming each contender's bridge (devices publish over MQTT, docs/iot.md)."""
    parts = []
    for contender in contenders:
        bridge = BRIDGES.get(_framework(contender))
        if bridge:
            parts.append(f"{contender}: {bridge}")
    if not parts:
        return ""
    return (
        "MQTT bridges, one per ecosystem (shared subscription, Redis fan-out): "
        + "; ".join(parts)
        + "."
    )
