"""Payments on SQLite and PostgreSQL: batches per bank, four eyes, XSD-valid files, bank returns, the ledger."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.builders import bands, uscc
from tests.paycity import BANKS, PAY_UNITS
from wengang import bootstrap
from wengang.adapters.banks import xsd
from wengang.adapters.banks.csv_layout import render_status_csv
from wengang.adapters.banks.simulator import REJECTED, RETURNED, BankSimulator, Outcome
from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.domain.payments import PaymentStatus, StatusRecord, end_to_end_id
from wengang.services import accounts, ledger, payments, reconcile

BANK_FILES = bootstrap.banks()   # what writes and reads bank files, as the CLI gets it

pytestmark = pytest.mark.slow


def states(store, cycle_id) -> dict[str, int]:
    with store.reading() as uow:
        return {s: n for s, (n, _) in uow.cases.count_by_state(cycle_id).items()}


def prepare_and_approve(store, settings, cycle_id, approver="approver-li"):
    done = payments.prepare_batches(cycle_id, store=store, analytics=bootstrap.analytics(settings),
                                    settings=settings, by="clerk-wang")
    for b in done.batches:
        payments.approve_batch(b.number, store=store, settings=settings, by=approver)
    return done


def bank_answers(bank, batches, store, settings, folder: Path) -> list[Path]:
    """Each batch's file written and sent to the simulated bank: the paths of every answer it gave."""
    answers: list[Path] = []
    for b in batches:
        sent = payments.write_files(b.number, store=store, banks=BANK_FILES, settings=settings, out_dir=folder / "out",
                                    by="clerk-wang")
        a = bank.answer(sent.path, folder / "bank")
        answers += [f.path for f in (a.pain002, a.settlement, a.returns) if f]
    return answers


def test_one_batch_per_bank_in_its_format_and_the_preparer_cannot_approve(pay_store, pay_settings, reverified):
    done = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                                    settings=pay_settings, by="clerk-wang")
    got = {b.bank_code: (b.entries, b.file_format) for b in done.batches}
    assert got == {"102": (12, "pain.001.001.09"), "103": (8, "pain.001.001.03"), "104": (4, "pain.001.001.09"),
                   "313": (6, "csv")}
    assert sum(b.entries for b in done.batches) == PAY_UNITS and not done.skipped
    with pytest.raises(Refused, match="four eyes"):
        payments.approve_batch("C1-B102-1", store=pay_store, settings=pay_settings, by="clerk-wang")
    assert states(pay_store, reverified) == {"re-verified": PAY_UNITS}          # nothing moved, nothing committed
    assert ledger.check(store=pay_store).postings == 0
    # preparing again while the batches wait makes no second attempt for anyone
    assert payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                                    settings=pay_settings, by="clerk-wang").batches == []
    payments.approve_batch("C1-B102-1", store=pay_store, settings=pay_settings, by="approver-li")
    assert states(pay_store, reverified) == {"re-verified": PAY_UNITS - 12, "approved-for-payment": 12}
    report = ledger.check(store=pay_store)
    assert report.ok and report.total.issued == report.total.pending == payments.batch_detail(
        "C1-B102-1", store=pay_store).batch.total


