"""Parquet files as other tools write them (issue 18: files that follow DATA.md are accepted whatever produced them).
pandas has no type for a day: its dates are timestamps at midnight, its text large_string, its money float64 (Arrow
writes 123456789012.34 as 1.2345678901234e+11), a whole-number column with a gap float64 (3.0); Spark
infers a month column as timestamps of each month's first day, and keeps instants in UTC (Beijing's midnight is 16:00
the day before). Such a folder holds the same facts as the CSV one and is stored as the same rows. A time of day is
not a date, nor the 15th a month: refused with the value shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.services.snapshots import check_folder, import_folder

UNITS = 3
DATES = {"employers": ["registered_on"], "separations": ["date"], "contributions": ["month"]}


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def city(folder):
    employers = [{"uscc": uscc(i + 1), "name": f"北京市第{i}号商贸有限公司", "registered_on": f"201{i}-0{i + 3}-1{i}",
                  "revenue": revenue, "employees": employees}
                 for i, (revenue, employees) in enumerate((("123456789012.34", "12"), ("0", ""), ("100.1", "3")))]
    contributions = [row for i in range(UNITS) for row in steady_contributions(uscc(i + 1), due="100.05")]
    separations = [{"uscc": uscc(1), "person_id": "110105199001011232", "date": "2020-06-30", "reason": "resignation"}]
    return write_snapshot(folder, employers=employers, contributions=contributions, separations=separations)


def as_pandas_writes_it(folder, zone: str | None = None, stored_in: str | None = None, **times: str):
    """Every CSV of the folder as pandas writes Parquet: dates and months parsed (timestamps, of `zone` when given,
    kept as instants in `stored_in`), money float64; `times` moves the first row of a column on (e.g.
    registered_on="08:30", month="14 days")."""
    for path in folder.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
        for column in DATES.get(path.stem, []):
            frame[column] = pd.to_datetime(frame[column])
            if column in times:
                frame.loc[0, column] += pd.Timedelta(times[column])
            if zone:
                frame[column] = frame[column].dt.tz_localize(zone)
            if stored_in:
                frame[column] = frame[column].dt.tz_convert(stored_in)
        for column in ("revenue", "unit_due", "unit_paid", "person_due", "person_paid", "employees"):
            if column in frame:              # a whole-number column with a gap is float64 in pandas
                frame[column] = pd.to_numeric(frame[column]).astype("float64")
        frame.to_parquet(path.with_suffix(".parquet"), index=False)
        path.unlink()
    return folder


def stored(settings, info, table: str, column: str = "*") -> list:
    """A stored table's rows in line order (one column's values, when named)."""
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        rows = con.execute(f"SELECT {column} FROM {info.schema}.{table} ORDER BY line").fetchall()
    finally:
        con.close()
    return rows if column == "*" else [r[0] for r in rows]


@pytest.mark.parametrize(("zone", "stored_in"), [(None, None), ("Asia/Shanghai", None), ("Asia/Shanghai", "UTC"),
                                                 ("UTC", None)])
def test_dates_and_months_written_as_timestamps_are_those_days_and_months(tmp_path, settings, zone, stored_in):
    by_csv = import_folder(city(tmp_path / "csv"), analytics=bootstrap.analytics(settings), settings=settings)
    folder = as_pandas_writes_it(city(tmp_path / "pandas"), zone, stored_in)
    by_pandas = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert not by_pandas.check.faults and by_pandas.check.encodings["employers"] == "parquet"
    for table, column in (("employers", "registered_on"), ("separations", "date"), ("employers", "revenue"),
                          ("employers", "employees"), ("contributions", "unit_paid"), ("contributions", "month")):
        assert stored(settings, by_pandas.snapshot, table, column) == stored(settings, by_csv.snapshot, table, column)
    assert stored(settings, by_pandas.snapshot, "employers", "registered_on")[0] == dt.date(2010, 3, 10)
    assert stored(settings, by_pandas.snapshot, "employers", "revenue")[0] == Decimal("123456789012.34")
    assert stored(settings, by_pandas.snapshot, "employers", "employees") == [12, None, 3]


@pytest.mark.parametrize(("moved", "file", "column", "shown", "why"), [
    ({"registered_on": "8h30min"}, "employers.parquet", "registered_on", "2010-03-10 08:30:00", "YYYY-MM-DD"),
    ({"month": "14 days"}, "contributions.parquet", "month", "2019-12-15", "YYYY-MM"),
], ids=["a time of day is not a date", "a day after the first is not a month"])
def test_a_value_that_is_no_day_or_month_is_refused_with_its_value(tmp_path, settings, moved, file, column, shown,
                                                                    why):
    folder = as_pandas_writes_it(city(tmp_path / "pandas"), **moved)
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert [(f.file, f.line, f.column) for f in result.faults] == [(file, 1, column)]
    assert result.faults[0].value.startswith(shown) and why in result.faults[0].reason


def on_spark(folder):
    """The folder checked and typed on Spark (local), as `--engine spark` reads it: its faults, and the rows of
    `table` in line order."""
    from wengang.domain.progress import Silent
    from wengang.rules import backends
    from wengang.snapshot import on_spark as spark
    from wengang.snapshot.checking import hash_folder

    session = backends.spark_session()
    checked = spark.check(session, hash_folder(folder, Silent()), folder, "producers", Silent())
    return checked.result.faults, {
        name: [tuple(r) for r in session.sql(f"SELECT * FROM {view} ORDER BY line").collect()]
        for name, view in checked.views.items() if name in ("employers", "separations", "contributions")}


@pytest.mark.spark
@pytest.mark.slow
def test_spark_reads_days_months_and_times_as_the_import_does(tmp_path, settings):
    folder = as_pandas_writes_it(city(tmp_path / "pandas"), "Asia/Shanghai", "UTC")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    faults, rows = on_spark(folder)
    assert faults == [] and not result.check.faults
    assert rows == {name: stored(settings, result.snapshot, name) for name in rows}
    late = as_pandas_writes_it(city(tmp_path / "late"), "Asia/Shanghai", "UTC", registered_on="8h30min",
                               month="14 days")
    by_import = check_folder(late, analytics=bootstrap.analytics(settings), settings=settings).faults
    assert sorted(on_spark(late)[0]) == sorted(by_import) and len(by_import) == 2
    assert {f.value for f in by_import} == {"2010-03-10 08:30:00", "2019-12-15 00:00:00"}   # Beijing time


def with_decimals(folder, odd: str | None = None):
    """Every CSV of the folder as Parquet whose money has more places than two, as databases export it: DECIMAL(38,10)
    for the employers' (read by Arrow), DECIMAL(18,4) for the contributions' (read by DuckDB), headcounts as
    DECIMAL(10,3); `odd` is the first unit_due's amount."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    places = {"employers": pa.decimal128(38, 10), "contributions": pa.decimal128(18, 4)}
    for path in folder.glob("*.csv"):
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in path.read_text(encoding="utf-8").splitlines()[0].split(",")}))
        if path.stem in places:
            for name in ("revenue", "assets", "unit_due", "unit_paid", "person_due", "person_paid", "back_paid",
                         "employees", "insured"):
                if name in table.column_names:
                    kind = pa.decimal128(10, 3) if name in ("employees", "insured") else places[path.stem]
                    values = table.column(name).to_pylist()
                    if name == "unit_due" and odd:
                        values[0] = odd
                    at = table.column_names.index(name)
                    table = table.set_column(at, name, pa.array(
                        [None if v in (None, "") else Decimal(v) for v in values], kind))
        pq.write_table(table, path.with_suffix(".parquet"))
        path.unlink()
    return folder


