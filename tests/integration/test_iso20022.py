"""Bank files against the official XSDs: what we write validates, what we read is validated first, errors are precise."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from tests.builders import uscc
from wengang.adapters.banks import xsd
from wengang.adapters.banks.camt054 import Booking, read_camt054, write_camt054
from wengang.adapters.banks.csv_layout import read_status_csv, write_payment_csv
from wengang.adapters.banks.files import BankFileError
from wengang.adapters.banks.pain001 import V03, V09, Debtor, read_pain001, write_pain001
from wengang.adapters.banks.pain002 import Original, TxStatus, read_pain002, write_pain002
from wengang.domain.payments import PaymentInstruction, PaymentStatus

_SHARED = Path(__file__).resolve().parents[3] / "shared" / "iso20022"
ISO = Path(os.environ.get(xsd.ENV) or (_SHARED if _SHARED.is_dir() else xsd.PACKAGED))  # packaged copy: tested identical
BJT = dt.timezone(dt.timedelta(hours=8))
FUND = Debtor(account_no="110060149018001234567", bank_code="103100000026")
REMIT = "2021年失业保险稳岗返还"


def official(message: str) -> etree.XMLSchema:
    """Loaded straight from the shared folder, not through the code under test."""
    return etree.XMLSchema(etree.parse(str(ISO / f"{message}.xsd")))


def assert_valid(path: Path, message: str) -> etree._Element:
    schema, doc = official(message), etree.parse(str(path))
    assert schema.validate(doc), schema.error_log
    return doc.getroot()


def payment(n: int, amount: str, name: str | None = None, **over) -> PaymentInstruction:
    name = name or f"北京市朝阳区稳岗{n}号科技有限公司"
    values = dict(case_id=n, attempt=1, uscc=uscc(n), unit_name=name, bank_code="102100099996",
                  account_no=f"62220200{n:011d}", account_name=name, amount=Decimal(amount))
    return PaymentInstruction(**(values | over))


PAYMENTS = [payment(1, "0.01"), payment(2, "12345.67"), payment(3, "9999999999.99"), payment(4, "0.10"),
            payment(5, "0.20", name="R&D <研发> \"中心\""), payment(6, "0.70", account_name="稳岗6号分公司")]


def batch(**over):
    return dict(batch_id="BJ2021-0001", payments=PAYMENTS, debtor=FUND, created=dt.datetime(2021, 7, 1, 9, tzinfo=BJT),
                execution_date=dt.date(2021, 7, 2), remittance=REMIT) | over


@pytest.mark.parametrize("message", [V09, V03])
def test_pain001_is_valid_and_says_what_we_mean(tmp_path, message):
    out = write_pain001(tmp_path / "b.xml", **batch(message=message))
    root, ns, text = assert_valid(out.path, message), {"x": xsd.namespace(message)}, out.path.read_bytes()
    assert text.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert out.sha256 == hashlib.sha256(text).hexdigest() and out.count == 6
    hdr = [root.findtext(f"x:CstmrCdtTrfInitn/x:GrpHdr/x:{t}", namespaces=ns) for t in ("MsgId", "NbOfTxs", "CtrlSum")]
    assert hdr == ["BJ2021-0001", "6", "10000012346.67"] and out.control_sum == Decimal("10000012346.67")
    assert root.findtext("x:CstmrCdtTrfInitn/x:PmtInf/x:Dbtr/x:Nm", namespaces=ns) == "北京市社会保险基金管理中心"
    txs = root.findall("x:CstmrCdtTrfInitn/x:PmtInf/x:CdtTrfTxInf", namespaces=ns)
    assert [t.findtext("x:PmtId/x:EndToEndId", namespaces=ns) for t in txs] == [p.end_to_end_id for p in PAYMENTS]
    amounts = [t.find("x:Amt/x:InstdAmt", ns) for t in txs]
    assert [a.text for a in amounts] == ["0.01", "12345.67", "9999999999.99", "0.10", "0.20", "0.70"]
    assert {a.get("Ccy") for a in amounts} == {"CNY"}
    agent = txs[0].find("x:CdtrAgt/x:FinInstnId/x:ClrSysMmbId", ns)
    assert [agent.findtext(f"x:{t}", namespaces=ns) for t in ("ClrSysId/x:Cd", "MmbId")] == ["CNAPS", "102100099996"]
    assert txs[4].findtext("x:Cdtr/x:Nm", namespaces=ns) == 'R&D <研发> "中心"'
    assert txs[5].findtext("x:UltmtCdtr/x:Nm", namespaces=ns) == PAYMENTS[5].unit_name
    assert txs[0].find("x:UltmtCdtr", ns) is None
    assert txs[1].findtext("x:CdtrAcct/x:Id/x:Othr/x:Id", namespaces=ns) == PAYMENTS[1].account_no
    assert txs[1].findtext("x:RmtInf/x:Ustrd", namespaces=ns) == REMIT
    sent = read_pain001(out.path, message)
    assert sent.control_sum == sum(p.amount for p in sent.payments) and sent.execution_date == dt.date(2021, 7, 2)


def test_same_batch_same_bytes_so_a_resend_is_recognisable(tmp_path):
    a, b = write_pain001(tmp_path / "a.xml", **batch()), write_pain001(tmp_path / "b.xml", **batch())
    assert a.sha256 == b.sha256
    assert write_pain001(tmp_path / "c.xml", **batch(batch_id="BJ2021-0002")).sha256 != a.sha256


@pytest.mark.parametrize("over,why", [
    (dict(payments=[]), "no payments"), (dict(payments=PAYMENTS + PAYMENTS[:1]), "appears twice"),
    (dict(batch_id="B" * 36), "1–35"), (dict(batch_id="BJ 2021"), "1–35"), (dict(remittance="返" * 141), "140"),
    (dict(message="pain.001.001.10"), "unsupported"),
])
def test_a_batch_we_must_not_send_is_refused_and_nothing_is_written(tmp_path, over, why):
    with pytest.raises(ValueError, match=why):
        write_pain001(tmp_path / "b.xml", **batch(**over))
    assert list(tmp_path.iterdir()) == []


def test_batch_id_of_35_is_the_limit(tmp_path):
    assert_valid(write_pain001(tmp_path / "b.xml", **batch(batch_id="B" * 35)).path, V09)


def test_a_140_character_chinese_name_is_valid_because_the_schema_counts_characters(tmp_path):
    long_name = payment(8, "1.00", name="稳" * 140)
    assert len(long_name.account_name.encode()) == 420
    assert_valid(write_pain001(tmp_path / "b.xml", **batch(payments=[long_name])).path, V09)


@pytest.mark.parametrize("over,why", [(dict(bank_code="10310000002"), "12 digits"),
                                      (dict(account_no="12 34"), "6–34"), (dict(name=""), "blank")])
def test_the_fund_account_is_checked_too(over, why):
    with pytest.raises(ValueError, match=why):
        Debtor(**(dict(account_no="110060149018001234567", bank_code="103100000026") | over))


def tamper(tmp_path, old: str, new: str) -> Path:
    text = write_pain001(tmp_path / "good.xml", **batch()).path.read_text("utf-8")
    assert old in text
    (tmp_path / "tampered.xml").write_text(text.replace(old, new, 1), "utf-8")
    return tmp_path / "tampered.xml"


@pytest.mark.parametrize("old,new,why", [
    ("<EndToEndId>WG-1-1-", "<EndToEndId>WG-1-1-XXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "EndToEndId.*length.*35"),
    (">0.01</InstdAmt>", ">0.012345</InstdAmt>", "InstdAmt.*fractional digits"),
    (">0.01</InstdAmt>", ">-0.01</InstdAmt>", "InstdAmt.*minimum"),
    ('Ccy="CNY">0.01', 'Ccy="cny">0.01', "Ccy.*pattern"),
    ("<MsgId>BJ2021-0001</MsgId>", "", "CreDtTm.*expected.*MsgId"),
    ("<Cd>CNAPS</Cd>", "<Cd>CNAPS1</Cd>", "Cd.*length"),
])
def test_a_tampered_file_fails_with_the_file_the_line_and_the_schema_error(tmp_path, old, new, why):
    bad = tamper(tmp_path, old, new)
    assert not official(V09).validate(etree.parse(str(bad)))
    with pytest.raises(BankFileError, match=why) as err:
        read_pain001(bad)
    assert err.value.path.name == "tampered.xml" and err.value.line >= 2 and f"line {err.value.line}" in str(err.value)


def test_not_well_formed_and_wrong_message_are_named(tmp_path):
    broken = tamper(tmp_path, "</GrpHdr>", "</GrpHdrr>")
    with pytest.raises(BankFileError, match="not well-formed") as err:
        read_pain001(broken)
    assert err.value.line == 2
    with pytest.raises(BankFileError, match="the root is .*pain.001.001.09.*expected .*pain.002"):
        read_pain002(tmp_path / "good.xml")
    with pytest.raises(BankFileError, match="cannot read"):
        read_pain002(tmp_path / "missing.xml")


def test_entities_are_not_expanded(tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    f'<Document xmlns="{xsd.namespace(V09)}">&x;</Document>')
    with pytest.raises(BankFileError, match="DOCTYPE") as err:
        read_pain001(evil)
    assert "root:" not in str(err.value)


def test_missing_schemas_are_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(xsd.ENV, str(tmp_path / "nowhere"))
    with pytest.raises(xsd.SchemaUnavailable, match=f"pain.001.001.09.xsd is not in .*nowhere.*{xsd.ENV}"):
        write_pain001(tmp_path / "b.xml", **batch())
    assert not (tmp_path / "b.xml").exists()
    monkeypatch.setenv(xsd.ENV, str(ISO))
    assert_valid(write_pain001(tmp_path / "b.xml", **batch()).path, V09)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "b.xml"
    first = write_pain001(target, **batch())
    with pytest.raises(ValueError):
        write_pain001(target, **batch(payments=[]))
    assert hashlib.sha256(target.read_bytes()).hexdigest() == first.sha256
    assert [p.name for p in tmp_path.iterdir()] == ["b.xml"]


# ---- status reports in ----

ORIGINAL = Original("BJ2021-0001", V09, "BJ2021-0001", 6, Decimal("10000012346.67"))
E2E = [p.end_to_end_id for p in PAYMENTS]


def test_pain002_codes_become_statuses_with_reasons(tmp_path):
    statuses = [TxStatus(E2E[0], "ACSC", Decimal("0.01")), TxStatus(E2E[1], "ACCC"), TxStatus(E2E[2], "ACSP"),
                TxStatus(E2E[3], "RJCT", Decimal("0.10"), "AC04"), TxStatus(E2E[4], "RJCT", None, "AC01"),
                TxStatus(E2E[5], "RJCT", None, "BE01")]
    out = write_pain002(tmp_path / "s.xml", message_id="STS-1", created=dt.datetime(2021, 7, 1, 11, tzinfo=BJT),
                        original=ORIGINAL, statuses=statuses, group_status="PART")
    assert_valid(out.path, "pain.002.001.08")
    report = read_pain002(out.path)
    assert (report.message_id, report.original_message_id, report.group_status) == ("STS-1", "BJ2021-0001", "PART")
    got = [(r.end_to_end_id, r.status, r.amount, r.reason) for r in report.records]
    assert got == [(E2E[0], PaymentStatus.PAID, Decimal("0.01"), None), (E2E[1], PaymentStatus.PAID, None, None),
                   (E2E[2], PaymentStatus.PENDING, None, None),
                   (E2E[3], PaymentStatus.REJECTED, Decimal("0.10"), "AC04"),
                   (E2E[4], PaymentStatus.REJECTED, None, "AC01"), (E2E[5], PaymentStatus.REJECTED, None, "BE01")]
    assert report.records[0].booking_date == dt.date(2021, 7, 1) and report.records[3].booking_date is None


def test_pain002_whole_file_reject_and_unknown_codes(tmp_path):
    rej = write_pain002(tmp_path / "r.xml", message_id="STS-2", created=dt.datetime(2021, 7, 1, 11),
                        original=ORIGINAL, statuses=[], group_status="RJCT", group_reason="AM10")
    report = read_pain002(rej.path)
    assert (report.group_status, report.group_reason, report.records) == ("RJCT", "AM10", [])
    odd = write_pain002(tmp_path / "o.xml", message_id="STS-3", created=dt.datetime(2021, 7, 1, 11),
                        original=ORIGINAL, statuses=[TxStatus(E2E[0], "ZZZZ")], group_status="ACSC")
    line = next(n for n, text in enumerate(odd.path.read_text("utf-8").splitlines(), 1) if "ZZZZ" in text)
    with pytest.raises(BankFileError, match=f"o.xml, 第 {line} 行 / line {line}.*unknown transaction status 'ZZZZ'"):
        read_pain002(odd.path)


def test_pain002_in_another_currency_is_refused(tmp_path):
    ok = write_pain002(tmp_path / "s.xml", message_id="STS-4", created=dt.datetime(2021, 7, 1, 11),
                       original=ORIGINAL, statuses=[TxStatus(E2E[0], "ACSC", Decimal("0.01"))], group_status="ACSC")
    (tmp_path / "usd.xml").write_text(ok.path.read_text("utf-8").replace('Ccy="CNY"', 'Ccy="USD"'), "utf-8")
    with pytest.raises(BankFileError, match="USD"):
        read_pain002(tmp_path / "usd.xml")


def camt(tmp_path, bookings):
    return write_camt054(tmp_path / "n.xml", message_id="NTF-1", created=dt.datetime(2021, 7, 5, 8, tzinfo=BJT),
                         account_no=FUND.account_no, bank_code=FUND.bank_code, bookings=bookings)


def test_camt054_debit_is_paid_and_credit_with_return_reason_is_returned(tmp_path):
    day = dt.date(2021, 7, 2)
    out = camt(tmp_path, [Booking(E2E[0], Decimal("0.01"), False, day, original_message_id="BJ2021-0001"),
                          Booking(E2E[3], Decimal("0.10"), True, day + dt.timedelta(days=3), "AC04")])
    assert_valid(out.path, "camt.054.001.06")
    got = read_camt054(out.path, account_no=FUND.account_no)
    assert [(r.end_to_end_id, r.status, r.amount, r.reason, r.booking_date) for r in got.records] == [
        (E2E[0], PaymentStatus.PAID, Decimal("0.01"), None, day),
        (E2E[3], PaymentStatus.RETURNED, Decimal("0.10"), "AC04", dt.date(2021, 7, 5))]
    other = read_camt054(out.path, account_no="999999999999")
    assert other.records == [] and "4567" in other.set_aside[0] and "110060149018" not in other.set_aside[0]


def test_camt054_pending_entries_only_acknowledge(tmp_path):
    out = camt(tmp_path, [Booking(E2E[0], Decimal("0.01"), False, dt.date(2021, 7, 2))])
    (tmp_path / "p.xml").write_text(out.path.read_text("utf-8").replace("<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>"), "utf-8")
    assert [r.status for r in read_camt054(tmp_path / "p.xml").records] == [PaymentStatus.PENDING]


def test_camt054_entries_without_our_id_or_for_information_are_set_aside(tmp_path):
    out = camt(tmp_path, [Booking(E2E[0], Decimal("0.01"), False, dt.date(2021, 7, 2)),
                          Booking(E2E[1], Decimal("12345.67"), False, dt.date(2021, 7, 2))])
    text = out.path.read_text("utf-8")
    odd = tmp_path / "odd.xml"
    odd.write_text(text.replace(f"<EndToEndId>{E2E[0]}</EndToEndId>", "<EndToEndId>NOTPROVIDED</EndToEndId>")
                   .replace("<Sts>BOOK</Sts>", "<Sts>INFO</Sts>", 2).replace("<Sts>INFO</Sts>", "<Sts>BOOK</Sts>", 1),
                   "utf-8")
    got = read_camt054(odd)
    assert got.records == [] and len(got.set_aside) == 2
    tampered = tmp_path / "t.xml"
    tampered.write_text(text.replace("<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DEBIT</CdtDbtInd>", 1), "utf-8")
    with pytest.raises(BankFileError, match=r"t.xml, 第 \d+ 行 / line \d+.*CdtDbtInd"):
        read_camt054(tampered)


# ---- CSV layout ----

def test_payment_csv_has_bom_columns_and_exact_amounts(tmp_path):
    out = write_payment_csv(tmp_path / "p.csv", PAYMENTS, REMIT, "C1-B313-1")
    raw = out.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and out.sha256 == hashlib.sha256(raw).hexdigest()
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "end_to_end_id,bank_code,account_no,account_name,amount,currency,remittance,batch"
    assert lines[1] == (f"{E2E[0]},102100099996,{PAYMENTS[0].account_no},{PAYMENTS[0].account_name},0.01,CNY,{REMIT},"
                        "C1-B313-1")
    assert lines[5].split(",")[0] == E2E[4] and '"R&D <研发> ""中心"""' in lines[5]
    assert out.control_sum == Decimal("10000012346.67")


