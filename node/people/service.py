"""The people feature's services on one node."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from node.booking import HomeDesk, MemberRepository
from node.core import Node, UnitOfWork

from .accounts import Accounts
from .erasure import Chores, Erasure, erasure_acceptor
from .signin import EmailSignIn


class People:
    """Sign-in by e-mail and invitations (more services join as the feature grows)."""

    def __init__(self, node: Node, home: HomeDesk) -> None:
        self.node = node
        self.members = MemberRepository(node.store.db)
        self.signin = EmailSignIn(node, self.members)
        self.accounts = Accounts(node, self.members)
        self.erasure = Erasure(node, self.members, self.accounts, home)
        self.chores = Chores(node)
        # What other features do when a twin erases one of its members who visited us, in the
        # transaction that applies the MemberErasure: (work, home, member id). Set by the assembly.
        self.visitor_erased: list[Callable[[UnitOfWork, str, str], Awaitable[object]]] = []

    def start(self) -> None:
        """Accept twins' erasure notices in our inbox and start the hourly chores."""
        self.node.inbox.accept("MemberErasure", erasure_acceptor(self.node, self.visitor_erased))
        self.chores.start()

    async def stop(self) -> None:
        await self.chores.stop()