def test_money_of_more_places_than_two_is_its_amount_on_both_engines(tmp_path, settings):
    by_csv = import_folder(city(tmp_path / "csv"), analytics=bootstrap.analytics(settings), settings=settings)
    folder = with_decimals(city(tmp_path / "decimals"))
    by_decimals = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert not by_decimals.check.faults
    for table, column in (("employers", "revenue"), ("employers", "employees"), ("contributions", "unit_due"),
                          ("contributions", "insured")):
        assert stored(settings, by_decimals.snapshot, table, column) == stored(settings, by_csv.snapshot, table,
                                                                               column)
    odd = check_folder(with_decimals(city(tmp_path / "odd"), "100.0550"), analytics=bootstrap.analytics(settings),
                       settings=settings).faults
    assert [(f.file, f.line, f.column, f.value) for f in odd] == [("contributions.parquet", 1, "unit_due", "100.055")]
    assert "at most two decimals" in odd[0].reason


@pytest.mark.spark
@pytest.mark.slow
def test_spark_reads_money_of_more_places_as_the_import_does(tmp_path, settings):
    folder = with_decimals(city(tmp_path / "decimals"))
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    faults, rows = on_spark(folder)
    assert faults == [] and not result.check.faults
    assert rows == {name: stored(settings, result.snapshot, name) for name in rows}
    odd = with_decimals(city(tmp_path / "odd"), "100.0550")
    assert on_spark(odd)[0] == check_folder(odd, analytics=bootstrap.analytics(settings), settings=settings).faults


def test_a_time_or_a_duration_is_refused_in_words_and_a_half_float_is_read(tmp_path, settings):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = as_pandas_writes_it(city(tmp_path / "odd"))
    employers = pq.read_table(folder / "employers.parquet")
    n = employers.num_rows
    employers = employers.set_column(employers.column_names.index("registered_on"), "registered_on",
                                     pa.array([dt.timedelta(days=1)] * n, pa.duration("s")))
    employers = employers.set_column(employers.column_names.index("employees"), "employees",
                                     pa.array(np.array([12, 4, 3], dtype=np.float16)))
    pq.write_table(employers, folder / "employers.parquet")
    separations = pq.read_table(folder / "separations.parquet")
    pq.write_table(separations.set_column(separations.column_names.index("date"), "date",
                                          pa.array([dt.time(8, 30)] * separations.num_rows, pa.time64("us"))),
                   folder / "separations.parquet")
    faults = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).faults
    assert {(f.file, f.column) for f in faults} == {("employers.parquet", "registered_on"),
                                                   ("separations.parquet", "date")}
    assert all("YYYY-MM-DD" in f.reason for f in faults)              # the half-float headcounts 12, 4, 3 passed
