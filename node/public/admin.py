"""/admin/profile: the operator writes the space's public profile (what /space shows)."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from node.http.keys import NODE
from node.http.pages.forms import read_form
from node.http.pages.operator import operator_only, render_admin
from node.http.pages.render import flash, redirect
from node.http.pages.timefmt import day_names
from node.i18n import _
from node.store.tokens import Principal

from .profile import DAYS, SpaceProfile, load_profile, save_profile

routes = web.RouteTableDef()
TEXT_FIELDS = ("description", "street_address", "postal_code", "locality", "region", "country", "email", "telephone")


@routes.get("/admin/profile")
@operator_only
async def profile_page(request: web.Request, who: Principal) -> web.Response:
    profile = load_profile(request.app[NODE].settings.directory)
    form = {name: getattr(profile, name) for name in TEXT_FIELDS}
    form |= {f"hours_{day}": ", ".join(profile.opening_hours.get(day, [])) for day in DAYS}
    return _render(request, who, form)


@routes.post("/admin/profile")
@operator_only
async def save(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    values: dict[str, object] = {name: fields.get(name, "") for name in TEXT_FIELDS}
    values["country"] = str(values["country"]).strip().upper()
    values["opening_hours"] = {
        day: [h.replace(" ", "").replace("\u2013", "-") for h in fields.get(f"hours_{day}", "").split(",") if h.strip()]
        for day in DAYS
    }
    try:
        profile = SpaceProfile.model_validate(values)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else ""
        return _render(request, who, fields, flash(_problem(field), "error"))
    save_profile(request.app[NODE].settings.directory, profile)
    return redirect(request, "/admin/profile", flash(_("The public profile is saved. See it at /space.")))


def _problem(field: str) -> str:
    if field == "country":
        return _("The country is written as two letters, such as IT, ES or US.")
    if field == "email":
        return _("The e-mail address does not look like one, such as info@example.org.")
    if field == "opening_hours":
        return _("Opening hours are written as 09:00-18:00, with a comma between two ranges of one day.")
    return _("One of the fields is too long. Shorten it and save again.")


def _render(
    request: web.Request, who: Principal, form: dict[str, str], message: dict[str, str] | None = None
) -> web.Response:
    days = [(label, f"hours_{day}") for day, label in zip(DAYS, day_names(), strict=True)]
    context = {"form": form, "days": days}
    return render_admin(request, "admin_profile.html", context, who, "/admin/profile", message=message)
