"""Erasing a member reaches the twin's copies of their introductions (GDPR art. 17).

As asker (at home): each request they sent is retracted from its host, which deletes its copy
and the row beside it. As recipient (at the host): a request still waiting is declined (the
asker's home is not left waiting), and an answer already sent is retracted from the asker's
home, which then forgets the recipient's name and address. Then every row here goes.
"""

from __future__ import annotations

from node.core import Node, UnitOfWork
from node.retraction import retract
from protocol.models import IntroductionAnswer

from .mails import forget_mails
from .store import Introduction, IntroductionRepository

OPEN = ("requested", "with_operator")


async def forget_introductions(node: Node, work: UnitOfWork, member_id: str) -> None:
    repo = IntroductionRepository(node.store.db)
    for intro in await repo.list_all_for_member(work.tx, member_id):
        await forget_mails(node, work.tx, intro.home, intro.id)  # to the other member, to the operator
        if intro.side == "sent":
            await _retract(node, work, "IntroductionRequest", intro, intro.host)
        elif intro.status in OPEN and not intro.blocked:
            answer = IntroductionAnswer(
                origin=node.id,
                id=intro.id,
                version=1,
                home=intro.home,
                status="declined",
                answered_at=node.clock.now(),
            )
            await node.publish(work, answer, [intro.home])
        else:
            await _retract(node, work, "IntroductionAnswer", intro, intro.home)
    await repo.forget_member(work.tx, member_id)


async def _retract(node: Node, work: UnitOfWork, type_name: str, intro: Introduction, twin: str) -> None:
    held = await node.store.objects.get(type_name, node.id, intro.id, tx=work.tx)
    if held is not None:
        await retract(node, work, (type_name, node.id, intro.id), held.version, [twin])
