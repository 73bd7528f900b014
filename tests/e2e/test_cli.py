"""The `wengang` command as a user runs it: exit codes, one line per fault, the decisions file, explain."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import steady_contributions, uscc, write_snapshot

WENGANG = shutil.which("wengang", path=str(Path(sys.executable).parent)) or "wengang"


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "WENGANG_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run([WENGANG, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def city(tmp_path):
    a, b = uscc(1), uscc(2)
    contributions = steady_contributions(a, insured=40) + steady_contributions(b, insured=40)
    contributions[-1]["insured"] = 30  # b: 10 of 40 left → 10 × 12 / 470 = 25.53% > 6%
    return write_snapshot(tmp_path / "city", employers=[{"uscc": a, "name": "甲公司", "industry": "other", "employees": "40"},
                                                      {"uscc": b, "name": "乙公司", "industry": "other", "employees": "40"}],
                          contributions=contributions, separations=[])


def test_bad_snapshot_exits_1_with_one_line_per_fault_and_stores_nothing(tmp_path, city):
    rows = list(csv.DictReader((city / "contributions.csv").open(encoding="utf-8")))
    rows[0]["unit_paid"] = "-3.00"
    rows[1]["month"] = "2020-00"
    with (city / "contributions.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = run(["snapshot", "import", str(city)], tmp_path / "var")
    assert done.returncode == 1
    fault_lines = [line for line in done.stdout.splitlines() if line.startswith("  contributions.csv:")]
    assert fault_lines == [
        "  contributions.csv:2 [unit_paid] '-3.00': 金额或人数不能为负 / value must not be negative",
        "  contributions.csv:3 [month] '2020-00': 月份无法解析 / not a month in the form YYYY-MM",
    ]
    assert "nothing was stored" in done.stderr.replace("\n", " ")
    listed = run(["snapshot", "list"], tmp_path / "var")
    assert str(city) not in listed.stdout


def test_evaluate_writes_the_data_contract_and_explain_says_why(tmp_path, city):
    out = tmp_path / "decisions.csv"
    done = run(["evaluate", str(city), "--policy", "beijing-2021", "--as-of", "2021-06-30", "--out", str(out)],
               tmp_path / "var")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["uscc", "decision", "amount", "size_class", "layoff_rate", "reasons", "programme"]
    by_unit = {r["uscc"]: r for r in rows}
    assert by_unit[uscc(1)] == {"uscc": uscc(1), "decision": "eligible", "amount": "1440.00",
                                "size_class": "small", "layoff_rate": "0.000000", "reasons": "",
                                "programme": "ui-return"}
    assert by_unit[uscc(2)]["decision"] == "ineligible"
    assert by_unit[uscc(2)]["layoff_rate"] == "0.255319"
    assert by_unit[uscc(2)]["reasons"] == "layoff_rate_above_limit"
    why = run(["explain", uscc(2)], tmp_path / "var")
    assert why.returncode == 0
    assert "乙公司" in why.stdout and "25.5319%" in why.stdout and "北京2021免申即享" in why.stdout


def test_unknown_pack_and_bad_date_are_clear_errors(tmp_path, city):
    done = run(["evaluate", str(city), "--policy", "cn-1999", "--as-of", "2021-06-30"], tmp_path / "var")
    assert done.returncode == 1 and "no policy pack 'cn-1999'" in done.stderr
    done = run(["evaluate", str(city), "--policy", "cn-2021", "--as-of", "2021-13-01"], tmp_path / "var")
    assert done.returncode == 2 and "not a date" in done.stderr
    assert "Traceback" not in done.stderr


def test_explain_of_an_unknown_unit_is_a_clear_error(tmp_path):
    done = run(["explain", uscc(77)], tmp_path / "var")
    assert done.returncode == 1 and "no decision stored" in done.stderr


def hostile(kind: str, folder: Path) -> str:
    """Spoil a good snapshot folder the way a hostile tester did; returns what the error must name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    employers = folder / "employers.csv"
    if kind == "duplicate header":
        lines = employers.read_text(encoding="utf-8").splitlines()
        employers.write_text("\n".join([lines[0] + ",name", *(line + ",x" for line in lines[1:])]) + "\n",
                             encoding="utf-8")
        return "the header names 'name' twice"
    if kind in ("list column", "corrupt parquet"):
        rows = list(csv.DictReader(employers.open(encoding="utf-8")))
        employers.unlink()
        table = {k: [r[k] for r in rows] for k in rows[0]} | {"name": [[r["name"]] for r in rows]}
        pq.write_table(pa.table(table), folder / "employers.parquet")
        if kind == "corrupt parquet":
            (folder / "employers.parquet").write_bytes(b"PAR1" + b"\x00" * 40)
            return "cannot read the Parquet file"
        return "column 'name' has type list<"
    if kind == "header only":
        path = folder / "contributions.csv"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
        return "the required file has no rows"
    employers.unlink()
    os.symlink("/etc/passwd", employers)
    return "'employers.csv' is a symbolic link"


