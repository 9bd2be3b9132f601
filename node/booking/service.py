"""The booking feature's services on one node, created when the node opens."""

from __future__ import annotations

from node.core import Node
from node.federation.inbox import Acceptor
from protocol.models import FederatedObject, Slot
from protocol.problems import Problem, ProblemType

from .event_moves import EventMoves
from .frontdesk import FrontDesk
from .guests_store import GuestRepository
from .home import HomeDesk
from .home_waitlist import PlaceInbox
from .host import HostDesk
from .hosted_store import HostedRepository
from .ledger import Ledger
from .mails import ReminderLoop, ReservationMails
from .members import MemberService
from .offer_store import OfferRepository
from .offers import OfferService
from .receipts import ReceiptInbox
from .refresh import SlotRefresher
from .reservation_store import HomeRepository
from .resources import ResourceService
from .retry import Retrier
from .slots import SlotService
from .store import MemberRepository, ResourceRepository
from .waitlist import HostWaitlist


class Booking:
    """Resources, slots, members, reservations as host and as home, and the ledger."""

    def __init__(self, node: Node) -> None:
        db = node.store.db
        self.node = node
        self.resources = ResourceService(node, ResourceRepository(db))
        self.members = MemberService(node, MemberRepository(db))
        hosted = HostedRepository(db)
        self.refresher = SlotRefresher(node)
        self.waitlist = HostWaitlist(node, hosted, self.refresher)
        self.host = HostDesk(node, hosted, self.refresher, self.waitlist)
        self.slots = SlotService(node, self.resources, self.host)
        self.offers = OfferService(node, OfferRepository(db), self.resources, self.slots)
        self.home = HomeDesk(node, HomeRepository(db), self.members)
        self.mails = self.home.mails = self.home.waitlist.mails = ReservationMails(
            node, self.members.repo, self.home.repo
        )
        self.reminders = ReminderLoop(self.mails)
        self.guests = GuestRepository(db)
        self.frontdesk = FrontDesk(node, hosted, self.guests)
        self.event_moves = EventMoves(node, hosted)  # called as our events are published (node/assembly.py)
        self.ledger = Ledger(node, self.host.hosted, self.home.repo)
        self.retrier = Retrier(self.home)

    def start(self) -> None:
        """Accept twins' slots and receipts in our inbox, and start the retrier."""
        self.node.inbox.accept("Slot", Acceptor(check=self._check_slot))
        receipts = ReceiptInbox(self.node, self.home.repo, self.mails)
        self.node.inbox.accept("ReservationReceipt", Acceptor(check=receipts.check, after_apply=receipts.after_apply))
        places = PlaceInbox(self.node, self.home.repo, self.home.waitlist)
        self.node.inbox.accept("WaitlistPlace", Acceptor(check=places.check, after_apply=places.after_apply))
        self.retrier.start()
        self.refresher.start()
        self.reminders.start()
        self.offers.start()
        self.waitlist.start()

    async def stop(self) -> None:
        await self.retrier.stop()
        await self.refresher.stop()
        await self.reminders.stop()
        await self.offers.stop()
        await self.waitlist.stop()

    async def _check_slot(self, peer_id: str, obj: FederatedObject) -> None:
        # A slot is for the one twin it is offered to; we keep no replica of another twin's.
        assert isinstance(obj, Slot)
        if obj.twin != self.node.id:
            raise Problem(ProblemType.FORBIDDEN, f"slot {obj.id} is offered to {obj.twin}, not to {self.node.id}")
