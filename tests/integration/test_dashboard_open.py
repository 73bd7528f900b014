"""A cycle's cases keep what the dashboard breaks figures down by (issue 19.2, migration 0029): the unit's insured
headcount as the run read it (惠及职工), its industry and unit type from the snapshot; unknown stays NULL, never 0."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tests.builders import uscc
from tests.conftest import each_store
from wengang.domain.queues import case_query
from wengang.services import cycles, queues


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def store(request, tmp_path):
    yield from each_store(request, tmp_path)


def decided() -> pa.Table:
    """Four units: a programme headcount; only the closing headcount; only the opening one; none at all (and 0)."""
    rows = [(1, 12, 40, 41), (2, None, 30, 31), (3, None, None, 7), (4, None, None, None), (5, 0, 9, 9)]
    return pa.Table.from_pylist([
        {"uscc": uscc(n), "name": f"单位{n}", "decision": "eligible", "amount_fen": 100_00, "ratio_units": 6000,
         "reasons": "", "labor_dispatch": False, "has_account": True, "size_class": "small",
         "headcount": h, "insured_dec": d, "opening_insured": o} for n, h, d, o in rows],
        schema=pa.schema([("uscc", pa.string()), ("name", pa.string()), ("decision", pa.string()),
                          ("amount_fen", pa.int64()), ("ratio_units", pa.int64()), ("reasons", pa.string()),
                          ("labor_dispatch", pa.bool_()), ("has_account", pa.bool_()), ("size_class", pa.string()),
                          ("headcount", pa.int64()), ("insured_dec", pa.int64()), ("opening_insured", pa.int64())]))


def test_opening_keeps_headcount_industry_and_type_and_unknown_stays_unknown(store):
    kinds = {uscc(1): ("retail", "enterprise"), uscc(2): ("catering", None), uscc(5): (None, "social_group")}
    opened = cycles.open_from_decided(decided(), store=store, pack_id="beijing-2021", as_of=dt.date(2021, 9, 1),
                                      snapshot_id="s", run_id="r", kinds=kinds)
    rows = queues.page(case_query(opened.cycle.id, per_page=25), store=store).rows
    got = {r.case.uscc: (r.case.insured, r.case.industry, r.case.unit_type) for r in rows}
    assert got == {uscc(1): (12, "retail", "enterprise"), uscc(2): (30, "catering", None),
                   uscc(3): (7, None, None), uscc(4): (None, None, None), uscc(5): (0, None, "social_group")}
    industry = queues.page(case_query(opened.cycle.id, industry="unknown"), store=store)
    assert {r.case.uscc for r in industry.rows} == {uscc(3), uscc(4), uscc(5)}
    assert queues.page(case_query(opened.cycle.id, unit_type="enterprise"), store=store).total == 1


def test_a_run_without_those_columns_opens_cases_with_them_unknown(store):
    table = decided().drop_columns(["headcount", "insured_dec", "opening_insured", "size_class"])
    opened = cycles.open_from_decided(table, store=store, pack_id="beijing-2021", as_of=dt.date(2021, 9, 1),
                                      snapshot_id="s", run_id="r")
    rows = queues.page(case_query(opened.cycle.id), store=store).rows
    assert {(r.case.insured, r.case.industry, r.case.unit_type, r.case.size_class) for r in rows} == {
        (None, None, None, None)}
