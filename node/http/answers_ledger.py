"""The shape of the reciprocity ledger's answer (GET /api/v1/ledger), for the OpenAPI document:
what each side gave and took per twin and month, from the signed receipts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protocol.models import Envelope

from .answers import Answer


class LedgerAllowance(Answer):
    amount: int
    period: Literal["month", "week"]
    remaining: int | None = None


class LedgerLine(Answer):
    kind: str
    unit: str
    units: int
    seats: int
    reservations: int
    allowance: LedgerAllowance | None = None


class Cancelled(Answer):
    given: int
    taken: int


class LedgerReceipts(Answer):
    given: list[Envelope]
    taken: list[Envelope]


class LedgerTwin(Answer):
    twin: str
    twinning_id: str
    status: str
    given: list[LedgerLine]
    taken: list[LedgerLine]
    cancelled: Cancelled
    attendance: LedgerAttendance
    receipts: LedgerReceipts | None = None


class AttendanceCounts(Answer):
    reserved: int = Field(description="Confirmed reservations.")
    attended: int = Field(description="Of those, checked in at the host's front desk.")
    no_show: int = Field(description="Of those, recorded as no-shows.")


class LedgerAttendance(Answer):
    given: AttendanceCounts
    taken: AttendanceCounts


class LedgerReport(Answer):
    node: str
    period: str = Field(description="The month, YYYY-MM, in the host's zone.")
    twins: list[LedgerTwin]
