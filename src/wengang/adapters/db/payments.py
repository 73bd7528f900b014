"""Payment attempts and ledger postings in SQL: bulk inserts, conditional status changes, totals from the rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from wengang.adapters.db.bulk import insert_rows, raw_cursor
from wengang.adapters.db.payment_tables import ledger, payment_attempts, payment_batches
from wengang.adapters.db.types import Money
from wengang.domain.errors import ConcurrentChange
from wengang.domain.ports import Attempt, Posting

ATTEMPT_COLUMNS = tuple(Attempt._fields)
POSTING_COLUMNS = tuple(Posting._fields)


def _attempt(row) -> Attempt:
    return Attempt(*row)


class SqlPayments:
    """The Payments port on one connection (inside the unit of work's transaction)."""

    def __init__(self, conn: Connection, now):
        self.conn, self.now = conn, now

    def _select(self):
        return select(*(payment_attempts.c[n] for n in ATTEMPT_COLUMNS))

    def add_attempts(self, rows: Iterable[Sequence[Any]]) -> int:
        """Rows in Attempt field order without the id (the database numbers them)."""
        return insert_rows(self.conn, payment_attempts, ATTEMPT_COLUMNS[1:], rows)

    def attempts(self, *, batch_id: int | None = None, case_ids: Sequence[int] | None = None,
                 e2e_ids: Sequence[str] | None = None, status: str | None = None) -> list[Attempt]:
        query = self._select().order_by(payment_attempts.c.id)
        if batch_id is not None:
            query = query.where(payment_attempts.c.batch_id == batch_id)
        if status is not None:
            query = query.where(payment_attempts.c.status == status)
        keys = case_ids if case_ids is not None else e2e_ids
        if keys is None:
            return [_attempt(r) for r in self.conn.execute(query)]
        column = payment_attempts.c.case_id if case_ids is not None else payment_attempts.c.end_to_end_id
        out: list[Attempt] = []
        keys = list(keys)
        for start in range(0, len(keys), 20_000):     # bounded IN lists on both databases
            out += [_attempt(r) for r in self.conn.execute(query.where(column.in_(keys[start:start + 20_000])))]
        return out

    def set_status(self, changes: Iterable[tuple[int, str, str, str | None]], *, settled: bool) -> int:
        """(attempt id, expected status, new status, reason): all move, or ConcurrentChange and nothing does."""
        rows = [(new, reason, self.now if settled else None, attempt_id, before)
                for attempt_id, before, new, reason in changes]
        if not rows:
            return 0
        mark = "?" if self.conn.dialect.name == "sqlite" else "%s"
        sql = (f"UPDATE payment_attempts SET status = {mark}, reason = COALESCE({mark}, reason), "
               f"settled_at = COALESCE({mark}, settled_at) WHERE id = {mark} AND status = {mark}")
        with raw_cursor(self.conn, sql) as cursor:
            cursor.executemany(sql, rows)
            moved = cursor.rowcount
        if moved != len(rows):
            raise ConcurrentChange(f"{len(rows) - moved} 笔支付 / payment attempts")
        return moved

    def post(self, postings: Iterable[Posting]) -> int:
        """Ledger rows (one balanced transaction each); a repeated (attempt, kind) is refused by the database."""
        return insert_rows(self.conn, ledger, POSTING_COLUMNS, postings)

    def postings(self) -> list[tuple]:
        """Every posting in order, with its batch number: what `ledger check` replays."""
        query = (select(ledger.c.seq, ledger.c.kind, payment_batches.c.number, ledger.c.case_id,
                        payment_attempts.c.end_to_end_id, ledger.c.from_account, ledger.c.to_account, ledger.c.amount)
                 .join(payment_batches, payment_batches.c.id == ledger.c.batch_id)
                 .join(payment_attempts, payment_attempts.c.id == ledger.c.attempt_id)
                 .order_by(ledger.c.seq))
        return [tuple(r) for r in self.conn.execute(query)]

    def attempt_totals(self) -> list[tuple[str, str, int, Decimal]]:
        """(batch number, attempt status, count, amount) from the attempts themselves, to compare with the ledger."""
        query = (select(payment_batches.c.number, payment_attempts.c.status, func.count(),
                        func.coalesce(func.sum(payment_attempts.c.amount), 0))
                 .join(payment_batches, payment_batches.c.id == payment_attempts.c.batch_id)
                 .group_by(payment_batches.c.number, payment_attempts.c.status))
        money = Money()
        return [(n, s, c, t.quantize(Decimal("0.01")) if isinstance(t, Decimal)
                 else money.process_result_value(t, self.conn.dialect)) for n, s, c, t in self.conn.execute(query)]

    def cases_paid_twice(self) -> list[int]:
        """Cases with more than one attempt settled and not returned, or more than one live attempt."""
        a = payment_attempts.c
        paid = select(a.case_id).where(a.status == "paid").group_by(a.case_id).having(func.count() > 1)
        live = (select(a.case_id).where(a.status.in_(("prepared", "pending", "paid")))
                .group_by(a.case_id).having(func.count() > 1))
        return sorted({r[0] for r in self.conn.execute(paid.union(live))})
