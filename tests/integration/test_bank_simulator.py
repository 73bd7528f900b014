"""The closed loop against the simulated bank: pay, reject, return, refund, re-issue; resends never pay twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from tests.builders import uscc
from wengang.adapters.banks import xsd
from wengang.adapters.banks.camt054 import read_camt054
from wengang.adapters.banks.csv_layout import read_status_csv, render_status_csv
from wengang.adapters.banks.files import write_atomic
from wengang.adapters.banks.pain001 import V03, V09, Debtor, write_pain001
from wengang.adapters.banks.pain002 import read_pain002
from wengang.adapters.banks.simulator import PAID, REJECTED, RETURNED, BankSimulator, Outcome
from wengang.domain.ledger import Ledger
from wengang.domain.payments import PaymentInstruction, PaymentStatus, StatusRecord
from wengang.domain.reconciliation import Expected, Issue, reconcile

_SHARED = Path(__file__).resolve().parents[3] / "shared" / "iso20022"
ISO = Path(os.environ.get(xsd.ENV) or (_SHARED if _SHARED.is_dir() else xsd.PACKAGED))  # packaged copy: tested identical
FUND = Debtor(account_no="110060149018001234567", bank_code="103100000026")
BJT = dt.timezone(dt.timedelta(hours=8))
S = PaymentStatus


def valid(path: Path, message: str) -> bool:
    schema = etree.XMLSchema(etree.parse(str(ISO / f"{message}.xsd")))
    return schema.validate(etree.parse(str(path)))


def payments(n: int, attempt: int = 1, start: int = 1) -> list[PaymentInstruction]:
    return [PaymentInstruction(i, attempt, uscc(i), f"海淀稳岗{i}号有限公司", "102100099996", f"62220200{i:011d}",
                               f"海淀稳岗{i}号有限公司", Decimal(f"{1000 + i}.{i % 100:02d}"))
            for i in range(start, start + n)]


def send(folder: Path, batch_id: str, items, message=V09) -> Path:
    return write_pain001(folder / f"{batch_id}.xml", batch_id=batch_id, payments=items, debtor=FUND,
                         created=dt.datetime(2021, 7, 1, 9, tzinfo=BJT), execution_date=dt.date(2021, 7, 2),
                         remittance="2021年失业保险稳岗返还", message=message).path


class Books:
    """What part B's services will do with a status file: reconcile, then post each update to the ledger."""

    def __init__(self):
        self.ledger, self.amounts = Ledger(), {}

    def issue(self, items, batch):
        for p in items:
            self.ledger.approve(p, batch, "ui-return")
            self.amounts[p.end_to_end_id] = (p.amount, batch)

    def expected(self):
        return {e: Expected(a, self.ledger.status(e), batch) for e, (a, batch) in self.amounts.items()}

    def apply(self, records):
        result = reconcile(self.expected(), records)
        post = {S.PAID: self.ledger.pay, S.REJECTED: self.ledger.reject, S.RETURNED: self.ledger.returned}
        for u in result.updates:
            post[u.after](u.end_to_end_id)
            if u.after in (S.REJECTED, S.RETURNED):
                self.ledger.refund(u.end_to_end_id)
        return result


