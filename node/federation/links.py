"""What keeping twins in step needs of the node, handed to the peer links explicitly.

The node's core (node/core.py) builds one `LinkContext` when it opens; the delivery and pull
loops (`sync.PeerLink`) and the manager that starts them read it, and never the node itself,
so the federation layer stays below the core.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.clock import Clock
from node.config import Settings
from node.metrics import Metrics
from node.ratelimit import Limit
from node.store import Store
from node.store.leases import Leases

from .client import FederationClient
from .inbox import InboxService


@dataclass(frozen=True)
class LinkContext:
    store: Store
    client: FederationClient
    inbox: InboxService
    clock: Clock
    settings: Settings
    metrics: Metrics
    leases: Leases
    items: Limit  # objects each twin may make us verify, pushed or pulled (limits.peer_items_*)
