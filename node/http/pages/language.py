"""Which language a page is written in, and the switcher that changes it.

The choice, first that applies: the member's saved choice, the language cookie the switcher
sets, the browser's Accept-Language (Babel's negotiation), the space's configured default.
The middleware holds it in node.i18n's ContextVar for the whole request, so every string of
the page, its dates and its numbers follow it, and says it in Content-Language.
"""

from __future__ import annotations

from aiohttp import web

from node.http.auth import principal
from node.http.errors import Handler
from node.http.keys import NODE
from node.i18n import LANGUAGES, catalogs, reading
from node.store.languages import MemberLanguageRepository

from .forms import read_form, safe_back
from .guard import is_page
from .render import redirect
from .sessions import is_https

LANGUAGE_COOKIE = "gemella_lang"
COOKIE_SECONDS = 365 * 86400

routes = web.RouteTableDef()


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_page(request.path):
        return await handler(request)
    reader = catalogs().reader(await choose_language(request))
    with reading(reader):
        response = await handler(request)
    response.headers["Content-Language"] = reader.language
    response.headers.add("Vary", "Accept-Language, Cookie")
    return response


async def choose_language(request: web.Request) -> str:
    """The member's saved choice, else the cookie, else Accept-Language, else the space's default."""
    node = request.app[NODE]
    who = await principal(request)
    if who is not None and who.member_id is not None:
        saved = await MemberLanguageRepository(node.store.db).get(who.member_id)
        found = catalogs().negotiate(saved)  # a saved tag such as it-IT (an import may have set it) reads Italian
        if found is not None:
            return found
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie is not None and catalogs().knows(cookie):
        return cookie
    return catalogs().negotiate(request.headers.get("Accept-Language")) or node.settings.node.language


async def keep_chosen_language(request: web.Request, member_id: str) -> None:
    """At sign-in: a member who chose a language with the switcher before signing in keeps it."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    node = request.app[NODE]
    repository = MemberLanguageRepository(node.store.db)
    if chosen in LANGUAGES and await repository.get(member_id) is None:
        async with node.write() as work:
            await repository.store(work.tx, member_id, chosen)


@routes.post("/language")
async def switch(request: web.Request) -> web.Response:
    """The switcher on every page: remember the choice in a cookie, and for a member, in their account."""
    fields = await read_form(request)
    language = fields.get("language", "")
    back = safe_back(fields.get("back"), "/")
    if language not in LANGUAGES:
        return redirect(request, back)
    node = request.app[NODE]
    who = await principal(request)
    if who is not None and who.member_id is not None:
        async with node.write() as work:
            await MemberLanguageRepository(node.store.db).store(work.tx, who.member_id, language)
    response = redirect(request, back)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=COOKIE_SECONDS,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=is_https(node),
    )
    return response