def test_the_closed_loop_every_yuan_paid_once_or_back_in_the_fund(tmp_path):
    bank = BankSimulator(seed=7, reject_share=0.15, return_share=0.10)
    books, items = Books(), payments(200)
    books.issue(items, "B1")
    answer = bank.answer(send(tmp_path, "B1", items), tmp_path / "bank")
    assert valid(answer.pain002.path, "pain.002.001.08") and valid(answer.settlement.path, "camt.054.001.06")
    assert valid(answer.returns.path, "camt.054.001.06")
    fates = Counter(o.fate for o in answer.outcomes.values())
    assert fates[REJECTED] > 10 and fates[RETURNED] > 5 and sum(fates.values()) == 200

    status = books.apply(read_pain002(answer.pain002.path).records)
    assert status.clean and len(status.updates) == 200
    assert books.apply(read_camt054(answer.settlement.path, FUND.account_no).records).confirmed == 200 - fates[REJECTED]
    late = books.apply(read_camt054(answer.returns.path, FUND.account_no).records)
    assert late.clean and {u.reason for u in late.updates} == {"AC04"} and len(late.updates) == fates[RETURNED]
    t = books.ledger.check()
    paid_sum = sum(p.amount for p in items if answer.outcomes[p.end_to_end_id].fate == PAID)
    assert (t.issued, t.paid, t.pending) == (sum(p.amount for p in items), paid_sum, 0)
    assert t.returned == t.refunded == t.issued - paid_sum

    failed = [p for p in items if answer.outcomes[p.end_to_end_id].fate != PAID]
    again = [dataclasses.replace(p, attempt=2, account_no="9" + p.account_no[1:]) for p in failed]
    books.issue(again, "B2")
    retry = BankSimulator(seed=7, reject_share=0, return_share=0)
    second = retry.answer(send(tmp_path, "B2", again), tmp_path / "bank")
    assert books.apply(read_pain002(second.pain002.path).records).clean
    t = books.ledger.check()
    assert t.paid == sum(p.amount for p in items) and t.pending == 0 and t.issued == t.paid + t.returned
    for p in items:
        attempts = [a for a in (p, dataclasses.replace(p, attempt=2)) if a.end_to_end_id in books.amounts]
        assert [books.ledger.status(a.end_to_end_id) for a in attempts].count(S.PAID) == 1


def test_same_seed_same_answers_byte_for_byte(tmp_path):
    items = payments(50)
    a = BankSimulator(seed=3, reject_share=0.2).answer(send(tmp_path, "B1", items), tmp_path / "a")
    b = BankSimulator(seed=3, reject_share=0.2).answer(send(tmp_path, "B1", items), tmp_path / "b")
    c = BankSimulator(seed=4, reject_share=0.2).answer(send(tmp_path, "B1", items), tmp_path / "c")
    assert a.pain002.sha256 == b.pain002.sha256 and a.outcomes == b.outcomes
    assert a.outcomes != c.outcomes


def test_fates_are_per_payment_not_per_file_order(tmp_path):
    items = payments(40)
    bank = BankSimulator(seed=9, reject_share=0.3)
    forward = bank.answer(send(tmp_path, "F", items), tmp_path / "f").outcomes
    backward = BankSimulator(seed=9, reject_share=0.3).answer(send(tmp_path, "R", items[::-1]), tmp_path / "r").outcomes
    assert forward == backward


def test_forced_fates_and_reasons_reach_the_records(tmp_path):
    items = payments(3)
    e = [p.end_to_end_id for p in items]
    bank = BankSimulator(reject_share=0, return_share=0, force={
        e[0]: Outcome(e[0], REJECTED, "BE01"), e[1]: Outcome(e[1], RETURNED, "AC04")})
    answer = bank.answer(send(tmp_path, "B1", items, message=V03), tmp_path / "bank")
    recs = {r.end_to_end_id: r for r in read_pain002(answer.pain002.path).records}
    assert (recs[e[0]].status, recs[e[0]].reason) == (S.REJECTED, "BE01")
    assert recs[e[1]].status == recs[e[2]].status == S.PAID
    returned = read_camt054(answer.returns.path).records
    assert [(r.end_to_end_id, r.status, r.reason, r.booking_date) for r in returned] == [
        (e[1], S.RETURNED, "AC04", dt.date(2021, 7, 5))]
    assert read_pain002(answer.pain002.path).group_status == "PART"


def test_a_resent_file_is_refused_whole_and_pays_nothing(tmp_path):
    bank, books, items = BankSimulator(reject_share=0, return_share=0), Books(), payments(10)
    books.issue(items, "B1")
    path = send(tmp_path, "B1", items)
    assert books.apply(read_pain002(bank.answer(path, tmp_path / "1").pain002.path).records).clean
    resent = bank.answer(path, tmp_path / "2")
    report = read_pain002(resent.pain002.path)
    assert (report.group_status, report.group_reason, report.records) == ("RJCT", "DU01", [])
    assert resent.settlement is None and books.ledger.check().paid == sum(p.amount for p in items)


