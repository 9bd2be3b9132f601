"""Introductions between members of twin spaces: a request from the asker's home, the host's answer.

No e-mail address crosses the wire before the recipient said yes. The request (version 1)
carries the asker's display name and message only; the host's `accepted` answer carries the
recipient's address; only after it has verified that signed acceptance does the home send
version 2 of the request, which adds the asker's address. A declined answer carries none.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints, model_validator

from .common import FederatedObject, Ident, Instant, NodeId, Text, Uuid

# The wire bound of a message; each node may choose a lower one for what its members write.
MAX_MESSAGE_CHARS = 2000
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Message = Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_CHARS)]


class IntroductionRequest(FederatedObject):
    """A member of `origin` asks to be introduced to the member `to_member` of `host`.

    `from_member` is an opaque handle the home chose for the asker towards this host (never
    their e-mail or local id): the host keeps it to apply the recipient's block. Version 1 is
    the request; version 2 (the same fields plus `email`) follows the host's acceptance.
    """

    type: Literal["IntroductionRequest"] = "IntroductionRequest"
    id: Uuid
    host: NodeId
    to_member: Ident
    from_member: Ident
    from_name: Text
    message: Message
    sent_at: Instant
    email: Email | None = None

    @model_validator(mode="after")
    def _email_only_after_acceptance(self) -> IntroductionRequest:
        if self.host == self.origin:
            raise ValueError("an introduction is asked of another node")
        if (self.email is not None) != (self.version >= 2):
            raise ValueError("the asker's e-mail travels in version 2, after the host's acceptance, and only then")
        return self


class IntroductionAnswer(FederatedObject):
    """The host's answer to the request with the same id: accepted (with the recipient's address) or declined."""

    type: Literal["IntroductionAnswer"] = "IntroductionAnswer"
    id: Uuid
    home: NodeId
    status: Literal["accepted", "declined"]
    answered_at: Instant
    display_name: Text | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _email_only_when_accepted(self) -> IntroductionAnswer:
        if (self.email is not None) != (self.status == "accepted"):
            raise ValueError("an accepted answer carries the recipient's e-mail; a declined one carries none")
        if self.home == self.origin:
            raise ValueError("an answer goes to the asker's home, another node")
        return self
