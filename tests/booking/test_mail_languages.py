"""Mails in the member's language: a reservation confirmed in Italian with Italian dates, a sign-in
code in the language of the page it was asked from."""

from __future__ import annotations

from typing import Any

import pytest
from babel.dates import format_date

from node.mail.sink import MailSink
from node.store.languages import MemberLanguageRepository
from tests.booking.test_mails import EMAIL, reserve, setup
from tests.support.mail import parse, wait_for_mail


@pytest.fixture
async def sink() -> Any:
    server = MailSink()
    await server.start()
    yield server
    await server.stop()


async def test_mails__a_member_who_reads_italian_gets_the_confirmation_in_italian(nodes: Any, sink: Any) -> None:
    nyc, london, slot, member = await setup(nodes, sink)
    async with london.node.write() as work:
        await MemberLanguageRepository(london.node.store.db).store(work.tx, member["id"], "it")
    status, reservation = await reserve(nyc, london, slot, member)
    assert status == 201
    [mail] = await wait_for_mail(sink, EMAIL)
    message = parse(mail)
    day = format_date(_start(reservation), "full", locale="it_IT")  # "martedì 8 dicembre 2026"
    assert str(message["Subject"]) == f"Confermata: Hot desks da WeCreate NYC, {day}"
    assert message["Content-Language"] == "it"
    text = mail.text()
    assert text.startswith("Ciao Ben Carter,")
    assert "WeCreate NYC ha confermato la tua prenotazione: Hot desks, 1 posto, " in text
    assert f"{day}, dalle 09:00 alle 18:00 (ora di New York); cioè " in text and "(ora di Londra)" in text


def _start(reservation: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(reservation["host_time"]["starts_at"]).date()
