"""Queues that scale (issue 14): total, pages, filters, indexed search and sort on both databases and the fake; bulk
actions through the single actions' rules, audited per case; the filtered rows as xlsx, personal data masked."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.builders import uscc
from tests.conftest import each_store
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.audit import Draft
from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.domain.ports import NewCase
from wengang.domain.queues import case_query
from wengang.services import queues

AT = dt.datetime(2021, 10, 8, 1, 0)
NAMES = ("西宁城东科技有限公司", "海口椰风贸易有限公司", "Acme 100% Trading_Co")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def store(request, tmp_path):
    """SQLite, PostgreSQL (as tests/conftest.py's db_url empties it) and the in-memory fake."""
    yield from each_store(request, tmp_path)


def city(store) -> int:
    """One cycle of 120 cases: districts 630102 (even) and 460105 (odd), every tenth in review, names of three
    kinds, amounts 1..120 yuan; and a second cycle that must never show."""
    with store.transaction() as uow:
        cycle_id = uow.cycles.add(program="ui-return", pack="beijing-2021", as_of=AT.date(), snapshot_id="s",
                                  run_id="r", rounds_required=1, opened_by="clerk", opened_at=AT).id
        other = uow.cycles.add(program="ui-return", pack="cn-2021", as_of=AT.date(), snapshot_id="s", run_id="r",
                               rounds_required=1, opened_by="clerk", opened_at=AT).id
        rows = []
        for n in range(1, 121):
            state = State.REVIEW if n % 10 == 0 else State.IDENTIFIED
            rows.append(NewCase("ui-return", cycle_id, uscc(n, "91630102" if n % 2 == 0 else "91460105"),
                                f"{NAMES[n % 3]}{n}", "review" if state is State.REVIEW else "eligible",
                                Decimal(n), 6000, "arrears_outstanding;flag:zombie" if state is State.REVIEW else "", "r", False, True,
                                False, False, False, state.value, "联系人 13912345678 passed", None, 1))
        rows.append(rows[0]._replace(cycle_id=other))
        uow.cases.insert_many(rows)
        uow.commit()
    return cycle_id


def test_a_page_knows_its_total_and_filters_search_and_sort_narrow_it(store):
    cycle_id = city(store)
    first = queues.page(case_query(cycle_id, per_page=25), store=store)
    assert (first.total, first.pages, len(first.rows), first.first, first.last) == (120, 5, 25, 1, 25)
    second = queues.page(case_query(cycle_id, per_page=25, page=2), store=store)
    assert [r.case.id for r in second.rows] == [first.rows[-1].case.id + 1 + i for i in range(25)]
    review = queues.page(case_query(cycle_id, states=["review"]), store=store)
    assert review.total == 12 and {r.case.state for r in review.rows} == {State.REVIEW}
    district = queues.page(case_query(cycle_id, district="630102", states=["review"]), store=store)
    assert district.total == 12                                   # every tenth is even
    assert queues.page(case_query(cycle_id, district="460105", states=["review"]), store=store).total == 0
    assert queues.page(case_query(cycle_id, reason="flag:zombie"), store=store).total == 12
    assert queues.page(case_query(cycle_id, reason="arrears_outstanding"), store=store).total == 12
    assert queues.page(case_query(cycle_id, reason="flag:zom"), store=store).total == 0      # a whole code, not a part
    assert queues.page(case_query(cycle_id, reason="paid_months_short"), store=store).total == 0
    named = queues.page(case_query(cycle_id, q="城东科技"), store=store)         # trigram: 3+ characters
    assert named.total == 40 and all("城东科技" in r.case.name for r in named.rows)
    assert queues.page(case_query(cycle_id, q="椰风"), store=store).total == 40   # two: read, still right
    assert queues.page(case_query(cycle_id, q="100%"), store=store).total == 40   # wildcards taken literally
    assert queues.page(case_query(cycle_id, q="acme"), store=store).total == 40   # any case
    code = queues.page(case_query(cycle_id, q=uscc(7, "91460105")[:17].lower()), store=store)
    assert [r.case.uscc for r in code.rows] == [uscc(7, "91460105")]     # a credit code's start, any case
    assert queues.page(case_query(cycle_id, q=uscc(7, "91460105")[:16]), store=store).total == 5   # 1 3 5 7 9
    top = queues.page(case_query(cycle_id, sort="-amount", per_page=25), store=store)
    assert [r.case.amount for r in top.rows[:3]] == [Decimal(120), Decimal(119), Decimal(118)]
    past = queues.page(case_query(cycle_id, page=9, per_page=25), store=store)
    assert past.rows == [] and past.total == 120                  # past the end: empty, the total still known


def test_bad_query_parts_are_refused_by_name():
    for bad, word in (({"sort": "password"}, "sort"), ({"page": 0}, "page"), ({"per_page": 7}, "per page"),
                      ({"district": "63"}, "district"), ({"states": ["nowhere"]}, "state")):
        with pytest.raises(Refused, match=word):
            case_query(1, **bad)


def test_a_renamed_unit_is_found_by_its_new_name(store):
    cycle_id = city(store)
    with store.transaction() as uow:
        case = uow.cases.page(case_query(cycle_id, per_page=25))[0]
        uow.cases.transition(case, State.IDENTIFIED, "renamed", name="青海高原牧业合作社")
        uow.commit()
    assert [r.case.id for r in queues.page(case_query(cycle_id, q="高原牧业"), store=store).rows] == [case.id]
    assert queues.page(case_query(cycle_id, q=NAMES[1][:4]), store=store).total == 39


def test_bulk_reject_moves_each_case_under_the_single_rules_and_audits_each(store):
    cycle_id = city(store)
    query = case_query(cycle_id, states=["review"])
    chosen = [(i, None) for i in queues.matching_ids(query, store=store)]
    stale = (chosen[0][0], 7)                                      # a page that showed version 7: refused
    outcome = queues.bulk("review.reject", [stale, *chosen[1:], (1, None)], reason="材料不全", by="reviewer",
                          store=store)
    assert len(outcome.done) == 11 and {i for i, _ in outcome.refused} == {chosen[0][0], 1}
    assert queues.page(query, store=store).total == 1
    with store.reading() as uow:
        trail = uow.audit.for_case(chosen[1][0])
    assert [(e.event, e.to_state) for e in trail][-1:] == [("review_rejected", "rejected")]
    with pytest.raises(Refused, match="reason"):
        queues.bulk("review.reject", chosen, reason=" ", by="reviewer", store=store)


def test_the_export_holds_every_filtered_row_with_phones_masked(store):
    cycle_id = city(store)
    data, count = queues.export(case_query(cycle_id, states=["review"], page=1, per_page=25), store=store,
                                by="clerk", state_words=lambda v: f"待审核 {v}")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    totals = rows.pop()
    assert totals[0] == "合计 / total (12)" and totals[5] == sum(r[5] for r in rows)      # amounts are numbers
    assert all(isinstance(r[5], int | float) for r in rows) and sheet.freeze_panes == "A3"
    assert count == len(rows) == 12 and rows[0][3] in ("630102",) and rows[0][4] == "待审核 review"
    assert "139****5678" in rows[0][7] and "13912345678" not in str(rows)


class Fixed:
    """A clock standing still at one naive UTC instant (every change of a transaction is stamped with it)."""

    def __init__(self, at: dt.datetime):
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


LAST_OF_8TH = dt.datetime(2021, 10, 8, 15, 59, 59)     # 23:59:59 on 8 October in Beijing
FIRST_OF_9TH = dt.datetime(2021, 10, 8, 16, 0, 0)       # midnight starting 9 October in Beijing
SIZE_OF = ("micro", "small", "medium", "large", None)   # case n gets SIZE_OF[n % 5]: None is unknown


def sized_city(store) -> int:
    """Cases 1-60 stamped in the last second of 8 October (Beijing), 61-120 in the first of 9 October, sizes by n,
    programme "ui-return" for all but the last ten ("sme-training")."""
    with store.transaction() as uow:
        cycle_id = uow.cycles.add(program="ui-return", pack="beijing-2021", as_of=AT.date(), snapshot_id="s",
                                  run_id="r", rounds_required=1, opened_by="clerk", opened_at=AT).id
        uow.commit()
    for at, numbers in ((LAST_OF_8TH, range(1, 61)), (FIRST_OF_9TH, range(61, 121))):
        store.clock = Fixed(at)
        with store.transaction() as uow:
            uow.cases.insert_many([NewCase("sme-training" if n > 110 else "ui-return", cycle_id,
                                           uscc(n, "91630102"), f"单位{n}", "eligible", Decimal(n), 6000, "", "r",
                                           False, True, False, False, False, State.IDENTIFIED.value, "passed", None,
                                           1, SIZE_OF[n % 5]) for n in numbers])
            uow.commit()
    return cycle_id


def total(store, cycle_id: int, **filters) -> int:
    return queues.page(case_query(cycle_id, per_page=200, **filters), store=store).total


def test_size_dates_and_programme_filter_with_their_boundaries(store):
    cycle_id = sized_city(store)
    assert [total(store, cycle_id, size=s) for s in ("micro", "small", "medium", "large", "unknown")] == [24] * 5
    assert {r.case.size_class for r in queues.page(case_query(cycle_id, size="unknown"), store=store).rows} == {None}
    # Beijing days, both ends included: the last second of the 8th is the 8th, the first of the 9th the 9th
    assert total(store, cycle_id, changed_to="2021-10-08") == 60
    assert total(store, cycle_id, changed_from="2021-10-09") == 60
    assert total(store, cycle_id, changed_from="2021-10-08", changed_to="2021-10-08") == 60
    assert total(store, cycle_id, changed_from="2021-10-09", changed_to="2021-10-09") == 60
    assert total(store, cycle_id, changed_from="2021-10-08", changed_to="2021-10-09") == 120
    assert total(store, cycle_id, changed_to="2021-10-07") == 0
    assert total(store, cycle_id, changed_from="2021-10-10") == 0
    assert total(store, cycle_id, program="sme-training") == 10
    assert total(store, cycle_id, program="ui-return", size="large", changed_from="2021-10-09") == 10   # 65..110
    # a move is a change: the case leaves the 8th for the day it moved on
    store.clock = Fixed(dt.datetime(2021, 10, 11, 2, 0))
    with store.transaction() as uow:
        case = uow.cases.get(queues.matching_ids(case_query(cycle_id, changed_to="2021-10-08"), store=store)[0])
        uow.cases.transition(case, State.REVIEW, "flagged")
        uow.audit.append([Draft("clerk", "case_flagged", f"case:{case.id}", case.id, "identified", "review",
                                "flagged", {})])            # as every move is: the queue's kept totals see it
        uow.commit()
    assert total(store, cycle_id, changed_to="2021-10-08") == 59
    assert [r.case.id for r in queues.page(case_query(cycle_id, changed_from="2021-10-11"), store=store).rows] \
        == [case.id]


def test_bad_size_or_dates_are_refused_by_name():
    for bad, word in (({"size": "huge"}, "size"), ({"changed_from": "8/10/2021"}, "from date"),
                      ({"changed_to": "2021-02-30"}, "to date"),
                      ({"changed_from": "2021-10-09", "changed_to": "2021-10-08"}, "after the to date")):
        with pytest.raises(Refused, match=word):
            case_query(1, **bad)


def test_a_total_above_the_cap_says_more_than_and_never_a_wrong_number(store, monkeypatch):
    cycle_id = city(store)                                   # 120 cases, 60 in district 630102
    monkeypatch.setattr(queues, "COUNT_CAP", 60)
    exact = queues.page(case_query(cycle_id, district="630102", per_page=25), store=store)
    assert (exact.total, exact.more, exact.pages) == (60, False, 3)              # at the cap: counted, exact
    queues.TOTALS._kept.clear()
    monkeypatch.setattr(queues, "COUNT_CAP", 59)
    over = queues.page(case_query(cycle_id, district="630102", per_page=25), store=store)
    assert (over.total, over.more, over.has_next) == (59, True, True)             # one past it: "more than 59"
    everything = queues.page(case_query(cycle_id, per_page=25, page=4), store=store)
    assert everything.more and everything.total == 59 and everything.has_next     # paging on past the cap
    small = queues.page(case_query(cycle_id, states=["review"], per_page=25), store=store)
    assert (small.total, small.more, small.has_next) == (12, False, False)


def test_sqlite_serves_queue_filters_from_their_indexes(tmp_path, sqlite_template):
    """The planner (no statistics, as the app runs) takes the queue indexes: the district through the very
    expression it was built on, and the page in case order straight from the index (no sort of the cycle)."""
    from sqlalchemy import select

    from wengang.adapters.db.cases import SqlCases
    from wengang.adapters.db.tables import cases

    path = tmp_path / "plan.sqlite"
    shutil.copy(sqlite_template, path)
    opened = bootstrap.open_store(Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{path}",
                                           audit_anchor_dir=tmp_path / "anchors"))
    try:
        city(opened)
        with opened.engine.connect() as conn:
            repo = SqlCases(conn)

            def plan(stmt) -> str:
                compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled)).all()
                return " | ".join(r[-1] for r in rows)

            page = plan(repo._matching(case_query(1, states=["review"], district="630102"), cases.c.id)
                        .order_by(cases.c.id).limit(50))
            assert "INDEX ix_cases_district (cycle_id=? AND <expr>=? AND state=?)" in page and "TEMP B-TREE" not in page
            state = plan(repo._matching(case_query(1, states=["review"]), *cases.c).order_by(cases.c.id).limit(50))
            assert "INDEX ix_cases_state " in state + " " and "TEMP B-TREE" not in state
            amount = plan(repo._matching(case_query(1, states=["review"]), *cases.c)
                          .order_by(cases.c.amount, cases.c.id).limit(50))
            assert "ix_cases_state_amount" in amount and "TEMP B-TREE" not in amount
            sized = plan(repo._matching(case_query(1, states=["review"], size="small"), *cases.c)
                         .order_by(cases.c.id).limit(50))
            assert "ix_cases_state_size" in sized and "TEMP B-TREE" not in sized
            counted = plan(select(repo._matching(case_query(1, district="630102"), cases.c.id).limit(10_001)
                                  .subquery().c.id))
            assert "ix_cases_district" in counted
    finally:
        opened.close()
