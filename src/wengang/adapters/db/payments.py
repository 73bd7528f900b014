"""Payment attempts and ledger postings in SQL: bulk inserts, conditional status changes, totals from the rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, or_, select

from wengang.adapters.db import failed
from wengang.adapters.db.bulk import insert_rows, listed, mark, one_of, raw_cursor
from wengang.adapters.db.payment_tables import ledger, payment_attempts, payment_batches
from wengang.adapters.db.types import Money, from_fen
from wengang.domain.days import beijing_date
from wengang.domain.errors import ConcurrentChange
from wengang.domain.failed import FailedPage, FailedQuery
from wengang.domain.ports import Attempt, AttemptPage, Released, Sent

ATTEMPT_COLUMNS = tuple(Attempt._fields)
_SELECT_ATTEMPTS = f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM payment_attempts"
_AMOUNT, _CREATED, _SETTLED, _STATUS = (ATTEMPT_COLUMNS.index(c) for c in ("amount", "created_at", "settled_at",
                                                                             "status"))


def _chained(changes: Iterable[tuple[int, str, str, str | None]]) -> tuple[list[tuple], int]:
    """One row per attempt: a -> b then b -> c in one call is a -> c (and its last reason), as if applied in turn.

    Returns the rows and the number of changes; a change that does not start where the previous one of its attempt
    ended could never have applied in turn, so it is a ConcurrentChange here too."""
    rows: dict[int, list] = {}
    count = 0
    for attempt_id, before, new, reason in changes:
        count += 1
        row = rows.get(attempt_id)
        if row is None:
            rows[attempt_id] = [attempt_id, before, new, reason]
        elif row[2] != before:
            raise ConcurrentChange(f"支付 {attempt_id} / payment attempt {attempt_id}")
        else:
            row[2], row[3] = new, reason if reason is not None else row[3]
    return [tuple(r) for r in rows.values()], count


class SqlPayments:
    """The Payments port on one connection (inside the unit of work's transaction)."""

    def __init__(self, conn: Connection, now):
        self.conn, self.now = conn, now

    def add_attempts(self, rows: Iterable[Sequence[Any]]) -> int:
        """Rows in Attempt field order without the id (the database numbers them). An attempt written already paid
        (history, a test's city) dates its case's money (cases.paid_on), as the case's move does when one settles."""
        paid: dict[dt.date, list[int]] = defaultdict(list)

        def noted() -> Iterator[Sequence[Any]]:
            for row in rows:
                if row[_STATUS - 1] == "paid" and row[_SETTLED - 1] is not None:
                    paid[beijing_date(row[_SETTLED - 1])].append(row[0])
                yield row
        count = insert_rows(self.conn, payment_attempts, ATTEMPT_COLUMNS[1:], noted())
        p = mark(self.conn)
        for day, case_ids in paid.items():
            on = day.isoformat() if self.conn.dialect.name == "sqlite" else day
            self.conn.exec_driver_sql(f"UPDATE cases SET paid_on = {p} WHERE {one_of(self.conn, 'id')}",
                                      (on, listed(self.conn, case_ids)))
        return count

    def attempts(self, *, batch_id: int | None = None, case_ids: Sequence[int] | None = None,
                 e2e_ids: Sequence[str] | None = None, status: str | None = None) -> list[Attempt]:
        """Attempts in id order, straight from the driver (half a million rows need no per-row ORM processing)."""
        sqlite = self.conn.dialect.name == "sqlite"
        p = mark(self.conn)
        where: list[str] = []
        params: list[object] = []
        if batch_id is not None:
            where.append(f"batch_id = {p}")
            params.append(batch_id)
        if status is not None:
            where.append(f"status = {p}")
            params.append(status)
        keys = case_ids if case_ids is not None else e2e_ids
        if keys is not None:
            wanted = list(keys)
            if not wanted:
                return []
            where.append(one_of(self.conn, "case_id" if case_ids is not None else "end_to_end_id"))
            params.append(listed(self.conn, wanted))   # one statement, however many keys
        sql = _SELECT_ATTEMPTS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        with raw_cursor(self.conn, sql) as cursor:
            cursor.execute(sql, params)
            return list(self._rows(cursor, sqlite))

    @staticmethod
    def _rows(cursor, sqlite: bool) -> Iterator[Attempt]:
        """Attempts as the ORM would type them: money as Decimal (integer fen on SQLite), times as datetime."""
        while rows := cursor.fetchmany(50_000):
            if not sqlite:
                yield from map(Attempt._make, rows)
                continue
            times: dict[str | None, dt.datetime | None] = {None: None}   # a transaction stamps all its rows alike
            for row in rows:
                row = list(row)
                row[_AMOUNT] = from_fen(row[_AMOUNT])
                for i in (_CREATED, _SETTLED):
                    text = row[i]
                    if text not in times:
                        times[text] = dt.datetime.fromisoformat(text)
                    row[i] = times[text]
                yield Attempt._make(row)

    def batch_page(self, batch_id: int, *, search: str = "", offset: int = 0, limit: int = 50) -> AttemptPage:
        """One page of the batch's payments (the batch's index finds them; a name search scans only that batch)."""
        t = payment_attempts
        where = [t.c.batch_id == batch_id]
        text = search.strip()
        if text:
            like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(or_(t.c.unit_name.like(f"%{like}%", escape="\\"),
                             t.c.uscc.like(f"{like.upper()}%", escape="\\")))
        count, amount = self.conn.execute(select(func.count(), func.sum(t.c.amount)).where(*where)).one()
        query = select(*(t.c[c] for c in ATTEMPT_COLUMNS)).where(*where).order_by(t.c.id).offset(offset).limit(limit)
        rows = [Attempt._make(r) for r in self.conn.execute(query)]
        return AttemptPage(rows, int(count), amount if amount is not None else Decimal("0.00"))

    def failed_worklist(self, query: FailedQuery) -> FailedPage:
        """The counts per step and one page of the cycle's failed payments (each one's step computed in SQL)."""
        return failed.worklist(self.conn, query)

    def set_status(self, changes: Iterable[tuple[int, str, str, str | None]], *, settled: bool) -> int:
        """(attempt id, expected status, new status, reason): all move, or ConcurrentChange and nothing does.

        One UPDATE per (from, to, reason), each naming its attempts in one list parameter (not one per attempt)."""
        rows, count = _chained(changes)
        if not rows:
            return 0
        groups: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
        for attempt_id, before, new, reason in rows:
            groups[before, new, reason].append(attempt_id)
        p = mark(self.conn)
        sql = (f"UPDATE payment_attempts SET status = {p}, reason = COALESCE({p}, reason), "
               f"settled_at = COALESCE({p}, settled_at) WHERE {one_of(self.conn, 'id')} AND status = {p}")
        settled_at = self.now if settled else None
        moved = sum(self.conn.exec_driver_sql(sql, (new, reason, settled_at, listed(self.conn, ids), before)).rowcount
                    for (before, new, reason), ids in groups.items())
        if moved != len(rows):
            raise ConcurrentChange(f"{len(rows) - moved} 笔支付 / payment attempts")
        return count

    def release(self, batch_id: int) -> list[Released]:
        """Every prepared attempt of the batch to pending in one statement (no attempt travels through Python on
        the way in); returns what went live, in id order, for its postings, case moves and audit."""
        sqlite = self.conn.dialect.name == "sqlite"
        update = (f"UPDATE payment_attempts SET status = 'pending' WHERE batch_id = {mark(self.conn)} "
                  "AND status = 'prepared' RETURNING id, case_id, attempt_no, uscc, amount, end_to_end_id")
        with raw_cursor(self.conn, update) as cursor:
            cursor.execute(update, (batch_id,))
            rows = cursor.fetchall()
        if sqlite:
            return sorted(Released(i, c, n, u, from_fen(a), e) for i, c, n, u, a, e in rows)
        return sorted(map(Released._make, rows))

    def cancel(self, batch_id: int, status: str) -> list[Released]:
        """Every attempt of the batch in `status` (prepared, or pending after approval) to cancelled in one
        statement; returns them, in id order, for their postings, case moves and audit."""
        sqlite = self.conn.dialect.name == "sqlite"
        p = mark(self.conn)
        update = (f"UPDATE payment_attempts SET status = 'cancelled' WHERE batch_id = {p} AND status = {p} "
                  "RETURNING id, case_id, attempt_no, uscc, amount, end_to_end_id")
        with raw_cursor(self.conn, update) as cursor:
            cursor.execute(update, (batch_id, status))
            rows = cursor.fetchall()
        if sqlite:
            return sorted(Released(i, c, n, u, from_fen(a), e) for i, c, n, u, a, e in rows)
        return sorted(map(Released._make, rows))

    def formula_names(self, batch_id: int) -> list[tuple[int, str]]:
        """(case id, credit code) of the batch's prepared attempts whose unit or account name starts as a spreadsheet
        formula does: what the CSV layout refuses (instructions prepared before that rule was checked)."""
        p = mark(self.conn)
        starts = " OR ".join(f"substr({c}, 1, 1) IN ('=', '+', '-', '@')" for c in ("unit_name", "account_name"))
        sql = (f"SELECT case_id, uscc FROM payment_attempts WHERE batch_id = {p} AND status = 'prepared' "
               f"AND ({starts}) ORDER BY id")
        return [tuple(r) for r in self.conn.exec_driver_sql(sql, (batch_id,))]

    def sent(self, e2e_ids: Sequence[str]) -> list[Sent]:
        """The attempts a bank file names, with what applying its statuses needs (a narrow read: a file may
        name half a million)."""
        sqlite = self.conn.dialect.name == "sqlite"
        sql = (f"SELECT {', '.join(Sent._fields)} FROM payment_attempts WHERE {one_of(self.conn, 'end_to_end_id')} "
               "ORDER BY id")
        with raw_cursor(self.conn, sql) as cursor:
            cursor.execute(sql, (listed(self.conn, e2e_ids),))
            rows = cursor.fetchall()
        if not sqlite:
            return list(map(Sent._make, rows))
        at = Sent._fields.index("amount")
        return [Sent._make((*r[:at], from_fen(r[at]), *r[at + 1:])) for r in rows]

    def post_whole(self, kind: str, from_account: str, to_account: str, attempt_ids: Sequence[int],
                   source: str) -> int:
        """One balanced ledger row per listed attempt, its whole amount from one account to another, in id order:
        one INSERT … SELECT; an attempt posted twice for a kind is refused by the database; a missing one is a
        ConcurrentChange."""
        if not attempt_ids:
            return 0
        wanted = len(set(attempt_ids))
        joined = ("c.program", "payment_attempts a JOIN payment_batches b ON b.id = a.batch_id "
                  "JOIN cycles c ON c.id = b.cycle_id", ())            # the ids may span batches: each its own
        return self._post(kind, from_account, to_account, source, joined, one_of(self.conn, "a.id"),
                          (listed(self.conn, attempt_ids),), wanted)

    def post_batch(self, kind: str, from_account: str, to_account: str, batch_id: int, status: str,
                   source: str) -> int:
        """Like post_whole, for every attempt of a batch in one status (no list of half a million ids to send: the
        batch's index finds them; the batch's programme is read once, not joined to every row)."""
        p = mark(self.conn)
        once = (f"(SELECT c.program FROM payment_batches b JOIN cycles c ON c.id = b.cycle_id WHERE b.id = {p})",
                "payment_attempts a", (batch_id,))
        return self._post(kind, from_account, to_account, source, once, f"a.batch_id = {p} AND a.status = {p}",
                          (batch_id, status), None)

    def _post(self, kind: str, from_account: str, to_account: str, source: str, program: tuple[str, str, tuple],
              where: str, params: tuple, wanted: int | None) -> int:
        """Each posting in the sub-account of its payment's programme, its batch's cycle's (`program`: that SQL, the
        FROM it needs, its parameters); the database refuses any other."""
        p = mark(self.conn)
        programme, source_rows, programme_params = program
        sql = (f"INSERT INTO ledger (kind, batch_id, attempt_id, case_id, from_account, to_account, amount, "
               f"posted_at, source, program) SELECT {p}, a.batch_id, a.id, a.case_id, {p}, {p}, a.amount, {p}, {p}, "
               f"{programme} FROM {source_rows} WHERE {where} ORDER BY a.id")
        posted = self.conn.exec_driver_sql(sql, (kind, from_account, to_account, self.now, source[:200],
                                                 *programme_params, *params)).rowcount
        if wanted is not None and posted != wanted:
            raise ConcurrentChange(f"{wanted - posted} 笔支付 / payment attempts not found to post")
        return posted

    def postings(self) -> list[tuple]:
        """Every posting in order, with its batch number and programme: what `ledger check` replays."""
        query = (select(ledger.c.seq, ledger.c.kind, payment_batches.c.number, ledger.c.case_id,
                        payment_attempts.c.end_to_end_id, ledger.c.from_account, ledger.c.to_account, ledger.c.amount,
                        ledger.c.program)
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
