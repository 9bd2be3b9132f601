"""The features' HTTP faces on the application: their routes and pages, added in one place.

The features themselves (services, inbox rules, workers) are built by node/assembly.py; this
module only adds what answers HTTP. Order matters where paths overlap: the first route wins.
"""

from __future__ import annotations

from aiohttp import web

from node.activitypub import FEDIVERSE
from node.activitypub import admin as fediverse_admin
from node.activitypub import routes as fediverse
from node.assembly import AssembledNode
from node.auth import routes as oidc
from node.booking import BOOKING, hosting_routes
from node.booking import routes as booking
from node.events import EVENTS
from node.events import routes as events
from node.introductions import INTRODUCTIONS
from node.introductions import pages as introduction_pages
from node.introductions import routes as introductions
from node.people import PEOPLE, account_pages, import_page, import_routes, unsubscribe
from node.people import pages as people_pages
from node.people import routes as people
from node.profiles import CARDS
from node.profiles import pages as profile_pages
from node.profiles import routes as profiles
from node.public import admin as public_admin
from node.public import open_data
from node.public import pages as public_pages
from node.public.network import TwinProfiles
from node.trip import TRIP
from node.trip import routes as trip


def install_routes(app: web.Application, node: AssembledNode) -> None:
    """The JSON API and the pages of events, booking, people (with signing in), their cards,
    introductions and the trip view."""
    app.add_routes(events.routes)
    app.add_routes(booking.routes)
    app.add_routes(hosting_routes.routes)
    oidc.install(app, node)
    for module in (import_routes, people, people_pages, account_pages, import_page, unsubscribe):
        app.add_routes(module.routes)
    app.add_routes(profiles.routes)
    app.add_routes(profile_pages.routes)
    for module in (introductions, introduction_pages, trip):
        app.add_routes(module.routes)


def expose(app: web.Application, node: AssembledNode) -> None:
    """Each feature's service on the key its handlers read it by (node/http/keys.py says why),
    once the node is open: `open` builds the features."""
    app[BOOKING] = node.booking
    app[EVENTS] = node.events
    app[PEOPLE] = node.people
    app[CARDS] = node.cards
    app[INTRODUCTIONS] = node.introductions
    app[TRIP] = node.trip
    if node.activitypub is not None:
        app[FEDIVERSE] = node.activitypub


def install_public(app: web.Application, node: AssembledNode) -> None:
    """The public pages, the open data and the fediverse face, and the cache of the twins' profiles."""
    app[public_pages.TWIN_PROFILES] = TwinProfiles(node)
    for module in (public_pages, open_data, public_admin, fediverse, fediverse_admin):
        app.add_routes(module.routes)
