"""Cases in SQL: conditional single updates (optimistic version) and set-based bulk moves."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    String,
    Text,
    exists,
    func,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.sql import ColumnElement, Select

from wengang.adapters.db.bulk import among, insert_rows, listed, mark, one_of, raw_cursor, staged
from wengang.adapters.db.payment_tables import recoveries
from wengang.adapters.db.tables import CASE_NAME_FTS, DISTRICT_SQL, REASON_CODES_SQL, cases
from wengang.adapters.db.types import Money, from_fen
from wengang.domain.cases import Case, State
from wengang.domain.days import beijing_date
from wengang.domain.errors import ConcurrentChange
from wengang.domain.figures import PAID
from wengang.domain.ports import CaseChange, Moved, NewCase, Payable, Tellable
from wengang.domain.queues import CaseQuery


def _stage() -> list[Column]:
    """Columns of the staging table, in CaseChange order (fresh objects: a Column belongs to one Table)."""
    return [Column("id", Integer), Column("version", Integer), Column("state", String(24)), Column("reason", Text),
            Column("decision", String(12)), Column("amount", Money), Column("ratio_units", Integer),
            Column("reasons", Text), Column("run_id", String(64)), Column("labor_dispatch", Boolean),
            Column("has_account", Boolean), Column("review_accepted", Boolean)]


CASE_COLUMNS = list(Case.__dataclass_fields__)
_STATES = {s.value: s for s in State}
PAID_STATES = frozenset(s.value for s in PAID)
_STATE_AT = CASE_COLUMNS.index("state")
DISTRICT_END = 8      # a credit code's first eight characters: its registration kind and district (DISTRICT_SQL)
CASE_IDS_LOCK = 0x77656E67616E67   # "wengang": serialises id reservations on PostgreSQL


def _escaped(text_: str) -> str:
    """Text for a LIKE pattern, its wildcards taken literally (ESCAPE '\\')."""
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _case(row) -> Case:
    values = list(row)
    values[_STATE_AT] = _STATES[values[_STATE_AT]]
    return Case(*values)


class SqlCases:
    """The Cases port on one connection (inside the unit of work's transaction)."""

    def __init__(self, conn: Connection, now: dt.datetime | None = None):
        self.conn = conn
        self.now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)   # the unit of work's time: every change's

    def insert_many(self, rows: list[NewCase]) -> list[int]:
        """Insert in bulk; the ids, in row order, are taken first so audit entries can name them at once."""
        ids = self._new_ids(len(rows))
        now = self._now_param()          # on SQLite spelled as SQLAlchemy spells it, so that ranges compare alike
        insert_rows(self.conn, cases, ("id", *NewCase._fields, "changed_at"),
                    ((i, *r, now) for i, r in zip(ids, rows, strict=True)))
        return ids

    def _new_ids(self, count: int) -> list[int]:
        if not count:
            return []
        if self.conn.dialect.name == "postgresql":
            # One block of the sequence, reserved under a lock every case insert takes (not one nextval per case).
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CASE_IDS_LOCK})
            first = self.conn.execute(text("SELECT nextval(pg_get_serial_sequence('cases', 'id'))")).scalar_one()
            if count > 1:
                self.conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :last)"),
                                  {"last": first + count - 1})
            return list(range(first, first + count))
        # SQLite: this transaction began IMMEDIATE, so nobody else can take these numbers meanwhile.
        top = self.conn.execute(select(func.coalesce(func.max(cases.c.id), 0))).scalar_one()
        return list(range(top + 1, top + 1 + count))

    def _select(self):
        return select(*(cases.c[n] for n in CASE_COLUMNS))

    def get(self, case_id: int) -> Case | None:
        row = self.conn.execute(self._select().where(cases.c.id == case_id)).first()
        return _case(row) if row else None

    def many(self, case_ids: Iterable[int]) -> list[Case]:
        wanted = sorted(set(case_ids))
        found: list[Case] = []
        for start in range(0, len(wanted), 50_000):       # the ids as one value (a chunk of tellings: 20,000)
            query = self._select().where(among(self.conn, cases.c.id, wanted[start:start + 50_000]))
            found += map(_case, self.conn.execute(query).all())
        return found

    def tellable(self, case_ids: Iterable[int]) -> list[Tellable]:
        wanted = sorted(set(case_ids))
        found: list[Tellable] = []
        c = cases.c
        for start in range(0, len(wanted), 50_000):
            query = select(c.id, c.cycle_id, c.uscc, c.amount, c.state, c.batch_id).where(
                among(self.conn, c.id, wanted[start:start + 50_000]))
            found += [Tellable(i, cy, u, a, _STATES[st], b) for i, cy, u, a, st, b in self.conn.execute(query).all()]
        return found

    def runs_of(self, case_ids: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(case_ids))
        found: dict[int, str] = {}
        for start in range(0, len(wanted), 50_000):
            query = select(cases.c.id, cases.c.run_id).where(among(self.conn, cases.c.id, wanted[start:start + 50_000]))
            found.update(self.conn.execute(query).tuples().all())
        return found

    def find(self, cycle_id: int, uscc: str) -> Case | None:
        row = self.conn.execute(self._select().where(cases.c.cycle_id == cycle_id, cases.c.uscc == uscc)).first()
        return _case(row) if row else None

    def chunks(self, cycle_id: int, states: Iterable[State] | None = None, batch_id: int | None = None,
               size: int = 50_000) -> Iterator[list[Case]]:
        """Cases of a cycle in id order, a bounded list at a time (no cursor stays open between lists)."""
        # SQLite, without statistics, would take the (cycle_id, uscc, program) index and sort the whole cycle for
        # every list (40 s for 500,000 cases); `cycle_id + 0` leaves it the primary key, read in order from `last`.
        cycle = cases.c.cycle_id + 0 if self.conn.dialect.name == "sqlite" else cases.c.cycle_id
        query = self._select().where(cycle == cycle_id).order_by(cases.c.id)
        if states is not None:
            query = query.where(cases.c.state.in_([State(s).value for s in states]))
        if batch_id is not None:
            query = query.where(cases.c.batch_id == batch_id)
        last = 0
        while True:
            chunk = [_case(r) for r in self.conn.execute(query.where(cases.c.id > last).limit(size))]
            if not chunk:
                return
            yield chunk
            last = chunk[-1].id

    def of_cycle(self, cycle_id: int, states: Iterable[State] | None = None,
                 batch_id: int | None = None, limit: int | None = None) -> Iterator[Case]:
        seen = 0
        for chunk in self.chunks(cycle_id, states, batch_id, size=min(limit or 50_000, 50_000)):
            for case in chunk:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield case

    def _matching(self, query: CaseQuery, *columns):
        """SELECT columns FROM cases WHERE the query's filters (no order, no page)."""
        sqlite = self.conn.dialect.name == "sqlite"
        # SQLite has no statistics: with a state, district or credit-code prefix it takes the (cycle, state, …)
        # queue index or the (cycle, credit code) key, whose equalities it counts; with none of them, `cycle_id + 0`
        # walks the primary key in order (see `chunks`) rather than sort the whole cycle out of another index.
        indexed = query.states or query.district or query.uscc or not sqlite
        cycle = cases.c.cycle_id if indexed else cases.c.cycle_id + 0
        stmt = select(*columns).select_from(cases).where(cycle == query.cycle_id)
        if query.states:
            stmt = stmt.where(cases.c.state.in_([s.value for s in query.states]))
        elif query.district and sqlite:
            # Every state, said: SQLite then reads ix_cases_district on three equalities instead of scanning the
            # whole cycle in the (cycle, credit code) key, which it takes for covering the district expression
            # (counting a district: 0.7 ms instead of 37 ms at 500,000 cases).
            stmt = stmt.where(cases.c.state.in_([s.value for s in State]))
        if query.program:
            stmt = stmt.where(cases.c.program == query.program)
        if query.batch_id is not None:
            stmt = stmt.where(cases.c.batch_id == query.batch_id)
        if query.district:      # the very text of ix_cases_district: the planner matches expressions by their text
            stmt = stmt.where(literal_column(DISTRICT_SQL) == query.district)
        if query.size:
            stmt = stmt.where(cases.c.size_class.is_(None) if query.size == "unknown"
                              else cases.c.size_class == query.size)
        for name in ("industry", "unit_type"):      # the dashboard's drill-down ("unknown": not known)
            wanted = getattr(query, name)
            if wanted:
                stmt = stmt.where(cases.c[name].is_(None) if wanted == "unknown" else cases.c[name] == wanted)
        if query.kept:          # a paid figure's cases: none whose money was recovered to the fund (few; by its key)
            stmt = stmt.where(~exists().where(recoveries.c.case_id == cases.c.id))
        since, until = query.changed_between
        if since is not None:
            stmt = stmt.where(cases.c.changed_at >= since)
        if until is not None:
            stmt = stmt.where(cases.c.changed_at < until)
        if query.reason:        # one whole code of the `;`-separated list (never a part of another code)
            if sqlite:
                stmt = stmt.where((literal(";") + cases.c.reasons + literal(";")).like(
                    f"%;{_escaped(query.reason)};%", escape="\\"))
            else:                # the GIN index on this very expression (tables.REASON_CODES_SQL)
                stmt = stmt.where(text(f"{REASON_CODES_SQL} @> ARRAY[CAST(:reason_code AS text)]")
                                  .bindparams(reason_code=query.reason))
        if query.uscc:      # checked by the domain: credit-code characters only, nothing to escape
            stmt = stmt.where(cases.c.uscc.op("GLOB")(f"{query.uscc}*") if sqlite else cases.c.uscc.like(f"{query.uscc}%"))
        if query.search:
            pattern = f"%{_escaped(query.search)}%"
            if not sqlite:
                stmt = stmt.where(cases.c.name.ilike(pattern, escape="\\"))          # pg_trgm's GIN index
            elif len(query.search) >= 3:                                               # FTS5 trigram: 3+ characters
                phrase = '"' + query.search.replace('"', '""') + '"'
                hits: Select[Any] = select(literal_column("rowid")).select_from(text(CASE_NAME_FTS)).where(
                    text(f"{CASE_NAME_FTS} MATCH :phrase").bindparams(phrase=phrase))
                stmt = stmt.where(cases.c.id.in_(hits))
            else:                                       # one or two characters: no trigram, read the cycle
                stmt = stmt.where(cases.c.name.like(pattern, escape="\\"))
        return stmt

    def page(self, query: CaseQuery) -> list[Case]:
        """One page of the cycle's cases that match, in the query's order (ties by case number)."""
        key: ColumnElement[Any] = cases.c[query.sort]
        tie: ColumnElement[Any] = cases.c.id
        narrow = query.search or (query.uscc is not None and len(query.uscc) > DISTRICT_END)
        if narrow and self.conn.dialect.name == "postgresql":
            # A name search finds few rows through the trigram GIN index; ordered by the bare key, the planner would
            # rather walk the primary key (or a queue index) in order, testing every name, hoping to fill the page
            # early: `id + 0` (and `name || ''` …) is no index's order, so it gathers the matches first, then sorts.
            # So with a credit-code prefix longer than the district: a few thousand rows at most, read through the
            # (cycle, credit code) index (at 500,000 cases: 90 ms walking the key for a 12-character prefix, 2 ms).
            key = key + 0 if query.sort in ("id", "amount") else key.op("||")("")
            tie = cases.c.id + 0
        order = [key.desc(), tie.desc()] if query.descending else [key, tie]
        if query.sort == "id":
            order = order[:1]
        stmt = self._matching(query, *(cases.c[n] for n in CASE_COLUMNS))
        return [_case(r) for r in self.conn.execute(stmt.order_by(*order).limit(query.per_page).offset(query.offset))]

    def count(self, query: CaseQuery, limit: int | None = None) -> int:
        """How many match; with `limit`, no more than that (a LIMITed inner select: the scan stops there)."""
        if limit is None:
            return int(self.conn.execute(self._matching(query, func.count())).scalar_one())
        inner = self._matching(query, literal_column("1").label("one")).limit(limit).subquery()
        return int(self.conn.execute(select(func.count()).select_from(inner)).scalar_one())

    def ids(self, query: CaseQuery, limit: int) -> list[int]:
        """Case numbers of every match, in case-number order, at most `limit` (a bulk action's "all that match")."""
        stmt = self._matching(query, cases.c.id).order_by(cases.c.id).limit(limit)
        return [i for (i,) in self.conn.execute(stmt)]

    def payable(self, cycle_id: int, states: Iterable[State]) -> list[Payable]:
        """The cycle's cases in these states, in id order, with only what a payment needs (straight from the
        driver: no per-row result processing for half a million rows)."""
        return [case for chunk in self.payable_chunks(cycle_id, states, size=None) for case in chunk]

    def payable_chunks(self, cycle_id: int, states: Iterable[State], size: int | None = 50_000) -> Iterator[list[Payable]]:
        """`payable` a bounded list at a time, in id order (no cursor stays open between lists; None: all at once)."""
        wanted = [State(s).value for s in states]
        if self.conn.dialect.name == "sqlite":
            # `cycle_id + 0` on SQLite: walk the primary key rather than sort the cycle (see `chunks`).
            rows = self._payable_pages(f"cycle_id + 0 = {mark(self.conn)} AND {one_of(self.conn, 'state')}",
                                       (cycle_id, listed(self.conn, wanted)), size)
        else:
            # One state at a time along (cycle_id, state, id), merged by id: never a sort of the rest of the cycle
            # for each list, however stale the statistics are (right after a bulk move, two states read by `= ANY`
            # took that index and sorted what remained, every time).
            rows = heapq.merge(*(self._payable_pages(f"cycle_id = {mark(self.conn)} AND state = {mark(self.conn)}",
                                                     (cycle_id, state), size)
                                 for state in dict.fromkeys(wanted)))
        while chunk := list(islice(rows, size)):
            yield chunk

    def _payable_pages(self, where: str, params: tuple, size: int | None) -> Iterator[Payable]:
        """Payable cases matching `where`, in id order, read `size` rows per statement (straight from the driver)."""
        sql = (f"SELECT id, uscc, name, amount, state, run_id FROM cases WHERE {where} AND id > {mark(self.conn)} "
               f"ORDER BY id" + (f" LIMIT {int(size)}" if size is not None else ""))
        money = from_fen if self.conn.dialect.name == "sqlite" else (lambda x: x)
        last = 0
        while True:
            with raw_cursor(self.conn, sql) as cursor:
                cursor.execute(sql, (*params, last))
                rows = cursor.fetchall()
            yield from (Payable(i, u, n, money(a), _STATES[st], r) for i, u, n, a, st, r in rows)
            if size is None or len(rows) < size:
                return
            last = rows[-1][0]

    def shared_units(self, cycle_id: int, others: Iterable[int]) -> list[tuple[int, Payable]]:
        """Every case, of this cycle and of `others`, of a unit that has a case in this cycle and in one of the
        others, with its cycle: what the combination rules weigh (the units in only one cycle are never read)."""
        others = list(others)
        shared = select(cases.c.uscc).where(cases.c.cycle_id == cycle_id).intersect(
            select(cases.c.uscc).where(cases.c.cycle_id.in_(others)))
        query = (select(cases.c.cycle_id, cases.c.id, cases.c.uscc, cases.c.name, cases.c.amount, cases.c.state,
                        cases.c.run_id)
                 .where(cases.c.cycle_id.in_([cycle_id, *others]), cases.c.uscc.in_(shared))
                 .order_by(cases.c.id))
        return [(r.cycle_id, Payable(r.id, r.uscc, r.name, r.amount, State(r.state), r.run_id))
                for r in self.conn.execute(query)]

    def payable_runs(self, cycle_id: int, states: Iterable[State]) -> set[str]:
        """The runs behind the cycle's cases in these states (what their snapshot accounts are read from)."""
        sql = (f"SELECT DISTINCT run_id FROM cases WHERE cycle_id = {mark(self.conn)} AND {one_of(self.conn, 'state')}"
               " AND run_id IS NOT NULL")
        with raw_cursor(self.conn, sql) as cursor:
            cursor.execute(sql, (cycle_id, listed(self.conn, [State(s).value for s in states])))
            return {r for (r,) in cursor.fetchall()}

    def transition(self, case: Case, to: State, reason: str, **changes: Any) -> Case:
        """Move one case only if nobody moved it since it was read (same state, same version)."""
        values = {"state": State(to).value, "reason": reason, "version": case.version + 1, "changed_at": self.now,
                  **self._paid_on(case.state.value, State(to).value), **changes}
        result = self.conn.execute(update(cases).where(
            cases.c.id == case.id, cases.c.state == case.state.value, cases.c.version == case.version,
        ).values(**values))
        if result.rowcount != 1:
            raise ConcurrentChange(f"案件 / case {case.id}")
        moved = self.get(case.id)
        assert moved is not None, "the row this statement just updated is there"
        return moved

    def _paid_on(self, before: str, to: str) -> dict[str, dt.date | None]:
        """What a move does to cases.paid_on, the Beijing day the case was paid while it counts as paid (its payment
        settled in this unit of work, at this time): set as it is paid, gone as its money comes back, else kept."""
        if to == State.PAID.value and before != to:
            return {"paid_on": beijing_date(self.now)}
        if before in PAID_STATES and to not in PAID_STATES:
            return {"paid_on": None}
        return {}

    def _now_param(self):
        """The unit of work's time for a driver-level statement, spelled as SQLAlchemy spells it on SQLite."""
        return self.now.isoformat(sep=" ", timespec="microseconds") if self.conn.dialect.name == "sqlite" else self.now

    def move_all(self, cycle_id: int, from_state: State, to_state: State, reason: str,
                 batch_id: int | None) -> list[Moved]:
        """One UPDATE for every case of the cycle in `from_state`; returns what moved, for the audit."""
        p = mark(self.conn)
        sql = (f"UPDATE cases SET state = {p}, reason = {p}, batch_id = {p}, version = version + 1, changed_at = {p} "
               f"WHERE cycle_id = {p} AND state = {p} RETURNING id, uscc, amount, version")
        # Straight to the driver: half a million rows do not need SQLAlchemy's per-row result processing.
        with raw_cursor(self.conn, sql) as cursor:
            cursor.execute(sql, (to_state.value, reason, batch_id, self._now_param(), cycle_id, from_state.value))
            rows = cursor.fetchall()
        if self.conn.dialect.name == "sqlite":
            return [Moved(i, u, from_fen(a), v) for i, u, a, v in rows]
        return [Moved(*row) for row in rows]

    def move_planned(self, cycle_id: int, from_state: State, to_state: State, reason: str, batch_id: int,
                     planned_id: int, also: Iterable[int] = ()) -> list[Moved]:
        """One UPDATE for the cases of the cycle in `from_state` planned into `planned_id`, or into none, or into one
        of `also` (batches already started): they all go on this list and join this planned batch."""
        p = mark(self.conn)
        sql = (f"UPDATE cases SET state = {p}, reason = {p}, batch_id = {p}, planned_batch = {p}, "
               f"version = version + 1 WHERE cycle_id = {p} AND state = {p} AND (planned_batch IS NULL OR "
               f"{one_of(self.conn, 'planned_batch')}) RETURNING id, uscc, amount, version")
        with raw_cursor(self.conn, sql) as cursor:
            cursor.execute(sql, (to_state.value, reason, batch_id, planned_id, cycle_id, from_state.value,
                                 listed(self.conn, [planned_id, *also])))
            rows = cursor.fetchall()
        if self.conn.dialect.name == "sqlite":
            return [Moved(i, u, from_fen(a), v) for i, u, a, v in rows]
        return [Moved(*row) for row in rows]

    def plan(self, cycle_id: int, groups: Iterable[tuple[int, list[int]]]) -> int:
        """Forget the cycle's old plan, then name each group's cases' planned batch (one UPDATE per batch); a plan is
        not a move: states and versions stay."""
        self.conn.execute(update(cases).where(cases.c.cycle_id == cycle_id, cases.c.planned_batch.is_not(None))
                          .values(planned_batch=None))
        p, count = mark(self.conn), 0
        sql = f"UPDATE cases SET planned_batch = {p} WHERE cycle_id = {p} AND {one_of(self.conn, 'id')}"
        for planned_id, ids in groups:
            count += self.conn.exec_driver_sql(sql, (planned_id, cycle_id, listed(self.conn, ids))).rowcount
        return count

    def planned_counts(self, cycle_id: int, states: Iterable[State]) -> dict[int | None, tuple[int, Decimal]]:
        """The cycle's cases in these states per planned batch (None: planned into none): how many, what amount."""
        query = (select(cases.c.planned_batch, func.count(), func.coalesce(func.sum(cases.c.amount), 0))
                 .where(cases.c.cycle_id == cycle_id, cases.c.state.in_([State(s).value for s in states]))
                 .group_by(cases.c.planned_batch))
        money = Money()
        return {planned: (int(n), total.quantize(Decimal("0.01")) if isinstance(total, Decimal)
                          else money.process_result_value(total, self.conn.dialect))
                for planned, n, total in self.conn.execute(query)}

    def move_each(self, moves: Iterable[tuple[int, State, State]], reason: str) -> int:
        """(case id, from, to) for many cases: one UPDATE per (from, to), its cases in one list parameter; if any
        was elsewhere, ConcurrentChange."""
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        count = 0
        for case_id, before, to in moves:
            groups[before.value, to.value].append(case_id)
            count += 1
        if not count:
            return 0
        p, sqlite = mark(self.conn), self.conn.dialect.name == "sqlite"
        now = self._now_param()
        moved = 0
        for (was, new), ids in groups.items():
            paid = [d.isoformat() if d and sqlite else d for d in self._paid_on(was, new).values()]
            sql = (f"UPDATE cases SET state = {p}, reason = {p}, version = version + 1, changed_at = {p}"
                   f"{f', paid_on = {p}' if paid else ''} WHERE {one_of(self.conn, 'id')} AND state = {p}")
            moved += self.conn.exec_driver_sql(sql, (new, reason, now, *paid, listed(self.conn, ids), was)).rowcount
        if moved != count:
            raise ConcurrentChange(f"{count - moved} 个案件 / cases")
        return count

    def apply(self, changes: Iterable[CaseChange]) -> int:
        """Stage the changes, then one UPDATE … FROM; if any case moved meanwhile, nothing is applied."""
        rows = list(changes)
        if not rows:
            return 0
        with staged(self.conn, "stage_case_changes", _stage(), rows) as stage:
            fields = {c.name: c for c in stage.columns if c.name not in ("id", "version")}
            result = self.conn.execute(update(cases).where(
                cases.c.id == stage.c.id, cases.c.version == stage.c.version,
            ).values(version=cases.c.version + 1, changed_at=self.now, **fields))
        if result.rowcount != len(rows):
            raise ConcurrentChange(f"{len(rows) - result.rowcount} 个案件 / cases")
        return len(rows)

    def count_by_state(self, cycle_id: int) -> dict[str, tuple[int, Decimal]]:
        query = (select(cases.c.state, func.count(), func.coalesce(func.sum(cases.c.amount), 0))
                 .where(cases.c.cycle_id == cycle_id).group_by(cases.c.state))
        out = {}
        for state, count, total in self.conn.execute(query):
            out[state] = (count, Money().process_result_value(total, self.conn.dialect)
                          if not isinstance(total, Decimal) else total.quantize(Decimal("0.01")))
        return out
