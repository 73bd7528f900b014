"""`--encoding` that does not fit a file (issue 18): `snapshot import` and `evaluate` name the file, the line and byte,
the encoding asked and the one that reads it, exit 1 without a traceback and store nothing; a whole-file fault, so
even a lenient import refuses it. Run in-process: an exception would escape instead of being printed."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from tests.builders import steady_contributions, uscc, write_csv, write_snapshot
from wengang import bootstrap
from wengang.cli.main import app
from wengang.config import Settings

A = uscc(1)
HEADER = ["uscc", "name", "unit_type", "industry", "region", "registered_on", "employees", "备注"]


def invoke(tmp_path, *args: str):
    result = CliRunner().invoke(app, list(args), env={"WENGANG_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "300"},
                                catch_exceptions=False)
    bootstrap.close_stores()
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def city(folder, encoding: str):
    """A city whose employers file has a Chinese column (ignored) and a Chinese name, written in `encoding`."""
    write_snapshot(folder, employers=[{"uscc": A}], contributions=steady_contributions(A))
    rows = [r | {"name": "北京市朝阳区稳岗测试有限公司", "备注": "说明"}
            for r in csv.DictReader((folder / "employers.csv").open(encoding="utf-8"))]
    write_csv(folder / "employers.csv", rows, HEADER, encoding=encoding)
    return folder


def stored(tmp_path) -> list:
    return bootstrap.analytics(Settings(data_dir=tmp_path / "var")).snapshots()


def said(output: str) -> str:
    return " ".join(output.split())


WRONG = {"utf-8": ("gb18030", "GB18030"), "gb18030": ("utf-8", "UTF-8")}


@pytest.mark.parametrize("asked", ["utf-8", "gb18030"])
@pytest.mark.parametrize("lenient", [False, True])
def test_import_with_an_encoding_that_misreads_the_file_names_where_and_what_to_use(tmp_path, asked, lenient):
    other, name = WRONG[asked]
    folder = city(tmp_path / "city", other)
    byte = len(",".join(HEADER[:-1]).encode()) + 2       # the first byte of 备注 in line 1
    code, output = invoke(tmp_path, "snapshot", "import", str(folder), "--encoding", asked,
                          *(["--lenient"] if lenient else []))
    assert code == 1 and "Traceback" not in output
    assert (f"employers.csv:1: 按 --encoding {asked} 读取, 第 1 行第 {byte} 字节起读错: 整个文件是 {name} 文本; 请改用 "
            f"--encoding {other}, 或不给 --encoding 由系统识别 / read as --encoding {asked}, line 1 goes wrong from "
            f"byte {byte}: the whole file is {name} text; use --encoding {other}, or leave --encoding out to detect "
            "it") in said(output)
    assert "nothing was stored" in said(output) and stored(tmp_path) == []


def test_evaluate_with_utf8_on_a_gb18030_folder_prints_the_fault_and_stores_nothing(tmp_path):
    folder = city(tmp_path / "city", "gb18030")
    out = tmp_path / "decisions.csv"
    code, output = invoke(tmp_path, "evaluate", str(folder), "--encoding", "utf-8", "--policy", "cn-2021",
                          "--as-of", "2021-06-30", "--out", str(out))
    assert code == 1 and "Traceback" not in output
    assert "employers.csv:1: 按 --encoding utf-8 读取, 第 1 行第 " in said(output)
    assert "the whole file is GB18030 text; use --encoding gb18030" in said(output)
    assert "snapshot has 1 bad row" in said(output)
    assert not out.exists() and stored(tmp_path) == []


def test_the_right_encoding_or_none_reads_the_same_file(tmp_path):
    folder = city(tmp_path / "city", "gb18030")
    for args in (["--encoding", "gb18030"], []):
        code, output = invoke(tmp_path, "snapshot", "check", str(folder), *args)
        assert code == 0 and "every row passed" in output and "ignored unknown column '备注'" in output
    code, output = invoke(tmp_path, "evaluate", str(folder), "--encoding", "gb18030", "--policy", "cn-2021",
                          "--as-of", "2021-06-30", "--out", str(tmp_path / "d.csv"))
    assert code == 0, output
    assert [s.row_counts["employers"] for s in stored(tmp_path)] == [1]


def test_an_ascii_file_fits_either_encoding(tmp_path):
    folder = write_snapshot(tmp_path / "city", employers=[{"uscc": A, "name": "Ascii Ltd"}],
                            contributions=steady_contributions(A))
    for asked in ("utf-8", "gb18030"):
        code, output = invoke(tmp_path, "snapshot", "check", str(folder), "--encoding", asked)
        assert code == 0 and "every row passed" in output, output
