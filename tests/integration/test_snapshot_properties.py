"""Property-based: whatever the cells (control characters, long text, odd numbers, bad dates), the bytes (random
bytes spliced in) or the encoding, an import succeeds or lists faults that each name file, line and column; it never
raises anything else, and a strict import that faults stores nothing."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import uscc
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.names import name_problem
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot import faults as report
from wengang.snapshot.schema import FILES_BY_NAME

ODD = ["", " ", "=1+1", "-5", "+1", "@a", "1e9", "NaN", "-0", "12.345", "9999999999", "1,5", "2020-02-30",
       "2020-13", "2020-1", "0x1F", "是", "\u3000", "a\r\nb", '"', "'", ",", "\\", "\x00", "\ufeff", "\u2028",
       "１２３", "𠀀公司"]
CELL = st.one_of(
    st.text(max_size=30),
    st.text(min_size=130, max_size=210),
    st.sampled_from(ODD),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
)


def good_employer(i: int) -> dict[str, str]:
    return {"uscc": uscc(i), "name": f"单位{i}", "unit_type": "enterprise", "industry": "software_it",
            "region": "110105", "registered_on": "2015-01-01", "employees": "10", "revenue": "1000.00",
            "bank_code": "102100099996", "account_no": "6222020200112233", "account_name": f"单位{i}"}


def good_contribution(i: int, month: int) -> dict[str, str]:
    return {"uscc": uscc(i), "month": f"2020-{month:02d}", "insured": "10", "unit_due": "100.00",
            "unit_paid": "100.00", "person_due": "50.00", "person_paid": "50.00", "back_paid": ""}


def spoiled(rows: list[dict[str, str]], data) -> list[dict[str, str]]:
    """Replace some cells with hostile ones."""
    for row in rows:
        for column in data.draw(st.lists(st.sampled_from(list(row)), max_size=3)):
            row[column] = data.draw(CELL)
    return rows


def write(folder: Path, name: str, rows: list[dict[str, str]], encoding: str, parquet: bool) -> Path:
    if parquet:
        pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), folder / f"{name}.parquet")
        return folder / f"{name}.parquet"
    with (folder / f"{name}.csv").open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder / f"{name}.csv"


@st.composite
def snapshots(draw, folder: Path) -> tuple[Path, dict[str, str], bool]:
    """A small snapshot folder with hostile cells, maybe random bytes, in UTF-8, GB18030 or Parquet."""
    data = draw(st.data())
    folder.mkdir()
    units = draw(st.integers(1, 4))
    employers = spoiled([good_employer(i + 1) for i in range(units)], data)
    contributions = spoiled([good_contribution(i + 1, m + 1) for i in range(units) for m in range(2)], data)
    encoding = draw(st.sampled_from(["utf-8", "gb18030"]))
    paths = [write(folder, "employers", employers, encoding, draw(st.booleans())),
             write(folder, "contributions", contributions, encoding, False)]
    spliced = draw(st.booleans())
    if spliced:
        path = draw(st.sampled_from(paths))
        content = path.read_bytes()
        at = draw(st.integers(0, len(content)))
        path.write_bytes(content[:at] + draw(st.binary(min_size=1, max_size=8)) + content[at:])
    names = {r["uscc"]: r["name"] for r in employers}
    return folder, names, spliced


def assert_well_formed(faults, folder: Path) -> None:
    """Every fault names a file of the folder, a line, a column of that file (or none) and a shown value."""
    files = {p.name for p in folder.iterdir()}
    for f in faults:
        spec = FILES_BY_NAME[Path(f.file).stem]
        columns = {"", *spec.column_names, "+".join(spec.key)}
        assert f.file in files and f.line >= 0 and f.column in columns and f.reason
        assert f.value.isprintable() and len(f.value) <= report.SHOWN_LIMIT


def stored(settings_: Settings) -> int:
    if not settings_.analytics_path.exists():
        return 0
    with duckdb.connect(str(settings_.analytics_path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM snapshots").fetchone()[0]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_check_never_raises_and_names_every_fault(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder, _, _ = data.draw(snapshots(Path(tmp) / "snap"))
        result = check_folder(folder, analytics=bootstrap.analytics(Settings(data_dir=Path(tmp) / "var")),
                                  settings=Settings(data_dir=Path(tmp) / "var"))
        assert_well_formed(result.faults, folder)
        assert result.rows.keys() == {"employers", "contributions"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_strict_stores_all_or_nothing_and_lenient_stores_only_clean_names(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder, names, spliced = data.draw(snapshots(Path(tmp) / "snap"))
        config = Settings(data_dir=Path(tmp) / "var")
        strict = import_folder(folder, analytics=bootstrap.analytics(config), settings=config)
        assert_well_formed(strict.check.faults, folder)
        assert (strict.snapshot is None) == bool(strict.check.faults) == strict.refused
        assert stored(config) == (0 if strict.refused else 1)
        if not strict.refused:
            return
        lenient = import_folder(folder, analytics=bootstrap.analytics(config), settings=config, lenient=True)
        if lenient.refused:
            assert any(f.line == 0 or f.line == 1 for f in lenient.check.faults) and stored(config) == 0
            return
        schema = lenient.snapshot.schema
        with duckdb.connect(str(config.analytics_path), read_only=True) as con:
            kept = con.execute(f"SELECT uscc, name, account_name FROM {schema}.employers").fetchall()
        for code, name, account in kept:
            assert name_problem(name) is None and (account is None or name_problem(account) is None)
            assert spliced or name == names[code]                 # never a garbled name
