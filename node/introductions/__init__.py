"""Introductions between members of twin spaces (issue 14): asked at home, answered at the host,
e-mail addresses exchanged only on acceptance.

The public surface, for the node's assembly and other features: `Introductions` (built by the
assembly as `node.introductions`: the service, its inbox rules and its worker),
`forget_introductions` and `IntroductionRepository` (a member's erasure and export), and
`CardLookup` (what it and the trip view read of the cards). The routes and pages (`routes.py`,
`pages.py`) are installed by the web application.
"""

from __future__ import annotations

from aiohttp import web

from .cards import CardLookup
from .erasure import forget_introductions
from .service import Introductions
from .store import IntroductionRepository

# Where the feature's handlers find it: set by the web application once the node is open.
INTRODUCTIONS = web.AppKey("introductions", Introductions)

__all__ = ["INTRODUCTIONS", "CardLookup", "IntroductionRepository", "Introductions", "forget_introductions"]
