"""The security matrix: for every route, what each kind of caller gets.

Callers: anonymous; a member and another member (bearer tokens); the operator; an active twin,
another active twin, a stranger node (a real key, never twinned) and a suspended twin, each
signing its requests (RFC 9421) with its own node's key.

A row names the route, the concrete request sent, who may call it (`Access`), what an allowed
caller gets, and the cells that differ from what the access rule implies (`overrides`). The
requests that pass the gate are chosen to leave the world as the other rows need it: writes
either succeed harmlessly (a new event, member, slot) or fail after the gate (an unknown id).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .world import World

CALLERS = ("anonymous", "member", "other member", "operator", "twin", "other twin", "stranger", "suspended twin")
TOKEN_CALLERS = ("member", "other member", "operator")
SIGNING_CALLERS = {"twin": "twin", "other twin": "other", "stranger": "stranger", "suspended twin": "paused"}


@dataclass(frozen=True)
class Outcome:
    """A status and what came with it: a problem type, or for pages: signin, page, csrf."""

    status: int
    kind: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.kind}" if self.kind else str(self.status)


def o(status: int, kind: str | None = None) -> Outcome:
    return Outcome(status, kind)


class Access(Enum):
    ANYONE = "anyone"
    USER = "member or operator"
    MEMBER = "member"
    OPERATOR = "operator"
    TWIN = "active twin"
    ANY_NODE = "any node that signs"
    MEMBER_PAGE = "member page"
    OPERATOR_PAGE = "operator page"
    FORM = "form post (CSRF)"


UNAUTHORIZED, FORBIDDEN = o(401, "unauthorized"), o(403, "forbidden")
UNSIGNED, NOT_TWINNED = o(401, "signature-invalid"), o(403, "not-twinned")
SIGNIN, PAGE, CSRF = o(200, "signin"), o(200, "page"), o(403, "csrf")
SIGNED = ("twin", "other twin", "stranger", "suspended twin")


def implied(access: Access, ok: Outcome) -> dict[str, Outcome]:
    """What each caller gets under an access rule, when the allowed ones get `ok`."""
    tokens_refused = {c: UNAUTHORIZED for c in SIGNED}  # a signature is not a local credential
    table: dict[Access, dict[str, Outcome]] = {
        Access.ANYONE: dict.fromkeys(CALLERS, ok),
        Access.USER: {
            "anonymous": UNAUTHORIZED,
            "member": ok,
            "other member": ok,
            "operator": ok,
            **tokens_refused,
        },
        Access.MEMBER: {
            "anonymous": UNAUTHORIZED,
            "member": ok,
            "other member": ok,
            "operator": FORBIDDEN,
            **tokens_refused,
        },
        Access.OPERATOR: {
            "anonymous": UNAUTHORIZED,
            "member": FORBIDDEN,
            "other member": FORBIDDEN,
            "operator": ok,
            **tokens_refused,
        },
        Access.TWIN: {
            **dict.fromkeys(("anonymous", *TOKEN_CALLERS), UNSIGNED),
            "twin": ok,
            "other twin": ok,
            "stranger": NOT_TWINNED,
            "suspended twin": NOT_TWINNED,
        },
        Access.ANY_NODE: {**dict.fromkeys(("anonymous", *TOKEN_CALLERS), UNSIGNED), **dict.fromkeys(SIGNED, ok)},
        Access.MEMBER_PAGE: {**dict.fromkeys(CALLERS, SIGNIN), "member": ok, "other member": ok},
        Access.OPERATOR_PAGE: {**dict.fromkeys(CALLERS, SIGNIN), "operator": ok},
        Access.FORM: dict.fromkeys(CALLERS, CSRF),
    }
    return table[access]


# A body: None, a JSON value, or a function of (world, caller, values) giving the bytes.
Body = Any


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the route as the application registers it (placeholders named as there)
    target: str  # the request sent: a format string over `values(world)`
    access: Access
    ok: Outcome
    body: Body = None
    overrides: dict[str, Outcome] = field(default_factory=dict)

    def expected(self) -> dict[str, Outcome]:
        return {**implied(self.access, self.ok), **self.overrides}

    def body_bytes(self, world: World, caller: str, vals: dict[str, str]) -> tuple[bytes, str | None]:
        if self.body is None:
            return b"", None
        if self.access is Access.FORM:
            return b"field=value", "application/x-www-form-urlencoded"
        if callable(self.body):
            return self.body(world, caller, vals), "application/json"
        return json.dumps(_fill(self.body, vals)).encode(), "application/json"


def values(world: World) -> dict[str, str]:
    """What targets may name; `new` is a fresh UUID for each request."""
    return {
        "twin_id": world.twinning["Twin"],
        "paused_id": world.twinning["Paused"],
        "twin_url": world.twin.url,
        "event": world.event["id"],
        "abroad": world.abroad_id,
        "hosted": world.hosted_id,
        "new": str(uuid.uuid4()),
        "home": world.home.url,
        "other_url": world.other.url,
        "twin_slot": world.twin_slot["id"],
    }


def _fill(value: Any, vals: dict[str, str]) -> Any:
    """A JSON body with `{name}` placeholders in its strings filled in."""
    if isinstance(value, str):
        return value.format(**vals)
    if isinstance(value, dict):
        return {k: _fill(v, vals) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, vals) for v in value]
    return value


def own_reservation_request(world: World, caller: str, vals: dict[str, str]) -> bytes:
    """A ReservationRequest (id `new`) for Home's slot offered to Twin, signed by the caller's node."""
    signer = world.signer(SIGNING_CALLERS.get(caller, "twin"))
    return world.reservation_request(signer, vals["new"], world.slot["id"], "visitor-" + caller.replace(" ", "-"))


BodyFn = Callable[[World, str, dict[str, str]], bytes]
