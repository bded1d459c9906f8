"""Drive headless Chromium over the DevTools protocol (``websockets``' sync client): open a
page, collect console errors, measure images and tables, take a screenshot. For tests only."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--window-size=1280,900",
)  # fmt: skip
IMAGE_SIZES = """JSON.stringify(Array.from(document.images).map(img => {
  const box = img.getBoundingClientRect();
  return {alt: img.alt, complete: img.complete, natural: [img.naturalWidth, img.naturalHeight],
          rendered: [box.width, box.height]};
}))"""

# Each table: the heading before its box, whether it sits in a scrolling box of its own, its
# box's right edge against the page body's, and the box's content width against its own width.
TABLE_FIT = """JSON.stringify({
  page: {scroll: document.documentElement.scrollWidth,
         client: document.documentElement.clientWidth},
  tables: Array.from(document.querySelectorAll('table')).map(table => {
    const box = table.parentElement, body = document.body.getBoundingClientRect();
    const style = getComputedStyle(document.body);
    const heading = box.previousElementSibling ? box.previousElementSibling.textContent : '';
    return {heading: heading.slice(0, 80), wrapped: box.classList.contains('table-wrap'),
            right: box.getBoundingClientRect().right,
            limit: body.right - parseFloat(style.paddingRight),
            scroll: box.scrollWidth, client: box.clientWidth};
  })})"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, log errors
    images: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)  # TABLE_FIT's measurements
    screenshot: bytes = b""


class DevTools:
    """One page session over the browser's DevTools WebSocket (flattened sessions)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(event)
            if event.get("method") == method:
                return event

    def errors(self) -> list[str]:
        out = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                out.append(f"log: {params['entry'].get('text')} ({params['entry'].get('url')})")
        return out


@contextmanager
def browser(executable: str, startup_timeout: float = 30.0) -> Iterator[DevTools]:
    # Chromium's helper processes may still write to the profile as the browser exits: the
    # whole process group is stopped, and a straggler's file does not fail the clean-up.
    with tempfile.TemporaryDirectory(
        prefix="bench-chromium-", ignore_cleanup_errors=True
    ) as profile:
        process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + startup_timeout
            while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chromium did not start (exit {process.poll()})")
                time.sleep(0.1)
            port, path = port_file.read_text().splitlines()[:2]
            with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as ws:
                yield DevTools(ws)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def open_page(executable: str, page: Path, width: int = 1280) -> PageReport:
    """Load ``page`` at ``width`` CSS pixels, then report console errors, image sizes, table
    widths and a full-page screenshot."""
    with browser(executable) as tools:
        target = tools.call("Target.createTarget", url="about:blank")["targetId"]
        tools.session = tools.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            tools.call(f"{domain}.enable")
        tools.call("Emulation.setDeviceMetricsOverride", width=width, height=900,
                   deviceScaleFactor=1, mobile=False)  # fmt: skip
        tools.call("Page.navigate", url=page.resolve().as_uri())
        tools.wait_for("Page.loadEventFired")
        value = tools.call("Runtime.evaluate", expression=IMAGE_SIZES, returnByValue=True)
        images = json.loads(value["result"]["value"])
        value = tools.call("Runtime.evaluate", expression=TABLE_FIT, returnByValue=True)
        tables = json.loads(value["result"]["value"])
        size = tools.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = tools.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        )  # fmt: skip
        time.sleep(0.2)  # let late console messages arrive
        tools.call("Runtime.evaluate", expression="1")
        return PageReport(tools.errors(), images, tables, base64.b64decode(shot["data"]))
