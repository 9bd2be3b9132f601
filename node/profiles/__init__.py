"""People across twins: members' profile cards, their federation, the directory.

The public surface, for the node's assembly and other features: `ProfileService` (built by
the assembly as `node.cards`), `withdraw_card` (erasure), and the store's `ProfileRepository`
and `Card` (every node has the repository as `node.profiles`, node/store/profiles.py). The
routes and pages (`routes.py`, `pages.py`) are installed by the web application.
"""

from __future__ import annotations

from aiohttp import web

from node.store.profiles import Card, OwnProfile, ProfileRepository

from .service import ProfileService, withdraw_card

# Where the feature's handlers find it: set by the web application once the node is open.
CARDS = web.AppKey("cards", ProfileService)

__all__ = ["CARDS", "Card", "OwnProfile", "ProfileRepository", "ProfileService", "withdraw_card"]
