"""The shapes of the introductions' answers: the service builds them (`Introductions.view`,
`Report.view`), the API reference (`api_doc.py`) describes them; one definition for both."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["requested", "accepted", "declined"]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # validators built at first use, not at start


class Asked(Answer):
    id: str
    status: Literal["requested"]


class OtherMember(Answer):
    origin: str = Field(description="The other member's node.")
    member: str = Field(description="Their opaque handle (a card's `member`, or the asker's handle at the host).")
    display_name: str


class Introduction(Answer):
    id: str
    direction: Literal["sent", "received"]
    status: Status
    other: OtherMember
    message: str
    created_at: str
    answered_at: str | None
    email: str | None = Field(None, description="The other member's address: only in the single view, once accepted.")


class Introductions(Answer):
    items: list[Introduction]


class Queued(Introduction):
    to: str = Field(description="The display name of our member who was asked.")


class Queue(Answer):
    items: list[Queued]


class Decided(Answer):
    id: str
    status: Literal["requested", "declined"]


class Report(Answer):
    id: str
    home: str
    introduction_id: str
    member_id: str
    reason: str
    status: Literal["open", "closed"]
    created_at: str


class Reports(Answer):
    items: list[Report]


class Closed(Answer):
    id: str
    status: Literal["closed"]
