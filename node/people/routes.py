"""API routes of e-mail sign-in and invitations. Handlers parse, authenticate, delegate.

The browser binding travels as the `gemella_signin` cookie; a client without cookies sends
the value the first answer gave (`binding`) back in the `Gemella-Signin` header.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from node.booking import EMAIL_PATTERN
from node.http.auth import require_member, require_operator, require_user
from node.http.errors import json_response, parse_body
from node.http.keys import NODE
from protocol.problems import Problem, ProblemType

from .web import people

routes = web.RouteTableDef()
BINDING_COOKIE = "gemella_signin"
BINDING_HEADER = "Gemella-Signin"


class EmailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]


class VerifyBody(EmailBody):
    code: Annotated[str, Field(min_length=1, max_length=20)]


def binding_of(request: web.Request) -> str | None:
    return request.headers.get(BINDING_HEADER) or request.cookies.get(BINDING_COOKIE)


def bind(request: web.Request, response: web.StreamResponse, binding: str) -> None:
    """Set the binding cookie (HttpOnly, for 10 minutes and a margin) unless the browser has it."""
    if request.cookies.get(BINDING_COOKIE) != binding:
        secure = request.app[NODE].id.startswith("https://")
        response.set_cookie(
            BINDING_COOKIE, binding, max_age=3600, path="/", httponly=True, samesite="Lax", secure=secure
        )


@routes.post("/api/v1/auth/email")
async def ask_for_code(request: web.Request) -> web.Response:
    body = await parse_body(request, EmailBody)
    binding = binding_of(request) or secrets.token_urlsafe(32)
    await people(request).signin.request(body.email, binding)
    response = json_response({"status": "sent if this address belongs to a member", "binding": binding}, status=202)
    bind(request, response, binding)
    return response


@routes.post("/api/v1/auth/email/verify")
async def verify_code(request: web.Request) -> web.Response:
    body = await parse_body(request, VerifyBody)
    service = people(request).signin
    signed = await service.verify(body.email, body.code, binding_of(request) or "")
    token, expires_at = await service.api_token(signed.member_id)
    return json_response({"token": token, "expires_at": expires_at, "member_id": signed.member_id})


@routes.post("/api/v1/members/{id}/invite")
async def invite(request: web.Request) -> web.Response:
    await require_operator(request)
    await people(request).signin.invite(request.match_info["id"])
    return json_response({"id": request.match_info["id"], "invited": True}, status=202)


# -- named operator tokens --------------------------------------------------------------------


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100)]


@routes.get("/api/v1/tokens")
async def list_tokens(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response({"items": await people(request).accounts.list_operator_tokens()})


@routes.post("/api/v1/tokens")
async def create_token(request: web.Request) -> web.Response:
    await require_operator(request)
    body = await parse_body(request, TokenBody)
    return json_response(await people(request).accounts.create_operator_token(body.name), status=201)


@routes.delete("/api/v1/tokens/{id}")
async def revoke_token(request: web.Request) -> web.Response:
    await require_operator(request)
    await people(request).accounts.revoke_operator_token(request.match_info["id"])
    return json_response({"id": request.match_info["id"], "revoked": True})


# -- their data is theirs -------------------------------------------------------------------------


@routes.get("/api/v1/me/export")
async def export_mine(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    return _download(await people(request).erasure.export(who.member_id))


@routes.get("/api/v1/members/{id}/export")
async def export_member(request: web.Request) -> web.Response:
    await require_operator(request)
    return _download(await people(request).erasure.export(request.match_info["id"]))


@routes.delete("/api/v1/members/{id}")
async def erase_member(request: web.Request) -> web.Response:
    """The operator erases a member; a member may erase themselves."""
    who = await require_user(request)
    if who.role != "operator" and who.member_id != request.match_info["id"]:
        raise Problem(ProblemType.FORBIDDEN, "a member may erase only their own account")
    return json_response(await people(request).erasure.erase(request.match_info["id"]))


def _download(data: dict[str, object]) -> web.Response:
    headers = {"Content-Disposition": 'attachment; filename="my-data.json"'}
    return json_response(data, headers=headers)
