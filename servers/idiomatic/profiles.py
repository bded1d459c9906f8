"""The server profiles (pure): which contenders can run under which."""

from __future__ import annotations

PROFILES = ("equal", "idiomatic")
DJANGO_FRAMEWORKS = ("sio", "channels")


def profile_unsupported(contender: str, profile: str) -> str | None:
    """Why ``contender`` cannot run under ``profile``, or None when it can. The idiomatic profile
    is a Django project: the Node reference and the plain-websockets reference have none."""
    family = contender if contender in ("sio-node", "reference") else contender.split("-")[0]
    if profile == "idiomatic" and family not in DJANGO_FRAMEWORKS:
        return (
            f"{contender} under --profile idiomatic is not applicable: the profile is a Django "
            "project, for the two Python frameworks only (sio, channels)"
        )
    return None