@pytest.mark.parametrize("kind", ["duplicate header", "list column", "corrupt parquet", "header only", "symlink"])
def test_hostile_folders_are_refused_with_a_message_and_no_traceback(tmp_path, city, kind):
    named = hostile(kind, city)
    done = run(["snapshot", "import", str(city), "--lenient"], tmp_path / "var")    # even lenient refuses these
    said = (done.stdout + done.stderr).replace("\n", " ")
    assert done.returncode == 1 and named in said, said
    assert "Traceback" not in said and "root:x:" not in said
    store = tmp_path / "var" / "analytics.duckdb"
    if store.exists():
        import duckdb

        with duckdb.connect(str(store), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)


def test_evaluate_while_another_process_holds_the_store_says_so_and_changes_nothing(tmp_path, city):
    var = tmp_path / "var"
    assert run(["snapshot", "import", str(city)], var).returncode == 0
    hold = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(var / "analytics.duckdb")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        out = tmp_path / "decisions.csv"
        for args in (["evaluate", str(city), "--policy", "beijing-2021", "--as-of", "2021-06-30", "--out", str(out)],
                     ["explain", uscc(2)], ["snapshot", "list"]):
            done = run(args, var)
            said = done.stderr.replace("\n", " ")
            assert done.returncode == 1 and "the data is being updated, try again shortly" in said, said
            assert f"PID {holder.pid}" in said and "Traceback" not in said
        assert not out.exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_importing_the_same_snapshot_again_names_the_stored_one_and_stores_nothing_new(tmp_path, city):
    var = tmp_path / "var"
    first = run(["snapshot", "import", str(city)], var)
    again = run(["snapshot", "import", str(city)], var)
    assert first.returncode == 0 and again.returncode == 0, again.stderr
    stored = first.stdout.split("imported snapshot", 1)[1].split()[0]
    assert f"already imported as snapshot {stored}" in again.stdout
    assert run(["snapshot", "list"], var).stdout.count(stored) == 1


def test_check_names_each_fault_of_the_new_files_by_file_line_column_value_and_reason(tmp_path, city):
    a = uscc(1)
    write_snapshot(city, employers=[{"uscc": a, "name": "甲公司", "industry": "other", "employees": "40"},
                                    {"uscc": uscc(2), "name": "乙公司", "industry": "other", "employees": "40"}],
                   contributions=steady_contributions(a, insured=40) + steady_contributions(uscc(2), insured=40),
                   hires=[{"uscc": a, "person_id": "P1", "hired_on": "2023-07-01", "category": "graduate",
                           "contract_signed": "true", "insured_months": "2"}],
                   interns=[{"uscc": a, "person_id": "P2", "started_on": "2023-07-01", "ended_on": "2023-06-30",
                             "category": "graduate"}],
                   dues=[{"uscc": a, "month": "2020-02", "insurance": "injury", "unit_due": "8.00"}] * 2)
    done = run(["snapshot", "check", str(city)], tmp_path / "var")
    assert done.returncode == 1
    assert [line for line in done.stdout.splitlines() if line.startswith(("  hires", "  interns", "  dues"))] == [
        "  dues.csv:3 [uscc+month+insurance] '" + a + ",2020-02,injury': 重复记录 (uscc, month, insurance), 首次出现在第 2 "
        "行 / duplicate (uscc, month, insurance), first on line 2",
        "  hires.csv:2 [graduated_on] '': 毕业生 (category graduate) 须填写毕业日期 / a graduate needs graduated_on, the "
        "day of graduation",
        "  interns.csv:2 [ended_on] '2023-06-30': 见习结束日期早于开始日期 2023-07-01 / ended_on is before started_on "
        "2023-07-01",
    ]
