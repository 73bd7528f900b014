"""The failed-payments worklist in SQL: each waiting case's step computed by the database from the domain's one table
of rules (a CASE expression), so a page counts, filters and pages 10,000 failed payments without reading them all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.selectable import CTE

from wengang.adapters.db.payment_tables import accounts, payment_attempts, payment_batches
from wengang.adapters.db.tables import cases
from wengang.adapters.db.types import Money
from wengang.domain.cases import State
from wengang.domain.failed import (
    FACTS,
    FAILED,
    RE_ISSUE,
    RULES,
    FailedPage,
    FailedQuery,
    FailedRow,
    StepCount,
)

WAITING = (State.FAILED.value, State.REISSUED.value)     # a failed payment not yet paid nor recovered


def _beijing_day(conn: Connection, moment: Any) -> ColumnElement[Any]:
    """The Beijing calendar day of a naive-UTC time, as a date both databases compare and order alike."""
    if conn.dialect.name == "sqlite":
        return func.date(moment, "+8 hours", type_=Date)
    return cast(moment + literal_column("INTERVAL '8 hours'"), Date)


def _instant(conn: Connection, moment: Any) -> Any:
    """A time that compares in time order: SQLite keeps text, with microseconds or (as sqlite3 spells a whole
    second) without, so both are given six digits before they meet."""
    if conn.dialect.name == "sqlite":
        return func.substr(moment.op("||")(".000000"), 1, 26)
    return moment


def _step(facts: dict[str, ColumnElement[bool]]) -> ColumnElement[str]:
    """RULES as one CASE: the first rule whose facts all hold (a NULL fact holds no more than a false one)."""
    whens = [(and_(*(facts[f] for f in needs)), step) for step, needs in RULES if needs]
    [default] = [step for step, needs in RULES if not needs]
    return case(*whens, else_=default)


def _last_failed(conn: Connection) -> tuple[Any, ColumnElement[bool]]:
    """Each case's last failed attempt, found from the case through the (case, attempt number) key: PostgreSQL
    reads it as a LATERAL subquery (one index probe per case, whatever the statistics); SQLite, which has no
    LATERAL, as the attempt whose number is the case's highest failed one (its joins are such loops anyway)."""
    a = payment_attempts.alias("failed_attempt")
    if conn.dialect.name == "postgresql":
        return (select(a.c.reason, a.c.account_no, a.c.settled_at)
                .where(a.c.case_id == cases.c.id, a.c.status.in_(FAILED))
                .order_by(a.c.attempt_no.desc()).limit(1).lateral("last_failed")), true()
    last = payment_attempts.alias("last_failed")
    highest = (select(func.max(a.c.attempt_no)).where(a.c.case_id == cases.c.id, a.c.status.in_(FAILED))
               .correlate(cases).scalar_subquery())
    return last, and_(last.c.case_id == cases.c.id, last.c.attempt_no == highest)


def _active(conn: Connection) -> tuple[Any, ColumnElement[bool]]:
    """Each case's unit's active account in the cycle (at most one), found through its (cycle, credit code) key; on
    PostgreSQL LATERAL too, so that a table not yet analysed cannot turn it into a scan of the cycle per case."""
    a = accounts.alias("active")
    where = (a.c.cycle_id == cases.c.cycle_id, a.c.uscc == cases.c.uscc, a.c.status == "active")
    if conn.dialect.name == "postgresql":
        return select(a.c.id, a.c.account_no, a.c.verified_at).where(*where).limit(1).lateral("active"), true()
    return a, and_(*where)


