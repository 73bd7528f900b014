"""A CSV's encoding is decided per file from evidence: the lines that do not fit are named (line, column, byte,
why), quarantined when lenient, refused when strict, and no garbled text is ever stored."""

from __future__ import annotations

import duckdb
import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot import faults as report

UNITS = 30
NAMES = [f"北京市朝阳区第{i}稳岗测试有限公司" for i in range(UNITS)]


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def city(folder, encoding: str = "utf-8"):
    """Thirty units with Chinese names (line i + 2 of employers.csv is unit i), written in `encoding`."""
    employers = [{"uscc": uscc(i + 1), "name": NAMES[i], "bank_code": "102100099996",
                  "account_no": "6222020200112233", "account_name": NAMES[i]} for i in range(UNITS)]
    contributions = [row for i in range(UNITS) for row in steady_contributions(uscc(i + 1))]
    folder = write_snapshot(folder, employers=employers, contributions=contributions)
    if encoding != "utf-8":
        path = folder / "employers.csv"
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    return folder


def recode_line(folder, line: int, encoding: str) -> bytes:
    """Write one physical line of employers.csv in another encoding; returns the line's new bytes."""
    path = folder / "employers.csv"
    current = "gb18030" if encoding == "utf-8" else "utf-8"
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1].decode(current).encode(encoding)
    path.write_bytes(b"\n".join(lines))
    return lines[line - 1]


def stored_names(settings, info) -> set[str]:
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        return {r[0] for r in con.execute(f"SELECT name FROM {info.schema}.employers").fetchall()}
    finally:
        con.close()


def test_one_gb18030_line_in_a_utf8_file_is_one_fault_naming_line_column_and_byte(tmp_path, settings):
    folder = city(tmp_path / "snap")
    line = recode_line(folder, 7, "gb18030")
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.encodings["employers"] == "utf-8"
    assert len(result.faults) == 1
    fault = result.faults[0]
    byte = line.index(NAMES[5].encode("gb18030")) + 1
    assert (fault.file, fault.line, fault.column) == ("employers.csv", 7, "name")
    assert fault.value == report.shown("".join(f"\\x{b:02x}" if b >= 0x80 else chr(b) for b in NAMES[5].encode("gb18030")))
    assert f"not valid UTF-8 from byte {byte} of the line; looks like GB18030" in fault.reason


def test_strict_refuses_and_lenient_keeps_every_other_unit_with_its_name_intact(tmp_path, settings):
    folder = city(tmp_path / "snap")
    recode_line(folder, 7, "gb18030")
    assert import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).refused
    info = import_folder(folder, analytics=bootstrap.analytics(settings),
                         settings=settings, lenient=True).snapshot
    assert info.row_counts == {"employers": UNITS - 1, "contributions": 13 * (UNITS - 1)}
    assert stored_names(settings, info) == set(NAMES) - {NAMES[5]}
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        reasons = con.execute(f"SELECT DISTINCT file, reason FROM {info.schema}.quarantine ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [file for file, _ in reasons] == ["contributions.csv", "employers.csv"]
    assert "quarantined" in reasons[0][1] and "looks like GB18030" in reasons[1][1]   # not "not in employers"


def test_a_gb18030_file_is_read_as_gb18030(tmp_path, settings):
    folder = city(tmp_path / "snap", "gb18030")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.check.encodings["employers"] == "gb18030" and not result.check.faults
    assert stored_names(settings, result.snapshot) == set(NAMES)


# Names whose GB18030 bytes are also valid UTF-8, of other scripts: 袁强强 is D4 AC C7 BF C7 BF, the UTF-8 "Ԭǿǿ".
AMBIGUOUS = ["袁强强", "魏英", "叶雪"]


def test_a_gb18030_line_whose_bytes_also_decode_as_utf8_is_read_as_gb18030(tmp_path, settings):
    assert all(name.encode("gb18030").decode("utf-8") != name for name in AMBIGUOUS)   # each decodes, as other text
    folder = city(tmp_path / "snap")
    path = folder / "employers.csv"
    text = path.read_text(encoding="utf-8")
    for i, name in enumerate(AMBIGUOUS):
        text = text.replace(NAMES[i], name)
    path.write_bytes(text.encode("gb18030"))
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.check.encodings["employers"] == "gb18030" and not result.check.faults
    assert stored_names(settings, result.snapshot) == set(AMBIGUOUS) | set(NAMES[len(AMBIGUOUS):])


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_byte_order_mark_before_a_quoted_header_is_not_part_of_the_first_name(tmp_path, settings, encoding):
    """As spreadsheet programs and other tools save a CSV: a byte-order mark, every field quoted, CRLF line ends."""
    folder = city(tmp_path / "snap")
    for path in folder.glob("*.csv"):
        rows = path.read_text(encoding="utf-8").splitlines()
        quoted = ["\"" + '","'.join(row.split(",")) + "\"" for row in rows]
        path.write_bytes(("\ufeff" + "\r\n".join(quoted) + "\r\n").encode(encoding))
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert not result.check.faults and result.check.encodings["employers"] == encoding
    assert stored_names(settings, result.snapshot) == set(NAMES)
    assert result.snapshot.row_counts["employers"] == UNITS


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])   # with its byte-order mark, and without
def test_a_utf16_file_is_one_fault_saying_how_to_save_it_not_a_fault_on_every_line(tmp_path, settings, encoding):
    folder = city(tmp_path / "snap")
    path = folder / "employers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert result.refused and [(f.file, f.line) for f in result.check.faults] == [("employers.csv", 1)]
    assert "UTF-16" in result.check.faults[0].reason and "UTF-8 or GB18030" in result.check.faults[0].reason


