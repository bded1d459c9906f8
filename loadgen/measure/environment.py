"""The environment a run measured on, recorded in every result (pyperf-style metadata)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

PACKAGES = (
    "django", "channels", "channels-redis", "daphne", "uvicorn", "uvloop", "httptools",
    "websockets", "python-socketio", "python-engineio", "redis", "picows", "aiohttp", "orjson",
)  # fmt: skip

# npm packages of the Node.js contender (sio-node), read from node_modules/ (see package.json).
NPM_PACKAGES = ("socket.io", "@socket.io/redis-adapter", "redis", "better-sqlite3", "pg")

# Fields that must match for two results to be compared as like for like.
COMPARABLE_FIELDS = ("cpu_model", "cpu_count", "python", "packages")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        )  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def node_version() -> str | None:
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def npm_versions(root: Path) -> dict[str, str]:
    """Installed versions of :data:`NPM_PACKAGES` (``npm ci`` installs them at the repo root)."""
    versions = {}
    for name in NPM_PACKAGES:
        try:
            manifest = json.loads((root / "node_modules" / name / "package.json").read_text())
            versions[name] = str(manifest["version"])
        except (OSError, ValueError, KeyError):
            versions[name] = "not installed"
    return versions


def collect(root: Path) -> dict[str, Any]:
    """Host, CPU, OS, Python and package versions, git commit."""
    return {
        "host": socket.gethostname(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": sorted(psutil.Process().cpu_affinity() or []),
        "memory_bytes": psutil.virtual_memory().total,
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": package_versions(),
        "node": node_version(),
        "npm_packages": npm_versions(root),
        "git_commit": _git_commit(root),
    }


def fingerprint(env: dict[str, Any]) -> str:
    """A short hash of the fields that make two environments comparable."""
    text = repr([env.get(k) for k in COMPARABLE_FIELDS]).encode()
    return hashlib.sha256(text).hexdigest()[:16]


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Human-readable differences between two environments, on the comparable fields."""
    out = []
    for key in COMPARABLE_FIELDS:
        if a.get(key) != b.get(key):
            if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
                for name in sorted(set(a[key]) | set(b[key])):
                    if a[key].get(name) != b[key].get(name):
                        out.append(f"{key}.{name}: {a[key].get(name)} != {b[key].get(name)}")
            else:
                out.append(f"{key}: {a.get(key)} != {b.get(key)}")
    return out
