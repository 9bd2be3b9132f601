"""The introductions' and trip view's examples for docs/API.md (called by make_api_examples.py).

Home runs with `people.introductions: via_operator`, so the operator's queue has something to show.
Tess (at Twin) and the member of Home share cards with each other's space; Home's member asks Tess,
Tess asks Home's member four times (accepted, declined by the operator, declined, blocked and reported).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.support.nodes import InProcessNode, eventually

HOME_CONFIG = {"people": {"introductions": "via_operator"}}


async def introduction_examples(
    rec: Any, home: InProcessNode, twin: InProcessNode, member: dict[str, Any], day: date
) -> None:
    call = rec.call
    token = member["token"]
    tess = await twin.api.ok("POST", "/api/v1/members", {"display_name": "Tess", "email": "tess@twin.example"})
    card = {"display_name": "Tess", "skills": ["ux-design"], "open_to_visitors": True, "audience": "twins"}
    await twin.api.ok(
        "PUT",
        "/api/v1/profile",
        {**card, "shared": ["display_name", "skills", "open_to_visitors"]},
        token=tess["token"],
    )
    mine = {
        "display_name": "Ada",
        "open_to_visitors": True,
        "audience": "twins",
        "shared": ["display_name", "open_to_visitors"],
    }
    await home.api.ok("PUT", "/api/v1/profile", mine, token=token)
    tess_card = await _card(home, token, twin.url)
    ada_card = await _card(twin, tess["token"], home.url)

    asked = await call(
        "askIntroduction",
        "POST",
        "/api/v1/introductions",
        {
            "to": {"origin": twin.url, "member": tess_card["member"]},
            "message": "Hello Tess, I will be in town next week.",
        },
        token=token,
    )
    await call("listIntroductions", "GET", "/api/v1/introductions", token=token)
    await call("getIntroduction", "GET", f"/api/v1/introductions/{asked['id']}", token=token)

    body = {"to": {"origin": home.url, "member": ada_card["member"]}, "message": "Hi Ada! Coffee when I visit?"}
    ids = [(await twin.api.ok("POST", "/api/v1/introductions", body, token=tess["token"]))["id"] for _ in range(4)]
    await eventually(lambda: _queued(home), 4)
    await call("introductionQueue", "GET", "/api/v1/introduction-queue", token=home.token)
    await call("forwardIntroduction", "POST", f"/api/v1/introduction-queue/{ids[0]}/forward", token=home.token)
    await call("declineQueuedIntroduction", "POST", f"/api/v1/introduction-queue/{ids[1]}/decline", token=home.token)
    for forwarded in ids[2:]:
        await home.api.ok("POST", f"/api/v1/introduction-queue/{forwarded}/forward")
    await call("acceptIntroduction", "POST", f"/api/v1/introductions/{ids[0]}/accept", token=token)
    await call("declineIntroduction", "POST", f"/api/v1/introductions/{ids[2]}/decline", token=token)
    report = await call(
        "reportIntroduction",
        "POST",
        f"/api/v1/introductions/{ids[3]}/report",
        {"reason": "The same request four times."},
        token=token,
    )
    await call("blockIntroduction", "POST", f"/api/v1/introductions/{ids[3]}/block", token=token)
    await call("introductionReports", "GET", "/api/v1/introduction-reports", token=home.token)
    await call(
        "closeIntroductionReport", "POST", f"/api/v1/introduction-reports/{report['id']}/close", token=home.token
    )

    await call("setTripSharing", "PUT", "/api/v1/trip/sharing", {"share": True}, token=token)
    await call("tripSharing", "GET", "/api/v1/trip/sharing", token=token)
    await call("trip", "GET", f"/api/v1/trip?origin={twin.url}&from={day}&to={day + timedelta(days=2)}", token=token)


async def _card(node: InProcessNode, token: str, origin: str) -> dict[str, Any]:
    async def probe() -> list[dict[str, Any]]:
        return list((await node.api.ok("GET", f"/api/v1/directory?origin={origin}", token=token))["items"])

    items = await eventually(probe, lambda found: len(found) >= 1)
    return dict(items[0])


async def _queued(home: InProcessNode) -> int:
    return len((await home.api.ok("GET", "/api/v1/introduction-queue"))["items"])
