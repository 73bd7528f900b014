"""What the payment process keeps beside its batches, typed: bank files sent and read, the exceptions a person must
resolve (open → resolved), and recoveries of money that could not be paid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from wengang.domain.errors import NotWaiting
from wengang.domain.reconciliation import Issue


@dataclass(frozen=True, slots=True)
class BankFile:
    """A file that went to a bank (out: a batch's pain.001 or CSV) or came from one (in: a status or a notice)."""

    id: int
    direction: str
    message: str
    batch_id: int | None
    name: str
    sha256: str
    records: int
    applied: int
    exceptions: int
    by: str
    at: dt.datetime


class Finding(NamedTuple):
    """What a bank file said that was not applied (one record, or "-" for the file as a whole), and why."""

    end_to_end_id: str
    issue: str
    amount: Decimal | None
    detail: str


@dataclass(frozen=True, slots=True)
class PaymentException:
    """A finding of a bank file on the exceptions list, until a person resolves it with what was done."""

    id: int
    file_id: int
    end_to_end_id: str
    issue: str
    status: str
    amount: Decimal | None
    detail: str
    created_at: dt.datetime
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolution: str | None

    @property
    def words(self) -> str:
        """What a clerk reads on the exceptions list."""
        return Issue(self.issue).words

    def resolve(self, by: str, at: dt.datetime, resolution: str) -> PaymentException:
        """The exception closed with what was done about it: once only."""
        if self.status != "open":
            raise NotWaiting(f"异常 {self.id} 已处理 / exception {self.id} is already resolved")
        return replace(self, status="resolved", resolved_by=by, resolved_at=at, resolution=resolution)


@dataclass(frozen=True, slots=True)
class Recovery:
    """A failed case's money recovered to the fund (收回) after the deadline passed without a corrected account."""

    id: int
    case_id: int
    amount: Decimal
    deadline: dt.date
    reason: str
    done_by: str
    done_at: dt.datetime
