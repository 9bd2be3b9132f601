"""One-click unsubscribe from optional mails (reminders): the page a person opens from the
mail, and the address mail software POSTs to (RFC 8058), both signed for one member."""

from __future__ import annotations

from aiohttp import web

from node.core import Node
from node.http.errors import json_response
from node.http.keys import NODE
from node.http.pages.render import render, simple_page
from node.i18n import _
from node.mail.unsubscribe import is_valid
from protocol.problems import Problem, ProblemType

from .web import people

routes = web.RouteTableDef()


@routes.post("/api/v1/unsubscribe/{member}/{sig}")
async def one_click(request: web.Request) -> web.Response:
    await _unsubscribe(request)
    return json_response({"unsubscribed": True})


@routes.get("/unsubscribe/{member}/{sig}")
async def page(request: web.Request) -> web.Response:
    if not _valid(request):
        return _invalid(request)
    return render(request, "unsubscribe.html", {"action": request.path, "done": False}, who=None)


@routes.post("/unsubscribe/{member}/{sig}")
async def confirm(request: web.Request) -> web.Response:
    if not _valid(request):
        return _invalid(request)
    await _unsubscribe(request)
    return render(request, "unsubscribe.html", {"action": request.path, "done": True}, who=None)


async def _unsubscribe(request: web.Request) -> None:
    if not _valid(request):
        raise Problem(ProblemType.NOT_FOUND, "this unsubscribe address is not valid (any more)")
    await people(request).accounts.set_optional_mail(request.match_info["member"], False)


def _valid(request: web.Request) -> bool:
    return is_valid(_private(request.app[NODE]), request.match_info["member"], request.match_info["sig"])


def _invalid(request: web.Request) -> web.Response:
    text = _("This address is not valid any more. Sign in and choose on the My account page which mails you get.")
    return simple_page(request, 404, _("This link does not work"), text)


def _private(node: Node) -> bytes:
    return node.keys.current.private_bytes()
