"""Reserving space abroad (resources, slots, members, reservations, ledger). Installed by `install`."""

from __future__ import annotations

from aiohttp import web

from node.core import Node


def install(app: web.Application, node: Node) -> None:
    """Add this feature's routes to `app` and its services/inbox acceptors to `node.on_open`."""
