"""The ActivityPub bridge: each space is `@username@host` on the fediverse, publishing its public
events (Create/Update/Delete of Event) to its followers. Apart from the twin protocol: its own
RSA key, its own tables, draft-cavage signatures.

The public surface, for the node's assembly: `Bridge`, built only with `activitypub.enabled`
(otherwise every route answers 404). The routes (`routes.py`, `admin.py`) are installed by the
web application.
"""

from __future__ import annotations

from aiohttp import web

from .bridge import Bridge

# Where the bridge's handlers find it: set by the web application once the node is open, and only
# when `activitypub.enabled` (read it with `app.get`).
FEDIVERSE = web.AppKey("fediverse", Bridge)

__all__ = ["FEDIVERSE", "Bridge"]
