"""The token format is one specification: shared vectors, checked here and on the Node server.

``tests/fixtures/token_vectors.json`` is generated from ``servers/common/tokens.py`` by
``python -m tests.fixtures.make_token_vectors``. The Node implementation
(``servers/sio-node/tokens.js``) is checked against the same file by
``servers/sio-node/test/tokens.test.js``, which ``tests/unit/test_node_units.py`` runs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from servers.common.config import DEFAULT_SECRET
from servers.common.tokens import TokenError, make_token, verify_token
from tests.fixtures.make_token_vectors import NOW, VECTORS, build_vectors


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


def test_the_fixture_is_what_tokens_py_generates() -> None:
    assert load() == build_vectors(), "out of date: run python -m tests.fixtures.make_token_vectors"


@pytest.mark.parametrize("case", load()["make"], ids=lambda c: f"{c['user'][:8]}-{c['ttl']}")
def test_make_token_matches_the_vector(case: dict[str, Any]) -> None:
    token = make_token(case["user"], case["secret"], ttl=case["ttl"], now=case["now"])
    assert token == case["token"]
    assert verify_token(token, case["secret"], now=case["now"]) == case["user"]


@pytest.mark.parametrize("user", load()["make_invalid_users"])
def test_make_token_refuses_bad_user_names(user: str) -> None:
    with pytest.raises(ValueError, match="user name must match"):
        make_token(user, DEFAULT_SECRET, ttl=1, now=NOW)


@pytest.mark.parametrize("case", load()["verify"], ids=lambda c: c["name"])
def test_verify_token_matches_the_vector(case: dict[str, Any]) -> None:
    if "user" in case:
        assert verify_token(case["token"], case["secret"], now=case["now"]) == case["user"]
    else:
        with pytest.raises(TokenError) as info:
            verify_token(case["token"], case["secret"], now=case["now"])
        assert str(info.value) == case["error"]


def test_a_non_ascii_signature_is_refused_not_a_crash() -> None:
    from servers.common.tokens import TokenError, verify_token

    with pytest.raises(TokenError):
        verify_token("alice.9999999999.sïgnature", "secret", now=0)
