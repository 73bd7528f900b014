"""The facts behind the two printed notices: a unit's decision notice (稳岗返还告知书) and a list's publicity notice
(公示公告); the web layer words them and documents.pdf prints them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.days import beijing_date
from wengang.domain.ports import Store
from wengang.domain.process import PublicityBatch
from wengang.services import publicity
from wengang.services.portal import own_case
from wengang.services.public import batch_label


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    """One unit's decision in one cycle, as its notice states it."""

    cycle_id: int
    case_id: int
    pack: str
    program: str
    name: str
    uscc: str
    decision: str
    state: str
    amount: Decimal
    reasons: tuple[str, ...]
    list_ref: str | None
    list_days: tuple[dt.date, dt.date] | None
    issued_on: dt.date              # today in Beijing on the store's clock (a demo's 2021 clock dates it in 2021)


@dataclass(frozen=True, slots=True)
class ListFacts:
    """A publicity list as its notice states it: the batch, the cycle's pack, every entry, the total."""

    batch: PublicityBatch
    pack: str
    program: str
    rows: list[tuple]
    total: Decimal
    issued_on: dt.date
    label: str                      # as the public names the list: "2021年第1批"


def decision(uscc: str, cycle_id: int, *, store: Store) -> DecisionFacts:
    """The signed-in unit's own decision (NotFound for a cycle it has no case in, as every portal page)."""
    case = own_case(uscc, cycle_id, store=store)
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        batch = uow.publicity_batches.get(case.batch_id) if case.batch_id else None
        today = beijing_date(uow.now())
    return DecisionFacts(cycle_id, case.id, cycle.pack, cycle.program, case.name, case.uscc, case.decision,
                         case.state.value, case.amount, tuple(r for r in (case.reasons or "").split(";") if r),
                         batch.number if batch else None, (batch.starts_on, batch.ends_on) if batch else None, today)


def listing(batch_ref: str, *, store: Store) -> ListFacts:
    """A publicity list's entries (public columns only) with its cycle's pack."""
    batch, rows = publicity.public_rows(batch_ref, store=store)
    with store.reading() as uow:
        cycle = uow.cycles.get(batch.cycle_id)
        today = beijing_date(uow.now())
        label = batch_label(batch, uow.publicity_batches.all())
    return ListFacts(batch, cycle.pack, cycle.program, rows, sum((Decimal(r[4]) for r in rows), Decimal("0.00")),
                     today, label)
