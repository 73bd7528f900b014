"""Checkpoints 1 and 2 on both databases: comparison rounds, the dated public list, objections."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import load_workbook

from tests.builders import uscc
from tests.clocks import on_day
from tests.conftest import ACCOUNT, CITY
from wengang import bootstrap
from wengang.domain.errors import NotFound, Refused
from wengang.services import audit, cycles, objections, publicity

pytestmark = pytest.mark.slow
START = dt.date(2021, 10, 8)
END = START + dt.timedelta(days=6)                      # 7 calendar days, both ends included
PHONE = "13812345678"


def state_of(store, key):
    with store.reading() as uow:
        return uow.cases.find(1, uscc(CITY[key]))


@pytest.fixture
def compared(db_store, db_settings, opened, case_city):
    """Round 2 on city v2: the unit flagged after the first snapshot leaves before publicity."""
    return cycles.compare(1, store=db_store, analytics=bootstrap.analytics(db_settings),
                          settings=db_settings, snapshot=case_city["snapshots"][2], by="clerk")


@pytest.fixture
def published(db_store, compared):
    with on_day(db_store, START):
        return publicity.start(1, store=db_store, starts_on=START, by="clerk")


@pytest.mark.parametrize("chunk", [50_000, 1])   # one case a chunk: the same round, the same audit
def test_publicity_waits_for_the_rounds_the_pack_asks_for(db_store, db_settings, opened, case_city, chunk,
                                                          monkeypatch):
    monkeypatch.setattr(cycles, "CHUNK", chunk)
    with pytest.raises(Refused, match="2 comparison rounds"), on_day(db_store, START):
        publicity.start(1, store=db_store, starts_on=START, by="clerk")
    result = cycles.compare(1, store=db_store, analytics=bootstrap.analytics(db_settings),
                            settings=db_settings, snapshot=case_city["snapshots"][2], by="clerk")
    assert result.round == 2 and result.changed == 1 and result.moved == 1
    flagged = state_of(db_store, "flagged_later")
    assert flagged.state.value == "rejected" and "flag:dishonest_debtor" in flagged.reason
    assert flagged.run_id == result.run_id != opened.cycle.run_id
    with pytest.raises(Refused, match="all 2 comparison rounds"):
        cycles.compare(1, store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                       snapshot=case_city["snapshots"][2])
    rounds = cycles.status(1, store=db_store).rounds
    assert [(r.round_no, r.changed) for r in rounds] == [(1, 0), (2, 1)]
    assert audit.verify_log(store=db_store).ok


def test_start_publishes_every_identified_case_for_seven_days(db_store, published):
    assert published.number == "C1-P1" and published.days == 7
    assert (published.starts_on, published.ends_on) == (START, END) and published.entries == 3
    for key in ("eligible", "objected", "changes_amount"):
        assert state_of(db_store, key).state.value == "publicity"
    for key, held in (("review", "review"), ("dispatch", "dispatch-confirmation"), ("no_account", "account-held")):
        assert state_of(db_store, key).state.value == held
    with pytest.raises(Refused, match="no identified case"), on_day(db_store, START):
        publicity.start(1, store=db_store, starts_on=START, by="clerk")
    assert audit.verify_log(store=db_store).ok


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_public_list_has_the_five_public_columns_and_nothing_private(db_store, published, tmp_path, suffix):
    path, count = publicity.export("C1-P1", tmp_path / f"list.{suffix}", store=db_store, by="clerk")
    if suffix == "csv":
        with path.open(encoding="utf-8-sig") as fh:
            table = list(csv.reader(fh))
    else:
        sheet = load_workbook(path).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[-1][0].startswith("合计") and rows[-1][4] == 4320                   # the totals row, a number
        assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:F5"
        table = [[_shown(v) for v in row] for row in rows[1:-1]]
    header, body = table[0], table[1:]
    assert count == 3 and len(body) == 3
    assert header == list(publicity.HEADER)
    assert {(r[2], r[3], r[4], r[5]) for r in body} == {
        (uscc(CITY[k]), "60%", "1440.00", "C1-P1") for k in ("eligible", "objected", "changes_amount")}
    flat = " ".join(" ".join(r) for r in table)
    assert ACCOUNT["account_no"] not in flat and ACCOUNT["bank_code"] not in flat


def _shown(value) -> str:
    """A spreadsheet cell as the CSV says it: the ratio 0.6 as 60%, the amount 1440 as 1440.00."""
    if isinstance(value, float) and value < 1:
        return f"{value:.0%}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.2f}" if isinstance(value, float) or value > 100 else str(value)
    return "" if value is None else str(value)


@pytest.mark.parametrize(("day", "accepted"), [
    (START - dt.timedelta(days=1), False), (START, True), (END, True), (END + dt.timedelta(days=1), False)])
def test_objections_are_taken_only_within_the_period(db_store, published, day, accepted):
    code = uscc(CITY["objected"])
    if not accepted:
        with pytest.raises(Refused, match="inclusive"):
            objections.add("C1-P1", code, store=db_store, contact=PHONE, text="不实", raised_on=day)
        return
    o = objections.add("C1-P1", code, store=db_store, contact=PHONE, text="不实", raised_on=day)
    assert o.contact == "138****5678" and state_of(db_store, "objected").state.value == "objection-raised"


def test_an_objection_needs_an_entry_of_the_list(db_store, published):
    for key in ("review", "flagged_later"):
        with pytest.raises(NotFound):
            objections.add("C1-P1", uscc(CITY[key]), store=db_store, contact=PHONE, text="?", raised_on=START)
    with pytest.raises(Refused):
        objections.add("C1-P1", uscc(CITY["eligible"]), store=db_store, contact=" ", text="?", raised_on=START)


def test_sustained_removes_the_case_dismissed_returns_it_and_the_contact_stays_private(db_store, published):
    first = objections.add("C1-P1", uscc(CITY["objected"]), store=db_store, contact=PHONE, text="已停业",
                           objector="王小明", raised_on=START)
    other = objections.add("C1-P1", uscc(CITY["eligible"]), store=db_store, contact="13900001111",
                           text="?", raised_on=START)
    with pytest.raises(Refused, match="reason"):
        objections.decide(first.id, store=db_store, sustain=True, reason=" ", by="investigator")
    done = objections.decide(first.id, store=db_store, sustain=True, reason="核实已停业", by="investigator")
    assert done.case_state == "rejected"
    back = objections.decide(other.id, store=db_store, sustain=False, reason="查无实据", by="investigator")
    assert back.case_state == "publicity"
    with pytest.raises(Refused, match="already decided"):
        objections.decide(first.id, store=db_store, sustain=False, reason="again", by="investigator")
    listed = objections.listing("C1-P1", store=db_store)
    assert {o.contact for o in listed} == {"138****5678", "139****1111"}
    assert {o.objector for o in listed} == {"王**", ""}
    with db_store.reading() as uow:
        stored = uow.objections.get(first.id)
        log = " ".join(e[9] + e[8] for e in uow.audit.entries())
    assert stored.contact == PHONE and stored.decided_by == "investigator"
    assert PHONE not in log and "13900001111" not in log and "138****5678" in log
    rejected = state_of(db_store, "objected")
    assert "objection sustained: 核实已停业" in rejected.reason


def test_the_period_closes_only_after_its_last_day(db_store, published):
    with pytest.raises(Refused, match=str(END)):
        publicity.close("C1-P1", store=db_store, closed_on=END, by="clerk")
    closed = publicity.close("C1-P1", store=db_store, closed_on=END + dt.timedelta(days=1), by="clerk")
    assert closed.closed_on == END + dt.timedelta(days=1)
    with pytest.raises(Refused, match="already closed"):
        publicity.close("C1-P1", store=db_store, closed_on=END + dt.timedelta(days=2), by="clerk")
    with pytest.raises(Refused):
        objections.add("C1-P1", uscc(CITY["eligible"]), store=db_store, contact=PHONE, text="late", raised_on=END)
