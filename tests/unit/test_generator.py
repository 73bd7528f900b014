"""The synthetic city: seeded bytes, valid codes, DATA.md shapes, consistent people, and faults only on request."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.identifiers import person_id_problem, uscc_problem
from wengang.services.evaluation import evaluate
from wengang.services.snapshots import check_folder
from wengang.snapshot.generator import generate_city
from wengang.snapshot.generator_boundary import KINDS
from wengang.snapshot.generator_codes import quota_counts
from wengang.snapshot.generator_dirty import FAULTS
from wengang.snapshot.generator_profiles import PROFILES
from wengang.snapshot.schema import FILES, FLAGS, INDUSTRIES, SEPARATION_REASONS, UNIT_TYPES

MONEY_COLUMNS = {"employers": ("revenue", "assets"),
                 "contributions": ("unit_due", "unit_paid", "person_due", "person_paid", "back_paid")}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("city")
    return folder, generate_city(folder, units=2000, seed=11)


@pytest.fixture(scope="module")
def con(city: tuple[Path, dict[str, int]]) -> duckdb.DuckDBPyConnection:
    folder, _ = city
    con = duckdb.connect()
    for spec in FILES:
        con.execute(f"CREATE VIEW {spec.name} AS SELECT * FROM read_parquet('{folder / spec.name}.parquet')")
    return con


def analytics_at(data_dir: Path):
    return bootstrap.analytics(Settings(data_dir=data_dir))


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate_city(tmp_path / name, units=500, seed=seed)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert _hashes(tmp_path / "a")["contributions.parquet"] != _hashes(tmp_path / "c")["contributions.parquet"]
    assert len(_hashes(tmp_path / "a")) == 9


def test_row_counts_are_what_was_written(city: tuple[Path, dict[str, int]]) -> None:
    folder, counts = city
    assert counts == {s.name: pq.read_metadata(folder / f"{s.name}.parquet").num_rows for s in FILES}
    assert counts["employers"] == 2000 and counts["contributions"] > 30 * 2000 / 2


def test_every_unit_type_industry_reason_and_flag_is_present(con: duckdb.DuckDBPyConnection) -> None:
    def values(sql: str) -> set[str]:
        return {r[0] for r in con.execute(sql).fetchall()}

    assert values("SELECT DISTINCT unit_type FROM employers") == set(UNIT_TYPES)
    assert values("SELECT DISTINCT industry FROM employers") == set(INDUSTRIES)
    assert values("SELECT DISTINCT reason FROM separations") == set(SEPARATION_REASONS)
    assert values("SELECT DISTINCT kind FROM ui_claims") == {"monthly", "one_off"}
    assert values("SELECT DISTINCT flag FROM flags") == set(FLAGS)


def test_size_mix_is_mostly_tiny_with_a_long_tail(con: duckdb.DuckDBPyConnection) -> None:
    tiny, top = con.execute("SELECT avg((insured BETWEEN 1 AND 5)::INT), max(insured) FROM contributions "
                            "WHERE month = '2020-12'").fetchone()
    assert tiny > 0.5 and top > 1000
    empty = con.execute("SELECT count(*) FILTER (WHERE employees IS NULL), count(*) FILTER (WHERE revenue IS NULL),"
                        " count(*) FILTER (WHERE size_class IS NOT NULL), count(*) FILTER (WHERE labor_dispatch),"
                        " count(*) FILTER (WHERE bank_code IS NULL) FROM employers").fetchone()
    assert all(v > 0 for v in empty)


def test_every_credit_code_and_person_id_is_valid(con: duckdb.DuckDBPyConnection) -> None:
    codes = [r[0] for r in con.execute("SELECT uscc FROM employers").fetchall()]
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if uscc_problem(c)] == []
    prefixes = dict(con.execute("SELECT unit_type, list(DISTINCT left(uscc, 2)) FROM employers GROUP BY 1").fetchall())
    assert prefixes["enterprise"] == ["91"] and prefixes["law_firm"] == ["31"]
    assert prefixes["public_institution"] == ["12"] and prefixes["foundation"] == ["53"]
    assert con.execute("SELECT count(*) FROM employers WHERE substr(uscc, 3, 6) <> region").fetchone() == (0,)
    people = [r[0] for r in con.execute("SELECT person_id FROM separations UNION ALL "
                                        "SELECT person_id FROM ui_claims").fetchall()]
    assert [p for p in people if person_id_problem(p)] == []
    assert {p[0].isdigit() for p in people} == {True, False}


def test_contributions_have_unique_keys_known_units_and_24_months(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*) FROM (SELECT uscc, month FROM contributions GROUP BY ALL "
                       "HAVING count(*) > 1)").fetchone() == (0,)
    for name in ("contributions", "separations", "ui_claims", "flags"):
        assert con.execute(f"SELECT count(*) FROM {name} ANTI JOIN employers USING (uscc)").fetchone() == (0,)
    months = [r[0] for r in con.execute("SELECT DISTINCT month FROM contributions ORDER BY 1").fetchall()]
    assert months == [f"{y}-{m:02d}" for y in (2019, 2020) for m in range(1, 13)]
    assert con.execute("SELECT count(DISTINCT uscc) FILTER (WHERE n < 12) FROM (SELECT uscc, count(*) n "
                       "FROM contributions GROUP BY 1)").fetchone()[0] > 0


def test_money_is_decimal_with_two_places_and_never_float(city: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    folder, _ = city
    for name, cols in MONEY_COLUMNS.items():
        schema = pq.read_schema(folder / f"{name}.parquet")
        assert all(schema.field(c).type == pa.decimal128(18, 2) for c in cols)
    assert not any(pa.types.is_floating(f.type) for s in FILES for f in pq.read_schema(folder / f"{s.name}.parquet"))
    generate_city(tmp_path, units=300, seed=2, fmt="csv")
    con = duckdb.connect()
    for name, cols in MONEY_COLUMNS.items():
        rows = con.execute(f"SELECT {', '.join(cols)} FROM read_csv('{tmp_path / name}.csv', all_varchar=true)")
        values = [v for row in rows.fetchall() for v in row if v is not None]
        assert values and all(re.fullmatch(r"\d+\.\d\d", v) for v in values)


def test_dues_paid_and_back_payments_are_consistent(con: duckdb.DuckDBPyConnection) -> None:
    over, short, back, zero_due = con.execute("""
        SELECT count(*) FILTER (WHERE unit_paid > unit_due OR person_paid > person_due),
               count(DISTINCT uscc) FILTER (WHERE unit_paid < unit_due),
               count(*) FILTER (WHERE back_paid > 0),
               count(*) FILTER (WHERE insured > 0 AND unit_due = 0)
        FROM contributions""").fetchone()
    assert over == 0 and short > 0 and back > 0 and zero_due == 0


def _unexplained_drops(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("""
        WITH c AS (SELECT uscc, month, insured - lead(insured) OVER (PARTITION BY uscc ORDER BY month) AS drop,
                          lead(month) OVER (PARTITION BY uscc ORDER BY month) AS next FROM contributions),
             s AS (SELECT uscc, strftime(date, '%Y-%m') AS month, count(*) AS n FROM separations GROUP BY ALL)
        SELECT count(*) FROM c LEFT JOIN s ON s.uscc = c.uscc AND s.month = c.next
        WHERE c.drop > coalesce(s.n, 0)""").fetchone()[0]


def test_separations_explain_every_headcount_drop(con: duckdb.DuckDBPyConnection) -> None:
    assert _unexplained_drops(con) == 0
    assert con.execute("SELECT count(*) FROM flags WHERE removed_on <= listed_on").fetchone() == (0,)


def test_default_city_passes_the_importer_with_zero_faults(city: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    folder, _ = city
    assert check_folder(folder, analytics=analytics_at(tmp_path),
                        settings=Settings(data_dir=tmp_path)).faults == []
    generate_city(tmp_path / "csv", units=400, seed=4, fmt="csv")
    assert check_folder(tmp_path / "csv", analytics=analytics_at(tmp_path),
                        settings=Settings(data_dir=tmp_path)).faults == []


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_dirty_city_has_faults_of_the_kinds_data_md_names(tmp_path: Path, fmt: str) -> None:
    counts = generate_city(tmp_path / "city", units=1500, seed=9, dirty=0.01, fmt=fmt)
    result = check_folder(tmp_path / "city", analytics=analytics_at(tmp_path),
                          settings=Settings(data_dir=tmp_path))
    assert 0.005 * sum(counts.values()) < result.bad_rows < 0.05 * sum(counts.values())
    reasons = " ".join(f.reason for f in result.faults)
    for words in ("check digit", "negative", "not a month", "duplicate", "not in employers", "unknown value",
                  "ID check character"):
        assert words in reasons, words
    assert {f.file.split(".")[0] for f in result.faults} >= {"hires", "interns", "dues"}
    again = generate_city(tmp_path / "again", units=1500, seed=9, dirty=0.01, fmt=fmt)
    assert again == counts and _hashes(tmp_path / "again") == _hashes(tmp_path / "city")


EDGES = "beijing-edges"
PER_UNIT = """
    WITH c AS (SELECT uscc, sum(insured) FILTER (WHERE month >= '2020-01') AS s,
                      count(*) FILTER (WHERE month >= '2020-01') AS n, count(*) AS months,
                      max(insured) FILTER (WHERE month = '2019-12') AS opening,
                      max(insured) FILTER (WHERE month = '2020-12') AS closing,
                      CAST(100 * sum(unit_paid + person_paid) FILTER (WHERE month >= '2020-01') AS BIGINT) AS base
               FROM contributions GROUP BY uscc),
         nat AS (SELECT uscc, count(*) AS nat FROM separations
                 WHERE year(date) = 2020 AND reason IN ('retirement', 'death') GROUP BY uscc)
    SELECT uscc, s, n, months, opening - closing - coalesce(nat, 0) AS net, base, employees, size_class
    FROM c JOIN employers USING (uscc) LEFT JOIN nat USING (uscc)"""


def _views(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for spec in FILES:
        con.execute(f"CREATE VIEW {spec.name} AS SELECT * FROM read_parquet('{folder / spec.name}.parquet')")
    return con


def _boundaries(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Units on a boundary, found in the files alone and judged with Fractions (N ÷ (S ÷ 12) = 12·N ÷ S)."""
    cur = con.execute(PER_UNIT)
    rows = [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur.fetchall()]
    full = [r for r in rows if r["months"] == 24 and r["n"] == 12 and r["s"] and r["net"] > 0]
    return {
        "rate6": [r for r in full if r["s"] > 360 and Fraction(12 * r["net"], r["s"]) == Fraction(6, 100)],
        "rate6_over": [r for r in full if r["s"] > 360 and
                       Fraction(6, 100) < Fraction(12 * r["net"], r["s"]) < Fraction(6, 100) * Fraction(1002, 1000)],
        "rate20": [r for r in full if r["s"] <= 360 and Fraction(12 * r["net"], r["s"]) == Fraction(1, 5)],
        "tie30": [r for r in rows if r["base"] is not None and r["base"] % 10 == 5],
    }


