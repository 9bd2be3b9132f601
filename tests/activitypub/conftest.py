"""Real nodes (from tests/node) and a follower built with bovine, an independent ActivityPub library."""

from __future__ import annotations

from tests.node.conftest import nodes  # noqa: F401
