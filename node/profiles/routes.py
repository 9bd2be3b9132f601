"""Member API of profile cards and the directory; the operator hides cards. Handlers parse,
authenticate, delegate."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationError

from node.booking import BOOKING
from node.http.auth import require_member, require_operator
from node.http.errors import json_response, parse_body, validation_problem
from node.http.keys import NODE
from node.i18n import parse_accept_language

from . import directory
from .bodies import ProfileBody
from .web import cards as card_service

routes = web.RouteTableDef()


class DirectoryParams(BaseModel):
    """GET /api/v1/directory's query."""

    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, StringConstraints(max_length=200)] = ""
    skill: Annotated[str, StringConstraints(max_length=60)] = ""
    language: Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*)?$")] = ""
    city: Annotated[str, StringConstraints(max_length=200)] = ""
    origin: Annotated[str, StringConstraints(max_length=200)] = ""  # "local", a twin's node URL or twinning id
    limit: Annotated[int, Field(ge=1, le=50)] = 20
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0


class HideBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    origin: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    member: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    hidden: StrictBool = True


@routes.get("/api/v1/profile")
async def get_profile(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    return json_response(await card_service(request).get(who.member_id))


@routes.put("/api/v1/profile")
async def put_profile(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    body = await parse_body(request, ProfileBody)
    return json_response(await card_service(request).put(who.member_id, body))


@routes.delete("/api/v1/profile")
async def withdraw_profile(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    return json_response(await card_service(request).withdraw(who.member_id))


@routes.get("/api/v1/directory")
async def search_directory(request: web.Request) -> web.Response:
    who = await require_member(request)
    try:
        params = DirectoryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    service = card_service(request)
    origin = await service.origin_named(params.origin)
    query = directory.query(service.node.id, origin, params.model_dump())
    cards = await directory.search(request.app[NODE].store.db, query)
    accepted = parse_accept_language(request.headers.get("Accept-Language", ""))
    assert who.member_id is not None
    saved = (await request.app[BOOKING].members.get(who.member_id)).language
    language = service.language_of(saved, accepted)
    items = [directory.item(card, language) for card in cards]
    following = None
    if len(items) == params.limit:
        following = str(request.rel_url.update_query(offset=params.offset + params.limit))
    return json_response({"items": items, "next": following})


@routes.post("/api/v1/directory/hidden")
async def hide_card(request: web.Request) -> web.Response:
    """The operator hides a card from this node's directory (or shows it again with hidden=false)."""
    await require_operator(request)
    body = await parse_body(request, HideBody)
    service = card_service(request)
    origin = await service.origin_named(body.origin)
    return json_response(await service.hide(origin, body.member, body.hidden))
