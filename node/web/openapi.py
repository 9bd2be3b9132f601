"""The API reference: one row per operation, built into OpenAPI 3.1 and served at
GET /api/v1/openapi.json. `docs/openapi.json` is this document, committed; tests/api checks it
is current, that every route has a row, and fuzzes a running node against it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from aiohttp import web

from node.activitypub import reference as activitypub
from node.booking.home import ReserveBody
from node.booking.members import MemberBody
from node.booking.offer_schedule import OfferBody
from node.booking.resources import ResourceBody
from node.booking.slots import SlotBody
from node.events.bodies import EventCreate, EventPatch, ExportBody, ResolveBody
from node.http import answers as a
from node.http import answers_hosting as h
from node.http import answers_ledger as ledger
from node.http.openapi_build import Caller, Media, Op, Query, build_document
from node.introductions.api_doc import OPERATIONS as INTRODUCTIONS
from node.people.api_doc import OPERATIONS as PEOPLE
from node.profiles import reference as profiles
from node.trip.api_doc import OPERATIONS as TRIP
from protocol.models import PROTOCOL_VERSION, Envelope, FeedPage, InboxResult
from protocol.problems import ProblemType as P

from .api_twins import ChangeBody, ProposeBody

ANYONE, USER, MEMBER, OPERATOR, TWIN = Caller.ANYONE, Caller.USER, Caller.MEMBER, Caller.OPERATOR, Caller.TWIN

# A twin's refusal of a proposal or an acceptance is passed on to the operator as it came.
PEER_REFUSALS = (
    P.PEER_UNREACHABLE,
    P.VALIDATION_ERROR,
    P.CONFLICT,
    P.NOT_TWINNED,
    P.FORBIDDEN,
    P.RATE_LIMITED,
    P.SIGNATURE_INVALID,
    P.SIGNATURE_EXPIRED,
    P.REPLAY,
    P.UNKNOWN_KEY,
)
# What a host may answer a reservation with (the home passes a refusal on to its member).
HOST_REFUSALS = (
    P.SLOT_FULL,
    P.ALLOWANCE_EXHAUSTED,
    P.OUTSIDE_BOOKING_WINDOW,
    P.NOT_FOUND,
    P.CONFLICT,
    P.FORBIDDEN,
    P.NOT_TWINNED,
    P.VALIDATION_ERROR,
    P.SIGNATURE_INVALID,
)
WINDOW = (
    Query("from", "Start of the window: a local time in this space's zone, or an instant with an offset."),
    Query("to", "End of the window (exclusive), same form as `from`."),
)
CALENDAR = Media("text/calendar", "An iCalendar (RFC 5545) feed.")
NOT_MODIFIED = Media(None, "Not modified (the ETag in If-None-Match is current).")
IF_NONE_MATCH = Query("If-None-Match", "An ETag from an earlier answer.", location="header")
ACTIONS = {
    "decline": "Decline a pending proposal (told to the proposer).",
    "suspend": "Suspend an active twinning: both sides stop sharing until resumed.",
    "resume": "Resume a suspended twinning; each side pulls what changed meanwhile.",
    "end": "End the twinning for good: nothing more is shared.",
}

# fmt: off
PUBLIC = [
    Op("GET", "/.well-known/gemellaggio", "nodeDocument", "The node document, signed by the node", ANYONE,
       {200: a.SignedNodeDocument}, tag="public",
       description="Id, name, time zone, verify keys (current and old) and endpoints; trust on first use."),
    Op("GET", "/healthz", "health", "Liveness and database check", ANYONE, {200: a.Health}, tag="public"),
    Op("GET", "/metrics", "metrics", "Prometheus metrics", ANYONE,
       {200: Media("text/plain", "Prometheus text exposition format.")}, tag="public",
       description="They name every twin, so only the operator token or a caller on a network in "
       "`metrics.allow` (loopback by default, never a request a reverse proxy forwarded) reads them; "
       "anyone else gets `401 unauthorized`."),
    Op("GET", "/calendar.ics", "publicCalendar", "This space's public events and the twins' exported ones",
       ANYONE, {200: CALENDAR, 304: NOT_MODIFIED}, query=(IF_NONE_MATCH,), tag="public"),
    Op("GET", "/api/v1/node", "aboutNode", "This node's id, name, time zone and key fingerprint", ANYONE,
       {200: a.NodeInfo}, tag="public"),
    Op("GET", "/api/v1/openapi.json", "openapi", "This document", ANYONE,
       {200: Media("application/json", "OpenAPI 3.1.", {"type": "object"})}, tag="public"),
]

TWINS = [
    Op("POST", "/api/v1/twins", "proposeTwinning", "Propose a twinning to the node at `url`", OPERATOR,
       {201: a.Twin}, PEER_REFUSALS, body=ProposeBody, tag="twins",
       description="Fetches the peer's document (its key fingerprint is in the answer), signs a "
       "TwinningProposal and sends it. `offer` and `request` default to the configured terms."),
    Op("GET", "/api/v1/twins", "listTwinnings", "Twinnings, with terms and delivery state", OPERATOR,
       {200: a.TwinList}, tag="twins"),
    Op("GET", "/api/v1/twins/{id}", "getTwinning", "One twinning", OPERATOR, {200: a.Twin}, (P.NOT_FOUND,),
       tag="twins"),
    Op("POST", "/api/v1/twins/{id}/accept", "acceptTwinning", "Accept a pending proposal", OPERATOR,
       {200: a.Twin}, (P.NOT_FOUND, *PEER_REFUSALS), tag="twins",
       description="Signs a TwinningAcceptance and sends it to the proposer; active once it is received."),
    *(
        Op("POST", f"/api/v1/twins/{{id}}/{action}", f"{action}Twinning", summary, OPERATOR, {200: a.Twin},
           (P.NOT_FOUND, P.CONFLICT), body=ChangeBody, body_required=False, tag="twins",
           description="Applied here at once; a signed TwinningChange reaches the twin through the outbox.")
        for action, summary in ACTIONS.items()
    ),
    Op("GET", "/api/v1/status", "deliveryStatus", "Per-peer delivery: outbox depth, lag, last error", OPERATOR,
       {200: a.DeliveryStatus}, tag="twins"),
    Op("POST", "/api/v1/keys/rotate", "rotateKey", "Rotate the signing key and tell every twin", OPERATOR,
       {201: a.KeyRotated}, tag="twins"),
]

EVENTS = [
    Op("POST", "/api/v1/events", "createEvent", "Publish an event of this space", OPERATOR, {201: a.EventView},
       (P.NOT_TWINNED,), body=EventCreate, tag="events",
       description="Times are local to `timezone` (default: the space's) unless they carry an offset; a "
       "local time that does not exist or happens twice is refused. `audience`: \"all\" or twins."),
    Op("GET", "/api/v1/events", "listEvents", "Events here and at the twins, by start time", USER,
       {200: a.EventListing}, (P.VALIDATION_ERROR,), tag="events",
       description="At most 2000 items and about 3 MB, shared fairly between the origins (`truncated` says "
       "when some were left out); each item carries the first 300 characters of its description "
       "(`description_cut` is true when there is more: `GET /api/v1/events/{id}` has all of it).",
       query=(Query("origin", "`all` (default), `local`, or a twin (its id or node URL)."), *WINDOW)),
    Op("GET", "/api/v1/events/flags", "eventFlags", "Re-hosted events whose origin changed them", OPERATOR,
       {200: a.EventList}, tag="events"),
    Op("GET", "/api/v1/events/{id}", "getEvent", "One event, here or at a twin", USER, {200: a.EventView},
       (P.NOT_FOUND, P.VALIDATION_ERROR), query=(Query("origin", "Whose event, when ids collide."),),
       tag="events"),
    Op("PATCH", "/api/v1/events/{id}", "updateEvent", "Change one of this space's events", OPERATOR,
       {200: a.EventView}, (P.NOT_FOUND, P.NOT_TWINNED), body=EventPatch, tag="events",
       description="Only the fields sent change; null clears an optional one."),
    Op("DELETE", "/api/v1/events/{id}", "cancelEvent", "Cancel one of this space's events", OPERATOR,
       {200: a.EventView}, (P.NOT_FOUND,), tag="events",
       description="A cancelled event stays visible, as cancelled."),
    Op("POST", "/api/v1/events/{id}/export", "exportEvent", "Re-host a twin's event here", OPERATOR,
       {201: a.EventView}, (P.NOT_FOUND, P.CONFLICT, P.NOT_TWINNED), body=ExportBody, body_required=False,
       tag="events", description="What differs at this space; the rest comes from the origin."),
    Op("POST", "/api/v1/events/{id}/flags/resolve", "resolveFlag", "Follow or keep after the origin changed",
       OPERATOR, {200: a.EventView}, (P.NOT_FOUND,), body=ResolveBody, tag="events"),
]

BOOKING = [
    Op("POST", "/api/v1/resources", "addResource", "Add a desk, room, booth or event space", OPERATOR,
       {201: a.ResourceView}, (P.CONFLICT,), body=ResourceBody, tag="booking"),
    Op("GET", "/api/v1/resources", "listResources", "This space's resources", OPERATOR,
       {200: a.ResourceList}, tag="booking"),
    Op("POST", "/api/v1/slots", "offerSlot", "Offer space-time to one twin", OPERATOR, {201: a.SlotView},
       (P.NOT_FOUND, P.NOT_TWINNED, P.CONFLICT), body=SlotBody, tag="booking"),
    Op("GET", "/api/v1/slots", "listSlots", "The slots this space offers", OPERATOR, {200: a.SlotList},
       (P.VALIDATION_ERROR,), query=WINDOW, tag="booking"),
    Op("DELETE", "/api/v1/slots/{id}", "withdrawSlot", "Withdraw a slot; its reservations are cancelled",
       OPERATOR, {200: a.WithdrawnSlot}, (P.NOT_FOUND,), tag="booking",
       description="A slot that has started only closes to new reservations: its guests keep theirs (what "
       "happened stays in the ledger)."),
    Op("GET", "/api/v1/twins/{id}/slots", "twinSlots", "What a twin offers this space", USER,
       {200: a.TwinSlots}, (P.NOT_TWINNED, P.VALIDATION_ERROR), query=WINDOW, tag="booking",
       description="`id` is the twinning id or the twin's node URL."),
    Op("POST", "/api/v1/members", "addMember", "Add a member (their token is shown once)", OPERATOR,
       {201: a.NewMember}, (P.CONFLICT,), body=MemberBody, tag="members"),
    Op("GET", "/api/v1/members", "listMembers", "This space's members", OPERATOR, {200: a.MemberList},
       tag="members"),
    Op("PUT", "/api/v1/reservations/{id}", "reserve", "Reserve a slot or an event place at a twin", MEMBER,
       {201: a.Reservation, 200: a.Reservation, 202: a.Reservation},
       (P.CONFLICT, P.NOT_FOUND, P.NOT_TWINNED, P.PEER_UNREACHABLE, *HOST_REFUSALS), body=ReserveBody,
       tag="reservations",
       description="`id` is a lowercase UUID chosen by the client: repeating the request is safe. 201 with "
       "the host's signed receipt; 202 pending when the host could not be reached (asked again later); "
       "the host's problem when it refused. With `waitlist: true`, a full slot or event answers 202 "
       "`{\"status\": \"waiting\", \"position\": n}` (a target with seats left is simply booked)."),
    Op("POST", "/api/v1/reservations/{id}/confirm", "confirmReservation",
       "Take the seats offered to me from a waitlist", MEMBER, {201: a.Reservation, 200: a.Reservation},
       (P.NOT_FOUND, P.CONFLICT, P.OFFER_EXPIRED, P.ALLOWANCE_EXHAUSTED, P.PEER_UNREACHABLE, *HOST_REFUSALS),
       tag="reservations",
       description="Only while the reservation is `offered` and before `offer_expires_at` (else `conflict` or "
       "`offer-expired`, nothing changed). Allowances are checked now, here and at the host; 201 with the "
       "host's signed receipt, 200 if it was confirmed already."),
    Op("GET", "/api/v1/reservations", "myReservations", "My reservations", MEMBER, {200: a.ReservationList},
       tag="reservations"),
    Op("GET", "/api/v1/reservations.ics", "myCalendar", "My reservations as a calendar", ANYONE,
       {200: CALENDAR, 304: NOT_MODIFIED}, (P.UNAUTHORIZED, P.FORBIDDEN),
       query=(Query("secret", "The calendar secret from `calendar_url` (or send a member token)."), IF_NONE_MATCH),
       tag="reservations"),
    Op("GET", "/api/v1/reservations/{id}", "getReservation", "One of my reservations", MEMBER,
       {200: a.Reservation}, (P.NOT_FOUND,), tag="reservations"),
    Op("DELETE", "/api/v1/reservations/{id}", "cancelReservation",
       "Cancel one of my reservations, or leave a waitlist", MEMBER,
       {200: a.Reservation}, (P.NOT_FOUND, P.CONFLICT, P.PEER_UNREACHABLE, P.CANCELLATION_WINDOW_CLOSED,
                             P.NOT_TWINNED, P.SIGNATURE_INVALID, P.VALIDATION_ERROR), tag="reservations"),
    Op("GET", "/api/v1/ledger", "ledger", "Reciprocity balance per twin, from the signed receipts", OPERATOR,
       {200: ledger.LedgerReport}, (P.NOT_TWINNED, P.VALIDATION_ERROR), tag="booking",
       query=(
           Query("twin", "One twin (twinning id, node URL or name); default: every twin."),
           Query("period", "The month, YYYY-MM (default: this month in this space's zone)."),
           Query("receipts", "1 to include the signed receipts that prove each figure."),
       )),
    Op("GET", "/api/v1/guests", "guests", "Twins' members expected here on a day (the front desk)", OPERATOR,
       {200: h.GuestList}, (P.VALIDATION_ERROR,), tag="booking",
       query=(Query("date", "The day, YYYY-MM-DD in this space's zone (default: today)."),)),
    Op("POST", "/api/v1/guests/{id}/check-in", "checkIn", "Check a twin's member in", OPERATOR,
       {200: h.Guest}, (P.NOT_FOUND, P.CONFLICT), tag="booking",
       description="From the reservation's day on; the member's home is told in a new receipt version."),
    Op("POST", "/api/v1/offers", "addOffer", "Offer a resource to a twin on a weekly schedule", OPERATOR,
       {201: h.Offer}, (P.VALIDATION_ERROR, P.NOT_FOUND, P.NOT_TWINNED, P.CONFLICT), body=OfferBody, tag="booking",
       description="Each occurrence becomes an ordinary slot, published within `hosting.offer_horizon_days`; "
       "refused as a whole when any occurrence in the horizon cannot be offered (capacity, opening hours)."),
    Op("GET", "/api/v1/offers", "listOffers", "This space's standing offers", OPERATOR, {200: h.OfferList},
       tag="booking"),
    Op("DELETE", "/api/v1/offers/{id}", "withdrawOffer", "Withdraw a standing offer from a date on", OPERATOR,
       {200: h.OfferWithdrawn}, (P.NOT_FOUND, P.VALIDATION_ERROR), tag="booking",
       query=(Query("from", "YYYY-MM-DD in this space's zone (default: today)."),),
       description="Published occurrences from that date are withdrawn (reservations cancelled, homes told; "
       "an occurrence already under way keeps its guests); "
       "the series ends the day before, or is withdrawn when that is before its start."),
    Op("POST", "/api/v1/guests/{id}/no-show", "noShow", "Record that a twin's member did not come", OPERATOR,
       {200: h.Guest}, (P.NOT_FOUND, P.CONFLICT), tag="booking",
       description="Once the reservation has started; the member's home is told in a new receipt version."),
]

FEDERATION = [
    Op("POST", "/federation/v1/inbox", "inbox", "A batch of signed objects from a twin", TWIN,
       {202: InboxResult}, (P.VALIDATION_ERROR,), body=a.InboxBody, tag="federation",
       description="At most 500 items and 1 MiB. Applying is idempotent by (origin, id, version); the "
       "answer has one result per item: applied, stale, or rejected with its problem."),
    Op("GET", "/federation/v1/feed", "feed", "The caller's change feed from this node", TWIN, {200: FeedPage},
       (P.VALIDATION_ERROR,), tag="federation",
       query=(
           Query("after", "The last seq read (default 0).", {"type": "integer", "minimum": 0}),
           Query("limit", "At most this many items (1-1000, default 500).",
                 {"type": "integer", "minimum": 1, "maximum": 1000}),
       )),
    Op("POST", "/federation/v1/twinning", "twinning", "A signed proposal, acceptance or change",
       Caller.ANY_NODE, {202: a.TwinningReceived}, (P.VALIDATION_ERROR, P.CONFLICT, P.NOT_FOUND, P.FORBIDDEN),
       body=Envelope, tag="federation",
       description="The only call a stranger may make (rate-limited): a TwinningProposal. Twins send "
       "TwinningAcceptance and TwinningChange here too."),
    Op("PUT", "/federation/v1/reservations/{id}", "hostReserve", "Reserve for a member of the calling twin",
       TWIN, {201: a.SignedReceipt, 200: a.SignedReceipt, 202: a.SignedWaitlistPlace},
       (*HOST_REFUSALS, P.SIGNATURE_EXPIRED), body=a.SignedReservationRequest, tag="federation",
       description="201 with the signed receipt; the same request again answers the same receipt (200); "
       "the same id with other content is a conflict. A request with `waitlist` for a full target joins "
       "its waitlist: 202 with the signed WaitlistPlace (200 with its current version on a repeat)."),
    Op("DELETE", "/federation/v1/reservations/{id}", "hostCancel", "Cancel a reservation the calling twin made",
       TWIN, {200: a.SignedReceipt}, (P.NOT_FOUND, P.CANCELLATION_WINDOW_CLOSED),
       tag="federation",
       description="The cancelled receipt; for a request in a waitlist, its signed WaitlistPlace with status "
       "`left` instead."),
    Op("POST", "/federation/v1/reservations/{id}/confirm", "hostConfirm",
       "Confirm seats offered from a waitlist", TWIN, {201: a.SignedReceipt, 200: a.SignedReceipt},
       (*HOST_REFUSALS, P.OFFER_EXPIRED, P.SIGNATURE_EXPIRED), body=a.SignedReservationRequest, tag="federation",
       description="A fresh request with the same id and content. 201 with the signed receipt; 200 on a "
       "repeat; `offer-expired` at or after the offer's end; `conflict` when nothing is offered."),
]

# fmt: on

OPERATIONS: list[Op] = [
    *PUBLIC,
    *TWINS,
    *EVENTS,
    *BOOKING,
    *PEOPLE,
    *INTRODUCTIONS,
    *TRIP,
    *profiles.OPERATIONS,
    *FEDERATION,
    *activitypub.OPERATIONS,
]
TAGS = [
    {"name": "public", "description": "Anyone may call these."},
    {"name": "twins", "description": "Twinnings, delivery and keys (operator)."},
    {"name": "events", "description": "Events here and at the twins."},
    {"name": "booking", "description": "Resources, slots and the ledger (operator), twins' slots (members)."},
    {"name": "members", "description": "This space's members (operator)."},
    {"name": "reservations", "description": "Reserving abroad (members)."},
    {"name": "people", "description": "Signing in by e-mail, operator tokens, mail preferences."},
    {"name": "introductions", "description": "Introductions between members of twins, and the trip view."},
    profiles.TAG,
    {"name": "federation", "description": "Node to node: RFC 9421 signed requests from twins only."},
    activitypub.TAG,
]


@lru_cache(maxsize=1)
def document_json() -> str:
    """The document as served and committed (docs/openapi.json): sorted keys, two-space indent."""
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this node's local and federation APIs."""
    info = {
        "title": "Gemellaggio node API",
        "version": "1",
        "summary": "Twinning coworking spaces: the local API (operator, members) and the federation API (twins).",
        "description": (
            f"Protocol {PROTOCOL_VERSION}. Every error is application/problem+json (RFC 9457) with a stable "
            "`type` (see the Problem schema). Readable reference with examples: docs/API.md; the protocol: "
            "docs/PROTOCOL.md."
        ),
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    }
    return build_document(OPERATIONS, info=info, tags=TAGS)


async def serve(request: web.Request) -> web.Response:
    return web.Response(text=document_json(), content_type="application/json", headers={"Cache-Control": "max-age=300"})


def main(argv: list[str]) -> int:
    """`python -m node.web.openapi docs/openapi.json` writes the document (no path: stdout)."""
    if len(argv) > 1:
        with open(argv[1], "w", encoding="utf-8") as out:
            out.write(document_json())
        print(f"wrote {argv[1]} ({len(OPERATIONS)} operations)")
    else:
        print(document_json(), end="")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv))