@pytest.mark.parametrize(("separator", "said"), [(";", "semicolons (;)"), ("\t", "tabs")])
def test_a_file_separated_by_another_character_is_one_fault_naming_it(tmp_path, settings, separator, said):
    folder = city(tmp_path / "snap")
    path = folder / "employers.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", separator), encoding="utf-8")
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert [(f.file, f.line) for f in result.faults] == [("employers.csv", 1)]
    assert f"the header is separated by {said}" in result.faults[0].reason


def test_one_utf8_line_in_a_gb18030_file_is_named_not_garbled(tmp_path, settings):
    folder = city(tmp_path / "snap", "gb18030")
    recode_line(folder, 4, "utf-8")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert result.check.encodings["employers"] == "gb18030"
    assert [(f.line, f.column, f.value) for f in result.check.faults if f.file == "employers.csv"] == [
        (4, "name", NAMES[2])]
    assert "the file is GB18030 but this line is UTF-8" in result.check.faults[0].reason
    assert stored_names(settings, result.snapshot) == set(NAMES) - {NAMES[2]}


def test_bytes_of_neither_encoding_name_the_column_they_fall_in(tmp_path, settings):
    folder = city(tmp_path / "snap")
    path = folder / "employers.csv"
    lines = path.read_bytes().split(b"\n")
    at = lines[9].rindex(NAMES[8].encode())          # account_name, the last column
    lines[9] = lines[9][:at] + b"\xff\xfe" + lines[9][at:]
    path.write_bytes(b"\n".join(lines))
    faults = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).faults
    assert [(f.line, f.column) for f in faults] == [(10, "account_name")]
    assert f"not valid UTF-8 (nor GB18030) from byte {at + 1} of the line" in faults[0].reason
    assert faults[0].value.startswith("\\xff\\xfe")


def test_an_explicit_encoding_turns_lines_that_do_not_decode_into_faults(tmp_path, settings):
    folder = city(tmp_path / "snap", "gb18030")
    recode_line(folder, 9, "utf-8")                          # not wholly GB18030: each misfit line is a fault
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, encoding="utf-8")
    assert result.encodings["employers"] == "utf-8"
    assert sorted(f.line for f in result.faults if f.file == "employers.csv") == [
        n for n in range(2, UNITS + 2) if n != 9]
    assert all("looks like GB18030" in f.reason for f in result.faults if f.file == "employers.csv")
    folder = city(tmp_path / "snap2", "gb18030")
    path = folder / "employers.csv"
    path.write_bytes(path.read_bytes().replace(NAMES[3].encode("gb18030"), b"\x80\x80", 1))
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings,
                          encoding="gb18030")
    assert [(f.line, f.column) for f in result.faults] == [(5, "name")]
    assert "not valid GB18030" in result.faults[0].reason


def test_an_explicit_encoding_that_misreads_a_whole_file_is_one_fault_of_the_file_with_the_encoding_to_use(
        tmp_path, settings):
    """Issue 18: --encoding utf-8 on a file wholly in GB18030 names the first line and byte that misread and the
    encoding that reads it, once, and even a lenient import refuses it (every row would be garbled or escaped)."""
    folder = city(tmp_path / "snap", "gb18030")
    second = (folder / "employers.csv").read_bytes().split(b"\n")[1]
    at = next(i for i, b in enumerate(second) if b >= 0x80) + 1      # the name's first byte
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, encoding="utf-8",
                           lenient=True)
    assert result.refused and result.snapshot is None and result.check.structural
    assert [(f.file, f.line, f.column, f.value) for f in result.check.faults] == [("employers.csv", 2, "", "")]
    assert result.check.faults[0].reason.endswith(
        f"read as --encoding utf-8, line 2 goes wrong from byte {at}: the whole file is GB18030 text; use "
        "--encoding gb18030, or leave --encoding out to detect it")


def test_a_header_that_does_not_decode_refuses_the_file_even_when_lenient(tmp_path, settings):
    folder = city(tmp_path / "snap")
    path = folder / "employers.csv"
    path.write_bytes(b"\xff" + path.read_bytes())
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert result.refused and result.snapshot is None
    assert (1, "not valid UTF-8 (nor GB18030) from byte 1 of the line") in {
        (f.line, f.reason.split(" / ")[-1]) for f in result.check.faults}