def test_the_database_itself_refuses_self_approval_and_a_second_live_attempt(pay_store, pay_settings, reverified):
    prepare_and_approve(pay_store, pay_settings, reverified)
    with pay_store.transaction() as uow, pytest.raises(IntegrityError):
        uow.connection.execute(text("UPDATE payment_batches SET approved_by = prepared_by WHERE id = 1"))
    with pay_store.transaction() as uow:
        a = uow.payments.attempts(batch_id=1)[0]
        with pytest.raises(IntegrityError):     # a second live attempt of the same case
            uow.payments.add_attempts([(a.case_id, 2, 1, end_to_end_id(a.case_id, 2), a.uscc, a.unit_name, a.amount,
                                        a.bank_code, a.account_no, a.account_name, "pending", None, uow.now(), None)])
    with pay_store.transaction() as uow, pytest.raises(DBAPIError, match="append-only"):
        uow.connection.execute(text("UPDATE ledger SET amount = amount + 1"))
    with pay_store.transaction() as uow, pytest.raises(IntegrityError):     # the same posting twice
        uow.connection.execute(text("INSERT INTO ledger (kind, batch_id, attempt_id, case_id, from_account, "
                                    "to_account, amount, posted_at, source, program) SELECT kind, batch_id, "
                                    "attempt_id, case_id, from_account, to_account, amount, posted_at, source, "
                                    "program FROM ledger WHERE seq = 1"))
    for batch, case in (("batch_id", "case_id + 1"), ("batch_id + 1", "case_id")):   # a posting names its attempt's
        with pay_store.transaction() as uow, pytest.raises(IntegrityError):
            uow.connection.execute(text(
                "INSERT INTO ledger (kind, batch_id, attempt_id, case_id, from_account, to_account, amount, "
                f"posted_at, source, program) SELECT 'pay', {batch}, attempt_id, {case}, 'payable', 'paid', amount, "
                "posted_at, source, program FROM ledger WHERE seq = 1"))


def test_a_failed_attempt_frees_its_case_and_keeping_an_attempt_live_rewrites_no_index(pay_store, pay_settings,
                                                                                       reverified):
    """The one-live rule sits on a generated column: rejected frees the case for a re-issue, a second live attempt
    is still refused, and on PostgreSQL prepared → pending is a heap-only update (no index written)."""
    payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                             settings=pay_settings, by="clerk-wang")
    with pay_store.transaction() as uow:
        a = uow.payments.attempts(batch_id=1)[0]
        live = uow.connection.execute(text("SELECT live_case_id FROM payment_attempts WHERE id = :id"),
                                      {"id": a.id}).scalar_one()
        assert live == a.case_id
        released = uow.payments.release(1)
        if pay_store.dialect == "postgresql":
            hot = uow.connection.execute(text(
                "SELECT pg_stat_get_xact_tuples_hot_updated('payment_attempts'::regclass)")).scalar_one()
            assert hot == len(released) > 0
        uow.payments.set_status([(a.id, "pending", "rejected", "AC04")], settled=True)
        assert uow.connection.execute(text("SELECT live_case_id FROM payment_attempts WHERE id = :id"),
                                      {"id": a.id}).scalar_one() is None
        row = (a.case_id, 2, 1, end_to_end_id(a.case_id, 2), a.uscc, a.unit_name, a.amount, a.bank_code, a.account_no,
               a.account_name, "prepared", None, uow.now(), None)
        assert uow.payments.add_attempts([row]) == 1                  # the failed one no longer counts
        with pytest.raises(IntegrityError):                           # but a third, while the second lives, does
            uow.payments.add_attempts([(*row[:1], 3, 1, end_to_end_id(a.case_id, 3), *row[4:])])


def test_a_case_whose_account_fails_its_check_is_left_out_and_its_batch_counts_only_the_rest(pay_store, pay_settings,
                                                                                              reverified):
    """Accounts as dirty data can hold them (too short, a control character): the case is named in `skipped`, in case
    order; its bank's batch holds, counts and totals only the good ones; a bank with no good one gets no batch."""
    bad = {1: ("102100099996", "12", "付款测试1号有限公司"), 5: ("102100099996", "6222020200000005",
                                                                "付款测试5号\x07有限公司"),
           **{n: ("104100000004", "1", f"付款测试{n}号有限公司") for n in range(27, 31)}}     # all of BOC's four
    with pay_store.transaction() as uow:
        for n, (code, number, name) in bad.items():
            uow.accounts.add(
                cycle_id=reverified, uscc=uscc(n, "91110108"), bank_code=code, account_no=number,
                account_name=name, source="staff", status="active", created_by="clerk-zhou",
                created_at=uow.now(), verified_by="checker-sun", verified_at=uow.now(), note="dirty")
        good = sum(uow.cases.find(reverified, uscc(n, "91110108")).amount for n in range(2, 13) if n != 5)
        uow.commit()
    # the threshold at exactly what ICBC's good cases sum to: one approver (the planned total, with units 1 and 5,
    # would have needed two)
    settings = bands(pay_settings, good)
    done = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(settings),
                                    settings=settings, by="clerk-wang")
    assert [u for u, _ in done.skipped] == [uscc(n, "91110108") for n in sorted(bad)]
    assert all(why.startswith("账户不可用 / unusable account") for _, why in done.skipped)
    assert {b.bank_code: b.entries for b in done.batches} == {"102": 10, "103": 8, "313": 6}
    for b in done.batches:
        detail = payments.batch_detail(b.number, store=pay_store)
        count, total = detail.attempts["prepared"]
        assert (count, total) == (b.entries, b.total)
        assert b.needs_second == (total > good)
    assert {b.bank_code: (b.total, b.needs_second) for b in done.batches}["102"] == (good, False)
    with pay_store.reading() as uow:
        audited = [e for e in uow.audit.entries() if e[3] == "payment_batch_prepared"]
    assert sorted(json.loads(e[9])["entries"] for e in audited) == [6, 8, 10]


