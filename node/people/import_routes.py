"""`POST /api/v1/members/import` (text/csv, `?dry_run=true`) and `GET /api/v1/members.csv`.

The body is bounded twice: by `limits.max_body_bytes` (the server reads no more of any body)
and by `people.import_max_bytes`; a larger file is refused with 413 (a declared length before
any of it is read).
"""

from __future__ import annotations

import csv
import io

from aiohttp import web

from node.http.auth import require_operator
from node.http.errors import json_response
from node.http.keys import NODE
from protocol.problems import Problem, ProblemType

from .csvimport import Report, TooManyRows, apply, csv_cell, decode, parse
from .web import people

routes = web.RouteTableDef()


@routes.post("/api/v1/members/import")
async def import_members(request: web.Request) -> web.Response:
    await require_operator(request)
    if request.content_type not in ("text/csv", "text/plain", "application/csv"):
        raise Problem(ProblemType.UNSUPPORTED_MEDIA_TYPE, "send the members as text/csv")
    dry_run = request.query.get("dry_run", "false").lower() in ("1", "true", "yes")
    settings = request.app[NODE].settings.people
    text = decode(await _bounded_body(request, settings.import_max_bytes))
    report, rows = Report(), []
    if text is None:
        report.error(1, "", "The file is not UTF-8 text. Export it again as CSV (UTF-8).")
    else:
        try:
            rows = parse(text, settings.import_max_rows, report)
        except TooManyRows as exc:
            raise Problem(
                ProblemType.PAYLOAD_TOO_LARGE,
                f"the file has more than {settings.import_max_rows} members; split it into smaller files",
            ) from exc
    if report.errors:
        raise Problem(
            ProblemType.VALIDATION_ERROR,
            f"line {report.errors[0]['line']}: {report.errors[0]['detail']} Nothing was imported.",
            **report.view(dry_run),
        )
    service = people(request)
    await apply(service.node, service.members, rows, report, dry_run)
    return json_response(report.view(dry_run))


@routes.get("/api/v1/members.csv")
async def export_members(request: web.Request) -> web.Response:
    await require_operator(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "language", "member since"])
    for member in await people(request).members.list():
        writer.writerow(
            [csv_cell(v) for v in (member.display_name, member.email, member.language, member.member_since)]
        )
    headers = {"Content-Disposition": 'attachment; filename="members.csv"'}
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8", headers=headers)


async def _bounded_body(request: web.Request, limit: int) -> bytes:
    too_large = Problem(
        ProblemType.PAYLOAD_TOO_LARGE, f"the file is larger than {limit // (1024 * 1024)} MiB; split it into parts"
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    # Read (and bounded by limits.max_body_bytes) by the deadline middleware already; kept by aiohttp.
    body = await request.read()
    if len(body) > limit:
        raise too_large
    return body
