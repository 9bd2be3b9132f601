"""E-mail: the mail outbox (written in the transaction of the change that causes a mail), the
worker that sends it over SMTP (`sender.py`, started with the node by node/assembly.py), and a local sink
for the demo and the tests (`sink.py`).

`Node.mail` (node/core.py) is the outbox every feature writes to.
"""

from __future__ import annotations

from .message import CalendarPart, Mail, Sender
from .outbox import MailOutbox, QueuedMail

__all__ = ["CalendarPart", "Mail", "MailOutbox", "QueuedMail", "Sender"]
