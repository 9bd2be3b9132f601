"""The trip view (issue 14): one twin's slots, events and people for the days of a visit.

The public surface, for the node's assembly: `TripView` (built as `node.trip`). The routes and
the page (`routes.py`) are installed by the web application.
"""

from __future__ import annotations

from .service import TripView

__all__ = ["TripView"]
