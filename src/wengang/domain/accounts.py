"""A unit's payment account as a typed record: proposed (pending), verified by another person (active) or refused,
and superseded when a newer one replaces it; never used for a payment before it is active."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from wengang.domain.errors import FourEyes, NotWaiting
from wengang.domain.identifiers import mask_account


class AccountStatus(StrEnum):
    """Where a proposed account stands (the values are stored)."""

    PENDING = "pending"          # proposed by the unit or staff; waits for a second person
    ACTIVE = "active"            # verified: payments use it
    REFUSED = "refused"          # the second person refused it
    SUPERSEDED = "superseded"    # a newer proposal or a newer verified account replaced it


A = AccountStatus


@dataclass(frozen=True, slots=True)
class PaymentAccount:
    """An account a unit's money may go to in one cycle, with who proposed it and who verified it."""

    id: int
    cycle_id: int
    uscc: str
    bank_code: str
    account_no: str              # private: shown masked only
    account_name: str
    source: str
    status: str
    created_by: str
    created_at: dt.datetime
    verified_by: str | None
    verified_at: dt.datetime | None
    note: str | None

    def verify(self, by: str, at: dt.datetime, *, accept: bool, note: str) -> PaymentAccount:
        """The account accepted (active) or refused by `by`: only while pending, never by whoever proposed it."""
        if self.status != A.PENDING:
            raise NotWaiting(f"账户 {self.id} 为 {self.status}, 不待核验 / account {self.id} is {self.status}, "
                             "not waiting for verification")
        if self.created_by == by:
            raise FourEyes("提交人不能核验自己的变更 / whoever proposed an account cannot verify it")
        status = A.ACTIVE if accept else A.REFUSED
        return replace(self, status=status.value, verified_by=by, verified_at=at, note=note)

    def supersede(self) -> PaymentAccount:
        """The account replaced by a newer one: a pending proposal by a newer proposal, an active one once another
        is verified."""
        if self.status not in (A.PENDING, A.ACTIVE):
            raise NotWaiting(f"账户 {self.id} 为 {self.status}, 无可替代 / account {self.id} is {self.status}: "
                             "only a pending or active account is superseded")
        return replace(self, status=A.SUPERSEDED.value)

    def masked(self) -> PaymentAccount:
        """The account as any page, list or answer may show it."""
        return replace(self, account_no=mask_account(self.account_no))
