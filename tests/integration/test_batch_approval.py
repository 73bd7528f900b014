"""Approval with the payees, on SQLite and PostgreSQL: a batch's payments paged and searched with their totals
(accounts masked), amount bands deciding how many distinct approvers sign, and a batch sent back with a reason, then
cancelled and prepared again by its preparer (issue 14, item 4)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.builders import bands, uscc
from tests.integration.test_payments import states
from tests.paycity import PAY_UNITS
from wengang import bootstrap
from wengang.domain.errors import FourEyes, NotWaiting
from wengang.domain.payment_batches import NotSendableBack
from wengang.services import ledger, payments

pytestmark = pytest.mark.slow
ICBC, BOC = "C1-B102-1", "C1-B104-1"         # 12 payments, 18,403.20 yuan; 4 payments, 7,401.60 yuan


def test_bands_decide_how_many_approvers_sign_at_each_boundary(pay_store, pay_settings, reverified):
    settings = bands(pay_settings, "7401.60", "18403.19")     # BOC exactly at the first limit, ICBC a fen above
    done = {b.number: b for b in payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(settings), settings=settings,
                                                         by="clerk-wang").batches}
    assert (done[BOC].total, done[BOC].approvals_needed) == (Decimal("7401.60"), 1)
    assert (done[ICBC].total, done[ICBC].approvals_needed) == (Decimal("18403.20"), 3)
    with pay_store.reading() as uow:
        prepared = {json.loads(e[9])["total"]: json.loads(e[9]) for e in uow.audit.entries()
                    if e[3] == "payment_batch_prepared"}
    assert prepared["18403.20"]["approvals_needed"] == 3 and "test band" not in prepared["18403.20"]["band_reference"]
    assert prepared["7401.60"]["band_reference"] == "测试档次 1 / test band 1"
    for who in ("approver-li", "director-zhao"):
        assert payments.approve_batch(ICBC, store=pay_store, settings=settings, by=who).status == "prepared"
    with pytest.raises(FourEyes):
        payments.approve_batch(ICBC, store=pay_store, settings=settings, by="director-zhao")
    assert ledger.check(store=pay_store).postings == 0                   # two of three: no money moved yet
    last = payments.approve_batch(ICBC, store=pay_store, settings=settings, by="chief-qian")
    assert (last.status, last.approvers) == ("approved", ("approver-li", "director-zhao", "chief-qian"))
    assert payments.approve_batch(BOC, store=pay_store, settings=settings, by="approver-li").status == "approved"
    assert ledger.check(store=pay_store).ok


def test_a_batch_lists_its_payees_paged_searchable_with_totals_and_masked_accounts(pay_store, pay_settings,
                                                                                 reverified):
    payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings), settings=pay_settings, by="clerk-wang")
    everyone = payments.batch_payees(ICBC, store=pay_store, size=5)
    assert (everyone.matches, everyone.amount, everyone.pages, len(everyone.rows)) == (12, Decimal("18403.20"), 3, 5)
    last = payments.batch_payees(ICBC, store=pay_store, size=5, page=99)            # past the end: the last page
    assert (last.page, len(last.rows)) == (3, 2)
    named = payments.batch_payees(ICBC, store=pay_store, search="付款测试1")           # units 1, 10, 11, 12
    assert {r.unit_name for r in named.rows} == {f"付款测试{n}号有限公司" for n in (1, 10, 11, 12)}
    assert named.amount == sum((r.amount for r in named.rows), Decimal("0.00")) and named.matches == 4
    code = uscc(3, "91110108")
    assert [r.uscc for r in payments.batch_payees(ICBC, store=pay_store, search=code.lower()).rows] == [code]
    assert [r.uscc for r in payments.batch_payees(ICBC, store=pay_store, search=code[:17]).rows] == [code]
    assert payments.batch_payees(ICBC, store=pay_store, search="100%_").matches == 0        # LIKE signs are text
    for row in everyone.rows:
        assert row.account.endswith(row.account[-4:]) and row.account.startswith("*") and "62220202" not in row.account


def test_an_approver_sends_a_batch_back_and_its_preparer_cancels_and_prepares_again(pay_store, pay_settings,
                                                                                 reverified):
    settings = bands(pay_settings, "10000.00")
    payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(settings), settings=settings, by="clerk-wang")
    payments.approve_batch(ICBC, store=pay_store, settings=settings, by="approver-li")
    with pytest.raises(NotSendableBack, match="preparer"):
        payments.send_back_batch(ICBC, store=pay_store, by="clerk-wang", reason="mine")
    back = payments.send_back_batch(ICBC, store=pay_store, by="director-zhao",
                                    reason="第3笔户名与执照不符 / payee 3's name differs from its licence")
    assert (back.status, back.sent_back_by) == ("sent_back", "director-zhao")
    with pytest.raises(NotWaiting):
        payments.approve_batch(ICBC, store=pay_store, settings=settings, by="chief-qian")
    with pay_store.reading() as uow:
        [entry] = [e for e in uow.audit.entries() if e[3] == "payment_batch_sent_back"]
    assert entry[2] == "director-zhao" and "payee 3" in entry[8] and json.loads(entry[9])["approved_by"] == [
        "approver-li"]
    assert ledger.check(store=pay_store).postings == 0
    cancelled = payments.cancel_batch(ICBC, store=pay_store, by="clerk-wang", reason="退回后作废 / after send-back")
    assert cancelled.cancelled == 12 and states(pay_store, reverified) == {"re-verified": PAY_UNITS}
    again = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(settings), settings=settings, by="clerk-wang")
    assert [(b.number, b.entries) for b in again.batches] == [("C1-B102-2", 12)]
