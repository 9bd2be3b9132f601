"""The web pages: members at `/`, the operator at `/admin`. Server-rendered with Jinja2.

Handlers call the same services as the JSON API (booking, events, twinning), so every rule
lives in one place; this package only reads forms, shows results and turns problems into
sentences. `install` is called from node/web/app.py's default extensions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from node.core import Node
from node.events.texts import event_text, in_language, language_list, language_name
from node.http.pages import language
from node.http.pages.guard import pages_middleware
from node.http.pages.language import language_middleware
from node.http.pages.render import PAGES, PageState
from node.http.pages.security import PageSecrets
from node.http.pages.timefmt import FILTERS, name_list
from node.i18n import (
    NAMES,
    current,
    gettext_for_templates,
    ngettext_for_templates,
    pgettext_for_templates,
    template_gettext,
    template_ngettext,
    template_pgettext,
)
from node.words import per_period, resource_kind, status_word, units

from . import (
    admin,
    admin_events,
    admin_guests,
    admin_ledger,
    admin_mail,
    admin_members,
    admin_offers,
    admin_space,
    member,
)
from .wording import FILTERS as WORDING_FILTERS

if TYPE_CHECKING:
    import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def static_version() -> str:
    """A digest of the static files: their URLs change when they do, so they can be cached long."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def install(app: web.Application, node: Node) -> None:
    """Templates, static files, the pages' routes and their middleware (CSRF, headers)."""
    app[PAGES] = PageState(environment, secrets=PageSecrets(node), static_version=static_version())
    app.router.add_static("/static/", STATIC_DIR, name="static")
    for module in (
        member,
        admin,
        admin_events,
        admin_space,
        admin_offers,
        admin_guests,
        admin_members,
        admin_ledger,
        language,
        admin_mail,
    ):
        app.add_routes(module.routes)
    app.middlewares.append(language_middleware)  # outside the pages' own: error pages are translated too
    app.middlewares.append(pages_middleware)


def environment() -> jinja2.Environment:
    """The templates' environment, built at the first page rendered: Jinja2 and its compiled
    templates are about 2 MB that an idle node, or one that only federates, need not hold."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.filters.update(FILTERS, status_word=status_word, resource_kind=resource_kind, units=units)
    env.filters.update(WORDING_FILTERS, per_period=per_period, event_text=event_text, in_language=in_language)
    env.filters.update(language_list=language_list, language_name=language_name, name_list=name_list)
    # Installed once: the callables read the request's language from a ContextVar on every call.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext_for_templates, ngettext_for_templates, newstyle=True, pgettext=pgettext_for_templates
    )
    env.policies["ext.i18n.trimmed"] = True
    # `_()` and friends called directly: the extension's versions go through context lookups that
    # cost more than the translation on pages with hundreds of rows ({% trans %} still uses them).
    env.globals.update(_=template_gettext, ngettext=template_ngettext, pgettext=template_pgettext)
    env.globals.update(language=lambda: current().language, languages=NAMES)
    return env


__all__ = ["install"]
