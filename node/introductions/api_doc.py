"""Introductions' rows in the API reference (node/web/openapi.py builds the document)."""

from __future__ import annotations

from node.http.openapi_build import Caller, Op
from protocol.problems import ProblemType as P

from .answers import Asked, Closed, Decided, Introduction, Introductions, Queue, Report, Reports
from .routes import IntroductionBody, ReportBody

MEMBER, OPERATOR = Caller.MEMBER, Caller.OPERATOR


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
