"""Schema fuzzing (schemathesis) against a running node: the local API with a member's and the
operator's token, and the federation API signed as a real active twin.

Checks on every answer: no 5xx (but a documented peer-unreachable), every error a problem
document with a known type, status, media type and body as the OpenAPI document says, and
input the document forbids refused. Bounded for CI on 2 cores; the counts are printed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import hypothesis
import requests
from hypothesis import strategies as st

from tests.protocol.strategies import wire_objects
from tests.support.counts import record

from .fuzzing import KNOWN_TYPES, SCALE, Tally, fuzz, loopback_urls, schema
from .world import SignAuth, World

SCHEMA = schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
FEDERATION = [op for op in OPERATIONS if op.path.startswith("/federation/")]
LOCAL = [op for op in OPERATIONS if not op.path.startswith("/federation/")]


def _caller(op: Any) -> str:
    return str(op.definition.raw.get("x-caller", ""))


def test_fuzz__federation_api_signed_as_an_active_twin(world: World) -> None:
    session = requests.Session()
    session.auth = SignAuth(world.signer("twin"))
    tally = Tally()
    fuzz(FEDERATION, lambda case: case.call(base_url=world.base, session=session, timeout=15), tally, lambda op: 40)
    record("schemathesis federation API (signed as an active twin)", **tally.counts())
    assert tally.operations == len(FEDERATION) == 6
    assert not tally.failures, "\n\n".join(tally.failures)


def test_fuzz__local_api_as_a_member(world: World) -> None:
    tally = _fuzz_local(world, world.member["token"], allowed=("anyone", "member", "member or operator"))
    record("schemathesis local API (member token)", **tally.counts())
    assert not tally.failures, "\n\n".join(tally.failures)


def test_fuzz__local_api_as_the_operator(world: World) -> None:
    tally = _fuzz_local(world, world.home.token, allowed=("anyone", "operator", "member or operator"))
    record("schemathesis local API (operator token)", **tally.counts())
    assert not tally.failures, "\n\n".join(tally.failures)


def _fuzz_local(world: World, token: str, allowed: tuple[str, ...]) -> Tally:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    closed_port = 9  # discard: nothing listens, so a proposal to a generated URL fails at once

    def send(case: Any) -> requests.Response:
        loopback_urls(case, closed_port)
        return case.call(base_url=world.base, session=session, headers=headers, timeout=15)

    tally = Tally()
    # Operations this caller may not call are refused before anything is read: a few examples do.
    fuzz(LOCAL, send, tally, lambda op: 20 if _caller(op) in allowed else 3)
    assert tally.operations == len(LOCAL)
    return tally


def test_fuzz__inbox_with_well_formed_objects_of_every_type_signed_by_the_twin(world: World) -> None:
    """Past the signatures: valid wire objects of every type, signed by Twin's own key, reach the
    acceptors. Each item gets a result (applied, stale, or refused with a known problem type)."""
    signer = world.signer("twin")
    session = requests.Session()
    session.auth = SignAuth(signer)
    url = world.base + "/federation/v1/inbox"
    seen: Counter[str] = Counter()

    @hypothesis.settings(max_examples=max(1, round(40 * SCALE)), deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))  # fmt: skip
    @hypothesis.given(objects=st.lists(wire_objects(origins=st.just(world.twin.url)), min_size=1, max_size=6))
    def run(objects: list[Any]) -> None:
        objects = [for_home(obj, world.base) for obj in objects]
        items = [signer.seal(obj) for obj in objects]
        resp = session.post(url, json={"items": items}, timeout=30)
        assert resp.status_code == 202, resp.text[:500]
        results = resp.json()["results"]
        assert [r["index"] for r in results] == list(range(len(items)))
        seen["batches"] += 1
        for obj, result in zip(objects, results, strict=True):
            outcome = result["status"]
            if outcome == "rejected":
                assert result["problem"]["type"] in KNOWN_TYPES, result
                outcome += f" ({result['problem']['type'].rsplit('/', 1)[-1]})"
            seen[f"{obj.type} {outcome}"] += 1

    run()
    batches = seen.pop("batches")
    outcomes = ", ".join(f"{name} x{count}" for name, count in sorted(seen.items()))
    record("hypothesis inbox (signed objects of every type)", examples=batches, items=sum(seen.values()),
           failures=0, outcomes=outcomes)  # fmt: skip


def for_home(obj: Any, home: str) -> Any:
    """Address some objects to Home, so that they get past the visibility rules to the acceptors."""
    if obj.type == "Slot" and obj.version % 2:
        return obj.model_copy(update={"twin": home})
    if obj.type == "Event" and obj.version % 2:
        return obj.model_copy(update={"audience": "all"})
    if obj.type == "ReservationReceipt" and obj.version % 2:
        return obj.model_copy(update={"home": home})
    return obj


def _when(moment: datetime, form: str) -> str:
    """A date or time in one of the forms the API reads."""
    if form == "date":
        return moment.date().isoformat()
    if form == "local":
        return moment.replace(tzinfo=None).isoformat(timespec="minutes")
    return moment.isoformat(timespec="seconds")


def _span(start: datetime, length: timedelta, forms: tuple[str, str]) -> tuple[str, str]:
    try:
        end = start + length
    except OverflowError:
        end = start
    return _when(start, forms[0]), _when(end, forms[1])


FORMS = st.sampled_from(["date", "local", "offset"])
# Any instant, with a bias to the calendar's two ends and to now: where the arithmetic breaks.
moments = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59), timezones=st.timezones()),
    st.datetimes(min_value=datetime(9999, 6, 1), max_value=datetime(9999, 12, 31, 23, 59), timezones=st.timezones()),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 3), timezones=st.timezones()),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.timezones()),
)
spans = st.builds(_span, moments, st.timedeltas(timedelta(0), timedelta(days=900)), st.tuples(FORMS, FORMS))


def test_fuzz__dates_and_times_across_the_whole_calendar(world: World) -> None:
    """Dates from the year 1 to 9999, with any offset, wherever the API reads one: no 5xx. (The
    schema fuzzing rarely draws a valid date; this found four 500s at the calendar's edges.)"""
    operator = {"Authorization": f"Bearer {world.home.token}"}
    member = {"Authorization": f"Bearer {world.member['token']}"}
    base = world.base
    twin_slots = f"/api/v1/twins/{world.twin.url}/slots"
    calls: dict[str, Any] = {
        "events listing": lambda a, b: ("GET", "/api/v1/events" + a + b, member, None),
        "slots listing": lambda a, b: ("GET", "/api/v1/slots" + a + b, operator, None),
        "twin's slots": lambda a, b: ("GET", twin_slots + a + b, member, None),
        "new event": lambda a, b: ("POST", "/api/v1/events", operator, {"title": "t", "starts_at": a, "ends_at": b}),
        "event change": lambda a, b: (
            "PATCH", f"/api/v1/events/{world.event['id']}", operator, {"starts_at": a, "ends_at": b}),
        "new slot": lambda a, b: ("POST", "/api/v1/slots", operator, {
            "resource_id": "desks", "twin_id": world.twin.url, "starts_at": a, "ends_at": b, "seats": 1}),
    }  # fmt: skip
    statuses: Counter[str] = Counter()

    @hypothesis.settings(max_examples=max(1, round(30 * SCALE)), deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))  # fmt: skip
    @hypothesis.given(span=spans, bounds=st.sampled_from(["from", "to", "both"]))
    def run(name: str, span: tuple[str, str], bounds: str) -> None:
        first, second = span
        if name.endswith(("listing", "slots")):  # a query: one bound or both
            first = f"?from={quote(first)}" if bounds != "to" else "?"
            second = f"&to={quote(second)}" if bounds != "from" else ""
        method, path, headers, body = calls[name](first, second)
        resp = requests.request(method, base + path, headers=headers, json=body, timeout=30)
        statuses[f"{name} {resp.status_code}"] += 1
        assert resp.status_code < 500, f"{method} {path} {body} -> {resp.status_code} {resp.text[:300]}"
        if resp.status_code >= 400:
            assert resp.json()["type"] in KNOWN_TYPES

    for name in calls:  # each operation gets its own examples
        run(name)
    record("hypothesis dates across the calendar", examples=sum(statuses.values()), failures=0,
           statuses=", ".join(f"{k} x{v}" for k, v in sorted(statuses.items())))  # fmt: skip
