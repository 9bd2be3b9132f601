"""Typed keys for what the application and each request carry.

`NODE` is typed as the core (node/core.py): settings, store, keys, mail, the peer directory.
A feature's handlers reach its own service through the key its package exports (`BOOKING`,
`EVENTS`...), which the web application sets once the node is open; so nothing here, and no
feature, imports the assembled node above them.
"""

from __future__ import annotations

from aiohttp import web

from node.core import Node
from node.ratelimit import Limit, StrangerLimiter
from node.store.tokens import Principal

NODE = web.AppKey("node", Node)
PEER_LIMITER = web.AppKey("peer_limiter", Limit)
PEER_ITEMS_LIMITER = web.AppKey("peer_items_limiter", Limit)
STRANGER_LIMITER = web.AppKey("stranger_limiter", StrangerLimiter)
# Requests that failed verification, per source address; sign-in attempts, per source address.
UNVERIFIED_LIMITER = web.AppKey("unverified_limiter", Limit)
SIGN_IN_LIMITER = web.AppKey("sign_in_limiter", Limit)

# Per-request values set by the middlewares.
PEER = web.RequestKey("peer", str)  # the authenticated twin's node id
BODY = web.RequestKey("body", bytes)  # the raw body, already read by the signature middleware
PRINCIPAL = web.RequestKey("principal", Principal | None)  # type: ignore[arg-type]
