"""The features' HTTP faces on the application: their routes and pages, added in one place.

The features themselves (services, inbox rules, workers) are built by node/assembly.py; this
module only adds what answers HTTP. Order matters where paths overlap: the first route wins.
"""

from __future__ import annotations

from aiohttp import web

from node.activitypub import admin as fediverse_admin
from node.activitypub import routes as fediverse
from node.assembly import AssembledNode
from node.auth import routes as oidc
from node.booking import hosting_routes
from node.booking import routes as booking
from node.events import routes as events
from node.people import account_pages, import_page, import_routes, unsubscribe
from node.people import pages as people_pages
from node.people import routes as people
from node.profiles import pages as profile_pages
from node.profiles import routes as profiles
from node.public import admin as public_admin
from node.public import open_data
from node.public import pages as public_pages
from node.public.network import TwinProfiles


def install_routes(app: web.Application, node: AssembledNode) -> None:
    """The JSON API and the pages of events, booking, people (with signing in) and their cards."""
    app.add_routes(events.routes)
    app.add_routes(booking.routes)
    app.add_routes(hosting_routes.routes)
    oidc.install(app, node)
    for module in (import_routes, people, people_pages, account_pages, import_page, unsubscribe):
        app.add_routes(module.routes)
    app.add_routes(profiles.routes)
    app.add_routes(profile_pages.routes)


def install_public(app: web.Application, node: AssembledNode) -> None:
    """The public pages, the open data and the fediverse face, and the cache of the twins' profiles."""
    app[public_pages.TWIN_PROFILES] = TwinProfiles(node)
    for module in (public_pages, open_data, public_admin, fediverse, fediverse_admin):
        app.add_routes(module.routes)
