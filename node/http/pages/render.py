"""Rendering a page: the template, what every page shows (node, CSRF token, flash), headers.

Actions answer with a redirect (303) and a flash message in a short-lived signed cookie, so
reloading a page never repeats an action and every outcome is read on the page it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from markupsafe import Markup

from node.http.auth import SESSION_COOKIE
from node.http.keys import NODE, PRINCIPAL
from node.store.tokens import Principal

from .security import FLASH_COOKIE, PRE_SESSION_COOKIE, PageSecrets, new_pre_session
from .sessions import is_https

if TYPE_CHECKING:
    import jinja2

Level = Literal["success", "error", "info"]


@dataclass
class PageState:
    """What every page needs; the templates' environment is built by `build_env` when the first
    page is rendered (node/web/pages says why)."""

    build_env: Callable[[], jinja2.Environment]
    secrets: PageSecrets
    static_version: str
    _env: jinja2.Environment | None = field(default=None, init=False, repr=False)

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            self._env = self.build_env()
        return self._env


PAGES = web.AppKey("pages", PageState)


def flash(text: str, level: Level = "success") -> dict[str, str]:
    return {"text": text, "level": level}


def render(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    *,
    who: Principal | None,
    status: int = 200,
    flash_now: dict[str, str] | None = None,
) -> web.Response:
    """The page, with the CSRF token bound to the session (or a pre-session cookie) and any flash."""
    state = request.app[PAGES]
    node = request.app[NODE]
    binding, new_pre = _binding(request, who)
    stored_flash = state.secrets.open_flash(request.cookies.get(FLASH_COOKIE))
    html = state.env.get_template(template).render(
        {
            "node_name": node.settings.node.name,
            "node_zone": node.settings.node.timezone,
            "node_id": node.id,
            "csrf_token": state.secrets.csrf_token(binding),
            "flash": flash_now or stored_flash,
            "who": who,
            "path": request.path,
            "here": request.path_qs,
            "static_version": state.static_version,
            **context,
        }
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    if new_pre:
        response.set_cookie(PRE_SESSION_COOKIE, new_pre, path="/", httponly=True, samesite="Lax", secure=is_https(node))
    if FLASH_COOKIE in request.cookies:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response


def csrf_token_for(request: web.Request, who: Principal | None) -> str:
    """The CSRF token the forms of this page carry (the same as `render` puts in the page)."""
    return request.app[PAGES].secrets.csrf_token(_binding(request, who)[0])


def _binding(request: web.Request, who: Principal | None) -> tuple[str, str | None]:
    """(the cookie value forms are bound to, a new pre-session value to set, if one is needed).
    A signed-in browser's forms are bound to its session, even on a page shown as to anyone (a
    sign-in form, a public page's language switcher): node/http/pages/guard.py takes no other."""
    signed_in = who is not None or request.get(PRINCIPAL) is not None
    session = request.cookies.get(SESSION_COOKIE) if signed_in else None
    pre = request.cookies.get(PRE_SESSION_COOKIE)
    if session or pre:
        return session or pre or "", None
    new_pre = new_pre_session()
    return new_pre, new_pre


def fragment(request: web.Request, template: str, context: dict[str, Any]) -> Markup:
    """A part of a page rendered on its own, for a long list: a template that extends a layout
    passes every piece of output through each layer, which costs more than the list itself."""
    html = request.app[PAGES].env.get_template(template).render(context)
    return Markup(html)  # safe: the template autoescapes what it inserts


def redirect(request: web.Request, location: str, message: dict[str, str] | None = None) -> web.Response:
    """303 to `location`, carrying `message` to the page it shows."""
    response = web.Response(status=303, headers={"Location": location})
    if message is not None:
        sealed = request.app[PAGES].secrets.seal_flash(message)
        node = request.app[NODE]
        response.set_cookie(
            FLASH_COOKIE, sealed, path="/", max_age=120, httponly=True, samesite="Lax", secure=is_https(node)
        )
    return response


def simple_page(request: web.Request, status: int, title: str, text: str, back: str = "/") -> web.Response:
    """A page for what no handler answers: forbidden form, unknown address, unexpected error."""
    state = request.app[PAGES]
    node = request.app[NODE]
    # The language switcher's form is bound to whichever cookie the browser holds.
    binding = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE)
    new_pre = None if binding else new_pre_session()
    html = state.env.get_template("message.html").render(
        {
            "node_name": node.settings.node.name,
            "title": title,
            "text": text,
            "back": back,
            "who": None,
            "here": request.path_qs if request.method == "GET" else back,
            "csrf_token": state.secrets.csrf_token(binding or new_pre or ""),
            "static_version": state.static_version,
        }
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    if new_pre:
        response.set_cookie(PRE_SESSION_COOKIE, new_pre, path="/", httponly=True, samesite="Lax", secure=is_https(node))
    return response
