"""The rows of the security matrix (tests/api/matrix.py explains the columns).

Every route the application registers needs a row here; tests/api/test_security_matrix.py
fails on one that has none. Page routes come last.
"""

from __future__ import annotations

import json

from .matrix import (
    CSRF,
    PAGE,
    SIGNIN,
    Access,
    Row,
    o,
    own_reservation_request,
)

A = Access
NOT_FOUND, CONFLICT, INVALID = o(404, "not-found"), o(409, "conflict"), o(422, "validation-error")
UNAUTHORIZED, FORBIDDEN, UNSUPPORTED = o(401, "unauthorized"), o(403, "forbidden"), o(415, "unsupported-media-type")
OK, CREATED, ACCEPTED = o(200), o(201), o(202)

PUBLIC = [
    Row("GET", "/.well-known/gemellaggio", "/.well-known/gemellaggio", A.ANYONE, OK),
    Row("GET", "/healthz", "/healthz", A.ANYONE, OK),
    Row("GET", "/metrics", "/metrics", A.ANYONE, OK),
    Row("GET", "/calendar.ics", "/calendar.ics", A.ANYONE, OK),
    Row("GET", "/api/v1/node", "/api/v1/node", A.ANYONE, OK),
    Row("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", A.ANYONE, OK),
]

TWINS = [
    # Proposing to ourselves passes the gate and is refused after it, changing nothing.
    Row("POST", "/api/v1/twins", "/api/v1/twins", A.OPERATOR, INVALID, body={"url": "{home}"}),
    Row("GET", "/api/v1/twins", "/api/v1/twins", A.OPERATOR, OK),
    Row("GET", "/api/v1/twins/{id}", "/api/v1/twins/{twin_id}", A.OPERATOR, OK),
    Row("POST", "/api/v1/twins/{id}/accept", "/api/v1/twins/{twin_id}/accept", A.OPERATOR, CONFLICT),
    Row("POST", "/api/v1/twins/{id}/decline", "/api/v1/twins/{twin_id}/decline", A.OPERATOR, CONFLICT),
    Row("POST", "/api/v1/twins/{id}/suspend", "/api/v1/twins/{paused_id}/suspend", A.OPERATOR, CONFLICT),
    Row("POST", "/api/v1/twins/{id}/resume", "/api/v1/twins/{twin_id}/resume", A.OPERATOR, CONFLICT),
    Row("POST", "/api/v1/twins/{id}/end", "/api/v1/twins/{new}/end", A.OPERATOR, NOT_FOUND),
    Row("GET", "/api/v1/status", "/api/v1/status", A.OPERATOR, OK),
    Row("POST", "/api/v1/keys/rotate", "/api/v1/keys/rotate", A.OPERATOR, CREATED),
]

EVENT = {"title": "Matrix talk", "starts_at": "2031-05-06T18:00", "ends_at": "2031-05-06T19:00"}
EVENTS = [
    Row("POST", "/api/v1/events", "/api/v1/events", A.OPERATOR, CREATED, body=EVENT),
    Row("GET", "/api/v1/events", "/api/v1/events", A.USER, OK),
    Row("GET", "/api/v1/events/flags", "/api/v1/events/flags", A.OPERATOR, OK),
    Row("GET", "/api/v1/events/{id}", "/api/v1/events/{event}", A.USER, OK),
    Row("PATCH", "/api/v1/events/{id}", "/api/v1/events/{event}", A.OPERATOR, OK, body={"summary": "Updated"}),
    Row("DELETE", "/api/v1/events/{id}", "/api/v1/events/no-such-event", A.OPERATOR, NOT_FOUND),
    Row("POST", "/api/v1/events/{id}/export", "/api/v1/events/no-such-event/export", A.OPERATOR, NOT_FOUND),
    Row(
        "POST",
        "/api/v1/events/{id}/flags/resolve",
        "/api/v1/events/{event}/flags/resolve",
        A.OPERATOR,
        NOT_FOUND,
        body={"action": "keep"},
    ),
]

