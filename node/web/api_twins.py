"""Local API: twinnings, delivery status and key rotation (operator only)."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from node.clock import parse_iso
from node.core import Node
from node.http import answers as a
from node.http.auth import require_operator
from node.http.errors import json_response, parse_body
from node.store import Twinning
from node.web.keys import ASSEMBLED
from protocol.keys import VerifyKey, format_fingerprint
from protocol.models import Terms
from protocol.models.common import check_node_id
from protocol.problems import Problem, ProblemType

routes = web.RouteTableDef()


class ProposeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=200)
    offer: Terms | None = None
    request: Terms | None = None
    message: str | None = Field(default=None, max_length=2000)

    @field_validator("url")
    @classmethod
    def _node_address(cls, value: str) -> str:
        try:
            return check_node_id(value.rstrip("/"))
        except ValueError:
            raise ValueError(
                "give the other node's address: an http or https URL with a host name, such as"
                " https://nyc.example (no user name, query or fragment)"
            ) from None


class ChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


@routes.post("/api/v1/twins")
async def propose(request: web.Request) -> web.Response:
    await require_operator(request)
    body = await parse_body(request, ProposeBody)
    twinning = await request.app[ASSEMBLED].twinning.propose(body.url, body.offer, body.request, body.message)
    return json_response(await twin_view(request.app[ASSEMBLED], twinning), status=201)


@routes.get("/api/v1/twins")
async def list_twins(request: web.Request) -> web.Response:
    await require_operator(request)
    node = request.app[ASSEMBLED]
    return json_response(a.TwinList(items=[await twin_view(node, t) for t in await node.store.twinnings.list()]))


@routes.get("/api/v1/twins/{id}")
async def get_twin(request: web.Request) -> web.Response:
    await require_operator(request)
    node = request.app[ASSEMBLED]
    twinning = await node.store.twinnings.get(request.match_info["id"])
    if twinning is None:
        raise Problem(ProblemType.NOT_FOUND, "no such twinning")
    return json_response(await twin_view(node, twinning))


@routes.post("/api/v1/twins/{id}/{action:accept|decline|suspend|resume|end}")
async def change(request: web.Request) -> web.Response:
    await require_operator(request)
    action = request.match_info["action"]
    service = request.app[ASSEMBLED].twinning
    if action == "accept":
        twinning = await service.accept(request.match_info["id"])
    else:
        reason = (await parse_body(request, ChangeBody)).reason if request.body_exists else None
        twinning = await service.change(request.match_info["id"], action, reason)
    return json_response(await twin_view(request.app[ASSEMBLED], twinning))


@routes.get("/api/v1/status")
async def status(request: web.Request) -> web.Response:
    await require_operator(request)
    node = request.app[ASSEMBLED]
    peers = {t.peer_id for t in await node.store.twinnings.list() if t.status in ("active", "suspended")}
    peers |= set((await node.store.outbox.list_depths()).keys())
    return json_response(a.DeliveryStatus(node=node.id, peers=[await delivery_view(node, p) for p in sorted(peers)]))


@routes.post("/api/v1/keys/rotate")
async def rotate(request: web.Request) -> web.Response:
    await require_operator(request)
    result = await request.app[ASSEMBLED].key_rotation.rotate()
    return json_response(result, status=201)


async def twin_view(node: Node, twinning: Twinning) -> a.Twin:
    proposal = json.loads(twinning.proposal)["object"]
    gives, receives = (
        (proposal["offer"], proposal["request"])
        if twinning.role == "proposer"
        else (proposal["request"], proposal["offer"])
    )
    peer = await node.store.peers.get(twinning.peer_id)
    keys = await node.store.peers.get_keys(twinning.peer_id)
    current = [k for k in keys.values() if k.expired_at is None]
    return a.Twin(
        id=twinning.id,
        peer=twinning.peer_id,
        peer_name=peer.name if peer else None,
        peer_timezone=peer.timezone if peer else None,
        peer_fingerprint=format_fingerprint(VerifyKey.from_b64url(current[0].public_key).fingerprint)
        if current
        else None,
        role=twinning.role,
        status=twinning.status,
        reason=twinning.reason,
        suspended_by=twinning.suspended_by,
        terms=a.TwinTerms(we_give=Terms.model_validate(gives), we_receive=Terms.model_validate(receives)),
        created_at=twinning.created_at,
        updated_at=twinning.updated_at,
        delivery=await delivery_view(node, twinning.peer_id),
    )


async def delivery_view(node: Node, peer_id: str) -> a.Delivery:
    state = await node.store.peer_state.get(peer_id)
    usage = await node.store.usage.get(peer_id)
    limits = node.settings.limits
    depth, oldest = (await node.store.outbox.list_depths()).get(peer_id, (0, None))
    lag = (node.clock.now() - parse_iso(oldest)).total_seconds() if oldest else 0
    return a.Delivery(
        peer=peer_id,
        outbox_depth=depth,
        lag_seconds=int(lag),
        last_success=state.last_success,
        last_attempt=state.last_attempt,
        last_error=state.last_error,
        tries=state.tries,
        next_try=state.next_try,
        feed_cursor=state.feed_cursor,
        last_pull=state.last_pull,
        storage=a.Storage(
            objects=usage.objects,
            max_objects=limits.twin_max_objects,
            bytes=usage.bytes,
            max_bytes=limits.twin_max_bytes,
            refused=usage.refused,
            last_refused_at=usage.last_refused_at,
        ),
    )