@pytest.fixture(scope="module")
def edge_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 units, 3 % of them on a boundary: 45 at 6 %, 9 just above, 18 at 20 %, 18 half-fen ties."""
    folder = tmp_path_factory.mktemp("edges")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(PROFILES, EDGES, replace(PROFILES["beijing"], name=EDGES, boundary_share=0.03))
        generate_city(folder, units=3000, seed=7, profile=EDGES)
    return folder


def test_the_beijing_profile_has_a_few_boundary_units(con: duckdb.DuckDBPyConnection) -> None:
    found = _boundaries(con)
    assert 0.002 <= PROFILES["beijing"].boundary_share <= 0.004  # six of these 2,000 units
    assert found["rate6"] and found["tie30"]


def test_boundary_units_sit_exactly_on_the_boundary_where_floats_go_wrong(edge_city: Path) -> None:
    con = _views(edge_city)
    found = _boundaries(con)
    placed = dict(zip(KINDS, quota_counts([PROFILES["beijing"].boundary_kinds[k] for k in KINDS], 90), strict=True))
    assert placed == {"rate6": 45, "rate6_over": 9, "rate20": 18, "tie30": 18}
    assert all(len(found[k]) >= placed[k] for k in ("rate6_over", "rate20"))  # a few others may be there by chance
    assert len(found["tie30"]) == 18  # no other unit pays an odd number of fen: unit and person shares are equal
    fractional = [r for r in found["rate6"] if r["s"] % 12]
    assert len(fractional) >= 45
    assert sum(not r["net"] / (r["s"] / r["n"]) <= 0.06 for r in fractional) >= 45  # a float engine fails them
    assert all(r["net"] / (r["s"] / r["n"]) > 0.06 for r in found["rate6_over"])
    for r in found["tie30"]:
        exact = (3 * r["base"] + 5) // 10  # 30 % of an amount ending in 5 fen: half a fen, rounded up
        assert Fraction(3 * r["base"], 10) - Fraction(1, 2) == exact - 1
        assert round(r["base"] / 100 * 0.3 * 100) == exact - 1 == round(round(r["base"] / 100 * 0.3, 2) * 100)
        assert r["size_class"] == "large" or (r["size_class"] is None and r["employees"] >= 300)
    assert _unexplained_drops(con) == 0
    assert check_folder(edge_city, analytics=analytics_at(edge_city / "var"),
                        settings=Settings(data_dir=edge_city / "var")).faults == []


def test_the_engine_decides_boundary_units_as_the_law_says(edge_city: Path, tmp_path: Path) -> None:
    found = _boundaries(_views(edge_city))
    result = evaluate(str(edge_city), "beijing-2021", date(2021, 6, 30), analytics=analytics_at(tmp_path),
                      settings=Settings(data_dir=tmp_path))
    rows = {r["uscc"]: r for r in result.contract.to_pylist()}

    def layoff_failed(r: dict) -> bool:
        return "layoff_rate_above_limit" in (rows[r["uscc"]]["reasons"] or "")

    assert not any(layoff_failed(r) for r in found["rate6"] + found["rate20"])
    assert {rows[r["uscc"]]["layoff_rate"] for r in found["rate6"]} == {"0.060000"}
    assert {rows[r["uscc"]]["layoff_rate"] for r in found["rate20"]} == {"0.200000"}
    assert sum(rows[r["uscc"]]["decision"] == "eligible" for r in found["rate6"]) >= 45
    assert all(layoff_failed(r) and rows[r["uscc"]]["decision"] == "ineligible" for r in found["rate6_over"])
    for r in found["tie30"]:
        row, fen = rows[r["uscc"]], (3 * r["base"] + 5) // 10
        amount = f"{fen // 100}.{fen % 100:02d}"
        assert (row["decision"], row["size_class"], row["amount"]) == ("eligible", "large", amount)


def test_contacts_name_a_legal_representative_first_sometimes_a_specialist_and_some_units_nobody(
        con: duckdb.DuckDBPyConnection) -> None:
    per_unit = con.execute("""
        SELECT count(c.uscc) AS n, bool_or(c.role = 'hr_specialist') AS specialist,
               bool_or(c.role = 'legal_representative') AS legal
        FROM employers e LEFT JOIN contacts c USING (uscc) GROUP BY e.uscc""").fetchall()
    counts = [n for n, _, _ in per_unit]
    assert 0 < counts.count(0) < len(counts) * 0.15 and max(counts) <= 3
    assert all(legal for n, _, legal in per_unit if n) and any(s for _, s, _ in per_unit)
    bad = con.execute("SELECT count(*) FROM contacts WHERE NOT regexp_full_match(phone, '1[3-9][0-9]{9}')").fetchone()
    opted = con.execute("SELECT count(*) FILTER (sms_opt_out), count(*) FROM contacts").fetchone()
    assert bad == (0,) and 0 < opted[0] < opted[1] * 0.1


def _age(born: date, on: date) -> int:
    """Whole years of life on a day: 16 from the 16th birthday on (a 29 February birthday counts on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _born(person_id: str, birth_date: date | None) -> date | None:
    if birth_date is None and len(person_id) == 18:
        return date(int(person_id[6:10]), int(person_id[10:12]), int(person_id[12:14]))
    return birth_date


def test_hires_are_young_graduates_and_unemployed_youth_of_the_pack_years_some_on_the_edges(
        con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT uscc, person_id, hired_on, category, graduated_on, birth_date, contract_signed, "
                       "insured_months FROM hires").fetchall()
    assert 300 < len(rows) < 5000
    assert {r[2].year for r in rows} == {2022, 2023, 2024, 2025} and {r[3] for r in rows} == {
        "graduate", "unemployed_youth"}
    assert [p for _, p, *_ in rows if person_id_problem(p)] == []
    graduates = [r for r in rows if r[3] == "graduate"]
    assert all(r[4] is not None and r[4] < r[2] and r[2].year - r[4].year <= 2 for r in graduates)
    assert all(r[4] is None for r in rows if r[3] == "unemployed_youth")
    ids = [r for r in rows if len(r[1]) == 18 and r[5] is not None]
    assert ids and all(_born(r[1], None) == r[5] for r in ids)         # a given birth date is the ID's
    ages = [(_age(b, r[2]), b, r) for r in rows if (b := _born(r[1], r[5])) is not None]
    assert len(ages) > 0.97 * len(rows) and {a for a, *_ in ages} <= set(range(15, 26))
    on_birthday = {a for a, b, r in ages if (b.month, b.day) == (r[2].month, r[2].day)}
    assert on_birthday >= {16, 25}                      # hired on the 16th birthday (in) and on the 25th (out) …
    assert sum(a == 15 for a, *_ in ages) and sum(a == 24 for a, b, r in ages      # … and on the day before each
                                                   if (r[2] + timedelta(days=1)).timetuple()[1:3] == (b.month, b.day))
    assert all(20 <= a <= 25 for a, _, r in ages if r[3] == "graduate")   # 21–24, ± a second hire that year
    assert 0 < sum(not r[6] for r in rows) < 0.15 * len(rows) and {r[7] for r in rows} == set(range(7))
    units_per_year: dict[tuple[str, int], set[str]] = {}
    for r in rows:
        units_per_year.setdefault((r[1], r[2].year), set()).add(r[0])
    assert any(len(u) == 2 for u in units_per_year.values())           # one person hired by two units in a year


def test_interns_are_at_a_few_bases_some_still_there(con: duckdb.DuckDBPyConnection) -> None:
    bases, units, ongoing, n, bad, first, last, kinds = con.execute("""
        SELECT count(DISTINCT i.uscc), (SELECT count(*) FROM employers), count(*) FILTER (WHERE ended_on IS NULL),
               count(*), count(*) FILTER (WHERE ended_on < started_on), min(started_on), max(started_on),
               count(DISTINCT category) FROM interns i""").fetchone()
    assert 0 < bases < 0.06 * units and 0 < ongoing < 0.5 * n and bad == 0 and kinds == 2
    assert first.year == 2022 and last.year == 2025
    people = [r[0] for r in con.execute("SELECT person_id FROM interns UNION ALL SELECT person_id FROM hires")
              .fetchall()]
    assert [p for p in people if person_id_problem(p)] == []


def test_dues_are_the_base_years_unit_shares_and_unemployment_is_the_contributions_unit_due(
        con: duckdb.DuckDBPyConnection) -> None:
    months = [r[0] for r in con.execute("SELECT DISTINCT month FROM dues ORDER BY 1").fetchall()]
    assert months == [f"2020-{m:02d}" for m in range(1, 13)]
    assert con.execute("SELECT count(*) FROM (SELECT uscc, month, insurance FROM dues GROUP BY ALL "
                       "HAVING count(*) > 1)").fetchone() == (0,)
    missing, differ, pension_low, negative = con.execute("""
        WITH d AS (PIVOT dues ON insurance USING first(unit_due) GROUP BY uscc, month)
        SELECT count(*) FILTER (WHERE d.uscc IS NULL OR d.injury IS NULL OR d.pension IS NULL),
               count(*) FILTER (WHERE d.unemployment <> c.unit_due),
               count(*) FILTER (WHERE c.insured > 0 AND NOT d.pension > d.injury),
               count(*) FILTER (WHERE least(d.pension, d.unemployment, d.injury) < 0)
        FROM contributions c LEFT JOIN d USING (uscc, month) WHERE c.month >= '2020-01'""").fetchone()
    assert (missing, differ, pension_low, negative) == (0, 0, 0, 0)
    assert con.execute("SELECT count(*) FROM dues ANTI JOIN (SELECT uscc, month FROM contributions) "
                       "USING (uscc, month)").fetchone() == (0,)


def test_the_new_files_draw_on_their_own_stream_so_the_older_files_keep_their_bytes(tmp_path: Path) -> None:
    generate_city(tmp_path / "a", units=400, seed=3, dirty=0.01)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("wengang.snapshot.generator_youth.HIRES_PER_INSURED_YEAR", 0.5)   # far more draws
        generate_city(tmp_path / "b", units=400, seed=3, dirty=0.01)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    older = ("employers", "contributions", "separations", "ui_claims", "flags", "contacts")
    assert all(a[f"{name}.parquet"] == b[f"{name}.parquet"] for name in older)
    assert a["hires.parquet"] != b["hires.parquet"]


@pytest.mark.parametrize(("name", "kind"), [(name, k) for name in ("hires", "interns", "dues")
                                            for k in range(len(FAULTS[name]))])
def test_each_dirty_kind_of_the_new_files_is_a_fault_the_importer_names(tmp_path: Path, name: str, kind: int) -> None:
    folder = tmp_path / "city"
    generate_city(folder, units=300, seed=5)
    table = pq.read_table(folder / f"{name}.parquet")
    first_youth = table["category"].to_pylist().index("unemployed_youth") if name == "hires" else 0
    pq.write_table(FAULTS[name][kind](table, np.array([first_youth])), folder / f"{name}.parquet")
    faults = check_folder(folder, analytics=analytics_at(tmp_path), settings=Settings(data_dir=tmp_path)).faults
    assert [f.file for f in faults] == [f"{name}.parquet"] and faults[0].line > 0


def test_without_programme_files_the_city_is_the_six_files_the_general_return_reads(tmp_path):
    counts = generate_city(tmp_path / "six", units=50, seed=3, programme_files=False)
    assert set(counts) == {"employers", "contributions", "separations", "ui_claims", "flags", "contacts"}
    assert not any((tmp_path / "six" / f"{name}.parquet").exists() for name in ("hires", "interns", "dues"))
    full = generate_city(tmp_path / "all", units=50, seed=3)
    assert {k: full[k] for k in counts} == counts and full["dues"] > 0          # the same six, then the rest


def test_a_city_larger_than_a_block_is_written_block_by_block_with_every_code_unique_and_no_fault(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A nation streams (issue 18.3): each block of units is drawn on its own and appended to every file, so memory
    is one block's; the blocks' credit codes never meet, and the whole passes the importer."""
    from wengang.snapshot import generator

    one = generate_city(tmp_path / "one", units=150, seed=5, programme_files=False)
    monkeypatch.setattr(generator, "BLOCK", 150)
    assert generate_city(tmp_path / "same", units=150, seed=5, programme_files=False) == one
    assert _hashes(tmp_path / "same") == _hashes(tmp_path / "one")       # a city of one block keeps its bytes
    counts = generate_city(tmp_path / "big", units=400, seed=5, programme_files=False)
    big = tmp_path / "big"
    assert pq.ParquetFile(big / "employers.parquet").metadata.num_row_groups == 3
    con = duckdb.connect()
    assert con.execute(f"SELECT count(*), count(DISTINCT uscc) FROM '{big}/employers.parquet'").fetchone() == (400, 400)
    assert counts["employers"] == 400 and counts["contributions"] > 400 * 12
    assert con.execute(f"SELECT count(*) FROM '{big}/contributions.parquet' WHERE uscc NOT IN "
                       f"(SELECT uscc FROM '{big}/employers.parquet')").fetchone() == (0,)
    first_block = con.execute(f"SELECT uscc FROM '{big}/employers.parquet' LIMIT 150").fetchall()
    assert first_block == con.execute(f"SELECT uscc FROM '{tmp_path}/one/employers.parquet'").fetchall()
    assert check_folder(big, analytics=analytics_at(tmp_path / "var"),
                        settings=Settings(data_dir=tmp_path / "var")).faults == []
