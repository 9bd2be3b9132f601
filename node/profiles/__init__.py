"""People across twins: members' profile cards, their federation, the directory.

The public surface, for the node's assembly and other features: `ProfileService` (built by
the assembly as `node.cards`), `withdraw_card` (erasure), and the store's `ProfileRepository`
and `Card` (every node has the repository as `node.profiles`, node/store/profiles.py). The
routes and pages (`routes.py`, `pages.py`) are installed by the web application.
"""

from __future__ import annotations

from node.store.profiles import Card, OwnProfile, ProfileRepository

from .service import ProfileService, withdraw_card

__all__ = ["Card", "OwnProfile", "ProfileRepository", "ProfileService", "withdraw_card"]
