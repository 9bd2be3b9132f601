"""The pages' middleware: CSRF on every form, safe headers, and pages (not JSON) for errors.

Every POST (any unsafe method) to a page address must carry a valid `csrf_token` field, or it
is refused with 403 before any handler runs: no route can forget the check. The JSON API is
meant for bearer tokens; a session cookie alone may read it (a member's .ics download) but
may change nothing there unless it also sends the CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from node.http.auth import SESSION_COOKIE, principal
from node.http.errors import Handler, logged_path
from node.i18n import _, current
from protocol.problems import Problem, ProblemType

from .messages import problem_title
from .render import PAGES, simple_page
from .security import CSRF_FIELD, CSRF_HEADER, PRE_SESSION_COOKIE

log = structlog.get_logger("node.web.pages")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_PAGES = ("/api/", "/federation/", "/.well-known/", "/static/", "/ap/", "/nodeinfo/")  # /ap/: node/activitypub
NOT_PAGE_PATHS = frozenset({"/healthz", "/metrics", "/calendar.ics", "/space.jsonld"})
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages show personal data and one-time tokens
}


def is_page(path: str) -> bool:
    open_data = path.startswith("/open-data/") and path != "/open-data/"  # files, not pages
    return not path.startswith(NOT_PAGES) and path not in NOT_PAGE_PATHS and not open_data


@web.middleware
async def pages_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    page = is_page(request.path)
    if request.method not in SAFE_METHODS:
        if page and not await _form_csrf_ok(request):
            log.info("csrf_refused", path=logged_path(request))  # the token itself is never logged
            return simple_page(
                request,
                403,
                _("This form has expired"),
                _("For your safety the form was refused (forbidden). Go back, reload the page and try again."),
                back="/admin" if request.path.startswith("/admin") else "/",
            )
        if not page and request.path.startswith("/api/"):
            _check_cookie_api_call(request)
    if not page:
        response = await handler(request)
        if request.path.startswith("/static/") and response.status == 200:
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response
    response = await _page(request, handler)
    response.headers.update(HEADERS)
    return response


async def _page(request: web.Request, handler: Handler) -> web.StreamResponse:
    back = "/admin" if request.path.startswith("/admin") else "/"
    try:
        return await handler(request)
    except web.HTTPException as exc:
        # An address no page answers: a page for browsers, the problem document for API clients.
        if exc.status < 400 or "text/html" not in request.headers.get("Accept", ""):
            raise
        if exc.status == 404:
            return simple_page(request, 404, _("Page not found"), _("There is no page at this address."), back)
        title = _("Method not allowed") if exc.status == 405 else _("This request cannot be answered")
        return simple_page(request, exc.status, title, _("This address does not take that request."), back)
    except Problem as problem:  # a page handler that let one through: say it on a page, not in JSON
        return simple_page(request, problem.status, problem_title(problem), _english_detail(problem), back)
    except Exception:
        log.exception("page_error", method=request.method, path=logged_path(request))
        return simple_page(
            request, 500, _("Something went wrong"), _("The page could not be shown. Please try again."), back
        )


async def _form_csrf_ok(request: web.Request) -> bool:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return False
    try:
        form = await request.post()
    except (HttpProcessingError, RequestPayloadError, ValueError, LookupError, RuntimeError) as exc:
        # A form no browser sends (a broken multipart part, a charset Python does not know, bytes
        # its charset cannot decode, a Content-Encoding it does not match): refused like a bad token.
        log.info("form_unreadable", path=logged_path(request), error=type(exc).__name__)
        return False
    submitted = form.get(CSRF_FIELD)
    session = request.cookies.get(SESSION_COOKIE, "")
    bindings = [session, request.cookies.get(PRE_SESSION_COOKIE, "")]
    if session and not request.headers.get("Authorization") and await principal(request) is not None:
        # Signed in: the session's token alone. A page on a sibling host (the same site, so the
        # session cookie comes along) can plant a pre-session cookie whose token it fetched itself.
        bindings = [session]
    return isinstance(submitted, str) and request.app[PAGES].secrets.csrf_valid(submitted, bindings)


def _check_cookie_api_call(request: web.Request) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or request.headers.get("Authorization"):
        return
    if not request.app[PAGES].secrets.csrf_valid(request.headers.get(CSRF_HEADER), [cookie]):
        raise Problem(
            ProblemType.FORBIDDEN,
            "a web session cannot change anything through the API; send 'Authorization: Bearer <token>'",
        )


def _english_detail(problem: Problem) -> str:
    """The service's detail is English: shown when the page is, else the title says enough."""
    return problem.detail or "" if current().language == "en" else ""
