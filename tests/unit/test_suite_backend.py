"""The main job picks Redis when one answers, else the embedded in-memory default, and says so."""

from __future__ import annotations

import io

from commands.suite import choose_backend


def test_no_redis_means_the_in_memory_default_and_a_note() -> None:
    out = io.StringIO()
    backend, url = choose_backend("redis://127.0.0.1:1/0", out)  # nothing listens on port 1
    assert (backend, url) == ("memory", None)
    assert "in-memory default" in out.getvalue() and "redis://127.0.0.1:1/0" in out.getvalue()


def test_a_reachable_redis_is_used(redis_url: str) -> None:
    out = io.StringIO()
    assert choose_backend(redis_url, out) == ("redis", redis_url)
    assert redis_url in out.getvalue()
