"""Opening a cycle on SQLite and PostgreSQL: one case per unit, routed, audited, constrained, exact money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from tests.builders import uscc
from tests.conftest import AS_OF, CITY, PACK
from wengang import bootstrap
from wengang.adapters.db.tables import audit_log, cases, compared, cycles, metadata
from wengang.domain.errors import Refused
from wengang.services import audit
from wengang.services import cycles as cycle_service

pytestmark = pytest.mark.slow
UNITS = len(CITY) - 1                                    # the late filer is not in v1


def states(store, cycle_id=1) -> dict[str, str]:
    with store.reading() as uow:
        return {c.uscc: c.state.value for c in uow.cases.of_cycle(cycle_id)}


def test_migrations_build_exactly_the_tables_the_code_uses(db_store):
    with db_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_name": compared}),
                                metadata)
    assert diff == []


def test_open_routes_every_unit_by_its_decision(db_store, db_settings, case_city):
    status = cycle_service.open_cycle(PACK, AS_OF, store=db_store,
                                      analytics=bootstrap.analytics(db_settings), settings=db_settings,
                                      snapshot=case_city["snapshots"][1], by="clerk")
    assert status.cases == UNITS and status.rounds[0].round_no == 1
    assert status.cycle.rounds_required == 2          # beijing-2021: two rounds before publicity
    got = states(db_store, status.cycle.id)
    assert got == {
        uscc(CITY["eligible"]): "identified", uscc(CITY["objected"]): "identified",
        uscc(CITY["changes_amount"]): "identified", uscc(CITY["flagged_later"]): "identified",
        uscc(CITY["review"]): "review", uscc(CITY["dispatch"]): "dispatch-confirmation",
        uscc(CITY["no_account"]): "account-held", uscc(CITY["ineligible"]): "rejected",
    }
    with db_store.reading() as uow:
        rejected = uow.cases.find(status.cycle.id, uscc(CITY["ineligible"]))
        eligible = uow.cases.find(status.cycle.id, uscc(CITY["eligible"]))
    assert "flag:dishonest_debtor" in rejected.reason and rejected.amount == Decimal("0.00")
    assert eligible.amount == Decimal("1440.00") and isinstance(eligible.amount, Decimal)
    assert eligible.ratio_units == 6000 and eligible.version == 1
    # what the dashboard breaks down by (issue 19.2): the snapshot's industry and type, the run's insured headcount
    assert (eligible.industry, eligible.unit_type, eligible.insured) == ("other", "enterprise", 10)


def test_opening_leaves_postgresql_counting_the_new_cases(db_store, opened):
    """Right after a cycle opens, PostgreSQL's statistics know its cases and its visibility map covers them (the
    dashboard's first reads of a city-sized cycle are planned and read as later ones are); SQLite keeps none."""
    with db_store.engine.connect() as conn:
        if db_store.dialect == "sqlite":
            assert not conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
            return
        rows, analysed, vacuumed = conn.execute(text(
            "SELECT c.reltuples, s.last_analyze, s.last_vacuum FROM pg_class c "
            "JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = 'cases'")).one()
        visible = conn.execute(text("SELECT relallvisible, relpages FROM pg_class WHERE relname = 'cases'")).one()
    assert rows == UNITS and analysed is not None and vacuumed is not None
    assert visible[0] == visible[1] > 0


def test_a_store_settles_only_its_own_tables(db_store):
    if db_store.dialect == "postgresql":
        with pytest.raises(ValueError, match="no such table"):
            db_store.settle('cases"; DROP TABLE cases; --')
    db_store.settle("cases", "audit_log")                 # on SQLite: nothing to do, nothing refused


def test_every_case_has_its_opening_entry_and_the_chain_verifies(db_store, opened):
    with db_store.reading() as uow:
        entries = list(uow.audit.entries())
        first = uow.audit.for_case(uow.cases.find(1, uscc(CITY["eligible"])).id)
    assert len(entries) == UNITS + 1                 # one per case, one for the cycle
    assert [e.event for e in first] == ["case_opened"] and first[0].actor == "clerk"
    assert first[0].from_state is None and first[0].to_state == "identified"
    assert '"amount":"1440.00"' in first[0].data
    result = audit.verify_log(store=db_store)
    assert result.ok and result.entries == UNITS + 1


def test_a_pack_opens_once_per_program(db_store, opened, case_city):
    run = case_city["v1"]
    with pytest.raises(Refused):
        cycle_service.open_from_decided(run.decided, store=db_store, pack_id=PACK, as_of=AS_OF,
                                        snapshot_id="x", run_id="y")
    other = cycle_service.open_from_decided(run.decided, store=db_store, pack_id=PACK, as_of=AS_OF,
                                            snapshot_id="x", run_id="y", program="one-off-training")
    assert other.cases == UNITS


def test_program_cycle_unit_is_unique_in_the_database(db_store, opened):
    # (paid_on: the store's index of a paid case's day, not a field of the Case; NULL here)
    row = {c.name: getattr(_case(db_store, 1), c.name) for c in cases.columns if c.name not in ("id", "paid_on")}
    with db_store.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(insert(cases).values(**row))
    with db_store.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(insert(cases).values(**{**row, "uscc": uscc(99), "state": "limbo"}))


def _case(store, case_id):
    with store.reading() as uow:
        return uow.cases.get(case_id)


MAX = {"sqlite": Decimal("92233720368547758.07"), "postgresql": Decimal("999999999999999999.99")}


def test_money_is_exact_up_to_the_largest_amount_each_database_holds(db_store, opened):
    largest = MAX[db_store.dialect]
    with db_store.engine.begin() as conn:
        for amount in (Decimal("0.01"), largest):
            conn.execute(cases.update().where(cases.c.id == 1).values(amount=amount))
            assert conn.execute(select(cases.c.amount).where(cases.c.id == 1)).scalar_one() == amount
    with db_store.engine.begin() as conn, pytest.raises(Exception, match="beyond|overflow"):
        conn.execute(cases.update().where(cases.c.id == 1).values(amount=largest + Decimal("0.01")))


@pytest.mark.parametrize("bad", [0.1, Decimal("0.001")])
def test_money_refuses_floats_and_fractions_of_a_fen(db_store, opened, bad):
    with db_store.engine.begin() as conn, pytest.raises(Exception, match="Decimal|decimals"):
        conn.execute(cases.update().where(cases.c.id == 1).values(amount=bad))


def test_audit_log_is_append_only_in_the_database(db_store, opened):
    for statement in (audit_log.update().values(actor="mallory"), audit_log.delete()):
        with db_store.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(statement)
            conn.commit()
    with db_store.engine.connect() as conn:
        assert conn.execute(select(audit_log.c.actor).where(audit_log.c.seq == 1)).scalar_one() == "clerk"
        assert conn.execute(select(cycles.c.opened_by)).scalar_one() == "clerk"
        assert conn.execute(text("SELECT seq FROM audit_head")).scalar_one() == UNITS + 1


def test_migrations_go_down_to_nothing_and_up_again(db_store):
    from alembic import command

    from wengang.adapters.db.engine import alembic_config

    cfg = alembic_config()
    with db_store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with db_store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata)   # tables gone
    with db_store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert audit.verify_log(store=db_store).ok
