"""Signed, expiring user tokens: ``<user>.<expiry>.<signature>``.

The signature is HMAC-SHA256 over ``<user>.<expiry>`` with the shared secret, base64url
without padding. Checking a token is pure CPU work (no database), identical on both servers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

USER_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class TokenError(Exception):
    """The token is missing, malformed, badly signed or expired."""

    code = "unauthorized"


def _signature(payload: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(user: str, secret: str, *, ttl: float, now: float) -> str:
    """Return a token for ``user`` valid for ``ttl`` seconds from ``now`` (unix time)."""
    if not USER_RE.match(user):
        raise ValueError(f"user name must match {USER_RE.pattern}, got {user!r}")
    payload = f"{user}.{int(now + ttl)}"
    return f"{payload}.{_signature(payload, secret)}"


def verify_token(token: object, secret: str, *, now: float) -> str:
    """Return the user a valid token names; raise :class:`TokenError` otherwise."""
    if not isinstance(token, str) or not token:
        raise TokenError("missing token")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed token")
    user, expiry, signature = parts
    if not USER_RE.match(user) or not expiry.isdigit():
        raise TokenError("malformed token")
    expected = _signature(f"{user}.{expiry}", secret)
    if not hmac.compare_digest(expected.encode(), signature.encode()):  # any text, no TypeError
        raise TokenError("bad signature")
    if int(expiry) < now:
        raise TokenError("expired token")
    return user
