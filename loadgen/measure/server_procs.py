"""The server processes a run samples: each server instance and the helper processes it started."""

from __future__ import annotations

from collections.abc import Mapping

import psutil


def with_helpers(servers: Mapping[str, int]) -> dict[str, int]:
    """The server processes to sample: each named server and every process it started.

    A server's helper process belongs to its deployment and its CPU to the server's: Channels'
    MQTT bridge (``mqttasgi``) runs beside each ASGI server process as its child. A helper is
    named ``<server>/<what it runs>`` (``channels[0]/mqttasgi``), one series per process.
    """
    found = dict(servers)
    for name, pid in servers.items():
        try:
            children = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            continue
        for child in children:
            try:
                label = helper_label(child.cmdline(), child.name())
            except psutil.Error:
                continue
            key = f"{name}/{label}"
            found[key if key not in found else f"{key}-{child.pid}"] = child.pid
    return found


def helper_label(cmdline: list[str], name: str) -> str:
    """How a helper process reads in results: ``mqttasgi`` for Channels' MQTT bridge, else
    its executable's name."""
    return "mqttasgi" if any("mqttasgi" in part for part in cmdline) else name
