"""The load generator's chat clients: one interface, one adapter per wire protocol.

``make_client("sio")`` is the fast Socket.IO client, ``make_client("sio-polling")`` the same
client on Engine.IO's HTTP long-polling transport (the fallback Channels does not offer),
``make_client("channels")`` its Channels mirror, ``make_client("sio-reference")``
python-socketio's own ``AsyncClient`` (to cross-check the fast client's figures). ``library``
picks the WebSocket library of the fast clients.
"""

from __future__ import annotations

from loadgen.clients.base import ChatClient, ClientClosed, ConnectRefused
from loadgen.clients.transports import DEFAULT_LIBRARY, LIBRARIES

CLIENT_KINDS = ("sio", "sio-polling", "sio-reference", "channels")
_KIND_OF_CONTENDER = {
    "sio": "sio",
    "sio-node": "sio",
    "channels": "channels",
    "channels-daphne": "channels",
    "reference": "channels",  # the plain websockets server speaks the Channels frames
    # the same frameworks on the other ASGI servers (servers/launch/specs.py)
    "sio-daphne": "sio",
    "sio-hypercorn": "sio",
    "sio-hypercorn-h2": "sio",
    "channels-hypercorn": "channels",
}


def make_client(kind: str, *, library: str = DEFAULT_LIBRARY, coalesce: bool = True) -> ChatClient:
    """A new, unconnected client of ``kind`` (one of :data:`CLIENT_KINDS`).

    ``library`` and ``coalesce`` apply to the fast WebSocket clients (see ``transports.py``).
    """
    if library not in LIBRARIES:
        raise ValueError(f"unknown WebSocket library {library!r}; choose from {LIBRARIES}")
    if kind == "sio":
        from loadgen.clients.sio import SioClient

        return SioClient(library=library, coalesce=coalesce)
    if kind == "sio-polling":
        from loadgen.clients.sio import SioClient

        return SioClient(transport="polling", library=library, coalesce=coalesce)
    if kind == "channels":
        from loadgen.clients.channels import ChannelsClient

        return ChannelsClient(library=library, coalesce=coalesce)
    if kind == "sio-reference":
        from loadgen.clients.sio_reference import SioReferenceClient

        return SioReferenceClient()
    raise ValueError(f"unknown client kind {kind!r}; choose from {CLIENT_KINDS}")


def client_kind_for(contender: str) -> str:
    """The client that speaks a contender's protocol: ``sio-node`` -> ``sio``, and so on."""
    try:
        return _KIND_OF_CONTENDER[contender]
    except KeyError:
        raise ValueError(
            f"no client for contender {contender!r}; known: {sorted(_KIND_OF_CONTENDER)}"
        ) from None


__all__ = [
    "CLIENT_KINDS",
    "LIBRARIES",
    "ChatClient",
    "ClientClosed",
    "ConnectRefused",
    "client_kind_for",
    "make_client",
]
