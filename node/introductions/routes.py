"""API routes of introductions: members ask, answer, block and report; the operator forwards
(in `via_operator` mode) and reads reports. Handlers parse, authenticate, delegate."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from node.http.auth import require_member, require_operator
from node.http.errors import json_response, parse_body
from protocol.models.introductions import MAX_MESSAGE_CHARS

from . import INTRODUCTIONS
from .service import Introductions

routes = web.RouteTableDef()


class MemberRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    origin: Annotated[str, Field(min_length=1, max_length=200, description="The twin's node URL.")]
    member: Annotated[str, Field(min_length=1, max_length=100, description="The card's `member` handle.")]


class IntroductionBody(BaseModel):
    """POST /api/v1/introductions. The message is plain text (the node's own bound may be lower)."""

    model_config = ConfigDict(extra="forbid")
    to: MemberRef
    message: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


def service(request: web.Request) -> Introductions:
    return request.app[INTRODUCTIONS]


async def _member_id(request: web.Request) -> str:
    who = await require_member(request)
    assert who.member_id is not None
    return who.member_id


@routes.post("/api/v1/introductions")
async def ask(request: web.Request) -> web.Response:
    member_id = await _member_id(request)
    body = await parse_body(request, IntroductionBody)
    made = await service(request).ask(member_id, body.to.origin, body.to.member, body.message)
    return json_response(made, status=202)


@routes.get("/api/v1/introductions")
async def list_mine(request: web.Request) -> web.Response:
    return json_response({"items": await service(request).list_for(await _member_id(request))})


@routes.get("/api/v1/introductions/{id}")
async def one(request: web.Request) -> web.Response:
    return json_response(await service(request).one(await _member_id(request), request.match_info["id"]))


@routes.post("/api/v1/introductions/{id}/accept")
async def accept(request: web.Request) -> web.Response:
    return json_response(await service(request).accept(await _member_id(request), request.match_info["id"]))


@routes.post("/api/v1/introductions/{id}/decline")
async def decline(request: web.Request) -> web.Response:
    return json_response(await service(request).decline(await _member_id(request), request.match_info["id"]))


@routes.post("/api/v1/introductions/{id}/block")
async def block(request: web.Request) -> web.Response:
    member_id = await _member_id(request)
    return json_response(await service(request).decline(member_id, request.match_info["id"], block=True))


@routes.post("/api/v1/introductions/{id}/report")
async def report(request: web.Request) -> web.Response:
    member_id = await _member_id(request)
    body = await parse_body(request, ReportBody)
    made = await service(request).report(member_id, request.match_info["id"], body.reason)
    return json_response(made, status=201)


# -- the community manager ------------------------------------------------------------------------


@routes.get("/api/v1/introduction-queue")
async def waiting(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response({"items": await service(request).waiting()})


@routes.post("/api/v1/introduction-queue/{id}/forward")
async def forward(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await service(request).forward(request.match_info["id"]))


@routes.post("/api/v1/introduction-queue/{id}/decline")
async def operator_decline(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await service(request).operator_decline(request.match_info["id"]))


@routes.get("/api/v1/introduction-reports")
async def reports(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response({"items": await service(request).reports()})


@routes.post("/api/v1/introduction-reports/{id}/close")
async def close_report(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await service(request).close_report(request.match_info["id"]))