SLOT = {
    "resource_id": "desks",
    "twin_id": "{other_url}",
    "starts_at": "2031-05-06T09:00",
    "ends_at": "2031-05-06T10:00",
    "seats": 1,
}
BOOKING = [
    Row(
        "POST",
        "/api/v1/resources",
        "/api/v1/resources",
        A.OPERATOR,
        CREATED,
        body={"kind": "phone_booth", "name": "Booth", "capacity": 1},
    ),
    Row("GET", "/api/v1/resources", "/api/v1/resources", A.OPERATOR, OK),
    Row("POST", "/api/v1/slots", "/api/v1/slots", A.OPERATOR, CREATED, body=SLOT),
    Row("GET", "/api/v1/slots", "/api/v1/slots", A.OPERATOR, OK),
    Row("DELETE", "/api/v1/slots/{id}", "/api/v1/slots/no-such-slot", A.OPERATOR, NOT_FOUND),
    Row("GET", "/api/v1/twins/{id}/slots", "/api/v1/twins/{twin_url}/slots", A.USER, OK),
    Row(
        "POST",
        "/api/v1/members",
        "/api/v1/members",
        A.OPERATOR,
        CREATED,
        body={"display_name": "Dee", "email": "dee@home.example"},
    ),
    Row("GET", "/api/v1/members", "/api/v1/members", A.OPERATOR, OK),
    # Reserving abroad goes to Twin over the federation, signed by Home: each member gets a seat.
    Row(
        "PUT",
        "/api/v1/reservations/{id}",
        "/api/v1/reservations/{new}",
        A.MEMBER,
        CREATED,
        body={"slot_id": "{twin_slot}"},
    ),
    Row("GET", "/api/v1/reservations", "/api/v1/reservations", A.MEMBER, OK),
    Row("GET", "/api/v1/reservations.ics", "/api/v1/reservations.ics", A.MEMBER, OK),
    # Another member's reservation is not found (never told apart from one that does not exist).
    Row(
        "GET",
        "/api/v1/reservations/{id}",
        "/api/v1/reservations/{abroad}",
        A.MEMBER,
        OK,
        overrides={"other member": NOT_FOUND},
    ),
    Row(
        "DELETE",
        "/api/v1/reservations/{id}",
        "/api/v1/reservations/{abroad}",
        A.MEMBER,
        OK,
        overrides={"other member": NOT_FOUND},
    ),
    # Confirming seats offered from a waitlist: a reservation with no offer is not found.
    Row("POST", "/api/v1/reservations/{id}/confirm", "/api/v1/reservations/{new}/confirm", A.MEMBER, NOT_FOUND),
    Row("GET", "/api/v1/ledger", "/api/v1/ledger", A.OPERATOR, OK),
    Row("GET", "/api/v1/guests", "/api/v1/guests", A.OPERATOR, OK),
    Row("GET", "/api/v1/offers", "/api/v1/offers", A.OPERATOR, OK),
    Row("POST", "/api/v1/offers", "/api/v1/offers", A.OPERATOR, INVALID, body={}),
    Row("DELETE", "/api/v1/offers/{id}", "/api/v1/offers/no-such-offer", A.OPERATOR, NOT_FOUND),
    # The hosted reservation is days ahead: the desk cannot check anyone in or out yet.
    Row("POST", "/api/v1/guests/{id}/check-in", "/api/v1/guests/{hosted}/check-in", A.OPERATOR, CONFLICT),
    Row("POST", "/api/v1/guests/{id}/no-show", "/api/v1/guests/{hosted}/no-show", A.OPERATOR, CONFLICT),
]


def _email_per_caller(world: object, caller: str, vals: dict[str, str]) -> bytes:
    """A wrong code for an address of the caller's own, so that no caller locks another's address."""
    return json.dumps({"email": f"{caller.replace(' ', '-')}@home.example", "code": "000000"}).encode()


PEOPLE = [
    Row("POST", "/api/v1/auth/email", "/api/v1/auth/email", A.ANYONE, ACCEPTED, body={"email": "x@home.example"}),
    Row(
        "POST", "/api/v1/auth/email/verify", "/api/v1/auth/email/verify", A.ANYONE, UNAUTHORIZED, body=_email_per_caller
    ),
    Row("POST", "/api/v1/members/{id}/invite", "/api/v1/members/no-such-member/invite", A.OPERATOR, NOT_FOUND),
    # The matrix sends JSON: the import takes text/csv only.
    Row("POST", "/api/v1/members/import", "/api/v1/members/import", A.OPERATOR, UNSUPPORTED, body={}),
    Row("GET", "/api/v1/members.csv", "/api/v1/members.csv", A.OPERATOR, OK),
    Row("GET", "/api/v1/members/{id}/export", "/api/v1/members/no-such-member/export", A.OPERATOR, NOT_FOUND),
    Row("GET", "/api/v1/me/export", "/api/v1/me/export", A.MEMBER, OK),
    # The operator erases anyone; a member only themselves.
    Row(
        "DELETE",
        "/api/v1/members/{id}",
        "/api/v1/members/no-such-member",
        A.USER,
        NOT_FOUND,
        overrides={"member": FORBIDDEN, "other member": FORBIDDEN},
    ),
    Row("GET", "/api/v1/tokens", "/api/v1/tokens", A.OPERATOR, OK),
    Row("POST", "/api/v1/tokens", "/api/v1/tokens", A.OPERATOR, CREATED, body={"name": "matrix"}),
    Row("DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/0000000000000000", A.OPERATOR, NOT_FOUND),
    Row("POST", "/api/v1/unsubscribe/{member}/{sig}", "/api/v1/unsubscribe/nobody/bad", A.ANYONE, NOT_FOUND),
]

