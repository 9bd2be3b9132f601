"""Members as people: e-mail sign-in and invitations, CSV import, "My account", their data.

The public surface, for the node's assembly: `People`. Its routes and pages are installed by
the web application; handlers reach the service through `web.people(request)`.
"""

from __future__ import annotations

from aiohttp import web

from .service import People

# Where the feature's handlers find it: set by the web application once the node is open.
PEOPLE = web.AppKey("people", People)

__all__ = ["PEOPLE", "People"]
