"""Mails whose subject holds words a twin chose: a line break in them must not break the mail, nor
add a header (RFC 5322 header injection)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from node.mail.sink import MailSink
from tests.support.mail import mail_config, parse, wait_for_mail
from tests.support.nodes import eventually, twin
from tests.web.support import LONDON_ZONE, NYC_ZONE, TERMS

EMAIL = "ben.carter@example.org"


async def test_compose__a_twins_resource_name_with_a_line_break_confirms_and_mails_one_subject_line(
    nodes, sink: MailSink
):
    nyc = await nodes("WeCreate NYC", NYC_ZONE)
    london = await nodes("TheCube London", LONDON_ZONE, config=mail_config(sink.port))
    await twin(nyc, london, offer=TERMS, request=TERMS)
    name = "Hot desks\r\nBcc: eve@example.org\u2028(window)"
    resource = await nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": name, "capacity": 10})
    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=2)
    slot = await nyc.api.ok(
        "POST",
        "/api/v1/slots",
        {
            "resource_id": resource["id"],
            "twin_id": london.url,
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T18:00",
            "seats": 4,
        },
    )
    member = await london.api.ok("POST", "/api/v1/members", {"display_name": "Ben Carter", "email": EMAIL})
    await eventually(
        lambda: london.node.store.objects.get("Slot", nyc.url, slot["id"]), lambda found: found is not None
    )
    body = {"slot_id": slot["id"], "twin_id": nyc.url, "seats": 1}
    status, answer = await london.api.call("PUT", f"/api/v1/reservations/{uuid.uuid4()}", body, token=member["token"])
    assert status == 201, answer
    [mail] = await wait_for_mail(sink, EMAIL)
    message = parse(mail)
    assert str(message["Subject"]).startswith("Confirmed: Hot desks Bcc: eve@example.org (window) at WeCreate NYC")
    assert "Bcc" not in message and mail.recipients == (EMAIL,)
