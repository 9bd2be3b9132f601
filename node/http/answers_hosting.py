"""Answer shapes of hosting twins' members for months (the front desk; more to come), kept
apart from answers.py so neither grows past a readable size. Same rules: unknown fields refused."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .answers import Answer

Attendance = Literal["expected", "checked_in", "no_show"]


class GuestTarget(Answer):
    kind: Literal["slot", "event"]
    id: str
    name: str = Field(description="The resource's name, or the event's title.")


class Guest(Answer):
    """A twin's member expected here, in this space's time."""

    reservation: str
    display_name: str = Field(description="As the member's home sent it in the member pass.")
    home: str
    home_name: str
    target: GuestTarget
    kind: str
    seats: int
    starts_at: str
    ends_at: str
    attendance: Attendance


class GuestList(Answer):
    date: str
    days: int
    timezone: str
    items: list[Guest]


class Offer(Answer):
    """A standing offer: a resource offered to one twin on a weekly schedule."""

    id: str
    resource_id: str
    twin: str
    seats: int
    weekdays: list[str]
    from_time: str
    to_time: str
    start_date: str
    end_date: str | None
    exceptions: list[str]
    status: Literal["active", "withdrawn"]
    published_to: str | None = Field(description="The last date whose occurrence was considered for publishing.")
    timezone: str
    created_at: str
    updated_at: str
    occurrences: int = Field(description="Occurrences published as slots so far (withdrawn ones included).")
    published: int | None = Field(default=None, description="Occurrences this request published.")


class OfferList(Answer):
    items: list[Offer]


class OfferWithdrawn(Offer):
    withdrawn: int = Field(description="Published occurrences withdrawn from the date given on.")
    notified: list[str] = Field(description="Home nodes told of cancelled reservations.")
