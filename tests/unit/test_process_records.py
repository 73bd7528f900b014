"""The case process's records as typed aggregates: a list's period and closing, an objection's and an
application's one decision, all refused clearly when the step is not allowed."""

from __future__ import annotations

import datetime as dt
from dataclasses import FrozenInstanceError, fields

import pytest

from wengang.adapters.db.tables import applications, batches, objections, reverifications
from wengang.domain.errors import Refused
from wengang.domain.process import (
    Application,
    ApplicationStatus,
    Objection,
    ObjectionStatus,
    PublicityBatch,
    Reverification,
    batch_number,
    commitment_letter,
    first_day,
    last_day,
)

START, END = dt.date(2021, 10, 8), dt.date(2021, 10, 14)
AT = dt.datetime(2021, 10, 9, 2, 0)
BATCH = PublicityBatch(1, 1, "C1-P1", START, END, 7, 3, "clerk", AT, None, None)
OPEN = Objection(5, 1, 9, "王小明", "13812345678", "已停业", START, AT, ObjectionStatus.OPEN, None, None, None)
PENDING = Application(3, 9, "承诺书", True, False, "unit", AT, ApplicationStatus.PENDING, None, None, None)


def test_a_list_is_numbered_by_its_cycle_and_runs_its_days_from_today_or_later():
    assert batch_number(1, 2) == "C1-P2"
    assert first_day(None, START) == START and first_day(END, START) == END
    assert last_day(START, 7) == END
    with pytest.raises(Refused, match="back-dated: its first day 2021-10-07 is before today 2021-10-08"):
        first_day(START - dt.timedelta(days=1), START)


@pytest.mark.parametrize(("day", "taken"), [
    (START - dt.timedelta(days=1), False), (START, True), (END, True), (END + dt.timedelta(days=1), False)])
def test_objections_are_taken_inside_the_period_both_ends_included(day, taken):
    if taken:
        BATCH.takes_objection(day)
    else:
        with pytest.raises(Refused, match="inclusive"):
            BATCH.takes_objection(day)


def test_a_list_closes_once_after_its_last_day_and_never_ahead_of_today():
    after = END + dt.timedelta(days=1)
    with pytest.raises(Refused, match="runs to 2021-10-14 inclusive; close it from 2021-10-15"):
        BATCH.close(END, today=after, by="clerk")
    with pytest.raises(Refused, match="has not come yet"):
        BATCH.close(after, today=END, by="clerk")
    closed = BATCH.close(None, today=after, by="clerk")
    assert (closed.closed_on, closed.closed_by, closed.is_open, BATCH.is_open) == (after, "clerk", False, True)
    with pytest.raises(Refused, match="already closed"):
        closed.close(None, today=after, by="clerk")
    with pytest.raises(Refused, match="inclusive"):
        closed.takes_objection(END)


@pytest.mark.parametrize(("sustain", "status"), [(True, ObjectionStatus.SUSTAINED), (False, ObjectionStatus.DISMISSED)])
def test_an_open_objection_is_decided_once_with_a_reason(sustain, status):
    decided = OPEN.decide(sustain=sustain, by="investigator", at=AT, reason="核实")
    assert (decided.status, decided.decided_by, decided.decided_at, decided.decision_reason) == (
        status, "investigator", AT, "核实")
    assert OPEN.is_open and not decided.is_open
    with pytest.raises(Refused, match=f"#5 已处理 \\({status.value}\\) / objection already decided"):
        decided.decide(sustain=not sustain, by="other", at=AT, reason="again")
    with pytest.raises(Refused, match="already decided"):
        decided.moot(sustained=6, by="other", at=AT)


def test_an_objection_needs_a_reason_and_another_sustained_makes_it_moot():
    with pytest.raises(Refused, match="needs a reason"):
        OPEN.decide(sustain=True, by="investigator", at=AT, reason="  ")
    moot = OPEN.moot(sustained=6, by="investigator", at=AT)
    assert (moot.status, moot.decision_reason) == (ObjectionStatus.MOOT, "#6 sustained")


@pytest.mark.parametrize(("accept", "status"), [(True, ApplicationStatus.ACCEPTED), (False, ApplicationStatus.REJECTED)])
def test_a_pending_application_is_decided_once(accept, status):
    decided = PENDING.decide(accept=accept, by="reviewer", at=AT, reason="ok")
    assert (decided.status, decided.is_pending, PENDING.is_pending) == (status, False, True)
    with pytest.raises(Refused, match=f"application #3 is already {status.value}"):
        decided.decide(accept=True, by="reviewer", at=AT, reason="again")


def test_an_application_needs_its_commitment_letter_accepted():
    assert commitment_letter("  我单位承诺  ", True) == "我单位承诺"
    for text, accepted in (("我单位承诺", False), ("  ", True)):
        with pytest.raises(Refused, match="commitment letter"):
            commitment_letter(text, accepted)


def test_records_are_frozen_their_fields_are_the_tables_columns_and_a_contact_never_shows_in_a_log():
    with pytest.raises(FrozenInstanceError):
        BATCH.entries = 4   # type: ignore[misc]
    assert OPEN.contact not in repr(OPEN) and OPEN.contact not in repr(OPEN.decide(sustain=True, by="i", at=AT,
                                                                                      reason="x"))
    for model, table in ((PublicityBatch, batches), (Objection, objections), (Application, applications),
                         (Reverification, reverifications)):
        assert [f.name for f in fields(model)] == [c.name for c in table.columns]