# People across twins (node/profiles): each row's call changes nothing, whatever the order.
PROFILES = [
    Row("GET", "/api/v1/profile", "/api/v1/profile", A.MEMBER, NOT_FOUND),
    Row("PUT", "/api/v1/profile", "/api/v1/profile", A.MEMBER, INVALID, body={"shared": ["email"]}),
    Row("DELETE", "/api/v1/profile", "/api/v1/profile", A.MEMBER, NOT_FOUND),
    Row("GET", "/api/v1/directory", "/api/v1/directory?q=matrix", A.MEMBER, OK),
    Row(
        "POST",
        "/api/v1/directory/hidden",
        "/api/v1/directory/hidden",
        A.OPERATOR,
        NOT_FOUND,
        body={"origin": "local", "member": "0" * 32},
    ),
]

FEDERATION = [
    # Items are refused one by one inside a 202: the gate is what differs between callers.
    Row("POST", "/federation/v1/inbox", "/federation/v1/inbox", A.TWIN, ACCEPTED, body={"items": [{}]}),
    Row("GET", "/federation/v1/feed", "/federation/v1/feed", A.TWIN, OK),
    # Anyone with a key may propose (a stranger's document is fetched); `{}` is no proposal.
    Row("POST", "/federation/v1/twinning", "/federation/v1/twinning", A.ANY_NODE, INVALID, body={}),
    # Each caller signs its own request for the slot Home offers to Twin: only Twin may take it.
    Row(
        "PUT",
        "/federation/v1/reservations/{id}",
        "/federation/v1/reservations/{new}",
        A.TWIN,
        CREATED,
        body=own_reservation_request,
        overrides={"other twin": NOT_FOUND},
    ),
    # Confirming seats offered from a waitlist: nothing is offered to a new id, whoever asks.
    Row(
        "POST",
        "/federation/v1/reservations/{id}/confirm",
        "/federation/v1/reservations/{new}/confirm",
        A.TWIN,
        NOT_FOUND,
        body=own_reservation_request,
    ),
    # A twin cancels its own members' reservations only.
    Row(
        "DELETE",
        "/federation/v1/reservations/{id}",
        "/federation/v1/reservations/{hosted}",
        A.TWIN,
        OK,
        overrides={"other twin": NOT_FOUND},
    ),
]

# The ActivityPub bridge (node/activitypub): public documents, a signed inbox, the operator's API.
FEDIVERSE = [
    Row("GET", "/.well-known/webfinger", "/.well-known/webfinger?resource={home}/ap/actor", A.ANYONE, OK),
    Row("GET", "/.well-known/nodeinfo", "/.well-known/nodeinfo", A.ANYONE, OK),
    Row("GET", "/nodeinfo/2.1", "/nodeinfo/2.1", A.ANYONE, OK),
    Row("GET", "/ap/actor", "/ap/actor", A.ANYONE, OK),
    Row("GET", "/ap/icon.svg", "/ap/icon.svg", A.ANYONE, OK),
    Row("GET", "/ap/outbox", "/ap/outbox", A.ANYONE, OK),
    Row("GET", "/ap/followers", "/ap/followers", A.ANYONE, OK),
    Row("GET", "/ap/events/{id}", "/ap/events/no-such-event", A.ANYONE, NOT_FOUND),
    # `{}` is no activity: refused before any signature is looked at, whoever sends it.
    Row("POST", "/ap/inbox", "/ap/inbox", A.ANYONE, INVALID, body={}),
    Row("GET", "/api/v1/activitypub/followers", "/api/v1/activitypub/followers", A.OPERATOR, OK),
    Row(
        "DELETE",
        "/api/v1/activitypub/followers",
        "/api/v1/activitypub/followers?actor=https://nobody.example/u",
        A.OPERATOR,
        NOT_FOUND,
    ),
    Row("GET", "/api/v1/activitypub/blocks", "/api/v1/activitypub/blocks", A.OPERATOR, OK),
    Row(
        "POST",
        "/api/v1/activitypub/blocks",
        "/api/v1/activitypub/blocks",
        A.OPERATOR,
        CREATED,
        body={"host": "x.example"},
    ),
    Row("DELETE", "/api/v1/activitypub/blocks/{host}", "/api/v1/activitypub/blocks/x.example", A.OPERATOR, OK),
]

