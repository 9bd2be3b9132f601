"""The security matrix as tests: every route the application registers has a row, and every
caller gets what its row says (tests/api/matrix.py, tests/api/matrix_rows.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.counts import record

from .matrix import CALLERS, SIGNING_CALLERS, Outcome, Row, values
from .matrix_rows import ROWS
from .routes import app_routes
from .world import World

TALLY = {"rows": 0, "cells": 0, "wrong cells": 0}
SIGN_IN_FORMS = ('action="/signin"', 'action="/admin/signin"')


async def test_matrix__every_route_has_a_row(tmp_path: Path) -> None:
    routes = await app_routes(tmp_path)
    rows = [(row.method, row.route) for row in ROWS]
    missing = [want for route in routes for want in route.uncovered(rows)]
    assert not missing, f"routes with no row in tests/api/matrix_rows.py: {missing}"
    stale = [f"{m} {p}" for m, p in rows if not any(r.matches(m, p) for r in routes)]
    assert not stale, f"rows for routes that do not exist: {stale}"
    assert len(routes) >= 60  # the test would pass vacuously if the router were not read


def call(world: World, row: Row, caller: str) -> Outcome:
    vals = values(world)
    url = world.base + row.target.format(**vals)
    body, content_type = row.body_bytes(world, caller, vals)
    headers = {"Content-Type": content_type} if content_type else {}
    if caller == "member":
        headers["Authorization"] = f"Bearer {world.member['token']}"
    elif caller == "other member":
        headers["Authorization"] = f"Bearer {world.member2['token']}"
    elif caller == "operator":
        headers["Authorization"] = f"Bearer {world.home.token}"
    elif caller in SIGNING_CALLERS:
        headers.update(world.signer(SIGNING_CALLERS[caller]).headers(row.method, url, body, content_type))
    resp = requests.request(row.method, url, data=body or None, headers=headers, allow_redirects=False, timeout=30)
    return outcome(resp)


def outcome(resp: requests.Response) -> Outcome:
    media = resp.headers.get("Content-Type", "").split(";")[0]
    if media == "application/problem+json":
        return Outcome(resp.status_code, resp.json()["type"].rsplit("/", 1)[-1])
    if media == "text/html":
        if "This form has expired" in resp.text:
            return Outcome(resp.status_code, "csrf")
        if any(form in resp.text for form in SIGN_IN_FORMS) and resp.status_code == 200:
            return Outcome(resp.status_code, "signin")
        return Outcome(resp.status_code, "page")
    return Outcome(resp.status_code)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.route}" for r in ROWS])
def test_matrix__each_caller_gets_what_its_row_says(world: World, row: Row) -> None:
    got = {caller: call(world, row, caller) for caller in CALLERS}
    wrong = {c: f"got {got[c]}, expected {e}" for c, e in row.expected().items() if got[c] != e}
    TALLY["rows"] += 1
    TALLY["cells"] += len(got)
    TALLY["wrong cells"] += len(wrong)
    record("security matrix", callers=len(CALLERS), **TALLY)
    assert not wrong, f"{row.method} {row.target}: {wrong}"
