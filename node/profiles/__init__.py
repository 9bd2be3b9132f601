"""People across twins: members' profile cards, their federation, the directory, retractions.

This package's root holds only what other features read (the repository and the card type),
so that `node.core` can give every node its `profiles` without importing the services; the
routes, pages and inbox rules are installed by `node.profiles.wiring.install`.
"""

from __future__ import annotations

from .store import Card, OwnProfile, ProfileRepository

__all__ = ["Card", "OwnProfile", "ProfileRepository"]
