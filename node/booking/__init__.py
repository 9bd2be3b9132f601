"""Reserving space abroad: resources, slots, members and passes, reservations at home and at the
host, allowances, the ledger.

The public surface, for the node's assembly and other features: `Booking` (every service of
the feature, started and stopped together), the members' repository and row, the
guests' repository (erasure makes hosts forget visitors' names) and the home desk with its
reservation view. The routes (`routes.py`, `hosting_routes.py`) are installed
by the web application.
"""

from __future__ import annotations

from aiohttp import web

from .guests_store import GuestRepository
from .home import HomeDesk, view
from .members import EMAIL_PATTERN, LANGUAGE_PATTERN
from .periods import month_of
from .service import Booking
from .store import Member, MemberRepository

# Where the feature's handlers find it: set by the web application once the node is open.
BOOKING = web.AppKey("booking", Booking)

__all__ = [
    "BOOKING",
    "EMAIL_PATTERN",
    "LANGUAGE_PATTERN",
    "Booking",
    "GuestRepository",
    "HomeDesk",
    "Member",
    "MemberRepository",
    "month_of",
    "view",
]
