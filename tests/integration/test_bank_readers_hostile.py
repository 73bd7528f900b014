"""Bank files come from outside: whatever bytes arrive, a reader gives records or one BankFileError naming the file,
never another exception (a traceback at the clerk's desk) and never a record the file did not state (issue 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wengang.adapters.banks.camt054 import Booking, read_camt054, render_camt054
from wengang.adapters.banks.csv_layout import read_status_csv, render_status_csv
from wengang.adapters.banks.files import BankFileError, required_text
from wengang.adapters.banks.pain002 import Original, TxStatus, read_pain002, render_pain002
from wengang.domain.payments import PaymentStatus, StatusRecord, end_to_end_id

E2E = [end_to_end_id(n, 1) for n in range(1, 6)]
AT = dt.datetime(2021, 7, 1, 11)
PAIN002 = render_pain002(message_id="STS-1", created=AT, original=Original("C1-B102-1", "pain.001.001.09",
                                                                           "C1-B102-1", 5, Decimal("15.00")),
                         statuses=[TxStatus(e, code, Decimal("3.00"), reason) for e, code, reason in
                                   zip(E2E, ["ACSC", "RJCT", "ACSP", "ACCC", "RJCT"],
                                       [None, "AC04", None, None, "BE01"], strict=True)], group_status="PART")
CAMT054 = render_camt054(message_id="DBT-1", created=AT, account_no="0200049009024618888", bank_code="102100004905",
                         bookings=[Booking(e, Decimal("3.00"), n == 4, dt.date(2021, 7, 2), "AC04" if n == 4 else None,
                                           "C1-B102-1") for n, e in enumerate(E2E)])
CSV = render_status_csv([StatusRecord(e, s, Decimal("3.00"), None, batch="C1-B313-1")
                         for e, s in zip(E2E, [PaymentStatus.PAID, PaymentStatus.REJECTED, PaymentStatus.RETURNED,
                                               PaymentStatus.PENDING, PaymentStatus.PAID], strict=True)])
READERS = {"pain002.xml": (PAIN002, lambda p: read_pain002(p).records),
           "camt054.xml": (CAMT054, lambda p: read_camt054(p, "0200049009024618888", "102100004905").records),
           "status.csv": (CSV, read_status_csv)}
HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """The file with a few bytes flipped, cut, inserted or replaced by hostile text (controls, CJK, huge numbers)."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        how = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if how == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif how == "cut":
            del data[at:at + draw(st.integers(1, 40))]
        elif how == "insert":
            junk = draw(st.sampled_from([b"\x00", b"\xff\xfe", "稳岗".encode("gb18030"), b"9" * 40, b"-1", b"&amp;",
                                         b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b",", b'"', b"\r",
                                         b"1e999", b"NaN", b"=cmd|' /C calc'!A0"]))
            data[at:at] = junk
        else:
            del data[at:]
    return bytes(data)


def read_or_refuse(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        return READERS[name][1](path)
    except BankFileError as err:
        assert name in str(err)                     # it names the file
        return None


def test_the_files_as_written_read_back_whole(tmp_path):
    for name, (data, _) in READERS.items():
        records = read_or_refuse(tmp_path, name, data)
        assert records is not None and [r.end_to_end_id for r in records] == E2E


@HOSTILE
@given(data=st.sampled_from(sorted(READERS)).flatmap(lambda n: st.tuples(st.just(n), mutated(READERS[n][0]))))
def test_a_damaged_bank_file_is_read_or_refused_with_its_name_never_a_traceback(tmp_path, data):
    name, content = data
    records = read_or_refuse(tmp_path, name, content)
    for r in records or []:                          # what it did read is typed and exact
        assert isinstance(r.status, PaymentStatus)
        assert r.amount is None or (isinstance(r.amount, Decimal) and r.amount.is_finite())


@HOSTILE
@given(content=st.binary(max_size=600), name=st.sampled_from(sorted(READERS)))
def test_any_bytes_at_all_are_read_or_refused(tmp_path, content, name):
    read_or_refuse(tmp_path, name, content)


def test_an_entity_pointing_at_a_local_file_is_refused_and_nothing_of_it_is_echoed(tmp_path):
    doctype = b'<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    data = PAIN002.replace(b"<Document", doctype + b"<Document", 1).replace(b"STS-1", b"&x;")
    path = tmp_path / "pain002.xml"
    path.write_bytes(data)
    try:
        read_pain002(path)
    except BankFileError as err:
        assert "root:" not in str(err) and "DOCTYPE" in str(err)
    else:
        raise AssertionError("a DOCTYPE with an external entity was read")


def test_a_mandatory_element_without_its_text_refuses_the_file_and_names_the_element(tmp_path):
    """What the XSD makes mandatory is read as text or the file is refused, never passed on as None."""
    from lxml import etree

    header = etree.fromstring(b'<GrpHdr xmlns="urn:x"><MsgId>STS-1</MsgId><CreDtTm/></GrpHdr>')
    assert required_text(tmp_path / "s.xml", "pain.002", header, "{urn:x}MsgId") == "STS-1"
    for tag in ("{urn:x}CreDtTm", "{urn:x}NbOfTxs"):         # empty, and absent
        with pytest.raises(BankFileError, match=tag.rpartition("}")[2]):
            required_text(tmp_path / "s.xml", "pain.002", header, tag)
