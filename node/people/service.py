"""The people feature's services on one node."""

from __future__ import annotations

from node.booking import HomeDesk, MemberRepository
from node.core import Node

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

    def start(self) -> None:
        """Accept twins' erasure notices in our inbox and start the hourly chores."""
        self.node.inbox.accept("MemberErasure", erasure_acceptor(self.node))
        self.chores.start()

    async def stop(self) -> None:
        await self.chores.stop()
