"""The fake store against the real one: the same behaviours, run on both, so the fake cannot drift from SQLite."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from tests.builders import uscc
from tests.fakes import FakeStore
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.audit import Draft, verify
from wengang.domain.cases import State
from wengang.domain.errors import ConcurrentChange, NotFound
from wengang.domain.ports import NewCase
from wengang.domain.process import ObjectionStatus

pytestmark = pytest.mark.services
DAY, AT = dt.date(2021, 10, 8), dt.datetime(2021, 10, 8, 1, 0)


@pytest.fixture(params=["fake", "sqlite"])
def any_store(request, tmp_path):
    if request.param == "fake":
        yield FakeStore()
        return
    path = tmp_path / "wengang.sqlite"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    store = bootstrap.open_store(Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{path}",
                                          audit_anchor_dir=tmp_path / "anchors"))
    yield store
    store.close()


def cycle(uow, pack: str = "beijing-2021"):
    return uow.cycles.add(program="ui-return", pack=pack, as_of=DAY, snapshot_id="s1", run_id="r1",
                          rounds_required=1, opened_by="clerk", opened_at=AT)


def case(cycle_id: int, n: int, amount: str = "1440") -> NewCase:
    return NewCase("ui-return", cycle_id, uscc(n), f"单位{n}", "eligible", Decimal(amount), 6000, "", "r1", False,
                   True, False, False, False, "identified", "passed", None, 1)


def test_only_a_commit_publishes_and_leaving_without_one_discards(any_store):
    with any_store.transaction() as uow:
        cycle(uow)
    with any_store.reading() as uow:
        assert uow.cycles.all() == []
    with any_store.transaction() as uow:
        made = cycle(uow)
        assert uow.cycles.get(made.id) == made                      # its own change, seen at once
        uow.commit()
        cycle(uow, "cn-2021")                                       # after the commit: a new transaction, not kept
    with any_store.reading() as uow:
        assert [c.pack for c in uow.cycles.all()] == ["beijing-2021"]


def test_keys_refuse_as_the_database_does_and_a_missing_record_is_named(any_store):
    with any_store.transaction() as uow:
        cycle(uow)
        with pytest.raises(IntegrityError):
            cycle(uow)
    with any_store.reading() as uow, pytest.raises(NotFound, match="no cycle 99"):
        uow.cycles.get(99)


def test_money_comes_back_exact_to_the_fen_and_cases_are_numbered_in_order(any_store):
    with any_store.transaction() as uow:
        cycle_id = cycle(uow).id
        ids = uow.cases.insert_many([case(cycle_id, 1, "1440"), case(cycle_id, 2, "0.5")])
        assert ids == [1, 2]
        assert [uow.cases.get(i).amount for i in ids] == [Decimal("1440.00"), Decimal("0.50")]
        assert uow.cases.count_by_state(cycle_id) == {"identified": (2, Decimal("1440.50"))}
        with pytest.raises(IntegrityError):
            uow.cases.insert_many([case(cycle_id, 1)])              # one case per unit, cycle and programme


def test_a_stale_case_is_not_moved(any_store):
    with any_store.transaction() as uow:
        cycle_id = cycle(uow).id
        first = uow.cases.get(uow.cases.insert_many([case(cycle_id, 1)])[0])
        moved = uow.cases.transition(first, State.PUBLICITY, "listed")
        assert (moved.state, moved.version) == (State.PUBLICITY, 2)
        with pytest.raises(ConcurrentChange):
            uow.cases.transition(first, State.REJECTED, "stale")    # read at version 1
        with pytest.raises(ConcurrentChange):
            uow.cases.move_each([(first.id, State.IDENTIFIED, State.PUBLICITY)], "not there any more")


def test_a_list_closes_once_and_an_objection_is_decided_once(any_store):
    with any_store.transaction() as uow:
        cycle_id = cycle(uow).id
        case_id = uow.cases.insert_many([case(cycle_id, 1)])[0]
        batch = uow.publicity_batches.add(cycle_id=cycle_id, number="C1-P1", starts_on=DAY, ends_on=DAY, days=1,
                                          entries=1, started_by="clerk", started_at=AT)
        assert uow.publicity_batches.by_ref("C1-P1") == batch == uow.publicity_batches.by_ref(str(batch.id))
        closed = batch.close(DAY + dt.timedelta(days=1), today=DAY + dt.timedelta(days=2), by="clerk")
        assert uow.publicity_batches.save_closing(closed) and not uow.publicity_batches.save_closing(closed)
        raised = uow.objections.add(batch_id=batch.id, case_id=case_id, objector=None, contact="13812345678",
                                    text="?", raised_on=DAY, raised_at=AT, status="open")
        assert raised.status is ObjectionStatus.OPEN and uow.objections.count_open(batch.id) == 1
        decided = raised.decide(sustain=False, by="reviewer", at=AT, reason="不属实")
        assert uow.objections.save_decision(decided) and not uow.objections.save_decision(decided)
        assert uow.objections.count_open(batch.id) == 0


def test_the_schema_keeps_four_eyes_and_one_live_payment_per_case(any_store):
    with any_store.transaction() as uow:
        cycle_id = cycle(uow).id
        case_id = uow.cases.insert_many([case(cycle_id, 1)])[0]
        batch = uow.payment_batches.add(cycle_id=cycle_id, number="C1-B102-1", bank_code="102", file_format="csv",
                                        entries=1, total=Decimal("1440.00"), status="prepared", approvals_needed=1,
                                        prepared_by="clerk", prepared_at=AT, execution_date=None)
        assert not uow.payment_batches.save(_with(batch, status="sent"), _with(batch, status="cancelled"))
        with pytest.raises(IntegrityError):
            uow.payment_batches.save(batch, _with(batch, approved_by="clerk"))
        row = (case_id, 1, batch.id, "E2E-1", uscc(1), "单位1", Decimal("1440.00"), "102100099996", "6222",
               "单位1", "prepared", None, AT, None)
        assert uow.payments.add_attempts([row]) == 1
        with pytest.raises(IntegrityError):
            uow.payments.add_attempts([(case_id, 2, *row[2:3], "E2E-2", *row[4:])])


def _fields(record) -> dict:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _with(record, **changes):
    return record.__class__(**{**_fields(record), **changes})


def test_audit_entries_chain_and_verify(any_store):
    with any_store.transaction() as uow:
        assert uow.audit.append([Draft("clerk", "noted", "case:1", 1, reason="a"),
                                 Draft("clerk", "noted", "case:2", 2, reason="b")]) == 2
        finish = uow.audit.append_soon([Draft("clerk", "noted", "case:1", 1, reason="c")])
        assert finish() == 1
        uow.commit()
    with any_store.reading() as uow:
        rows = list(uow.audit.entries())
        assert [r[0] for r in rows] == [1, 2, 3] and [e.reason for e in uow.audit.for_case(1)] == ["a", "c"]
        assert list(verify(rows, head=uow.audit.head(), key=uow.audit.key)) == []
    assert any_store.change_mark() == 3
