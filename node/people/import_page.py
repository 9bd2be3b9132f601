"""Operator page: import members from a CSV file, with a dry run; errors shown per line."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.http.pages.operator import operator_only, render_admin
from node.http.pages.render import flash
from node.i18n import _, ngettext
from node.store.tokens import Principal

from .csvimport import Report, TooManyRows, apply, decode, parse
from .web import people

routes = web.RouteTableDef()


@routes.get("/admin/members/import")
@operator_only
async def import_form(request: web.Request, who: Principal) -> web.Response:
    return render_admin(request, "admin_import.html", {"report": None}, who, "/admin/members")


@routes.post("/admin/members/import")
@operator_only
async def import_file(request: web.Request, who: Principal) -> web.Response:
    form = await request.post()
    upload: Any = form.get("file")
    dry_run = form.get("dry_run") == "yes"
    data = upload.file.read() if hasattr(upload, "file") else b""
    service = people(request)
    report, rows = Report(), []
    text = decode(data)
    if not data:
        report.error(1, "", _("Choose a CSV file to import."))
    elif text is None:
        report.error(1, "", _("The file is not UTF-8 text. Export it again as CSV (UTF-8)."))
    else:
        try:
            rows = parse(text, service.node.settings.people.import_max_rows, report)
        except TooManyRows:
            report.error(1, "", _("The file has too many members; split it into smaller files."))
    if not report.errors:
        await apply(service.node, service.members, rows, report, dry_run)
    message = _summary(report, dry_run)
    context = {"report": report.view(dry_run)}
    return render_admin(request, "admin_import.html", context, who, "/admin/members", message=message)


def _summary(report: Report, dry_run: bool) -> dict[str, str]:
    if report.errors:
        count = len(report.errors)
        text = ngettext(
            "The file has %(num)s error, so nothing was imported.",
            "The file has %(num)s errors, so nothing was imported.",
            count,
        )
        return flash(text, "error")
    counts = {"added": report.created, "updated": report.updated, "unchanged": report.unchanged}
    if dry_run:
        text = _(
            "%(added)s new members would be added, %(updated)s would be updated and %(unchanged)s would stay as "
            "they were. This was a dry run: nothing changed.",
            **counts,
        )
        return flash(text, "info")
    text = _(
        "%(added)s new members were added, %(updated)s were updated and %(unchanged)s stayed as they were.", **counts
    )
    return flash(text, "success")
