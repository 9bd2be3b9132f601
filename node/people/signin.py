"""Signing in by e-mail: a one-time code and a link, mailed; invitations are a first link.

A code and its link work once, for 10 minutes, and only in the browser that asked (the hash
of its `gemella_signin` cookie is stored with the code). Five wrong codes for an address
lock it for 20 minutes, five more for 40, and so on up to a day, until a right code. Known
or unknown, an address gets the same answer and the same counting, so the answers never
tell whether someone is a member. An invitation is a link made by the operator for a
member: it works once, for 7 days, in any browser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiosqlite import Connection

from node.booking import Member, MemberRepository
from node.clock import iso, parse_iso
from node.core import Node
from node.i18n import _, current, ngettext, reader_for, reading
from node.mail import Mail
from protocol.problems import Problem, ProblemType

from .store import Failures, SignInCode, SignInRepository

CODE_LIFETIME = timedelta(minutes=10)
INVITATION_LIFETIME = timedelta(days=7)
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=20)
MAX_LOCK_TIME = timedelta(days=1)
MAX_CODES_PER_LIFETIME = 3  # more requests for one address in 10 minutes send no more mail
TOKEN_LIFETIME = timedelta(days=7)
CODE_DIGITS = 6


@dataclass(frozen=True)
class SignedIn:
    member_id: str


def digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8")).digest()


def code_digest(code_id: str, code: str) -> bytes:
    return digest(f"{code_id}:{code}")


class EmailSignIn:
    def __init__(self, node: Node, members: MemberRepository) -> None:
        self.node = node
        self.members = members
        self.repo = SignInRepository()

    @property
    def available(self) -> bool:
        return self.node.mail.enabled

    async def request(self, email: str, binding: str) -> None:
        """Mail a code and a link to `email` if it is a member's; say nothing either way."""
        member = await self.members.get_by_email(email.strip())
        now = self.node.clock.now()
        async with self.node.write() as work:
            await self.repo.forget_old(work.tx, iso(now - timedelta(days=1)))
            if member is None or not self.available:
                return
            recent = await self.repo.count_recent(work.tx, member.email, iso(now - CODE_LIFETIME))
            if recent >= MAX_CODES_PER_LIFETIME:
                return
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            link = await self._store(work.tx, member, code, digest(binding), "signin", now + CODE_LIFETIME)
            # The member's own language if they chose one, else the page's they asked from.
            reader = reader_for(member.language, current().language)
            with reading(reader):
                await self.node.mail.enqueue(work, self._code_mail(member, code, link), now)

    async def invite(self, member_id: str) -> None:
        """Mail the member a first sign-in link (7 days, any browser)."""
        member = await self.members.get(member_id)
        if member is None:
            raise Problem(ProblemType.NOT_FOUND, f"no member {member_id}")
        if not self.available:
            raise Problem(ProblemType.CONFLICT, "this node sends no mail: set mail.smtp_host in its configuration")
        now = self.node.clock.now()
        async with self.node.write() as work:
            link = await self._store(work.tx, member, None, None, "invitation", now + INVITATION_LIFETIME)
            with reading(reader_for(member.language, self.node.settings.node.language)):
                await self.node.mail.enqueue(work, self._invitation(member, link), now)

    async def verify(self, email: str, code: str, binding: str) -> SignedIn:
        """The member whose live code this is; unauthorized, or rate-limited once the address is locked."""
        email = email.strip()
        now = self.node.clock.now()
        async with self.node.write() as work:
            counted = await self.repo.get_failures(work.tx, email)
            self._check_lock(counted)
            for live in await self.repo.list_live_codes(work.tx, email, iso(now)):
                if _matches(live, _as_typed(code), binding):
                    await self.repo.store_used(work.tx, live.id, iso(now))
                    await self.repo.delete_failures(work.tx, email)
                    return SignedIn(live.member_id)
            lock = await self._count_failure(work.tx, email, counted)
        if lock is not None:
            raise _locked_problem(lock.total_seconds())
        raise Problem(
            ProblemType.UNAUTHORIZED,
            _("That code is not right, or it has expired. Check the latest mail, or ask for a new code."),
        )

    async def check_link(self, secret: str, binding: str) -> SignInCode:
        """The link's code if it can still sign in in this browser (nothing is used up)."""
        async with self.node.store.db.transaction() as tx:
            found = await self.repo.get_by_link(tx, digest(secret))
        return self._usable(found, binding)

    async def open_link(self, secret: str, binding: str) -> SignedIn:
        now = self.node.clock.now()
        async with self.node.write() as work:
            found = self._usable(await self.repo.get_by_link(work.tx, digest(secret)), binding)
            await self.repo.store_used(work.tx, found.id, iso(now))
            await self.repo.delete_failures(work.tx, found.email)
        return SignedIn(found.member_id)

    async def api_token(self, member_id: str) -> tuple[str, str]:
        """A member bearer token for the API, and when it expires."""
        expires_at = iso(self.node.clock.now() + TOKEN_LIFETIME)
        async with self.node.write() as work:
            token = await self.node.store.tokens.store(work.tx, "member", member_id, expires_at=expires_at)
        return token, expires_at

    def _usable(self, found: SignInCode | None, binding: str) -> SignInCode:
        now = iso(self.node.clock.now())
        if found is None or found.used_at is not None or found.expires_at <= now:
            raise Problem(
                ProblemType.UNAUTHORIZED,
                _("This sign-in link has expired or was used already. Ask for a new one on the sign-in page."),
            )
        if found.binding_hash is not None and not hmac.compare_digest(found.binding_hash, digest(binding)):
            raise Problem(
                ProblemType.FORBIDDEN,
                _(
                    "This link was asked for in another browser. Open it in the browser where you asked for it, "
                    "or type the code from the mail there."
                ),
            )
        return found

    def _check_lock(self, counted: Failures) -> None:
        if counted.locked_until is not None:
            left = (parse_iso(counted.locked_until) - self.node.clock.now()).total_seconds()
            if left > 0:
                raise _locked_problem(left)

    async def _count_failure(self, tx: Connection, email: str, counted: Failures) -> timedelta | None:
        """One more wrong code; how long the address is locked, when this one locks it.

        Wrong codes are counted until a right one (or a day without any): each fifth locks the
        address, each lock twice as long as the one before, up to a day. Were every lock 20
        minutes, someone asking for codes for another's address could try 15 an hour against
        its 3 live codes, for as long as they liked: one chance in three, in a year."""
        now = self.node.clock.now()
        failures = counted.failures + 1
        if failures % MAX_FAILURES:
            await self.repo.store_failures(tx, email, Failures(failures, counted.locked_until), iso(now))
            return None
        doublings = min(failures // MAX_FAILURES - 1, 16)  # 20 minutes times 2**7 is past a day already
        lock = min(LOCK_TIME * 2**doublings, MAX_LOCK_TIME)
        await self.repo.store_failures(tx, email, Failures(failures, iso(now + lock)), iso(now))
        return lock

    async def _store(
        self, tx: Connection, member: Member, code: str | None, binding: bytes | None, purpose: str, expires: datetime
    ) -> str:
        code_id = secrets.token_hex(12)
        link = secrets.token_urlsafe(32)
        # An invitation has no code to type: its code hash is of a random value nobody knows.
        typed = code if code is not None else secrets.token_urlsafe(32)
        row = SignInCode(
            code_id, member.id, member.email, code_digest(code_id, typed), binding, purpose, iso(expires), None
        )
        await self.repo.store_code(tx, row, digest(link), iso(self.node.clock.now()))
        return f"{self.node.id}/signin/link/{link}"

    def _code_mail(self, member: Member, code: str, link: str) -> Mail:
        space = self.node.settings.node.name
        spaced = f"{code[:3]} {code[3:]}"
        return Mail(
            kind="signin",
            to=member.email,
            member_id=member.id,
            subject=_("Your sign-in code for %(space)s: %(code)s", space=space, code=spaced),
            paragraphs=(
                _("Hello %(name)s,", name=member.display_name),
                _(
                    "Your code to sign in to %(space)s is %(code)s. "
                    "It works once, for 10 minutes, in the browser where you asked for it.",
                    space=space,
                    code=spaced,
                ),
                _("You can also open this link in that browser: %(link)s", link=link),
                _("If you did not ask to sign in, you can ignore this mail: nobody can sign in without the code."),
            ),
        )

    def _invitation(self, member: Member, link: str) -> Mail:
        space = self.node.settings.node.name
        return Mail(
            kind="invitation",
            to=member.email,
            member_id=member.id,
            subject=_("Your invitation to %(space)s", space=space),
            paragraphs=(
                _("Hello %(name)s,", name=member.display_name),
                _(
                    "%(space)s invites you to reserve desks and rooms at the spaces it is twinned with, "
                    "and to follow their events.",
                    space=space,
                ),
                _("Open this link to sign in for the first time: %(link)s", link=link),
                _("The link works once, within 7 days. Later you can sign in with your e-mail address at any time."),
            ),
        )


def _as_typed(code: str) -> str:
    """The code without the space the mail writes in its middle (or a dash, or any other space
    a mail program put there when it was copied)."""
    return "".join(code.split()).replace("-", "")


def _matches(live: SignInCode, code: str, binding: str) -> bool:
    """Asked for in this browser, and the right code (both compared in constant time)."""
    same_browser = live.binding_hash is not None and hmac.compare_digest(live.binding_hash, digest(binding))
    return same_browser and hmac.compare_digest(live.code_hash, code_digest(live.id, code))


def _locked_problem(seconds: float) -> Problem:
    minutes = max(1, round(seconds / 60))
    return Problem(
        ProblemType.RATE_LIMITED,
        ngettext(
            "Too many wrong codes for this address. Try again in %(num)s minute.",
            "Too many wrong codes for this address. Try again in %(num)s minutes.",
            minutes,
        ),
        retry_after=seconds,
    )
