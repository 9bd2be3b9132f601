"""Events across twins: announce, update, cancel, re-host a twin's event, calendars.

The public surface, for the node's assembly and other features: `EventService` (and its
`public` list of our public events), `EventViews` (listings; the trip view reads them),
`event_url`. The routes (`routes.py`) are installed by
the web application.
"""

from __future__ import annotations

from aiohttp import web

from .public import PublicEvents, event_url
from .service import EventService
from .texts import event_text
from .views import EventViews

# Where the feature's handlers find it: set by the web application once the node is open.
EVENTS = web.AppKey("events", EventService)

__all__ = ["EVENTS", "EventService", "EventViews", "PublicEvents", "event_text", "event_url"]