def test_a_paid_id_in_a_new_file_is_rejected_by_the_bank_and_flagged_by_us(tmp_path):
    bank, books, items = BankSimulator(reject_share=0, return_share=0), Books(), payments(5)
    books.issue(items, "B1")
    books.apply(read_pain002(bank.answer(send(tmp_path, "B1", items), tmp_path / "1").pain002.path).records)
    again = bank.answer(send(tmp_path, "B1-RESEND", items[:2]), tmp_path / "2")
    records = read_pain002(again.pain002.path).records
    assert {(r.status, r.reason) for r in records} == {(S.REJECTED, "AM05")}
    # it answers a file of ids that belong to batch B1: set aside as answering another batch ...
    result = books.apply(records)
    assert result.updates == [] and {d.issue for d in result.discrepancies} == {Issue.WRONG_BATCH}
    # ... and even naming B1, a reject after settlement is not a legal change
    result = books.apply([dataclasses.replace(r, batch="B1") for r in records])
    assert result.updates == [] and {d.issue for d in result.discrepancies} == {Issue.ILLEGAL}
    assert books.ledger.check().paid == sum(p.amount for p in items)


@pytest.mark.parametrize("old,new,code", [("<CtrlSum>", "<CtrlSum>1", "AM10"), ("<NbOfTxs>", "<NbOfTxs>1", "AM18")])
def test_header_totals_that_do_not_add_up_reject_the_file(tmp_path, old, new, code):
    path = send(tmp_path, "B1", payments(4))
    write_atomic(path, path.read_text("utf-8").replace(old, new, 1).encode())
    answer = BankSimulator().answer(path, tmp_path / "bank")
    assert answer.group_status == "RJCT" and read_pain002(answer.pain002.path).group_reason == code


def test_a_csv_bank_round_trip_reconciles_the_same_way(tmp_path):
    books, items = Books(), payments(20)
    books.issue(items, "B1")
    bank = BankSimulator(seed=1, reject_share=0.25, return_share=0)
    fates = {p.end_to_end_id: bank.fate(p.end_to_end_id) for p in items}
    rows = [StatusRecord(e, S.PAID if f.fate == PAID else S.REJECTED, books.amounts[e][0], f.reason, batch="B1")
            for e, f in fates.items()]
    rows.append(StatusRecord("WG-999-1-Z", S.PAID, Decimal("1.00"), batch="B1"))
    write_atomic(tmp_path / "status.csv", render_status_csv(rows))
    result = books.apply(read_status_csv(tmp_path / "status.csv"))
    assert [d.issue for d in result.discrepancies] == [Issue.UNKNOWN_ID] and len(result.updates) == 20
    assert books.ledger.check().pending == 0


def test_shares_are_validated():
    with pytest.raises(ValueError):
        BankSimulator(reject_share=0.7, return_share=0.4)
    with pytest.raises(ValueError):
        BankSimulator(reject_share=-0.1)


def test_a_bank_that_says_acsp_first_is_paid_only_by_the_debit_on_the_fund_account(tmp_path):
    bank, books, items = BankSimulator(reject_share=0, return_share=0, settled_code="ACSP"), Books(), payments(6)
    books.issue(items, "B1")
    answer = bank.answer(send(tmp_path, "B1", items), tmp_path / "bank")
    first = books.apply(read_pain002(answer.pain002.path).records)
    assert first.updates == [] and first.acknowledged == 6 and books.ledger.check().pending == books.ledger.check().issued
    second = books.apply(read_camt054(answer.settlement.path, FUND.account_no).records)
    assert [u.after for u in second.updates] == [S.PAID] * 6 and books.ledger.check().pending == 0
