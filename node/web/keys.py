"""The key the top's own handlers and pages read the whole node by.

The same node is on `node.http.keys.NODE`, typed as its core for the features below; the top,
which assembles the node, may see every feature on it (`ASSEMBLED.booking`, `.twinning`).
"""

from __future__ import annotations

from aiohttp import web

from node.assembly import AssembledNode

ASSEMBLED = web.AppKey("assembled", AssembledNode)
