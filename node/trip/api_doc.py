"""The trip view's rows in the API reference (node/web/openapi.py builds the document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from node.http.openapi_build import Caller, Op, Query
from protocol.problems import ProblemType as P

from .routes import SharingBody

MEMBER = Caller.MEMBER


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # validators built at first use, not at start


class TripSlot(Answer):
    id: str
    resource: dict[str, Any]
    day: str = Field(description="The slot's day in the twin's zone.")
    starts_at: str
    ends_at: str
    timezone: str
    seats: int
    remaining: int


class Companion(Answer):
    display_name: str
    days: list[str]


class Trip(Answer):
    origin: str
    name: str
    timezone: str = Field(description="The twin's zone: the days are its days.")
    from_: str = Field(alias="from")
    to: str
    slots: list[TripSlot]
    events: list[dict[str, Any]] = Field(description="As GET /api/v1/events lists them.")
    people: list[dict[str, Any]] = Field(description="Cards open to meet visitors, as the directory shows them.")
    companions: list[Companion] = Field(description="Members of this space who share their trips and go then.")


class Sharing(Answer):
    share: bool


TRIP_QUERY = (
    Query("origin", "The twin: its node URL, its twinning id or its name."),
    Query("from", "The first day, YYYY-MM-DD, in the twin's zone."),
    Query("to", "The last day (included), at most 31 days after `from`."),
)

# fmt: off
OPERATIONS = [
    Op("GET", "/api/v1/trip", "trip", "A twin's slots, events and people for the days of a trip", MEMBER,
       {200: Trip}, (P.VALIDATION_ERROR, P.NOT_TWINNED), query=TRIP_QUERY, tag="introductions",
       description="Read from what this node holds of the twin; the days are the twin's own. `companions` lists "
       "only members who turned on sharing their trips."),
    Op("GET", "/api/v1/trip/sharing", "tripSharing", "Do members of my space see my trips?", MEMBER,
       {200: Sharing}, tag="introductions"),
    Op("PUT", "/api/v1/trip/sharing", "setTripSharing", "Share my trips with my space, or stop", MEMBER,
       {200: Sharing}, body=SharingBody, tag="introductions", description="Off unless turned on."),
]
# fmt: on
