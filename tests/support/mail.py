"""A real SMTP server on loopback (aiosmtpd, through node/mail/sink.py) and the config that points a node at it."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar

from node.mail.sink import CaughtMail, MailSink
from tests.support.nodes import eventually


def mail_config(port: int, **extra: Any) -> dict[str, Any]:
    """Settings for a node that mails through the sink on `port`, retrying quickly."""
    return {
        "mail": {
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "security": "none",
            "retry_base_seconds": 0.05,
            "retry_cap_seconds": 0.5,
            **extra,
        }
    }


async def wait_for_mail(sink: MailSink, to: str, count: int = 1, timeout: float = 15.0) -> list[CaughtMail]:
    """The mails to `to`, once there are at least `count` of them."""
    await eventually(lambda: _count(sink, to), lambda n: n >= count, timeout=timeout)
    return sink.to(to)


async def _count(sink: MailSink, to: str) -> int:
    return len(sink.to(to))


def parse(mail: CaughtMail) -> EmailMessage:
    parsed = email.message_from_bytes(mail.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def calendars(mail: CaughtMail) -> list[Calendar]:
    """Every text/calendar or .ics part, parsed by icalendar."""
    found = []
    for part in parse(mail).walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            found.append(Calendar.from_ical(part.get_payload(decode=True)))
    return found