def test_above_the_threshold_a_second_different_approver_releases_the_batch(pay_store, pay_settings, reverified):
    settings = bands(pay_settings, "10000.00")
    payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(settings),
                             settings=settings, by="clerk-wang")
    first = payments.approve_batch("C1-B102-1", store=pay_store, settings=settings, by="approver-li")
    assert first.needs_second and first.status == "prepared"           # 18,403.20 yuan > 10,000
    with pytest.raises(Refused, match="another person"):
        payments.approve_batch("C1-B102-1", store=pay_store, settings=settings, by="approver-li")
    assert payments.approve_batch("C1-B102-1", store=pay_store, settings=settings, by="director-zhao").status \
        == "approved"
    small = payments.approve_batch("C1-B104-1", store=pay_store, settings=settings, by="approver-li")
    assert small.status == "approved" and not small.needs_second        # 7,401.60 yuan: one approver


def test_files_validate_against_the_official_schemas_and_rewrite_byte_identical(pay_store, pay_settings, reverified,
                                                                                tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    written = {b.number: payments.write_files(b.number, store=pay_store, banks=BANK_FILES,
                                              settings=pay_settings, out_dir=tmp_path,
                                              by="clerk-wang") for b in done.batches}
    for number, w in written.items():
        if w.message.startswith("pain.001"):
            xsd.parse(w.path.read_bytes(), w.message, name=w.path)          # the official XSD, again
            tree = etree.parse(str(w.path))
            assert tree.findtext(".//{*}MsgId") == number and "付款测试" in w.path.read_text("utf-8")
        again = payments.write_files(number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                     out_dir=tmp_path, by="clerk-wang")
        assert again.sha256 == w.sha256
    with pay_store.reading() as uow:
        assert len(uow.bank_files.of_direction("out")) == len(BANKS)
        assert {b.status for b in uow.payment_batches.all()} == {"sent"}


def test_a_bad_bank_file_is_refused_by_name_and_line_and_a_rerun_finishes_the_job(pay_store, pay_settings, reverified,
                                                                                 tmp_path):
    """Files are applied one by one as they are read: a broken one stops the run, says which were applied before
    it, and running every file again once it is mended applies the rest without touching those."""
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    bank = BankSimulator(reject_share=0, return_share=0)
    reports, notices = [], []
    for b in done.batches:
        sent = payments.write_files(b.number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                    out_dir=tmp_path / "out", by="clerk-wang")
        a = bank.answer(sent.path, tmp_path / "bank")
        reports.append(a.pain002.path)
        notices += [f.path for f in (a.settlement, a.returns) if f]
    good = notices[0].read_bytes()
    notices[0].write_bytes(good.replace(b"<Ntry>", b"<Ntry><Oops/>", 1))
    with pytest.raises(Refused) as refused:
        reconcile.ingest(reports + notices, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                         by="clerk-wang")
    message = str(refused.value)
    assert notices[0].name in message and "line" in message and "Oops" in message
    assert all(p.name in message for p in reports)                     # the status reports went in, each whole
    with pay_store.reading() as uow:                                     # nothing of the notices went in
        assert sorted(f.name for f in uow.bank_files.of_direction("in")) == sorted(
            p.name for p in reports)
    notices[0].write_bytes(good)
    again = reconcile.ingest(reports + notices, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                             by="clerk-wang")
    assert [r.already_read for r in again] == [True] * len(reports) + [False] * len(notices)
    assert states(pay_store, reverified) == {"paid": PAY_UNITS}
    assert ledger.check(store=pay_store).ok


def test_files_written_in_worker_processes_are_the_same_bytes_recorded_once(pay_store, pay_settings, reverified,
                                                                            tmp_path):
    """The cycle's files made in two worker processes (each reading its batch itself) equal one-by-one writing."""
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    numbers = [b.number for b in done.batches]
    pooled = payments.write_all_files(numbers, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                      out_dir=tmp_path / "pool", by="clerk-wang", workers=2)
    single = [payments.write_files(n, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                   out_dir=tmp_path / "one", by="clerk-wang") for n in numbers]
    assert [w.path.name for w in pooled] == [w.path.name for w in single]
    assert [w.sha256 for w in pooled] == [w.sha256 for w in single]
    assert all(w.path.read_bytes() == s.path.read_bytes() for w, s in zip(pooled, single, strict=True))
    with pay_store.reading() as uow:
        assert len(uow.bank_files.of_direction("out")) == len(numbers)      # the same bytes: once


def test_bank_returns_pay_fail_and_credit_back_and_a_corrected_account_is_reissued(pay_store, pay_settings,
                                                                                  reverified, tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    with pay_store.reading() as uow:
        attempts = {a.uscc: a for a in uow.payments.attempts()}
    rejected, returned = attempts[uscc(1, "91110108")], attempts[uscc(2, "91110108")]
    bank = BankSimulator(reject_share=0, return_share=0, force={
        rejected.end_to_end_id: Outcome(rejected.end_to_end_id, REJECTED, "AC04"),
        returned.end_to_end_id: Outcome(returned.end_to_end_id, RETURNED, "AC04")})
    answers = bank_answers(bank, done.batches, pay_store, pay_settings, tmp_path)
    results = reconcile.ingest(answers, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                               by="clerk-wang")
    assert all(not r.exceptions for r in results)
    assert states(pay_store, reverified) == {"paid": PAY_UNITS - 2, "failed": 2}
    report = ledger.check(store=pay_store)
    assert report.ok and report.total.returned == rejected.amount + returned.amount == report.total.refunded
    assert report.total.issued == report.total.paid + report.total.returned + report.total.pending
    assert report.total.pending == 0
    with pay_store.reading() as uow:
        told = uow.notifications.of_kind("payment_failed")
    assert sorted(n.uscc for n in told) == sorted([rejected.uscc, returned.uscc])
    assert all("您单位的北京市失业保险费稳岗返还(2021年, 免申即享)" in n.text for n in told)   # names its programme
    # reading the same files again changes nothing
    assert all(r.already_read for r in reconcile.ingest(answers, store=pay_store, banks=BANK_FILES,
                                                        settings=pay_settings, by="x"))
    assert ledger.check(store=pay_store).postings == report.postings
    # a failed case waits for a corrected, verified account; then (and only then) a new attempt, a new id
    assert payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                                    settings=pay_settings, by="clerk-wang").batches == []
    new = accounts.propose(reverified, rejected.uscc, bank_code="105100000017", account_no="6217000010001234",
                           account_name="付款测试1号有限公司", store=pay_store, by=rejected.uscc)
    with pytest.raises(Refused, match="cannot verify"):
        accounts.verify(new, store=pay_store, by=rejected.uscc, accept=True, note="self")
    accounts.verify(new, store=pay_store, by="clerk-wang", accept=True, note="开户许可证核对 / checked the licence")
    again = prepare_and_approve(pay_store, pay_settings, reverified)
    assert [(b.bank_code, b.entries) for b in again.batches] == [("105", 1)]
    with pay_store.reading() as uow:
        second = [a for a in uow.payments.attempts(case_ids=[rejected.case_id]) if a.attempt_no == 2][0]
        assert uow.cases.get(rejected.case_id).state is State.REISSUED
    assert second.end_to_end_id != rejected.end_to_end_id and second.account_no == "6217000010001234"
    # the bank can answer only once the re-issue's file has left
    [reissue] = again.batches
    csv_answer = tmp_path / "reissue.csv"
    csv_answer.write_bytes(render_status_csv([StatusRecord(second.end_to_end_id, PaymentStatus.PAID,
                                                           second.amount, batch=reissue.number)]))
    [early] = reconcile.ingest([csv_answer], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                               by="clerk-wang")
    assert early.applied == {} and [e.issue for e in early.exceptions] == ["batch-not-sent"]
    sent = payments.write_files(reissue.number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                out_dir=tmp_path / "out2", by="clerk-wang")
    answer = BankSimulator(reject_share=0, return_share=0).answer(sent.path, tmp_path / "bank2")
    reconcile.ingest([answer.pain002.path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                     by="clerk-wang")
    assert states(pay_store, reverified) == {"paid": PAY_UNITS - 1, "failed": 1}
    assert ledger.check(store=pay_store).ok


def test_unknown_ids_mismatched_amounts_and_repeats_go_to_the_exceptions_list(pay_store, pay_settings, reverified,
                                                                            tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    csv_batch = next(b for b in done.batches if b.file_format == "csv")      # the bank that answers in CSV
    payments.write_files(csv_batch.number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                         out_dir=tmp_path, by="c")
    with pay_store.reading() as uow:
        a, b = uow.payments.attempts(batch_id=csv_batch.id)[:2]
    path, number = tmp_path / "odd.csv", csv_batch.number
    path.write_bytes(render_status_csv([
        StatusRecord(end_to_end_id(999_999, 1), PaymentStatus.PAID, Decimal("1.00"), batch=number),
        StatusRecord(a.end_to_end_id, PaymentStatus.PAID, a.amount + Decimal("0.01"), batch=number),
        StatusRecord(b.end_to_end_id, PaymentStatus.PAID, b.amount, batch=number),
        StatusRecord(b.end_to_end_id, PaymentStatus.PAID, b.amount, batch=number)]))
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    assert result.applied == {"paid": 1}
    assert sorted(e.issue for e in reconcile.open_exceptions(store=pay_store)) == [
        "amount-mismatch", "duplicate-in-file", "unknown-id"]
    with pay_store.reading() as uow:
        assert uow.cases.get(a.case_id).state is State.APPROVED and uow.cases.get(b.case_id).state is State.PAID
    assert ledger.check(store=pay_store).ok


def test_failed_cases_are_recovered_after_the_deadline_only(pay_store, pay_settings, reverified, tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    bank = BankSimulator(reject_share=1.0, return_share=0)
    answers = [bank.answer(payments.write_files(b.number, store=pay_store, banks=BANK_FILES,
                                                settings=pay_settings, out_dir=tmp_path,
                                                by="c").path, tmp_path / "bank").pain002
               for b in done.batches]
    reconcile.ingest([a.path for a in answers], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                     by="clerk-wang")
    deadline = dt.date(2021, 12, 31)
    with pytest.raises(Refused, match="not passed"):
        reconcile.recover(reverified, store=pay_store, deadline=deadline, today=deadline, by="clerk-wang")
    done = reconcile.recover(reverified, store=pay_store, deadline=deadline, today=deadline + dt.timedelta(days=1),
                             by="clerk-wang")
    assert len(done) == PAY_UNITS and states(pay_store, reverified) == {"recovered": PAY_UNITS}
    with pay_store.reading() as uow:
        assert all("北京市失业保险费稳岗返还(2021年, 免申即享)" in n.text for n in uow.notifications.of_kind("recovered"))
    report = ledger.check(store=pay_store)
    assert report.ok and report.total.paid == 0 and report.total.refunded == report.total.issued
