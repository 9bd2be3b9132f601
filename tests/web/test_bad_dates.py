"""Far-future and malformed dates anywhere in pages and the API: a 4xx with a sentence, never a 500.

The test walks every route that reads a date or time from a query parameter, a JSON body or a
form field, with values from the year 9999 and beyond to plain garbage.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.support.nodes import eventually
from tests.web.support import Browserless, twinned_pair

BAD = [
    "9999-12-31",
    "9999-12-31T23:59",
    "9999-12-31T23:59:59+00:00",
    "10000-01-01",
    "0001-01-01",
    "0001-01-01T00:00",
    "0000-00-00",
    "0000-01",
    "9999-12",
    "2027-02-30",
    "2027-13-01",
    "2027-03-01T25:00",
    "2027-03-01T00:00+99:00",
    "2027-03-01T00:00:00.123456789Z",
    "1e308",
    "-1",
    "garbage",
    "\x00",
    "9" * 5000,
]


async def _has(node: Any, event_id: str) -> bool:
    status, _ = await node.api.call("GET", f"/api/v1/events/{event_id}")
    return bool(status == 200)


def sentence(body: Any) -> bool:
    """A problem with a plain sentence, or a page with text."""
    if isinstance(body, dict):
        return isinstance(body.get("detail") or body.get("title"), str)
    return isinstance(body, str) and len(body) > 0


async def test_bad_dates__api_queries_and_bodies_answer_4xx(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    london, nyc = pair.london, pair.nyc
    member = pair.member("Ben Carter")
    resource = (await nyc.api.ok("GET", "/api/v1/resources"))["items"][0]
    times = {"starts_at": "2027-03-02T09:00", "ends_at": "2027-03-02T10:00"}
    ours = await nyc.api.ok("POST", "/api/v1/events", {"title": "Ours", **times})
    theirs = await london.api.ok("POST", "/api/v1/events", {"title": "Theirs", **times})
    await eventually(lambda: _has(nyc, theirs["id"]), True)
    failures = []
    for value in BAD:
        v = quote(value)
        calls: list[tuple[Any, str, str, Any, str | None]] = [
            (london, "GET", f"/api/v1/events?from={v}", None, member["token"]),
            (london, "GET", f"/api/v1/events?from=2027-01-01&to={v}", None, member["token"]),
            (london, "GET", f"/api/v1/twins/{nyc.url}/slots?from={v}", None, member["token"]),
            (london, "GET", f"/api/v1/twins/{nyc.url}/slots?from=2027-01-01&to={v}", None, member["token"]),
            (nyc, "GET", f"/api/v1/slots?from={v}", None, None),
            (nyc, "GET", f"/api/v1/slots?to={v}", None, None),
            (nyc, "GET", f"/api/v1/ledger?period={v}", None, None),
            (nyc, "POST", "/api/v1/events", {"title": "x", "starts_at": value, "ends_at": "2027-03-01T10:00"}, None),
            (nyc, "POST", "/api/v1/events", {"title": "x", "starts_at": "2027-03-01T09:00", "ends_at": value}, None),
            (
                nyc,
                "POST",
                "/api/v1/events",
                {
                    "title": "x",
                    "starts_at": "2027-03-02T09:00",
                    "ends_at": "2027-03-02T10:00",
                    "rrule": "FREQ=WEEKLY",
                    "exdates": [value],
                },
                None,
            ),
            (nyc, "PATCH", f"/api/v1/events/{ours['id']}", {"starts_at": value}, None),
            (nyc, "PATCH", f"/api/v1/events/{ours['id']}", {"ends_at": value}, None),
            (nyc, "POST", f"/api/v1/events/{theirs['id']}/export", {"starts_at": value}, None),
            (
                nyc,
                "POST",
                "/api/v1/slots",
                {
                    "resource_id": resource["id"],
                    "twin_id": london.url,
                    "starts_at": value,
                    "ends_at": value,
                    "seats": 1,
                },
                None,
            ),
        ]
        for node, method, path, body, token in calls:
            status, answer = await node.api.call(method, path, body, token=token)
            if not (400 <= status < 500 and sentence(answer)):
                failures.append((method, path[:80], repr(value)[:20], status))
    assert not failures, "\n".join(map(str, failures))


async def test_bad_dates__pages_and_forms_answer_4xx(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    failures = []
    member = Browserless(pair.london.local)
    operator = Browserless(pair.nyc.local)
    try:
        await member.sign_in(pair.member("Ben Carter")["token"])
        await operator.sign_in(pair.nyc.token, "/admin")
        for value in BAD:
            v = quote(value)
            for client, path in (
                (member, f"/?from={v}"),
                (operator, f"/admin/space?from={v}"),
                (operator, f"/admin/events?from={v}"),
                (operator, f"/admin/ledger?period={v}"),
            ):
                status, page = await client.get(path)
                if not 400 <= status < 500 or not page:
                    failures.append((path[:60], repr(value)[:20], status))
            # Forms answer with the page again and the sentence on it (or a 4xx), never a 500.
            for path, page, form in (
                ("/admin/events", "/admin/events", {"title": "x", "starts_at": value, "ends_at": value}),
                ("/admin/slots", "/admin/space", {"twin_id": pair.london.url, "starts_at": value, "ends_at": value}),
            ):
                resp = await operator.post(path, {"csrf_token": await operator.csrf(page), "seats": "1", **form})
                if resp.status >= 500:
                    failures.append((f"POST {path}", repr(value)[:20], resp.status))
    finally:
        await member.close()
        await operator.close()
    assert not failures, "\n".join(map(str, failures))
