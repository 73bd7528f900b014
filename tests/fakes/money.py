"""Payment accounts, payment batches, bank files, payment exceptions and recoveries in memory, as the SQL
repositories keep them (adapters/db/repositories/money.py), conditional saves included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any

from tests.fakes.process import _Repository
from tests.fakes.table import Table
from wengang.domain.accounts import PaymentAccount
from wengang.domain.errors import NotFound
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.payment_records import BankFile, Finding, PaymentException, Recovery


def tables() -> dict[str, Table]:
    """The money record tables with the keys and checks of payment_tables.py."""
    b = PaymentBatch
    return {
        "accounts": Table(
            "accounts", PaymentAccount, label=("账户", "account"),
            unique={"one_active": lambda a: (a.cycle_id, a.uscc) if a.status == "active" else None},
            checks={"verified_by_another": lambda a: a.verified_by is None or a.source == "snapshot"
                    or a.verified_by != a.created_by}),
        "payment_batches": Table(
            "payment_batches", b, label=("支付批次", "payment batch"), unique={"number": lambda x: x.number},
            checks={"four_eyes": lambda x: x.approved_by is None or x.approved_by != x.prepared_by,
                    "six_eyes": lambda x: x.second_approved_by is None or (
                        x.second_approved_by != x.prepared_by and x.approved_by is not None
                        and x.second_approved_by != x.approved_by),
                    "eight_eyes": lambda x: x.third_approved_by is None or (
                        x.second_approved_by is not None and x.third_approved_by not in (
                            x.prepared_by, x.approved_by, x.second_approved_by)),
                    "approved_before_release": lambda x: x.status not in ("approved", "sent") or (
                        x.approved_by is not None and (x.approvals_needed < 2 or x.second_approved_by is not None)
                        and (x.approvals_needed < 3 or x.third_approved_by is not None)),
                    "approvers_1_to_3": lambda x: 1 <= x.approvals_needed <= 3,
                    "sent_back_with_reason": lambda x: x.status != "sent_back" or (
                        x.sent_back_by is not None and x.sent_back_by != x.prepared_by
                        and x.send_back_reason is not None),
                    "not_empty": lambda x: x.entries >= 1 and x.total > 0}),
        "bank_files": Table("bank_files", BankFile, label=("银行文件", "bank file"),
                            unique={"direction_sha256": lambda f: (f.direction, f.sha256)}),
        "payment_exceptions": Table("payment_exceptions", PaymentException, label=("支付异常", "payment exception")),
        "recoveries": Table("recoveries", Recovery, label=("收回", "recovery"), unique={"case": lambda r: r.case_id}),
    }


class _Saving(_Repository):
    """The conditional save of money records: after's changed columns, only if the stored record still has
    before's status and none of the columns the change fills was filled meanwhile."""

    def save(self, before: Any, after: Any) -> bool:
        changed = {f.name: getattr(after, f.name) for f in fields(before)
                   if getattr(after, f.name) != getattr(before, f.name)}
        if not changed:
            return True
        expect: dict[str, Any] = {"status": before.status}
        expect |= {k: None for k in changed if getattr(before, k) is None}
        return self.t.update(before.id, changed, **expect)


class FakePaymentAccounts(_Saving):
    def add(self, **values) -> PaymentAccount:
        return self.t.insert(values)

    def of_unit(self, cycle_id: int, uscc: str, status: str | None = None) -> list[PaymentAccount]:
        return self.t.where(lambda a: a.cycle_id == cycle_id and a.uscc == uscc
                            and (status is None or a.status == status))

    def active_of_cycle(self, cycle_id: int) -> list[PaymentAccount]:
        return self.t.where(lambda a: a.cycle_id == cycle_id and a.status == "active")

    def pending(self) -> list[PaymentAccount]:
        return self.t.where(lambda a: a.status == "pending")

    def count_pending(self) -> int:
        return len(self.pending())


class FakePaymentBatches(_Saving):
    def add(self, **values) -> PaymentBatch:
        return self.t.insert(values)

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PaymentBatch:
        found = self.numbered(str(ref))
        if found is not None:
            return found
        if str(ref).isdigit():
            return self.get(int(ref))
        raise NotFound(f"没有这个支付批次 / no payment batch {str(ref)!r}")

    def numbered(self, number: str) -> PaymentBatch | None:
        return self.t.one(lambda b: b.number == number)

    def of_cycle(self, cycle_id: int) -> list[PaymentBatch]:
        return self.t.where(lambda b: b.cycle_id == cycle_id)

    def all(self) -> list[PaymentBatch]:
        return self.t.where()

    def count_of_bank(self, cycle_id: int, bank_code: str) -> int:
        return len(self.t.where(lambda b: b.cycle_id == cycle_id and b.bank_code == bank_code))

    def count_in(self, status: str) -> int:
        return len(self.t.where(lambda b: b.status == status))


class FakeBankFiles(_Repository):
    def add(self, **values) -> BankFile:
        return self.t.insert(values)

    def find(self, direction: str, sha256: str) -> BankFile | None:
        return self.t.one(lambda f: f.direction == direction and f.sha256 == sha256)

    def of_direction(self, direction: str) -> list[BankFile]:
        return self.t.where(lambda f: f.direction == direction)


class FakePaymentExceptions(_Saving):
    def add_open(self, file_id: int, findings: Sequence[Finding], at: dt.datetime) -> int:
        for f in findings:
            self.t.insert({"file_id": file_id, "end_to_end_id": f.end_to_end_id, "issue": f.issue, "status": "open",
                           "amount": f.amount, "detail": f.detail, "created_at": at})
        return len(findings)

    def open(self) -> list[PaymentException]:
        return self.t.where(lambda e: e.status == "open")

    def count_open(self) -> int:
        return len(self.open())


class FakeRecoveries(_Repository):
    def add_many(self, cases: Iterable[tuple[int, Decimal]], *, deadline: dt.date, reason: str, done_by: str,
                 done_at: dt.datetime) -> int:
        count = 0
        for case_id, amount in cases:
            self.t.insert({"case_id": case_id, "amount": amount, "deadline": deadline, "reason": reason,
                           "done_by": done_by, "done_at": done_at})
            count += 1
        return count
