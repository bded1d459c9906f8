"""Children that die with the harness: ``PR_SET_PDEATHSIG``, so that a harness killed with
SIGKILL (no atexit, no signal handler) still takes its servers and brokers along.

The kernel sends the signal when the *thread* that started the child exits, so only children
started from the main thread get it: one started from a worker thread (``asyncio.to_thread``,
a fault restarting a server or a broker) would die with that thread. Those are stopped the
usual way (context managers, atexit).
"""

from __future__ import annotations

import ctypes
import signal
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the starting thread exits."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def on_main_thread() -> bool:
    """Whether a child started now may die with its parent (see the module's note)."""
    return threading.current_thread() is threading.main_thread()
