"""Member and operator pages of introductions: ask (from the trip view or the directory), answer,
block, report; the community manager's queue and the abuse reports. Messages are shown escaped
(Jinja's autoescape) and kept as plain text, line breaks included."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.http.pages.access import member_only
from node.http.pages.forms import read_form
from node.http.pages.operator import act, operator_only, render_admin
from node.http.pages.render import flash, redirect, render
from node.i18n import _, pgettext
from node.store.tokens import Principal
from protocol.problems import Problem, ProblemType

from . import INTRODUCTIONS
from .mails import space_name
from .service import Introductions

routes = web.RouteTableDef()


def service(request: web.Request) -> Introductions:
    return request.app[INTRODUCTIONS]


@routes.get("/introductions")
@member_only
async def introductions(request: web.Request, member_id: str) -> web.Response:
    intros = service(request)
    items = []
    for item in await intros.list_for(member_id):
        shown = await intros.one(member_id, item["id"]) if item["status"] == "accepted" else item
        items.append({**shown, "space": await space_name(intros.node, item["other"]["origin"])})
    context = {
        "waiting": [i for i in items if i["direction"] == "received" and i["status"] == "requested"],
        "received": [i for i in items if i["direction"] == "received" and i["status"] != "requested"],
        "sent": [i for i in items if i["direction"] == "sent"],
        "member": await intros.members.get(member_id),
        "words": _words(),
    }
    return render(request, "member_introductions.html", context, who=_member(member_id))


@routes.get("/introductions/new")
@member_only
async def new(request: web.Request, member_id: str) -> web.Response:
    return await _form(request, member_id, request.query.get("origin", ""), request.query.get("member", ""))


@routes.post("/introductions")
@member_only
async def ask(request: web.Request, member_id: str) -> web.Response:
    fields = await read_form(request)
    origin, handle, message = fields.get("origin", ""), fields.get("member", ""), fields.get("message", "")
    try:
        await service(request).ask(member_id, origin, handle, message)
    except Problem as problem:
        note = flash(_ask_sentence(request, problem), "error")
        return await _form(request, member_id, origin, handle, message, note, status=problem.status)
    text = _("Your request is on its way. You will see the answer here, and get a mail if it is yes.")
    return redirect(request, "/introductions", flash(text))


@routes.post("/introductions/{id}/accept")
@routes.post("/introductions/{id}/decline")
@routes.post("/introductions/{id}/block")
@member_only
async def answer(request: web.Request, member_id: str) -> web.Response:
    id_, action = request.match_info["id"], request.path.rsplit("/", 1)[1]
    intros = service(request)
    try:
        if action == "accept":
            await intros.accept(member_id, id_)
            text = _("You accepted. You will both get a mail with the other's e-mail address.")
        else:
            await intros.decline(member_id, id_, block=action == "block")
            text = _("Declined. Nothing about you was shared.")
            if action == "block":
                text = _("Declined, and this person can no longer ask you for introductions. They are not told.")
    except Problem as problem:
        return redirect(request, "/introductions", flash(_answer_sentence(problem), "error"))
    return redirect(request, "/introductions", flash(text))


@routes.post("/introductions/{id}/report")
@member_only
async def report(request: web.Request, member_id: str) -> web.Response:
    fields = await read_form(request)
    try:
        await service(request).report(member_id, request.match_info["id"], fields.get("reason", ""))
    except Problem as problem:
        return redirect(request, "/introductions", flash(_answer_sentence(problem), "error"))
    text = _("Thank you. The community manager of this space will read your report.")
    return redirect(request, "/introductions", flash(text))


# -- the community manager ------------------------------------------------------------------------


@routes.get("/admin/introductions")
@operator_only
async def admin_page(request: web.Request, who: Principal) -> web.Response:
    intros = service(request)
    context = {
        "waiting": await intros.waiting(),
        "reports": await intros.reports(),
        "via_operator": intros.node.settings.people.introductions == "via_operator",
        "words": _words(),
    }
    return render_admin(request, "admin_introductions.html", context, who, "/admin/introductions")


@routes.post("/admin/introductions/{id}/forward")
@routes.post("/admin/introductions/{id}/decline")
@operator_only
async def admin_answer(request: web.Request, who: Principal) -> web.Response:
    id_, action = request.match_info["id"], request.path.rsplit("/", 1)[1]
    intros = service(request)

    async def run() -> str:
        if action == "forward":
            await intros.forward(id_)
            return _("Forwarded: the member sees the request and gets a mail about it.")
        await intros.operator_decline(id_)
        return _("Declined. The member was not told about it.")

    return await act(request, "/admin/introductions", _("answer the introduction"), run)


@routes.post("/admin/introduction-reports/{id}/close")
@operator_only
async def admin_close(request: web.Request, who: Principal) -> web.Response:
    async def run() -> str:
        await service(request).close_report(request.match_info["id"])
        return _("The report is closed.")

    return await act(request, "/admin/introductions", _("close the report"), run)


# -- shared ----------------------------------------------------------------------------------------


async def _form(
    request: web.Request,
    member_id: str,
    origin: str,
    handle: str,
    message: str = "",
    note: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    intros = service(request)
    card = await intros.cards.get_remote(origin.rstrip("/"), handle) if origin and handle else None
    context: dict[str, Any] = {
        "card": card.view() if card is not None else None,
        "origin": origin,
        "handle": handle,
        "message": message,
        "space": await space_name(intros.node, origin.rstrip("/")) if origin else "",
        "limit": intros.node.settings.people.introduction_message_chars,
        "member": await intros.members.get(member_id),
    }
    return render(request, "member_introduce.html", context, who=_member(member_id), flash_now=note, status=status)


def _ask_sentence(request: web.Request, problem: Problem) -> str:
    settings = service(request).node.settings.people
    if problem.kind is ProblemType.INTRODUCTION_LIMIT:
        return _(
            "You have asked for %(num)s introductions in the last 24 hours, as many as your space allows. "
            "Please try again tomorrow.",
            num=settings.introductions_per_day,
        )
    if problem.kind is ProblemType.NOT_FOUND:
        return _("This member's card is no longer shown here, so they cannot be asked.")
    if problem.kind is ProblemType.NOT_TWINNED:
        return _("This space is not an active twin of yours at the moment.")
    if problem.kind is ProblemType.VALIDATION_ERROR:
        return _(
            "Please write a short message in plain text, at most %(num)s characters.",
            num=settings.introduction_message_chars,
        )
    return _("The request could not be sent. Please try again later.")


def _answer_sentence(problem: Problem) -> str:
    if problem.kind is ProblemType.CONFLICT:
        return _("This introduction was already answered.")
    if problem.kind is ProblemType.VALIDATION_ERROR:
        return _("Please say in a few words what was wrong.")
    return _("There is no such introduction among yours.")


def _words() -> dict[str, str]:
    """Statuses of introductions and reports, in the reader's language."""
    return {
        "requested": pgettext("introduction", "waiting for an answer"),
        "accepted": pgettext("introduction", "accepted"),
        "declined": pgettext("introduction", "declined"),
        "open": pgettext("report", "open"),
        "closed": pgettext("report", "closed"),
    }


def _member(member_id: str) -> Principal:
    return Principal(role="member", member_id=member_id)
