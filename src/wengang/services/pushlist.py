"""The push list (一网: issue 16.4): every qualifying unit of a cycle and what it has been told — its last step's
message and how far the copies got — so that the office sees at a glance which units the push has not reached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.audit import Draft
from wengang.domain.calls import Reach
from wengang.domain.cases import Case, State
from wengang.domain.ports import Store
from wengang.domain.queues import CaseQuery, case_query
from wengang.rules import sheets
from wengang.rules.sheets import Column, Sheet
from wengang.services.queues import MAX_EXPORT

# Qualifying: identified by the rules (or accepted on review) and on its way to the money, or paid.
QUALIFYING = (State.IDENTIFIED, State.PUBLICITY, State.OBJECTION, State.REVERIFIED, State.APPROVED, State.PAID,
              State.FAILED, State.REISSUED, State.CLOSED)
NOTHING = Reach(0, 0, None, None, 0, 0, 0)
COLUMNS = (Column("案件 case", "count", 10), Column("单位名称 unit", width=30), Column("信用代码 credit code", width=20),
           Column("状态 state", width=14), Column("金额 amount (元)", "money", 14, total=True),
           Column("已告知 messages", "count", 10, total=True), Column("最近告知 last told", width=18),
           Column("已送达 delivered", "count", 10, total=True), Column("失败 failed", "count", 10, total=True),
           Column("途中 on the way", "count", 10, total=True))


@dataclass(frozen=True, slots=True)
class PushRow:
    """One qualifying unit: its case, amount, and what it was told."""

    case_id: int
    uscc: str
    name: str
    state: str
    amount: Decimal
    reach: Reach

    @property
    def reached(self) -> bool:
        return self.reach.delivered > 0


@dataclass(frozen=True, slots=True)
class PushPage:
    """A page of the push list with its totals."""

    rows: list[PushRow]
    total: int
    page: int
    pages: int


def push_list(cycle_id: int, *, store: Store, page: int = 1, per_page: int = 50, search: str = "") -> PushPage:
    """One page of the cycle's qualifying units (by case id) with what each was told and how far it got; `search` is a
    name part or a credit-code prefix, as in every staff list."""
    query = case_query(cycle_id, states=QUALIFYING, q=search, page=max(page, 1), per_page=per_page)
    with store.reading() as uow:
        total = uow.cases.count(query.filters())
        pages = max(1, -(-total // per_page))
        if query.page > pages:
            query = case_query(cycle_id, states=QUALIFYING, q=search, page=pages, per_page=per_page)
        cases = uow.cases.page(query)
        reach = uow.deliveries.reach([c.id for c in cases])
    return PushPage([_row(c, reach.get(c.id, NOTHING)) for c in cases], total, query.page, pages)


def export(cycle_id: int, *, store: Store, by: str, state_words: Callable[[str], str],
           event_words: Callable[[str], str]) -> tuple[bytes, int]:
    """The push list (at most MAX_EXPORT units) as a spreadsheet; the export is audited."""
    rows: list[PushRow] = []
    with store.reading() as uow:
        total = uow.cases.count(CaseQuery(cycle_id, QUALIFYING))
        for part in uow.cases.chunks(cycle_id, QUALIFYING, size=5_000):
            reach = uow.deliveries.reach([c.id for c in part])
            rows += [_row(c, reach.get(c.id, NOTHING)) for c in part][:MAX_EXPORT - len(rows)]
            if len(rows) >= MAX_EXPORT:
                break
    title = (f"周期 {cycle_id} 推送清单 / push list of cycle {cycle_id}: {len(rows)} / {total}"
             + ("" if len(rows) == total else f" (最多 {MAX_EXPORT} 行 / at most {MAX_EXPORT} rows)"))
    data = sheets.workbook(Sheet("push", title, COLUMNS, (
        (r.case_id, r.name, r.uscc, state_words(r.state), r.amount, r.reach.messages,
         event_words(r.reach.last_kind) if r.reach.last_kind else "", r.reach.delivered, r.reach.failed,
         r.reach.on_the_way) for r in rows)))
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "push_list_exported", f"cycle:{cycle_id}", reason="导出推送清单 / push list exported",
                                data={"rows": len(rows), "total": total})])
        uow.commit()
    return data, len(rows)


def _row(case: Case, reach: Reach) -> PushRow:
    return PushRow(case.id, case.uscc, case.name, case.state.value, case.amount, reach)
