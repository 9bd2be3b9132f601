"""Pages `/auth/oidc/login` and `/auth/oidc/callback`: the browser's way through the provider."""

from __future__ import annotations

import re
import secrets

from aiohttp import web

from node.booking import EMAIL_PATTERN, Member, MemberRepository
from node.clock import iso
from node.core import Node
from node.http.keys import NODE
from node.http.pages.language import keep_chosen_language
from node.http.pages.render import flash, redirect, simple_page
from node.http.pages.sessions import Role, is_https, set_session_cookie, sign_out
from node.i18n import _
from node.store.tokens import hash_token

from .oidc import Identity, OidcClient, SignInFailed
from .sessions import open_session

routes = web.RouteTableDef()
OIDC = web.AppKey("oidc", OidcClient)
BROWSER_COOKIE = "gemella_oidc"


def install(app: web.Application, node: Node) -> None:
    redirect_uri = f"{node.id}/auth/oidc/callback"
    client = app[OIDC] = OidcClient(node.settings.oidc, redirect_uri, node.store.oidc_pending, node.clock)
    app.add_routes(routes)

    async def close(app: web.Application) -> None:
        await client.close()

    app.on_cleanup.append(close)


@routes.get("/auth/oidc/login")
async def login(request: web.Request) -> web.Response:
    client, node = request.app[OIDC], request.app[NODE]
    if not client.enabled:
        return simple_page(
            request, 404, _("Not available"), _("This space has not set up signing in with its account.")
        )
    browser = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(24)
    try:
        url = await client.login_url(client.session(), browser)
    except SignInFailed as failed:
        return simple_page(request, 502, _("Signing in is not possible right now"), str(failed))
    response = web.Response(status=303, headers={"Location": url})
    response.set_cookie(
        BROWSER_COOKIE, browser, max_age=900, path="/auth/oidc/", httponly=True, samesite="Lax", secure=is_https(node)
    )
    return response


@routes.get("/auth/oidc/callback")
async def callback(request: web.Request) -> web.Response:
    client, node = request.app[OIDC], request.app[NODE]
    query = request.query
    if "error" in query or not query.get("state") or not query.get("code"):
        text = _("The sign-in was cancelled or refused by the sign-in service. You can try again.")
        return simple_page(request, 401, _("You are not signed in"), text)
    browser = request.cookies.get(BROWSER_COOKIE, "")
    try:
        who = await client.finish(client.session(), query["state"], query["code"], browser)
        role, member_id = await _account(node, client, who)
    except SignInFailed as failed:
        return simple_page(request, 401, _("You are not signed in"), str(failed))
    session = await open_session(node, role, member_id)
    await sign_out(node, request.cookies.get("gemella_session"))
    if member_id is not None:
        await keep_chosen_language(request, member_id)  # as a token's sign-in does: their mails follow it
    response = redirect(request, "/admin" if role == "operator" else "/", flash(_("You are signed in."), "success"))
    set_session_cookie(response, node, session)
    return response


async def _account(node: Node, client: OidcClient, who: Identity) -> tuple[Role, str | None]:
    if who.operator:
        return "operator", None
    members = MemberRepository(node.store.db)
    member = await members.get_by_oidc_subject(who.subject)
    if member is None and who.email and who.email_verified:
        member = await members.get_by_email(who.email)
    creatable = who.email is not None and re.match(EMAIL_PATTERN, who.email) is not None  # as the API's rule
    if member is None and creatable and who.email_verified and client.settings.create_members:
        member = await _create(node, members, who)
    if member is None:
        raise SignInFailed(
            _(
                "Your account is not a member of %(space)s here. Ask the space to add you, "
                "with the e-mail address of your account.",
                space=node.settings.node.name,
            )
        )
    async with node.write() as work:
        await members.store_oidc_subject(work.tx, member.id, who.subject)
    return "member", member.id


async def _create(node: Node, members: MemberRepository, who: Identity) -> Member:
    assert who.email is not None
    secret = secrets.token_urlsafe(32)
    name = (who.name or who.email.split("@")[0])[:100]
    member = Member(secrets.token_hex(12), name, who.email, iso(node.clock.now()), calendar_secret=secret)
    async with node.write() as work:
        await members.store(work.tx, member, hash_token(secret))
    return member
