"""The mail worker: sends what the mail outbox holds, over one SMTP connection per round.

A mail is marked sent in its own transaction right after the server took it. A crash between
the two (a few milliseconds) sends that one mail again after the restart, with the same bytes
and Message-ID, which receiving systems recognise; nothing queued is ever lost. A temporary
failure (no connection, a 4xx answer) is tried again with capped exponential backoff and full
jitter, like federation delivery; a 5xx answer for the mail fails it for good.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from node.clock import Clock, iso, parse_iso
from node.config import ConfigError, MailSection
from node.retry import Backoff
from node.store.db import Database
from node.worker import Lease, Worker

from .outbox import MailOutbox, QueuedMail

if TYPE_CHECKING:
    import aiosmtplib

log = structlog.get_logger("node.mail")
BATCH = 100
IDLE_SECONDS = 60.0


class PermanentFailure(Exception):
    """The server refused this mail for good. The text names the recipient (for the operator's
    mail page, whose row goes with the member); the log gets only the server's `code`, since a
    log line outlives an erasure and a server's answer often repeats the address."""

    def __init__(self, text: str, code: int) -> None:
        super().__init__(text)
        self.code = code


class MailSender:
    def __init__(
        self,
        outbox: MailOutbox,
        db: Database,
        settings: MailSection,
        directory: Path,
        clock: Clock,
        environ: Mapping[str, str] | None = None,
        lease: Lease | None = None,
    ) -> None:
        self.outbox = outbox
        self.db = db
        self.settings = settings
        self.clock = clock
        self.password = _password(settings, directory, os.environ if environ is None else environ)
        self._backoff = Backoff(settings.retry_base_seconds, settings.retry_cap_seconds)
        # The outbox sets its event once a transaction that wrote mail has committed.
        self.worker = Worker("mail-sender", self._step, after_error=IDLE_SECONDS, event=outbox.wake, lease=lease)

    def start(self) -> None:
        if self.outbox.enabled:
            self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def run_once(self) -> int:
        """Send every due mail (one connection); returns how many the server took."""
        due = await self.outbox.due(iso(self.clock.now()), BATCH)
        if not due:
            return 0
        import aiosmtplib  # at the first mail: a node that sends none never holds the SMTP client

        try:
            smtp = await self._connect()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._retry_all(due, f"cannot reach the mail server: {exc}")
            return 0
        sent = 0
        try:
            for mail in due:
                sent += await self._send_one(smtp, mail)
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await smtp.quit()
        return sent

    async def _connect(self) -> aiosmtplib.SMTP:
        import aiosmtplib

        security = self.settings.security
        smtp = aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            use_tls=security == "tls",
            start_tls=security == "starttls",
            timeout=self.settings.timeout_seconds,
        )
        await smtp.connect()
        if self.settings.username:
            await smtp.login(self.settings.username, self.password or "")
        return smtp

    async def _send_one(self, smtp: aiosmtplib.SMTP, mail: QueuedMail) -> int:
        import aiosmtplib

        try:
            await _deliver(smtp, self.outbox.sender.envelope_from, mail)
        except PermanentFailure as exc:
            log.warning("mail_refused", message_id=mail.message_id, kind=mail.kind, code=exc.code)
            async with self.db.transaction() as tx:
                await self.outbox.mark_failed(tx, mail.message_id, str(exc))
            return 0
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._retry(mail, f"{type(exc).__name__}: {exc}")
            return 0
        async with self.db.transaction() as tx:
            await self.outbox.mark_sent(tx, mail.message_id, iso(self.clock.now()))
        return 1

    async def _retry_all(self, mails: list[QueuedMail], error: str) -> None:
        log.warning("mail_server_unreachable", error=error, waiting=len(mails))
        for mail in mails:
            await self._retry(mail, error)

    async def _retry(self, mail: QueuedMail, error: str) -> None:
        delay = self._backoff.delay(mail.tries)
        next_try = iso(self.clock.now() + timedelta(seconds=max(1.0, delay)))
        async with self.db.transaction() as tx:
            await self.outbox.mark_retry(tx, mail.message_id, error, next_try)

    async def _step(self) -> float:
        while await self.run_once():
            pass
        return await self._until_next()

    async def _until_next(self) -> float:
        next_try = await self.outbox.next_due()
        if next_try is None:
            return IDLE_SECONDS
        seconds = (parse_iso(next_try) - self.clock.now()).total_seconds()
        return min(IDLE_SECONDS, max(0.25, seconds + 0.05))


async def _deliver(smtp: aiosmtplib.SMTP, envelope_from: str, mail: QueuedMail) -> None:
    import aiosmtplib

    try:
        await smtp.sendmail(envelope_from, [mail.recipient], mail.message)
    except UnicodeEncodeError as exc:  # before anything is sent: the other mails of the round still go
        text = f"{mail.recipient} can only be reached by a server that takes SMTPUTF8"
        raise PermanentFailure(text, 553) from exc  # RFC 6531's code for an address that needs it
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            text = f"the server refused {mail.recipient}: {exc.recipients[0].message}"
            raise PermanentFailure(text, exc.recipients[0].code) from exc
        raise
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500 and not isinstance(exc, aiosmtplib.SMTPServerDisconnected):
            raise PermanentFailure(f"the server refused the mail ({exc.code}): {exc.message}", exc.code) from exc
        raise


def _password(settings: MailSection, directory: Path, environ: Mapping[str, str]) -> str | None:
    if settings.password_env:
        return environ.get(settings.password_env)
    if settings.password_file:
        path = directory / settings.password_file
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:  # said as the configuration's mistake it is, not the port's
            reason = os.strerror(exc.errno).lower() if isinstance(exc, OSError) and exc.errno else "not UTF-8 text"
            raise ConfigError(f"mail.password_file: cannot read {path}: {reason}") from exc
    return None
