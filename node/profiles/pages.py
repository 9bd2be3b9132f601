"""Pages of profile cards, in the reader's language: the directory (`/people`), my card
(`/people/card`: write it, turn fields on, choose the audience, withdraw), and the operator's
list of cards (`/admin/people`) where a card can be hidden from the directory.

Every action goes through the same service as the JSON API.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from node.booking import BOOKING
from node.http.errors import validation_problem
from node.http.keys import NODE
from node.http.pages.access import member_only
from node.http.pages.operator import operator_only, render_admin
from node.http.pages.render import flash, redirect, render
from node.i18n import _, current
from node.plain import validation_lines
from node.store.tokens import Principal
from protocol.models.profiles import CONTENT_FIELDS
from protocol.problems import Problem, ProblemType

from . import directory, vocabulary
from .bodies import ProfileBody
from .routes import DirectoryParams
from .web import cards as card_service

routes = web.RouteTableDef()
LISTS = ("skills", "interests", "languages", "links")


@routes.get("/people")
@member_only
async def people(request: web.Request, member_id: str) -> web.Response:
    node = request.app[NODE]
    try:
        params = DirectoryParams.model_validate({k: v for k, v in request.query.items() if v})
    except ValidationError:
        params = DirectoryParams()
    service = card_service(request)
    origin = await service.origin_named(params.origin)
    query = directory.query(service.node.id, origin, params.model_dump())
    language = current().language
    cards = await directory.search(node.store.db, query)
    names = await _space_names(request)
    items = [directory.item(card, language) | {"space": names.get(card.origin, card.origin)} for card in cards]
    context = {
        "items": items,
        "params": params,
        "spaces": sorted(names.items(), key=lambda pair: pair[1]),
        "skills": _choices("skills", language),
        "searched": any(request.query.get(k) for k in ("q", "skill", "language", "city", "origin")),
        "next_href": str(request.rel_url.update_query(offset=params.offset + params.limit))
        if len(items) == params.limit
        else None,
    }
    return await _render(request, member_id, "people.html", context)


@routes.get("/people/card")
@member_only
async def my_card(request: web.Request, member_id: str) -> web.Response:
    return await _card_page(request, member_id)


@routes.post("/people/card")
@member_only
async def save_card(request: web.Request, member_id: str) -> web.Response:
    form = await request.post()
    values = _from_form(form)
    try:
        body = ProfileBody.model_validate(values)
    except ValidationError as exc:
        return await _card_page(request, member_id, problem=validation_problem(exc), form=values)
    try:
        await card_service(request).put(member_id, body)
    except Problem as problem:
        return await _card_page(request, member_id, problem=problem, form=values)
    return redirect(request, "/people/card", flash(_("Your card is saved. Only the fields you turned on are shown.")))


@routes.post("/people/card/withdraw")
@member_only
async def withdraw(request: web.Request, member_id: str) -> web.Response:
    try:
        await card_service(request).withdraw(member_id)
    except Problem:
        return redirect(request, "/people/card", flash(_("You have no card to withdraw."), "info"))
    text = _("Your card is withdrawn. The spaces that had it are told to delete it.")
    return redirect(request, "/people/card", flash(text))


@routes.get("/admin/people")
@operator_only
async def admin_people(request: web.Request, who: Principal) -> web.Response:
    names = await _space_names(request)
    cards = [
        {"card": card, "hidden": hidden, "space": names.get(card.origin, card.origin)}
        for card, hidden in await card_service(request).repo.list_all()
    ]
    return render_admin(request, "admin_people.html", {"cards": cards}, who, "/admin/people")


@routes.post("/admin/people/hidden")
@operator_only
async def admin_hide(request: web.Request, who: Principal) -> web.Response:
    form = await request.post()
    origin, handle, hidden = str(form.get("origin", "")), str(form.get("member", "")), form.get("hidden") == "yes"
    try:
        await card_service(request).hide(origin, handle, hidden)
    except Problem:
        return redirect(request, "/admin/people", flash(_("This card is no longer here."), "info"))
    text = _("The card is hidden from the directory.") if hidden else _("The card is shown in the directory again.")
    return redirect(request, "/admin/people", flash(text))


# -- helpers -------------------------------------------------------------------------------------


async def _render(request: web.Request, member_id: str, template: str, context: dict[str, Any]) -> web.Response:
    member = await request.app[BOOKING].members.get(member_id)
    who = Principal(role="member", member_id=member_id)
    return render(request, template, {"member": member, **context}, who=who, flash_now=context.pop("message", None))


async def _card_page(
    request: web.Request, member_id: str, *, problem: Problem | None = None, form: dict[str, Any] | None = None
) -> web.Response:
    service = card_service(request)
    own = await service.repo.get_own(member_id)
    if form is not None:
        card = form
    elif own is not None and own.published:
        card = {**own.fields, "shared": own.shared, "audience": own.audience}
    else:
        card = {"shared": [], "audience": "space"}
    twins = await _twins(request)
    message = None
    if problem is not None:
        invalid = problem.kind is ProblemType.VALIDATION_ERROR
        lines = validation_lines(problem.extensions.get("errors") or []) if invalid else []
        text = _("Your card was not saved: %(why)s", why="; ".join(lines) or problem.detail or "")
        message = flash(text, "error")
    language = current().language
    context = {
        "card": _as_text(card, language),
        "published": own is not None and own.published,
        "fields": CONTENT_FIELDS,
        "twins": twins,
        "skills": _choices("skills", language),
        "interests": _choices("interests", language),
        "message": message,
    }
    return await _render(request, member_id, "people_card.html", context)


def _from_form(form: Any) -> dict[str, Any]:
    """The API body from the card form: one term per line or comma, shared fields ticked."""
    values: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        raw = form.get(name, "")
        if name == "open_to_visitors":
            values[name] = raw == "yes"
        elif name in LISTS:
            terms = [t.strip() for t in str(raw).replace("\n", ",").split(",") if t.strip()]
            if terms:
                values[name] = terms
        elif str(raw).strip():
            values[name] = str(raw).strip()
    values["shared"] = [name for name in form.getall("shared", []) if name in CONTENT_FIELDS]
    audience = form.get("audience", "space")
    values["audience"] = list(form.getall("twin", [])) if audience == "chosen" else audience
    return values


def _as_text(card: dict[str, Any], language: str) -> dict[str, Any]:
    """The card for the form: lists as comma-separated text, terms as labels in `language`."""
    shown = dict(card)
    for kind in vocabulary.KINDS:
        if shown.get(kind):
            shown[kind] = [vocabulary.label(kind, term, language) for term in shown[kind]]
    for name in LISTS:
        if isinstance(shown.get(name), list):
            shown[name] = ", ".join(shown[name])
    return shown


def _choices(kind: vocabulary.Kind, language: str) -> list[str]:
    return sorted(vocabulary.label(kind, term, language) for term in vocabulary.entries(kind))


async def _twins(request: web.Request) -> list[tuple[str, str]]:
    node = request.app[NODE]
    names = await _space_names(request)
    peers = await node.store.twinnings.list_active_peers()
    return sorted(((peer, names.get(peer, peer)) for peer in peers), key=lambda pair: pair[1])


async def _space_names(request: web.Request) -> dict[str, str]:
    """Node id -> the space's name (this space's, and its twins' from their documents)."""
    node = request.app[NODE]
    peers = await node.store.peers.list()
    return {**{peer.node_id: peer.name for peer in peers}, node.id: node.settings.node.name}
