"""Payment accounts, payment batches, bank files, payment exceptions and recoveries in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, func, insert, select

from wengang.adapters.db.payment_tables import (
    accounts,
    bank_files,
    payment_batches,
    payment_exceptions,
    recoveries,
)
from wengang.adapters.db.repositories.base import TableRepository
from wengang.domain.accounts import PaymentAccount
from wengang.domain.errors import NotFound
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.payment_records import BankFile, Finding, PaymentException, Recovery


class _Stated(Protocol):
    """A record with an id and a status: what a conditional save compares."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> str: ...


S = TypeVar("S", bound=_Stated)


class _Saving(TableRepository[S]):
    """A conditional save of a changed record (compare-and-set on its status and on the columns it fills)."""

    def save(self, before: S, after: S) -> bool:
        """After's changed columns, only if the stored record still has before's status and none of the columns
        the change fills was filled meanwhile (False otherwise: someone else changed it first)."""
        changed = {f.name: getattr(after, f.name) for f in fields(self.model)
                   if getattr(after, f.name) != getattr(before, f.name)}
        if not changed:
            return True
        expect: dict[str, Any] = {"status": before.status}
        expect |= {k: None for k in changed if getattr(before, k) is None}
        return self._update(before.id, changed, **expect)

    def _count(self, *where: ColumnElement[bool]) -> int:
        return int(self.conn.execute(select(func.count()).select_from(self.table).where(*where)).scalar_one())


class SqlPaymentAccounts(_Saving[PaymentAccount]):
    """The PaymentAccounts repository on one connection."""

    table, model, label = accounts, PaymentAccount, ("账户", "account")

    def add(self, **values) -> PaymentAccount:
        return self._insert(values)

    def of_unit(self, cycle_id: int, uscc: str, status: str | None = None) -> list[PaymentAccount]:
        where = [accounts.c.cycle_id == cycle_id, accounts.c.uscc == uscc]
        return self._many(*where, *([accounts.c.status == status] if status is not None else []))

    def active_of_cycle(self, cycle_id: int) -> list[PaymentAccount]:
        return self._many(accounts.c.cycle_id == cycle_id, accounts.c.status == "active")

    def pending(self) -> list[PaymentAccount]:
        return self._many(accounts.c.status == "pending")

    def count_pending(self) -> int:
        return self._count(accounts.c.status == "pending")


class SqlPaymentBatches(_Saving[PaymentBatch]):
    """The PaymentBatches repository on one connection."""

    table, model, label = payment_batches, PaymentBatch, ("支付批次", "payment batch")

    def add(self, **values) -> PaymentBatch:
        return self._insert(values)

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PaymentBatch:
        ref = str(ref)
        found = self._one(payment_batches.c.number == ref, lock=lock)
        if found is not None:
            return found
        if ref.isdigit():
            return self.get(int(ref), lock=lock)
        raise NotFound(f"没有这个支付批次 / no payment batch {ref!r}")

    def numbered(self, number: str) -> PaymentBatch | None:
        return self._one(payment_batches.c.number == number)

    def of_cycle(self, cycle_id: int) -> list[PaymentBatch]:
        return self._many(payment_batches.c.cycle_id == cycle_id)

    def all(self) -> list[PaymentBatch]:
        return self._many()

    def count_of_bank(self, cycle_id: int, bank_code: str) -> int:
        return self._count(payment_batches.c.cycle_id == cycle_id, payment_batches.c.bank_code == bank_code)

    def count_in(self, status: str) -> int:
        return self._count(payment_batches.c.status == status)


class SqlBankFiles(TableRepository[BankFile]):
    """The BankFiles repository on one connection."""

    table, model, label = bank_files, BankFile, ("银行文件", "bank file")

    def add(self, **values) -> BankFile:
        return self._insert(values)

    def find(self, direction: str, sha256: str) -> BankFile | None:
        return self._one(bank_files.c.direction == direction, bank_files.c.sha256 == sha256)

    def of_direction(self, direction: str) -> list[BankFile]:
        return self._many(bank_files.c.direction == direction)


class SqlPaymentExceptions(_Saving[PaymentException]):
    """The PaymentExceptions repository on one connection."""

    table, model, label = payment_exceptions, PaymentException, ("支付异常", "payment exception")

    def add_open(self, file_id: int, findings: Sequence[Finding], at: dt.datetime) -> int:
        rows = [{"file_id": file_id, "end_to_end_id": f.end_to_end_id, "issue": f.issue, "status": "open",
                 "amount": f.amount, "detail": f.detail, "created_at": at} for f in findings]
        if rows:
            self.conn.execute(insert(payment_exceptions), rows)
        return len(rows)

    def open(self) -> list[PaymentException]:
        return self._many(payment_exceptions.c.status == "open")

    def count_open(self) -> int:
        return self._count(payment_exceptions.c.status == "open")


class SqlRecoveries(TableRepository[Recovery]):
    """The Recoveries repository on one connection."""

    table, model, label = recoveries, Recovery, ("收回", "recovery")

    def add_many(self, cases: Iterable[tuple[int, Decimal]], *, deadline: dt.date, reason: str, done_by: str,
                 done_at: dt.datetime) -> int:
        rows = [{"case_id": case_id, "amount": amount, "deadline": deadline, "reason": reason, "done_by": done_by,
                 "done_at": done_at} for case_id, amount in cases]
        if rows:
            self.conn.execute(insert(recoveries), rows)
        return len(rows)