# Pages: HTML. Without a session a page shows its sign-in form; every form post without the
# CSRF token bound to the caller's cookie is refused before any handler runs.
FORMS = [
    "/signin",
    "/signout",
    "/reserve",
    "/reservations/{id}/cancel",
    "/reservations/{id}/confirm",
    "/admin/signin",
    "/admin/signout",
    "/admin/twins",
    *(f"/admin/twins/{{id}}/{action}" for action in ("accept", "decline", "suspend", "resume", "end")),
    "/admin/events",
    "/admin/events/{id}",
    "/admin/events/{id}/cancel",
    "/admin/events/{id}/export",
    "/admin/events/{id}/resolve",
    "/admin/resources",
    "/admin/slots",
    "/admin/slots/{id}/withdraw",
    "/admin/members",
    "/admin/members/{id}/remove",
    "/admin/offers",
    "/admin/offers/{id}/withdraw",
    "/admin/guests/{id}/check-in",
    "/admin/guests/{id}/no-show",
    "/language",
    "/admin/members/{id}/invite",
    "/admin/members/import",
    "/signin/email",
    "/signin/code",
    "/account/calendar",
    "/account/token",
    "/account/reminders",
    "/account/delete",
    "/admin/profile",
    "/admin/fediverse/remove",
    "/admin/fediverse/block",
    "/admin/fediverse/unblock",
    "/people/card",
    "/people/card/withdraw",
    "/admin/people/hidden",
]
PAGES = [
    Row("GET", "/static", "/static/style.css", A.ANYONE, OK),
    Row("GET", "/", "/", A.MEMBER_PAGE, PAGE),
    Row("GET", "/reservations", "/reservations", A.MEMBER_PAGE, PAGE),
    Row("GET", "/account", "/account", A.MEMBER_PAGE, PAGE),
    Row("GET", "/people", "/people", A.MEMBER_PAGE, PAGE),
    Row("GET", "/people/card", "/people/card", A.MEMBER_PAGE, PAGE),
    Row("GET", "/account/export", "/account/export", A.MEMBER_PAGE, OK),
    Row("GET", "/signin/link/{secret}", "/signin/link/no-such-link", A.ANYONE, o(401, "page")),
    Row("GET", "/unsubscribe/{member}/{sig}", "/unsubscribe/nobody/bad", A.ANYONE, o(404, "page")),
    # The matrix's nodes have no identity provider configured; a callback without a state is refused.
    Row("GET", "/auth/oidc/login", "/auth/oidc/login", A.ANYONE, o(404, "page")),
    Row("GET", "/auth/oidc/callback", "/auth/oidc/callback", A.ANYONE, o(401, "page")),
    Row("POST", "/signin/link/{secret}", "/signin/link/no-such-link", A.FORM, CSRF, body=True),
    Row("POST", "/unsubscribe/{member}/{sig}", "/unsubscribe/nobody/bad", A.FORM, CSRF, body=True),
    *(
        Row("GET", path, target, A.OPERATOR_PAGE, PAGE)
        for path, target in (
            ("/admin", "/admin"),
            ("/admin/delivery", "/admin/delivery"),
            ("/admin/events", "/admin/events"),
            ("/admin/events/{id}", "/admin/events/{event}"),
            ("/admin/space", "/admin/space"),
            ("/admin/members", "/admin/members"),
            ("/admin/ledger", "/admin/ledger"),
            ("/admin/mail", "/admin/mail"),
            ("/admin/members/import", "/admin/members/import"),
            ("/admin/profile", "/admin/profile"),
            ("/admin/guests", "/admin/guests"),
            ("/admin/offers", "/admin/offers"),
            ("/admin/fediverse", "/admin/fediverse"),
            ("/admin/people", "/admin/people"),
        )
    ),
    # The public face (node/public): the same for everyone, signed in or not.
    *(
        Row("GET", path, target, A.ANYONE, PAGE)
        for path, target in (
            ("/space", "/space"),
            ("/events/{id}", "/events/{event}"),
            ("/network", "/network"),
            ("/open-data/", "/open-data/"),
        )
    ),
    Row("GET", "/signin", "/signin", A.ANYONE, SIGNIN),
    Row("GET", "/space.jsonld", "/space.jsonld", A.ANYONE, OK),
    Row("GET", "/open-data/catalog.jsonld", "/open-data/catalog.jsonld", A.ANYONE, OK),
    Row("GET", "/open-data/exchanges.csv", "/open-data/exchanges.csv", A.ANYONE, OK),
    Row("GET", "/open-data/receipts-{month}.json", "/open-data/receipts-2031-05.json", A.ANYONE, NOT_FOUND),
    *(Row("POST", path, path.replace("{id}", "{event}"), A.FORM, CSRF, body=True) for path in FORMS),
]

ROWS = [*PUBLIC, *TWINS, *EVENTS, *BOOKING, *PEOPLE, *PROFILES, *FEDERATION, *FEDIVERSE, *PAGES]