def waiting(conn: Connection, query: FailedQuery) -> Select[Any]:
    """One row per failed or re-issued case of the cycle: what the page shows of it, its step, its failure day."""
    c = cases
    live, batch = payment_attempts.alias("reissue"), payment_batches.alias("reissue_batch")
    pending = accounts.alias("proposed")
    (last, on_last), (active, on_active) = _last_failed(conn), _active(conn)
    failed_on = _beijing_day(conn, last.c.settled_at)
    corrected = and_(active.c.id.is_not(None), not_(and_(
        last.c.settled_at.is_not(None), active.c.verified_at.is_not(None),
        _instant(conn, active.c.verified_at) <= _instant(conn, last.c.settled_at))))
    facts: dict[str, ColumnElement[bool]] = {
        "live": live.c.id.is_not(None),
        "released": or_(c.c.state == State.REISSUED.value, live.c.status == "pending"),
        "sent": batch.c.status == "sent",
        "corrected": corrected,
        "overdue": failed_on < query.overdue_before,
        "proposed": exists().where(pending.c.cycle_id == c.c.cycle_id, pending.c.uscc == c.c.uscc,
                                   pending.c.status == "pending"),
    }
    assert set(facts) == set(FACTS)
    joined = (c.outerjoin(last, on_last)
              .outerjoin(live, and_(live.c.live_case_id == c.c.id, live.c.status.in_(RE_ISSUE)))
              .outerjoin(batch, batch.c.id == live.c.batch_id)
              .outerjoin(active, on_active))
    return (select(c.c.id, c.c.uscc, c.c.name, c.c.amount, last.c.reason, last.c.account_no,
                   last.c.settled_at.label("failed_at"), active.c.account_no.label("new_account_no"),
                   case((corrected, 1), else_=0).label("corrected"), _step(facts).label("step"),
                   failed_on.label("failed_on"))
            .select_from(joined).where(c.c.cycle_id == query.cycle_id, c.c.state.in_(WAITING)))


def _found(conn: Connection, w: CTE, search: str) -> ColumnElement[bool] | None:
    """The search as domain/failed.py `found_by` has it: exact characters anywhere in the name, or the credit
    code's start in capitals (not LIKE: SQLite's LIKE ignores the case of Latin letters)."""
    if not search:
        return None
    where = func.instr(w.c.name, search) if conn.dialect.name == "sqlite" else func.strpos(w.c.name, search)
    code = search.upper()
    return or_(where > 0, func.substr(w.c.uscc, 1, len(code)) == code)


def _no_jit(conn: Connection) -> None:
    """PostgreSQL compiles a query costed this high (a probe per failed case) to machine code first: 40 ms spent
    to save none on 10,000 rows. Off for the rest of this reading transaction only."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


def worklist(conn: Connection, query: FailedQuery) -> FailedPage:
    """The counts per step and the page in one statement: the waiting cases are worked out once (a CTE named twice,
    which both databases materialise), then grouped by step and, filtered, ordered and cut to the page."""
    _no_jit(conn)
    w = waiting(conn, query).cte("waiting")
    found = _found(conn, w, query.search)
    order = (w.c.failed_on.is_(None), w.c.failed_on, w.c.id)
    rows = select(w.c.step, w.c.amount, w.c.id, w.c.uscc, w.c.name, w.c.reason, w.c.account_no, w.c.failed_at,
                  w.c.new_account_no, w.c.corrected, func.row_number().over(order_by=order).label("seq"))
    if found is not None:
        rows = rows.where(found)
    if query.step:
        rows = rows.where(w.c.step == query.step)
    rows = rows.order_by(*order).offset(query.offset).limit(query.limit)
    p = rows.subquery("page")
    hit = case((found, 1)) if found is not None else literal_column("1")
    money = case((found, w.c.amount)) if found is not None else w.c.amount
    typed = (type_coerce(null(), Integer), type_coerce(null(), Integer))
    both = union_all(
        select(p.c.step, *typed, type_coerce(p.c.amount, Money), p.c.id, p.c.uscc, p.c.name, p.c.reason,
               p.c.account_no, p.c.failed_at, p.c.new_account_no, p.c.corrected, p.c.seq),
        select(w.c.step, func.count(), func.count(hit), type_coerce(func.sum(money), Money),
               *(null() for _ in range(9))).group_by(w.c.step))
    counts, page = {}, []
    for step, n, f, amount, case_id, uscc, name, reason, account_no, at, new, corrected, seq in conn.execute(both):
        if case_id is None:
            counts[step] = StepCount(int(n), int(f), amount if amount is not None else Decimal("0.00"))
        else:
            page.append((seq, FailedRow(case_id, uscc, name, amount, reason, account_no, at, new, bool(corrected),
                                        step)))
    return FailedPage(counts, [r for _, r in sorted(page, key=lambda x: x[0])])
