"""Request bodies of the events API, in the space's local time.

Only the shape is checked here; lengths and formats are the wire model's (`protocol.models.Event`),
so that the local API and the federation agree on what an event may hold. Times stay strings
until the service reads them in the event's zone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from protocol.models import EventStatus

Audience = Literal["all"] | list[str]


class EventFields(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    title: str | None = None
    summary: str | None = None
    description: str | None = None
    starts_at: str | None = None  # "2026-03-10T18:00" in `timezone`, or with an explicit offset
    ends_at: str | None = None
    timezone: str | None = None  # IANA; default the node's
    venue: str | None = None
    room: str | None = None
    address: str | None = None
    online_url: str | None = None
    capacity: int | None = None
    language: str | None = None  # BCP 47, of title, summary and description
    translations: dict[str, dict[str, str]] | None = None  # {tag: {title, summary}}: other languages
    tags: list[str] | None = None
    audience: Audience | None = None  # "all", or twins by twinning id or node URL
    rrule: str | None = None  # RFC 5545 RECUR, e.g. "FREQ=WEEKLY;BYDAY=TU"
    exdates: list[str] | None = None  # occurrences left out, as local times like starts_at


class EventCreate(EventFields):
    """POST /api/v1/events."""

    title: str
    starts_at: str
    ends_at: str
    # An event that has already begun is refused unless the operator records it on purpose.
    record_past: bool = False


class EventPatch(EventFields):
    """PATCH /api/v1/events/{id}: only the fields sent change; null clears an optional one."""

    status: EventStatus | None = None


class ExportBody(EventFields):
    """POST /api/v1/events/{id}/export: what differs at our space; the rest comes from the origin."""

    origin: str | None = None  # the twin whose event it is, when several twins use the same id
    # Without starts_at: the same local wall time on the same date here (default), or, with
    # same_moment, the original's instant.
    same_moment: bool = False


class ResolveBody(BaseModel):
    """POST /api/v1/events/{id}/flags/resolve."""

    model_config = ConfigDict(extra="forbid", strict=True)

    action: Literal["follow", "keep"]


# Fields copied as they are between a body and the wire event.
PLAIN_FIELDS = (
    "title",
    "summary",
    "description",
    "venue",
    "room",
    "address",
    "online_url",
    "capacity",
    "language",
    "translations",
    "tags",
)
