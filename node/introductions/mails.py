"""The mails of an introduction, each in its reader's language: a request waiting for an
answer, and "you are introduced" with the other member's address once the recipient said yes."""

from __future__ import annotations

from aiosqlite import Connection

from node.booking import Member
from node.core import Node, UnitOfWork
from node.i18n import _, reader_for, reading
from node.mail import Mail

from .store import Introduction


async def space_name(node: Node, origin: str) -> str:
    """A twin's name as its document gives it (its URL when we hold no document)."""
    peer = await node.store.peers.get(origin)
    return peer.name if peer is not None else origin


async def mail_request(node: Node, work: UnitOfWork, intro: Introduction, member: Member) -> None:
    """To the recipient: someone at a twin would like to meet them."""
    space = await space_name(node, intro.home)
    with reading(reader_for(member.language, node.settings.node.language)):
        lines = (
            _("Hello %(name)s,", name=member.display_name),
            _(
                "%(asker)s of %(space)s would like to be introduced to you. Their message:",
                asker=intro.from_name,
                space=space,
            ),
            intro.message,
            _(
                "If you accept, you and %(asker)s each receive the other's e-mail address; if you decline, "
                "nothing about you is shared. Answer at %(url)s",
                asker=intro.from_name,
                url=f"{node.id}/introductions",
            ),
        )
        subject = _("%(asker)s of %(space)s would like to meet you", asker=intro.from_name, space=space)
        await _send(node, work, member, subject, lines, f"{_key(intro.home, intro.id)}asked")


async def mail_introduced(node: Node, work: UnitOfWork, intro: Introduction, member: Member, email: str) -> None:
    """To either member, once the introduction is accepted: the other's name and address."""
    other = intro.to_name if intro.side == "sent" else intro.from_name
    space = await space_name(node, intro.other_origin)
    with reading(reader_for(member.language, node.settings.node.language)):
        lines = (
            _("Hello %(name)s,", name=member.display_name),
            _("You and %(other)s of %(space)s are introduced.", other=other or _("a member"), space=space),
            _("You can write to them at %(email)s.", email=email),
            _("They have your address too. Enjoy the conversation!"),
        )
        subject = _("You are introduced to %(other)s of %(space)s", other=other or _("a member"), space=space)
        await _send(node, work, member, subject, lines, f"{_key(intro.home, intro.id)}introduced")


async def mail_operator_waiting(node: Node, work: UnitOfWork, intro: Introduction, member: Member) -> None:
    """To the community manager (`people.introductions: via_operator`): a request waits for them."""
    space = await space_name(node, intro.home)
    with reading(reader_for(None, node.settings.node.language)):
        lines = (
            _(
                "%(asker)s of %(space)s would like to be introduced to %(member)s. Their message:",
                asker=intro.from_name,
                space=space,
                member=member.display_name,
            ),
            intro.message,
            _("The request waits for you: forward it or decline it at %(url)s", url=f"{node.id}/admin/introductions"),
        )
        subject = _("An introduction waits for you: %(asker)s of %(space)s", asker=intro.from_name, space=space)
        await _to_operator(node, work, subject, lines, f"{_key(intro.home, intro.id)}operator")


async def mail_operator_report(
    node: Node, work: UnitOfWork, intro: Introduction, member: Member, reason: str, report_id: str
) -> None:
    """To the community manager: a member reported an introduction request as abuse."""
    space = await space_name(node, intro.home)
    with reading(reader_for(None, node.settings.node.language)):
        lines = (
            _(
                "%(member)s reported the introduction request of %(asker)s of %(space)s. What they wrote:",
                member=member.display_name,
                asker=intro.from_name,
                space=space,
            ),
            reason,
            _("The reports are at %(url)s", url=f"{node.id}/admin/introductions"),
        )
        subject = _("A member reported an introduction request from %(space)s", space=space)
        await _to_operator(node, work, subject, lines, f"{_key(intro.home, intro.id)}report:{report_id}")


async def forget_mails(node: Node, tx: Connection, home: str, id_: str) -> None:
    """The mails about one introduction, sent or not, leave the node's storage (its asker or its
    recipient was erased): they carry the names, the message and the addresses."""
    await node.mail.forget_about(tx, _key(home, id_))


def _key(home: str, id_: str) -> str:
    """The start of the `dedupe_key` of every mail about the introduction `(home, id_)`."""
    return f"introduction:{home}:{id_}:"


async def _to_operator(node: Node, work: UnitOfWork, subject: str, lines: tuple[str, ...], key: str | None) -> None:
    address = node.settings.mail.operator_address
    if address is not None:
        mail = Mail(kind="operator", to=address, subject=subject, paragraphs=lines, dedupe_key=key)
        await node.mail.enqueue(work, mail, node.clock.now())


async def _send(node: Node, work: UnitOfWork, member: Member, subject: str, lines: tuple[str, ...], key: str) -> None:
    mail = Mail(
        kind="introduction", to=member.email, member_id=member.id, subject=subject, paragraphs=lines, dedupe_key=key
    )
    await node.mail.enqueue(work, mail, node.clock.now())