def test_status_csv_reads_utf8_and_gb18030(tmp_path):
    body = (f"end_to_end_id,batch,status,amount,reason\r\n{E2E[0]},B1,paid,0.01,\r\n{E2E[3]},B1,RJCT,0.10,AC04\r\n"
            f"{E2E[2]},B1,returned,,AC04\r\n")
    for enc in ("utf-8-sig", "gb18030"):
        (tmp_path / "s.csv").write_bytes(body.encode(enc))
        got = read_status_csv(tmp_path / "s.csv")
        assert [(r.status, r.amount, r.reason) for r in got] == [
            (PaymentStatus.PAID, Decimal("0.01"), None), (PaymentStatus.REJECTED, Decimal("0.10"), "AC04"),
            (PaymentStatus.RETURNED, None, "AC04")]


@pytest.mark.parametrize("body,line,why", [
    ("id,status\r\nx,paid\r\n", 1, "missing column.*end_to_end_id"),
    ("end_to_end_id,batch,status,amount\r\nWG-1-1-N,B,paid,0.01\r\nWG-2-1-A,B,maybe,1.00\r\n", 3,
     "unknown status 'maybe'"),
    ("end_to_end_id,batch,status,amount\r\nWG-1-1-N,B,paid,0.001\r\n", 2, "two decimals"),
    ("end_to_end_id,batch,status,amount\r\nWG-1-1-N,B,paid,1.00,extra\r\n", 2, "more cells"),
    ("end_to_end_id,batch,status,amount\r\n,B,paid,1.00\r\n", 2, "empty"),
    ("end_to_end_id,batch,status,booking_date\r\nWG-1-1-N,B,paid,02/07/2021\r\n", 2, "YYYY-MM-DD"),
    ("end_to_end_id,status,amount\r\nWG-1-1-N,paid,0.01\r\n", 1, "missing column.*batch"),
    ("end_to_end_id,batch,status,amount\r\nWG-1-1-N,,paid,0.01\r\n", 2, "batch is empty"),
    ("end_to_end_id,batch,status,amount,currency\r\nWG-1-1-N,B,paid,0.01,USD\r\n", 2, "currency is not CNY"),
])
def test_status_csv_errors_name_the_line(tmp_path, body, line, why):
    (tmp_path / "s.csv").write_text(body, "utf-8")
    with pytest.raises(BankFileError, match=why) as err:
        read_status_csv(tmp_path / "s.csv")
    assert err.value.line == line and "s.csv" in str(err.value)


def test_csv_refuses_a_formula_in_a_cell(tmp_path):
    with pytest.raises(ValueError, match="may not start with '='"):
        write_payment_csv(tmp_path / "p.csv", [payment(9, "1.00", name="=HYPERLINK(\"x\")")], REMIT, "B1")


def test_packaged_schemas_are_the_official_ones():
    """The package carries the XSDs so an installed copy validates too; they must be the shared originals."""
    shared = Path(__file__).resolve().parents[3] / "shared" / "iso20022"
    packaged = sorted(xsd.PACKAGED.glob("*.xsd"))
    assert [p.name for p in packaged] == [f"{m}.xsd" for m in sorted(xsd.MESSAGES)]
    if shared.is_dir():
        for path in packaged:
            assert path.read_bytes() == (shared / path.name).read_bytes()
