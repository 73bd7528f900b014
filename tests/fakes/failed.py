"""The failed-payments worklist in memory, as adapters/db/failed.py has it: the same six facts per waiting case,
the step from the domain's one table of rules, the same search, order and page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.fakes.table import Table
from wengang.domain.cases import State
from wengang.domain.failed import FAILED, RE_ISSUE, FailedQuery, FailedRow, StepCount, found_by, step_of

BEIJING = dt.timedelta(hours=8)


def waiting(cases: Table, attempts: Table, accounts: Table, batches: Table,
            query: FailedQuery) -> list[tuple[FailedRow, dt.date | None]]:
    """Every failed or re-issued case of the cycle with its failure's Beijing day, oldest first (none last)."""
    of_case: dict[int, list] = {}
    for a in attempts.where():
        of_case.setdefault(a.case_id, []).append(a)
    out = []
    for c in cases.where(lambda c: c.cycle_id == query.cycle_id and c.state in (State.FAILED, State.REISSUED)):
        mine = of_case.get(c.id, [])
        last = max((a for a in mine if a.status in FAILED), key=lambda a: a.attempt_no, default=None)
        live = next((a for a in mine if a.status in RE_ISSUE), None)
        active = accounts.one(lambda x, c=c: x.cycle_id == c.cycle_id and x.uscc == c.uscc and x.status == "active")
        at = last.settled_at if last else None
        failed_on = (at + BEIJING).date() if at else None
        corrected = active is not None and not (at is not None and active.verified_at is not None
                                                and active.verified_at <= at)
        facts = {"live": live is not None,
                 "released": c.state is State.REISSUED or (live is not None and live.status == "pending"),
                 "sent": live is not None and batches.get(live.batch_id).status == "sent",
                 "corrected": corrected,
                 "overdue": failed_on is not None and failed_on < query.overdue_before,
                 "proposed": accounts.one(lambda x, c=c: x.cycle_id == c.cycle_id and x.uscc == c.uscc
                                          and x.status == "pending") is not None}
        out.append((FailedRow(c.id, c.uscc, c.name, c.amount, last.reason if last else None,
                              last.account_no if last else None, at, active.account_no if active else None,
                              corrected, step_of(facts)), failed_on))
    out.sort(key=lambda r: (r[1] is None, r[1] or dt.date.min, r[0].case_id))
    return out


def counts(rows: list[FailedRow], search: str) -> dict[str, StepCount]:
    """Per step: all of it, and what the search finds of it with its money."""
    out: dict[str, StepCount] = {}
    for r in rows:
        n, f, amount = out.get(r.step, StepCount(0, 0, Decimal("0.00")))
        hit = found_by(search, r.name, r.uscc)
        out[r.step] = StepCount(n + 1, f + hit, amount + (r.amount if hit else 0))
    return out


def page(rows: list[FailedRow], query: FailedQuery) -> list[FailedRow]:
    found = [r for r in rows if (not query.step or r.step == query.step) and found_by(query.search, r.name, r.uscc)]
    return found[query.offset:query.offset + query.limit]
