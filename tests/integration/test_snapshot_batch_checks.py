"""The strict import checks and types each streamed batch in Arrow compute (issue 18.2, the rest): a value those checks
pass is one the SQL checks pass too, typed as the store would cast it; a file whose batches all pass is stored exactly
as when it is checked in SQL (same rows, lines, values, facts, and the same faults across files: repeated keys,
orphans, row rules, repeated rows), batch boundaries included; a doubt in any batch, the last included, sends the file
to the SQL checks with its faults exactly as before and no row loaded twice."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from tests.builders import person, steady_contributions, uscc, write_snapshot
from tests.conftest import AS_OF, PACK
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.errors import Refused
from wengang.domain.names import name_problem
from wengang.services.evaluation import evaluate
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot import batch_checks, csv_reading, loading, reading
from wengang.snapshot.batch_checks import Doubt, check_column, stored, typed_columns
from wengang.snapshot.checks import NAME_SUSPECT, typed_sql, value_problem_sql
from wengang.snapshot.facts import TABLE as FACTS
from wengang.snapshot.schema import FILES, FILES_BY_NAME

WRONG_CHECK = uscc(1)[:-1] + ("0" if uscc(1)[-1] != "0" else "1")
WRONG_ID = person(1)[:-1] + ("0" if person(1)[-1] != "0" else "1")
EDGES = [
    None, "", " ", "\u3000", "\t", "\u00a0x", " 5", "5 ", "-0", "-5", "+5", "05", "0000000001", "1234567890", "1.",
    ".5", "1.234", "1.230", "1e5", "12345678901234567.00", "１２３", "٣", "2021-02-29", "2021-13-01", "0999-01-01",
    "0000-01-01", "2021-1-05", " 2021-01-05", "2021-01", "2021-00", "2021-13", "yes", "True ", "x", uscc(1).lower(),
    WRONG_CHECK, person(1)[:-1] + "x", WRONG_ID, "110105800101001", "C1", "a" * 64, "a" * 65, "ab\n", "=SUM(A1)",
    "-某", "名\x07称", "名" * 141, "a@b", "@b.cn", "a b@c.cn", "x" * 250 + "@b.cn", "1380000000", "12800000000",
    "oAbc", "1" * 33, "12345", "\u2028", "ＡＢ", "ab\u0301",
]
GOOD = {
    "uscc": [uscc(1), uscc(7, "12110000")], "person_id": [person(1), "C123", "ab_-9", "110105800101001"],
    "name": ["北京某公司", "A·B 公司"], "region": ["110105"], "date": ["2021-06-30", "2020-02-29"],
    "month": ["2021-06", "1999-12"], "int": ["0", "7", "999999999", "05"],
    "money": ["0", "12.5", "12.50", "9999999999999999.99", "007.10"],
    "bool": ["true", "FALSE", "1", "0", "是", "否"], "bank_code": ["123456789012"], "mobile": ["13800000000"],
    "email": ["a@b.cn", "张@例子.中国"], "openid": ["oAbc_12-3"], "account": ["622202100001"],
}
COLUMNS = [(spec, col, owner) for spec in FILES for col in spec.columns for owner in (True, False)]


def _fast(spec, col, value, owner) -> bool:
    """Whether the batch checks pass a batch of this one value (a date also has to be a day: typed)."""
    values = pa.chunked_array([pa.array([value], pa.string())])
    try:
        check_column(col, values, owner=owner)
        if col.name in typed_columns(spec):
            stored(col, values)
    except Doubt:
        return False
    return True


def _sql_problems(col, values: list, owner: bool) -> list:
    """What the SQL checks say of each value (None: no fault), a suspect name judged by the one rule for names."""
    con = duckdb.connect()
    con.register("v", pa.table({col.name: pa.array(values, pa.string()), "i": pa.array(range(len(values)))}))
    rows = con.execute(f"SELECT {value_problem_sql(col, owner=owner)} FROM v ORDER BY i").fetchall()
    return [name_problem(v) if why == NAME_SUSPECT else why for (why,), v in zip(rows, values, strict=True)]


@pytest.mark.parametrize(("spec", "col", "owner"), COLUMNS,
                         ids=[f"{s.name}.{c.name}{'' if o else '-referenced'}" for s, c, o in COLUMNS])
def test_a_value_the_batch_checks_pass_is_one_the_sql_passes_and_typed_as_the_store_casts_it(spec, col, owner):
    values = EDGES + GOOD.get(col.kind, []) + list(col.choices) + [c.upper() for c in col.choices]
    problems = _sql_problems(col, values, owner)
    passed = [v for v in values if _fast(spec, col, v, owner)]
    wrongly = [(v, why) for v, why in zip(values, problems, strict=True) if why is not None and v in passed]
    assert wrongly == []
    good = [v for v in GOOD.get(col.kind, []) + list(col.choices) if col.kind != "uscc" or owner]
    assert [v for v in good if v not in passed] == []          # the batch checks do pass what is right
    if col.name in typed_columns(spec) and passed:
        con = duckdb.connect()
        con.register("v", pa.table({col.name: pa.array(passed, pa.string())}))
        cast = [r[0] for r in con.execute(f"SELECT {typed_sql(col)} FROM v").fetchall()]
        assert stored(col, pa.chunked_array([pa.array(passed, pa.string())])).to_pylist() == cast


UNITS = 30


def city(folder, *, faults: bool):
    """Six files over a few batches each; with `faults`, only faults between rows and files, which the batch checks
    leave to SQL: a repeated month, an orphan, a removal before its listing; and repeated rows (kept once)."""
    employers = [{"uscc": uscc(i + 1), "name": f"第{i}号公司", "employees": str(i), "revenue": f"{i}.5",
                  "labor_dispatch": ["true", "0", "是", None][i % 4]} for i in range(UNITS)]
    contributions = [row | ({"unit_paid": "90.00"} if n == 3 and i % 7 == 0 else {})
                     for i in range(UNITS) for n, row in enumerate(steady_contributions(uscc(i + 1)))]
    flag = {"uscc": uscc(2), "source": "credit", "flag": "serious_dishonesty", "listed_on": "2020-03-01",
            "removed_on": "2020-09-01"}
    flags = [flag, flag | {"uscc": uscc(3)}, flag]
    separations = [{"uscc": uscc(i % UNITS + 1), "person_id": person(i), "date": "2020-05-05",
                    "reason": "retirement"} for i in range(40)]
    contacts = [{"uscc": uscc(i + 1), "role": "hr_specialist", "name": "王", "phone": "13800000000",
                 "sms_opt_out": ["1", "true", None][i % 3]} for i in range(UNITS)]
    contacts.append(contacts[4])
    if faults:
        contributions.append(contributions[5] | {"unit_due": "99.00"})
        separations.append(separations[0] | {"uscc": uscc(999)})
        flags.append(flag | {"uscc": uscc(4), "removed_on": "2019-01-01"})
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags,
                          separations=separations, contacts=contacts, ui_claims=[])


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(csv_reading, "BLOCK", 512)


@pytest.fixture
def in_sql(monkeypatch):
    """The import as it was before the batch checks: every file loaded as text and checked in SQL."""
    def doubt(*_args):
        raise Doubt("in SQL")
    return lambda: monkeypatch.setattr(loading, "typed_batch", doubt)


def _stored(folder, data, *, lenient: bool) -> tuple[list, dict]:
    settings = Settings(data_dir=data)
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=lenient)
    faults = sorted((f.file, f.line, f.column, f.value, f.reason) for f in result.check.faults)
    assert result.snapshot is not None
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        tables = {name: con.execute(f"SELECT * FROM {result.snapshot.schema}.{name} ORDER BY ALL").fetchall()
                  for name in [*FILES_BY_NAME, FACTS] if name in {*result.snapshot.row_counts, FACTS}}
        types = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = ? ORDER BY ALL", [result.snapshot.schema]).fetchall()
    finally:
        con.close()
    return faults + result.check.warnings, tables | {"types": types}


@pytest.mark.parametrize("faults", [False, True], ids=["clean-strict", "cross-row-faults-lenient"])
def test_a_file_checked_batch_by_batch_is_stored_as_when_checked_in_sql(tmp_path, small_batches, in_sql, faults):
    folder = city(tmp_path / "s", faults=faults)
    path = folder / "contributions.csv"
    assert sum(1 for _ in reading.read_file(FILES_BY_NAME["contributions"], path).stream()) > 40
    con = duckdb.connect()
    assert all(loading.load(con, reading.read_file(FILES_BY_NAME[p.stem], p)).checked for p in folder.iterdir())
    batched = _stored(folder, tmp_path / "a", lenient=faults)
    in_sql()
    assert not loading.load(duckdb.connect(), reading.read_file(FILES_BY_NAME["contributions"], path)).checked
    assert _stored(folder, tmp_path / "b", lenient=faults) == batched
    if faults:
        reasons = [f[4] for f in batched[0] if isinstance(f, tuple)]
        assert any("duplicate (uscc, month)" in r for r in reasons) and any("not in employers" in r for r in reasons)


def test_the_faults_between_rows_and_files_are_said_as_when_checked_in_sql(tmp_path, small_batches, in_sql):
    folder = city(tmp_path / "s", faults=True)
    settings = Settings(data_dir=tmp_path / "var")

    def faults():
        result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
        return sorted((f.file, f.line, f.column, f.value, f.reason) for f in result.faults)

    batched = faults()
    assert [(f[0], f[2]) for f in batched] == [("contributions.csv", "uscc+month"), ("flags.csv", "removed_on"),
                                               ("separations.csv", "uscc")]
    assert "2020-03-01" in batched[1][4]
    in_sql()
    assert faults() == batched


def test_a_bad_value_in_the_last_batch_is_named_and_no_row_is_loaded_twice(tmp_path, small_batches):
    folder = city(tmp_path / "s", faults=False)
    path = folder / "contributions.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    last = len([x for x in lines if x])
    lines[last - 1] = lines[last - 1].replace("100.00", "1e2", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    con = duckdb.connect()
    raw = loading.load(con, reading.read_file(FILES_BY_NAME["contributions"], path))
    assert not raw.checked and raw.typed == ()
    assert con.execute(f"SELECT count(*), count(DISTINCT __line) FROM {loading.raw_view(raw)}").fetchone() == (
        last - 1, last - 1)
    settings = Settings(data_dir=tmp_path / "var")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert [(f.line, f.column, f.value) for f in result.check.faults] == [(last, "unit_due", "1e2")]
    assert result.snapshot is not None and result.snapshot.row_counts["contributions"] == last - 2


def test_a_day_that_does_not_exist_is_a_doubt_and_then_a_fault(tmp_path, small_batches):
    folder = city(tmp_path / "s", faults=False)
    path = folder / "employers.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2015-01-01", "2015-02-30", 1), encoding="utf-8")
    with pytest.raises(Doubt):
        batch_checks.stored(FILES_BY_NAME["employers"].column("registered_on"), pa.chunked_array([["2015-02-30"]]))
    settings = Settings(data_dir=tmp_path / "var")
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert [(f.line, f.column, f.value) for f in result.faults] == [(2, "registered_on", "2015-02-30")]


def test_amounts_too_large_for_the_summary_are_checked_in_sql_without_a_traceback(tmp_path):
    rows = steady_contributions(uscc(1))
    rows[0] = rows[0] | {"unit_paid": "9999999999999999.99", "person_paid": "9999999999999999.99"}
    folder = write_snapshot(tmp_path / "s", employers=[{"uscc": uscc(1)}], contributions=rows)
    settings = Settings(data_dir=tmp_path / "var")
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.faults == [] and result.rows["contributions"] == len(rows)


def test_amounts_at_the_money_limit_are_stored_with_exact_facts(tmp_path):
    """DATA.md bounds no amount beyond its two decimals (the check's limit is 16 digits of yuan): a year of such
    months sums past a BIGINT of fen, and the facts still hold the exact sums, not a DuckDB traceback."""
    top = "9999999999999999.99"
    rows = [r | {"unit_due": top, "unit_paid": top, "person_due": "0", "person_paid": top}
            for r in steady_contributions(uscc(1))]
    folder = write_snapshot(tmp_path / "s", employers=[{"uscc": uscc(1)}], contributions=rows)
    settings = Settings(data_dir=tmp_path / "var")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=False)
    assert result.check.faults == [] and result.snapshot is not None
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        paid = con.execute(f"SELECT year, paid_fen, full_12, arrears_12 FROM {result.snapshot.schema}.{FACTS} "
                           "ORDER BY year").fetchall()
    finally:
        con.close()
    fen = 2 * 999999999999999999
    assert [(y, int(p), f, int(a)) for y, p, f, a in paid] == [(2019, fen, 1, 0), (2020, 12 * fen, 13, 0)]


@pytest.mark.parametrize("faults", [False, True], ids=["clean-strict", "cross-row-faults-lenient"])
def test_an_import_keeps_only_the_snapshots_tables_in_its_schema(tmp_path, faults):
    """Files load into the snapshot's own schema inside the import's transaction: what is stored is its tables (a
    clean file's loaded table kept, a faulted one's good rows copied), never a loading table left behind."""
    folder = city(tmp_path / "s", faults=faults)
    settings = Settings(data_dir=tmp_path / "var")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=faults)
    assert result.snapshot is not None and bool(result.check.faults) == faults
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                                            [result.snapshot.schema]).fetchall()}
        lines = con.execute(f"SELECT min(line), count(*) FROM {result.snapshot.schema}.contributions").fetchone()
    finally:
        con.close()
    assert tables == {*FILES_BY_NAME, "quarantine", FACTS}
    assert lines == (2, result.snapshot.row_counts["contributions"])


def test_a_refused_import_rolls_back_and_can_be_refused_again(tmp_path):
    """The refused import's transaction is rolled back: no schema, no registry row, and the same folder is refused
    again with the same faults (no schema of the first attempt in the way)."""
    folder = city(tmp_path / "s", faults=True)
    settings = Settings(data_dir=tmp_path / "var")
    runs = [import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings) for _ in range(2)]
    assert all(r.refused and r.snapshot is None for r in runs)
    assert runs[0].check.faults == runs[1].check.faults and runs[0].check.faults
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'snap_%'"
                           ).fetchone() == (0,)
    finally:
        con.close()


def test_premiums_past_what_the_rules_count_are_refused_in_words_naming_the_unit_and_year(tmp_path):
    """A year at the money limit sums past a BIGINT of fen, the rules' integer: the evaluation names the unit, the
    year and the sum and decides nothing (no traceback, no wrong amount); a unit within bounds is decided as usual."""
    top = "9999999999999999.99"
    small = {"employees": "10", "revenue": "1000000.00"}
    at_limit = [r | {"unit_due": top, "unit_paid": top, "person_due": "0", "person_paid": top}
                for r in steady_contributions(uscc(1))]
    settings = Settings(data_dir=tmp_path / "var")
    folder = write_snapshot(tmp_path / "s", employers=[{"uscc": uscc(1)} | small, {"uscc": uscc(2)} | small],
                            contributions=at_limit + steady_contributions(uscc(2)))
    with pytest.raises(Refused, match=rf"{uscc(1)}'s premiums or arrears in 2020 sum to 239,999,999,999,999,999\.76 "
                                      "yuan") as refused:
        evaluate(str(folder), PACK, AS_OF, analytics=bootstrap.analytics(settings), settings=settings)
    assert "超出规则可计算的上限 92,233,720,368,547,758.07 元" in str(refused.value)
    fine = write_snapshot(tmp_path / "t", employers=[{"uscc": uscc(2)} | small],
                          contributions=steady_contributions(uscc(2)))
    result = evaluate(str(fine), PACK, AS_OF, analytics=bootstrap.analytics(settings), settings=settings)
    assert [(r["decision"], r["amount"]) for r in result.contract.to_pylist()] == [("eligible", "1440.00")]
