"""The per-unit-and-year contribution facts give exactly the measures of the monthly rows, for any base year and date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wengang import bootstrap
from wengang.config import Settings
from wengang.rules import backends
from wengang.rules.engine import decide
from wengang.rules.inputs import contribution_measures, contribution_measures_by_year
from wengang.rules.parameters import load_pack
from wengang.services.evaluation import evaluate
from wengang.snapshot import facts, store
from wengang.snapshot.generator import generate_city

SCHEMA = "snap_test"
MONEY = pa.decimal128(18, 2)
BASE_YEARS = (2018, 2019, 2020, 2021)
DATES = [dt.date(y, m, 28) for y in range(2018, 2023) for m in (1, 6, 12)]


def _load(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE SCHEMA {SCHEMA}")
    table = pa.table({
        "uscc": pa.array([r["uscc"] for r in rows], pa.string()),
        "month": pa.array([r["month"] for r in rows], pa.string()),
        "insured": pa.array([r["insured"] for r in rows], pa.int32()),
        **{c: pa.array([r[c] for r in rows], MONEY) for c in ("unit_due", "unit_paid", "person_due", "person_paid")},
    })
    con.register("rows", table)
    con.execute(f"CREATE TABLE {SCHEMA}.contributions AS SELECT * FROM rows")
    con.unregister("rows")
    return con


def _disagreements(con: duckdb.DuckDBPyConnection, base_years=BASE_YEARS, dates=DATES) -> list[tuple]:
    backend = ibis.duckdb.from_connection(con)
    monthly = backend.table("contributions", database=SCHEMA)
    yearly = backend.table(facts.TABLE, database=SCHEMA)
    wrong = []
    for base_year in base_years:
        for as_of in dates:
            expected = contribution_measures(monthly, base_year, as_of).to_pyarrow()
            got = contribution_measures_by_year(yearly, base_year, as_of).to_pyarrow()
            assert got.schema == expected.schema
            if expected.sort_by("m_uscc").to_pylist() != got.sort_by("m_uscc").to_pylist():
                wrong.append((base_year, as_of))
    return wrong


def test_a_generated_city_reads_the_same_measures_for_every_base_year_and_date(tmp_path):
    generate_city(tmp_path / "city", units=3_000, seed=11, profile="beijing")
    con = duckdb.connect()
    con.execute(f"CREATE SCHEMA {SCHEMA}")
    con.execute(f"CREATE TABLE {SCHEMA}.contributions AS SELECT * FROM read_parquet('{tmp_path / 'city'}/"
                "contributions.parquet')")
    assert facts.build(con, SCHEMA)
    assert con.execute(f"SELECT count(*) FROM {SCHEMA}.{facts.TABLE} WHERE arrears_12 > 0").fetchone()[0] > 0
    assert _disagreements(con) == []


MONTHS = [f"{y}-{m:02d}" for y in (2018, 2019, 2020, 2021) for m in range(1, 13)]
CENTS = st.integers(0, 500).map(lambda c: Decimal(c).scaleb(-2))
ROW = st.fixed_dictionaries({"uscc": st.sampled_from(["A", "B", "C"]), "insured": st.integers(0, 50),
                             "unit_due": CENTS, "unit_paid": CENTS, "person_due": CENTS, "person_paid": CENTS})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.tuples(st.sampled_from(["A", "B", "C"]), st.sampled_from(MONTHS)), ROW, max_size=40))
def test_any_months_with_gaps_arrears_and_partial_payments_read_the_same(cells):
    rows = [{**row, "uscc": unit, "month": month} for (unit, month), row in cells.items()]
    if not rows:
        return
    con = _load(rows)
    assert facts.build(con, SCHEMA)
    assert _disagreements(con, base_years=(2019, 2020), dates=[dt.date(2017, 12, 1), dt.date(2019, 7, 1),
                                                              dt.date(2020, 12, 31), dt.date(2023, 3, 1)]) == []


def test_a_repeated_unit_and_month_gets_no_facts_table_so_the_monthly_rows_are_read():
    row = {"uscc": "A", "month": "2020-01", "insured": 3, "unit_due": Decimal("1.00"), "unit_paid": Decimal("1.00"),
           "person_due": Decimal("1.00"), "person_paid": Decimal("1.00")}
    con = _load([row, row])
    assert not facts.build(con, SCHEMA)
    assert not facts.exists(con, SCHEMA)


@pytest.mark.slow
def test_a_snapshot_imported_before_the_facts_is_evaluated_the_same_and_gets_them_once(tmp_path):
    generate_city(tmp_path / "city", units=2_000, seed=5, profile="beijing")
    cfg = Settings(data_dir=tmp_path / "var")
    as_of = dt.date(2021, 6, 30)
    with_facts = evaluate(str(tmp_path / "city"), "beijing-2021", as_of, analytics=bootstrap.analytics(cfg),
                          settings=cfg, keep=False)
    con = store.connect(cfg.analytics_path)
    info = store.find(con, snapshot_id=with_facts.summary.snapshot_id)
    schema = info.schema
    con.execute(f"DROP TABLE {schema}.{facts.TABLE}")      # as an import made before this table existed
    frame, _ = decide(backends.duckdb_tables(con, info), load_pack("beijing-2021"), as_of)
    monthly = backends.execute(frame)                       # without the table: the monthly rows are aggregated
    con.close()
    assert monthly.sort_by("uscc").to_pylist() == with_facts.decided.sort_by("uscc").to_pylist()
    again = evaluate(with_facts.summary.snapshot_id, "beijing-2021", as_of,
                     analytics=bootstrap.analytics(cfg), settings=cfg, keep=False)
    con = store.connect(cfg.analytics_path)
    assert facts.exists(con, schema)
    con.close()
    assert again.decided.sort_by("uscc").to_pylist() == with_facts.decided.sort_by("uscc").to_pylist()
