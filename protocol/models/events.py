"""Event announcements: initiatives a space hosts and shares with its twins."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints, model_validator

from .common import (
    FederatedObject,
    Ident,
    Instant,
    NodeId,
    ObjectRef,
    Text,
    TimeZoneName,
    Url,
    WireModel,
    offset_in,
    same_wall_clock,
)

EventStatus = Literal["scheduled", "postponed", "cancelled", "moved_online"]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=40)]
# A BCP 47 language tag (RFC 5646), as far as its shape: "en", "it", "es-419", "pt-BR".
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Summary = Annotated[str, StringConstraints(max_length=500)]


class EventText(WireModel):
    """An event's title and summary in one more language (the `translations` extension)."""

    title: Title
    summary: Summary = ""


class Event(FederatedObject):
    """An initiative hosted by `origin`. A cancelled event keeps its place: it is a tombstone
    that stays visible as cancelled."""

    # Walked before the fast canonical path (see protocol/canonical.py): its keys come from the sender.
    free_form: ClassVar[tuple[str, ...]] = ("translations",)

    type: Literal["Event"] = "Event"
    id: Ident
    status: EventStatus = "scheduled"
    title: Title
    summary: Summary = ""
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    starts_at: Instant
    ends_at: Instant
    timezone: TimeZoneName
    venue: Text | None = None
    room: Text | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    online_url: Url | None = None
    capacity: Annotated[int, Field(ge=0, le=100_000)] | None = None
    language: LanguageTag | None = None  # of title, summary and description
    # The translations extension: the title and summary in other languages, by language tag.
    translations: Annotated[dict[LanguageTag, EventText], Field(min_length=1, max_length=20)] | None = None
    # Lists default by a factory: pydantic-core deep-copies a mutable default (0.7 µs an absent
    # field, for every event received). Terms and node documents, rare and in the API's
    # OpenAPI document (where a factory's default would not show), keep theirs.
    tags: Annotated[list[Tag], Field(max_length=20)] = Field(default_factory=list)
    # The list first: a smart union that tries the literal first pays for building its error
    # on every list (0.35 µs an event), and a list matches only the list anyway.
    audience: Annotated[list[NodeId], Field(max_length=200)] | Literal["all"] = "all"
    exported_from: ObjectRef | None = None
    rrule: Annotated[str, StringConstraints(max_length=500, pattern=r"^[A-Z0-9=;,:+-]+$")] | None = None
    exdates: Annotated[list[Instant], Field(max_length=500)] = Field(default_factory=list)
    updated_at: Instant | None = None

    @model_validator(mode="after")
    def _times(self) -> Event:
        # Run for every event received, so each step is the cheapest exact one: the zone looked
        # up once, each instant read in it once, pydantic's tzinfo (a Python call for each
        # offset it gives) asked only by that reading; the rarely present fields only when present.
        starts, ends = self.starts_at, self.ends_at
        zone = ZoneInfo(self.timezone)
        local_start, local_end = starts.astimezone(zone), ends.astimezone(zone)
        # Two readings in one zone compare as instants while neither is the second pass of a
        # repeated hour (fold 1); otherwise the instants themselves are compared.
        if (ends <= starts) if local_start.fold or local_end.fold else (local_end <= local_start):
            raise ValueError("ends_at must be after starts_at")
        if not same_wall_clock(local_start, starts):
            raise ValueError("starts_at's offset is not the offset of its time zone at that time")
        if not same_wall_clock(local_end, ends):
            raise ValueError("ends_at's offset is not the offset of its time zone at that time")
        if self.exdates and any(not offset_in(moment, zone) for moment in self.exdates):
            raise ValueError("an exdate's offset is not the offset of its time zone at that time")
        translations = self.translations
        if translations:
            if self.language and self.language.lower() in map(str.lower, translations):
                raise ValueError("translations holds other languages than the event's own language")
            if len({tag.lower() for tag in translations}) != len(translations):
                raise ValueError("translations names a language twice")
        return self

    def visible_to(self, node: str) -> bool:
        return self.audience == "all" or node in self.audience


__all__ = ["Event", "EventStatus", "EventText", "Ident", "LanguageTag"]
