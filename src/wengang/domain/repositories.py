"""Typed repositories of the operational model (Protocols): one per aggregate, records in and out as domain types.

The database adapter implements them (adapters/db/repositories/); services see only these. A `get` that finds
nothing raises NotFound naming what was asked for; `lock` takes the row lock a change needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol

from wengang.domain.accounts import PaymentAccount
from wengang.domain.cycles import Cycle, Round
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.payment_records import BankFile, Finding, PaymentException


class Cycles(Protocol):
    """Cycles: opened once per programme and pack."""

    def add(self, *, program: str, pack: str, as_of: dt.date, snapshot_id: str, run_id: str, rounds_required: int,
            opened_by: str, opened_at: dt.datetime) -> Cycle: ...

    def get(self, cycle_id: int, *, lock: bool = False) -> Cycle: ...

    def of_program(self, program: str, pack: str) -> Cycle | None: ...

    def all(self) -> list[Cycle]: ...


class Rounds(Protocol):
    """A cycle's comparison rounds, in order."""

    def add(self, *, cycle_id: int, round_no: int, snapshot_id: str, run_id: str, units: int, changed: int,
            done_by: str, done_at: dt.datetime) -> Round: ...

    def of_cycle(self, cycle_id: int) -> list[Round]: ...


# --- Money: payment accounts, payment batches, bank files, payment exceptions, recoveries ------------------------
# A conditional `save(before, after)` writes after's changed columns only if the stored record still has before's
# status and none of the columns it fills was filled meanwhile; False when someone else changed it first.


class PaymentAccounts(Protocol):
    """Accounts proposed for units, each used for payment only once another person verified it."""

    def add(self, *, cycle_id: int, uscc: str, bank_code: str, account_no: str, account_name: str, source: str,
            status: str, created_by: str, created_at: dt.datetime, note: str | None,
            verified_by: str | None = None, verified_at: dt.datetime | None = None) -> PaymentAccount: ...

    def get(self, account_id: int, *, lock: bool = False) -> PaymentAccount: ...

    def of_unit(self, cycle_id: int, uscc: str, status: str | None = None) -> list[PaymentAccount]: ...

    def active_of_cycle(self, cycle_id: int) -> list[PaymentAccount]: ...

    def pending(self) -> list[PaymentAccount]: ...

    def count_pending(self) -> int: ...

    def save(self, before: PaymentAccount, after: PaymentAccount) -> bool: ...


class PaymentBatches(Protocol):
    """Payment batches, one per bank and preparation, known to staff and banks by their number."""

    def add(self, *, cycle_id: int, number: str, bank_code: str, file_format: str, entries: int, total: Decimal,
            status: str, needs_second: bool, prepared_by: str, prepared_at: dt.datetime,
            execution_date: dt.date | None) -> PaymentBatch: ...

    def get(self, batch_id: int, *, lock: bool = False) -> PaymentBatch: ...

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PaymentBatch:
        """By its number (C1-B102-1) or its id; NotFound naming what was asked for."""
        ...

    def numbered(self, number: str) -> PaymentBatch | None: ...

    def of_cycle(self, cycle_id: int) -> list[PaymentBatch]: ...

    def all(self) -> list[PaymentBatch]: ...

    def count_of_bank(self, cycle_id: int, bank_code: str) -> int: ...

    def count_in(self, status: str) -> int: ...

    def save(self, before: PaymentBatch, after: PaymentBatch) -> bool: ...


class BankFiles(Protocol):
    """Every bank file written (out) or read (in), by its bytes' hash: the same bytes are recorded once."""

    def add(self, *, direction: str, message: str, batch_id: int | None, name: str, sha256: str, records: int,
            applied: int, exceptions: int, by: str, at: dt.datetime) -> BankFile: ...

    def find(self, direction: str, sha256: str) -> BankFile | None: ...

    def of_direction(self, direction: str) -> list[BankFile]: ...


class PaymentExceptions(Protocol):
    """What bank files said that was not applied, open until a person resolves it."""

    def add_open(self, file_id: int, findings: Sequence[Finding], at: dt.datetime) -> int:
        """Every finding of one file as an open exception, in one statement."""
        ...

    def get(self, exception_id: int, *, lock: bool = False) -> PaymentException: ...

    def open(self) -> list[PaymentException]: ...

    def count_open(self) -> int: ...

    def save(self, before: PaymentException, after: PaymentException) -> bool: ...


class Recoveries(Protocol):
    """Money of failed cases recovered to the fund after the deadline."""

    def add_many(self, cases: Iterable[tuple[int, Decimal]], *, deadline: dt.date, reason: str, done_by: str,
                 done_at: dt.datetime) -> int:
        """One recovery per (case id, amount), in one statement."""
        ...
