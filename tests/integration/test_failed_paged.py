"""The failed-payments worklist paged by the store (issue 14, item 5) equals, row for row, the one Python classified
before: every step filter, searches by name and credit code, every page, on SQLite, PostgreSQL and the fake."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import uscc
from tests.conftest import each_store
from tests.failedcity import KINDS, failed_cycle, old_worklist
from wengang.services import failed_payments
from wengang.services.failed_payments import STEPS

pytestmark = pytest.mark.slow

SEARCHES = ("", "  城东科技  ", "acme", "100%", "_", "-7", uscc(7, "91110101")[:12].lower(), "没有这个单位")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def store(request, tmp_path):
    yield from each_store(request, tmp_path)


def both(cycle_id: int, store, **kw) -> tuple:
    new = failed_payments.worklist(cycle_id, store=store, **kw)
    return new, old_worklist(cycle_id, store=store, today=new.today, **kw)


def test_the_paged_worklist_equals_the_python_one_for_every_step_search_and_page(store):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cycle_id = failed_cycle(store, 6 * KINDS * 2, now)
    for recovery_days in (0, 29, 30, 59, 60):       # failures 0 to 60 days old: overdue from none to all
        everything, before = both(cycle_id, store, recovery_days=recovery_days, size=500)
        assert everything == before and everything.count == 6 * KINDS * 2
    # the cycle reaches every step, so each filter below is tried on real rows; no failure at all sorts last
    assert all(everything.by_step[s] > 0 for s in STEPS if s != "overdue") and everything.by_step["overdue"] == 0
    assert everything.rows[-1].failed_on is None and everything.rows[0].failed_on is not None
    late = failed_payments.worklist(cycle_id, store=store, recovery_days=30)
    assert all(late.by_step[s] > 0 for s in STEPS), late.by_step
    for step in ("", *STEPS):
        for search in SEARCHES:
            first, reference = both(cycle_id, store, recovery_days=30, step=step, search=search, size=7)
            assert first == reference, (step, search)
            for page in (0, *range(2, first.pages + 2)):    # 0: the first; one past the last: the last, as before
                new, old = both(cycle_id, store, recovery_days=30, step=step, search=search, size=7, page=page)
                assert new == old, (step, search, page)


def test_a_search_finds_exact_characters_and_a_credit_codes_start_in_any_case(store):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cycle_id = failed_cycle(store, 24, now)
    latin = failed_payments.worklist(cycle_id, store=store, recovery_days=30, search="Acme")
    assert latin.count == 6 and all("Acme" in r.name for r in latin.rows)
    assert failed_payments.worklist(cycle_id, store=store, recovery_days=30, search="acme").count == 0
    assert failed_payments.worklist(cycle_id, store=store, recovery_days=30, search="100%").count == 6
    code = uscc(7, "91110101")
    found = failed_payments.worklist(cycle_id, store=store, recovery_days=30, search=code[:17].lower())
    assert [r.uscc for r in found.rows] == [code] and found.by_step == latin.by_step   # counts: the whole cycle
