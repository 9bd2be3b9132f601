"""The trip view (issue 14): one twin's slots, events and people for the days of a visit.

The public surface, for the node's assembly: `TripView` (built as `node.trip`). The routes and
the page (`routes.py`) are installed by the web application.
"""

from __future__ import annotations

from aiohttp import web

from .service import TripView

# Where the feature's handlers find it: set by the web application once the node is open.
TRIP = web.AppKey("trip", TripView)

__all__ = ["TRIP", "TripView"]
