"""Starting, watching and stopping contenders: one code path for every server."""

from servers.launch.process import ServerDiedError, ServerGroup, ServerStartError, start_servers
from servers.launch.specs import CONTENDERS, AsgiSettings, ServerSpec, server_spec

__all__ = [
    "CONTENDERS",
    "AsgiSettings",
    "ServerDiedError",
    "ServerGroup",
    "ServerSpec",
    "ServerStartError",
    "server_spec",
    "start_servers",
]
