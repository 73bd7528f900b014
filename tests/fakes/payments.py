"""Payment attempts and the ledger in memory, as the SQL adapter keeps them (adapters/db/payments.py): one live
attempt per case, one posting per attempt and kind, all-or-nothing status changes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.fakes import failed
from tests.fakes.table import CENT, Table
from wengang.adapters.db.payment_tables import ATTEMPT_STATUSES, LEDGER_MOVES
from wengang.adapters.db.payments import _chained
from wengang.domain.errors import ConcurrentChange
from wengang.domain.failed import FailedPage, FailedQuery, FailedRow
from wengang.domain.ports import Attempt, AttemptPage, Released, Sent

LIVE = ("prepared", "pending", "paid")
FORMULA = ("=", "+", "-", "@")


@dataclass(frozen=True, slots=True)
class Posting:
    """A ledger row (its seq is its id here)."""

    id: int
    kind: str
    batch_id: int
    attempt_id: int
    case_id: int
    from_account: str
    to_account: str
    amount: Decimal
    posted_at: dt.datetime
    source: str
    program: str


def tables() -> dict[str, Table]:
    """payment_attempts and ledger with the keys and checks of payment_tables.py."""
    return {
        "attempts": Table(
            "payment_attempts", Attempt,
            unique={"end_to_end_id": lambda a: a.end_to_end_id, "case_attempt": lambda a: (a.case_id, a.attempt_no),
                    "one_live": lambda a: a.case_id if a.status in LIVE else None},
            checks={"known_status": lambda a: a.status in ATTEMPT_STATUSES,
                    "amount_positive": lambda a: a.amount > 0,
                    "attempt_range": lambda a: 1 <= a.attempt_no <= 999}),
        "ledger": Table("ledger", Posting, unique={"attempt_kind": lambda p: (p.attempt_id, p.kind)},
                        checks={"amount_positive": lambda p: p.amount > 0,
                                "legal_move": lambda p: (p.kind, p.from_account, p.to_account) in LEDGER_MOVES}),
    }


def _released(a: Attempt) -> Released:
    return Released(a.id, a.case_id, a.attempt_no, a.uscc, a.amount, a.end_to_end_id)


class FakePayments:
    """The Payments port over the unit of work's attempts, ledger and payment batches (and, for the failed-payments
    worklist, its cases and accounts)."""

    def __init__(self, attempts: Table, ledger: Table, batches: Table, now: dt.datetime, *,
                 cases: Table | None = None, accounts: Table | None = None, cycles: Table | None = None):
        self.a, self.ledger, self.batches, self.now = attempts, ledger, batches, now
        self.cases, self.accounts, self.cycles = cases, accounts, cycles

    def _program(self, batch_id: int) -> str:
        """The programme of the batch's cycle: the sub-account its postings go to (the SQL store's join)."""
        assert self.cycles is not None, "the fake ledger needs the cycles to know a posting's programme"
        return self.cycles.get(self.batches.get(batch_id).cycle_id).program

    def add_attempts(self, rows: Iterable[Sequence[Any]]) -> int:
        count = 0
        for row in rows:
            self.a.insert(dict(zip(Attempt._fields[1:], row, strict=True)))
            count += 1
        return count

    def attempts(self, *, batch_id: int | None = None, case_ids: Any = None, e2e_ids: Any = None,
                 status: str | None = None) -> list[Attempt]:
        cases = None if case_ids is None else set(case_ids)
        e2e = None if e2e_ids is None else set(e2e_ids)
        return self.a.where(lambda a: (batch_id is None or a.batch_id == batch_id)
                            and (status is None or a.status == status)
                            and (cases is None or a.case_id in cases)
                            and (cases is not None or e2e is None or a.end_to_end_id in e2e))

    def batch_page(self, batch_id: int, *, search: str = "", offset: int = 0, limit: int = 50) -> AttemptPage:
        text = search.strip()
        found = [a for a in self.attempts(batch_id=batch_id)
                 if not text or text in a.unit_name or a.uscc.startswith(text.upper())]
        return AttemptPage(found[offset:offset + limit], len(found), sum((a.amount for a in found), Decimal("0.00")))

    def _waiting(self, query: FailedQuery) -> list[FailedRow]:
        assert self.cases is not None and self.accounts is not None, "the worklist needs the cases and accounts"
        return [r for r, _ in failed.waiting(self.cases, self.a, self.accounts, self.batches, query)]

    def failed_worklist(self, query: FailedQuery) -> FailedPage:
        rows = self._waiting(query)
        return FailedPage(failed.counts(rows, query.search), failed.page(rows, query))

    def set_status(self, changes: Iterable[tuple[int, str, str, str | None]], *, settled: bool) -> int:
        """All move, or ConcurrentChange (the unit of work then rolls back whatever did)."""
        rows, count = _chained(changes)
        moved = 0
        for attempt_id, before, new, reason in rows:
            found = self.a.rows.get(attempt_id)
            if found is None or found.status != before:
                continue
            values: dict[str, Any] = {"status": new}
            if reason is not None:
                values["reason"] = reason
            if settled:
                values["settled_at"] = self.now
            moved += self.a.update(attempt_id, values)
        if moved != len(rows):
            raise ConcurrentChange(f"{len(rows) - moved} 笔支付 / payment attempts")
        return count

    def _move(self, batch_id: int, before: str, after: str) -> list[Released]:
        out = []
        for a in self.a.where(lambda a: a.batch_id == batch_id and a.status == before):
            self.a.update(a.id, {"status": after})
            out.append(_released(a))
        return sorted(out)

    def release(self, batch_id: int) -> list[Released]:
        return self._move(batch_id, "prepared", "pending")

    def cancel(self, batch_id: int, status: str) -> list[Released]:
        return self._move(batch_id, status, "cancelled")

    def formula_names(self, batch_id: int) -> list[tuple[int, str]]:
        return [(a.case_id, a.uscc) for a in self.a.where(
            lambda a: a.batch_id == batch_id and a.status == "prepared"
            and (a.unit_name[:1] in FORMULA or a.account_name[:1] in FORMULA))]

    def sent(self, e2e_ids: Sequence[str]) -> list[Sent]:
        wanted = set(e2e_ids)
        return [Sent(a.id, a.case_id, a.attempt_no, a.batch_id, a.end_to_end_id, a.uscc, a.amount, a.status)
                for a in self.a.where(lambda a: a.end_to_end_id in wanted)]

    def _post(self, kind: str, from_account: str, to_account: str, source: str, attempts: list[Attempt]) -> int:
        for a in attempts:
            self.ledger.insert({"kind": kind, "batch_id": a.batch_id, "attempt_id": a.id, "case_id": a.case_id,
                                "from_account": from_account, "to_account": to_account, "amount": a.amount,
                                "posted_at": self.now, "source": source[:200],
                                "program": self._program(a.batch_id)})
        return len(attempts)

    def post_whole(self, kind: str, from_account: str, to_account: str, attempt_ids: Sequence[int],
                   source: str) -> int:
        """A posting per listed attempt; an attempt posted twice for a kind is refused; a missing one is a
        ConcurrentChange."""
        if not attempt_ids:
            return 0
        wanted = set(attempt_ids)
        posted = self._post(kind, from_account, to_account, source, self.a.where(lambda a: a.id in wanted))
        if posted != len(wanted):
            raise ConcurrentChange(f"{len(wanted) - posted} 笔支付 / payment attempts not found to post")
        return posted

    def post_batch(self, kind: str, from_account: str, to_account: str, batch_id: int, status: str,
                   source: str) -> int:
        return self._post(kind, from_account, to_account, source,
                          self.a.where(lambda a: a.batch_id == batch_id and a.status == status))

    def postings(self) -> list[tuple]:
        return [(p.id, p.kind, self.batches.get(p.batch_id).number, p.case_id,
                 self.a.get(p.attempt_id).end_to_end_id, p.from_account, p.to_account, p.amount, p.program)
                for p in self.ledger.where()]

    def attempt_totals(self) -> list[tuple[str, str, int, Decimal]]:
        groups: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for a in self.a.where():
            groups[self.batches.get(a.batch_id).number, a.status].append(a.amount)
        return [(n, s, len(v), sum(v, Decimal("0.00")).quantize(CENT)) for (n, s), v in groups.items()]

    def cases_paid_twice(self) -> list[int]:
        paid: dict[int, int] = defaultdict(int)
        live: dict[int, int] = defaultdict(int)
        for a in self.a.where():
            paid[a.case_id] += a.status == "paid"
            live[a.case_id] += a.status in LIVE
        return sorted({c for c, n in paid.items() if n > 1} | {c for c, n in live.items() if n > 1})
