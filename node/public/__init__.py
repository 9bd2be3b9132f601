"""The space's public face: pages anyone may read (the space, its public events, its network
of twins) and open data for municipalities (a DCAT-AP_IT catalogue, datasets, receipt hashes).

The public surface, for other public readers (ActivityPub): the profile (`SpaceProfile`,
`load_profile`) and the schema.org forms (`event_jsonld`, `postal_address`). Which events are
public is the events feature's (`node.events.PublicEvents`). The pages and the open data
(`pages.py`, `open_data.py`, `admin.py`) are installed by the web application.
"""

from __future__ import annotations

from .events import event_jsonld, postal_address
from .profile import SpaceProfile, load_profile

__all__ = ["SpaceProfile", "event_jsonld", "load_profile", "postal_address"]
