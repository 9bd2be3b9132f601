"""Introductions' rows in the API reference (node/web/openapi.py builds the document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from node.http.openapi_build import Caller, Op
from protocol.problems import ProblemType as P

from .routes import IntroductionBody, ReportBody

MEMBER, OPERATOR = Caller.MEMBER, Caller.OPERATOR
Status = Literal["requested", "accepted", "declined"]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


# fmt: off
OPERATIONS = [
    Op("POST", "/api/v1/introductions", "askIntroduction", "Ask to be introduced to a member of a twin", MEMBER,
       {202: Asked}, (P.NOT_FOUND, P.NOT_TWINNED, P.INTRODUCTION_LIMIT), body=IntroductionBody, tag="introductions",
       description="The host receives a signed IntroductionRequest with your display name and message, never "
       "your e-mail address. A limit per member per day (`people.introductions_per_day`) answers "
       "`introduction-limit` (429) past it."),
    Op("GET", "/api/v1/introductions", "listIntroductions", "Introductions I asked for and was asked", MEMBER,
       {200: Introductions}, tag="introductions"),
    Op("GET", "/api/v1/introductions/{id}", "getIntroduction", "One introduction; the other's e-mail once accepted",
       MEMBER, {200: Introduction}, (P.NOT_FOUND,), tag="introductions"),
    Op("POST", "/api/v1/introductions/{id}/accept", "acceptIntroduction", "Accept: both get the other's address",
       MEMBER, {200: Introduction}, (P.NOT_FOUND, P.FORBIDDEN, P.CONFLICT), tag="introductions"),
    Op("POST", "/api/v1/introductions/{id}/decline", "declineIntroduction", "Decline: nothing is shared", MEMBER,
       {200: Introduction}, (P.NOT_FOUND, P.FORBIDDEN, P.CONFLICT), tag="introductions"),
    Op("POST", "/api/v1/introductions/{id}/block", "blockIntroduction", "Decline, and block the asker", MEMBER,
       {200: Introduction}, (P.NOT_FOUND, P.FORBIDDEN), tag="introductions",
       description="The asker's later requests to you are declined without reaching you; their side sees the "
       "same `declined` as for any decline."),
    Op("POST", "/api/v1/introductions/{id}/report", "reportIntroduction", "Report a request to this space's operator",
       MEMBER, {201: Report}, (P.NOT_FOUND, P.FORBIDDEN), body=ReportBody, tag="introductions"),
    Op("GET", "/api/v1/introduction-queue", "introductionQueue", "Requests waiting for the community manager",
       OPERATOR, {200: Queue}, tag="introductions",
       description="With `people.introductions: via_operator`, a twin's request waits here before our member sees it."),
    Op("POST", "/api/v1/introduction-queue/{id}/forward", "forwardIntroduction", "Forward a request to the member",
       OPERATOR, {200: Decided}, (P.NOT_FOUND,), tag="introductions"),
    Op("POST", "/api/v1/introduction-queue/{id}/decline", "declineQueuedIntroduction",
       "Decline a request before the member sees it", OPERATOR, {200: Decided}, (P.NOT_FOUND,), tag="introductions"),
    Op("GET", "/api/v1/introduction-reports", "introductionReports", "Members' reports about requests", OPERATOR,
       {200: Reports}, tag="introductions"),
    Op("POST", "/api/v1/introduction-reports/{id}/close", "closeIntroductionReport", "Close a report", OPERATOR,
       {200: Closed}, (P.NOT_FOUND,), tag="introductions"),
]
# fmt: on
