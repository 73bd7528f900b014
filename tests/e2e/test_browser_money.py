"""Issue 14 in a real browser: an approver opens a batch, searches a payee and sends the batch back with a reason;
a clerk follows failed payments on the desk and in their worklist (Debian's chromium, desktop size)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import browser, server, shots, staff_page  # noqa: F401 - this module's own server
from tests.web.conftest import STAFF
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator
from wengang.services import payments, reconcile

pytestmark = pytest.mark.slow


def test_an_approver_searches_a_payee_and_sends_the_batch_back_with_a_reason(browser, server, shots):  # noqa: F811
    cycle, store, settings = server["facts"]["paid_cycle"], server["store"], server["settings"]
    [batch] = payments.prepare_batches(cycle, store=store, analytics=bootstrap.analytics(settings), settings=settings, by=STAFF["clerk"]).batches
    with store.reading() as uow:
        payee = uow.payments.attempts(batch_id=batch.id)[-1]
    approver = staff_page(browser, server, "approver")
    approver.goto(f"/staff/batches?cycle={cycle}")
    approver.click(f"#batches a:text('{batch.number}')")
    assert approver.locator("#payees tbody tr").count() == batch.entries
    assert f"{batch.entries:,}" in approver.inner_text("#payee-totals")
    assert payee.account_no not in approver.content()                      # accounts masked
    approver.fill("#payee-q", payee.unit_name[:6] if batch.entries == 1 else payee.unit_name)
    approver.click("#payee-search button")
    approver.wait_for_url(re.compile(r".*\?q=.*"))
    assert approver.locator("#payees tbody tr").count() == 1
    assert payee.unit_name in approver.inner_text("#payees") and payee.uscc in approver.inner_text("#payees")
    approver.screenshot(path=shots / "staff-batch-payees.png", full_page=True)
    approver.fill("#send-back-reason", "第1笔户名与营业执照不符, 请核对 / the payee's name differs from its licence")
    approver.click("#send-back")
    approver.wait_for_selector("#sent-back")
    assert "approver-zhao" in approver.inner_text("#sent-back")
    assert approver.inner_text("#batch-status") == "已退回制单人"
    assert approver.locator("#approve").count() == 0
    approver.screenshot(path=shots / "staff-batch-sent-back.png", full_page=True)
    clerk = staff_page(browser, server, "clerk")
    clerk.goto(f"/staff/batches/{batch.number}")
    assert "户名与营业执照不符" in clerk.inner_text("#sent-back") and clerk.locator("#cancel-form").count() == 1


def test_a_clerk_follows_failed_payments_from_the_desk_to_their_worklist(browser, server, shots, tmp_path):  # noqa: F811
    cycle, store, settings = server["facts"]["paid_cycle"], server["store"], server["settings"]
    for b in payments.list_batches(store=store, cycle_id=cycle):
        if b.status in ("prepared", "sent_back"):
            payments.cancel_batch(b.number, store=store, by=STAFF["clerk"], reason="重新准备 / prepared again")
    made = payments.prepare_batches(cycle, store=store, analytics=bootstrap.analytics(settings), settings=settings, by=STAFF["clerk"]).batches
    bank, answers = BankSimulator(reject_share=1.0, return_share=0), []
    for b in made:
        payments.approve_batch(b.number, store=store, settings=settings, by=STAFF["approver"])
        sent = payments.write_files(b.number, store=store, banks=bootstrap.banks(), settings=settings,
                                    out_dir=tmp_path / "out", by=STAFF["clerk"])
        answers.append(bank.answer(sent.path, tmp_path / "bank").pain002.path)
    reconcile.ingest(answers, store=store, banks=bootstrap.banks(), settings=settings, by=STAFF["clerk"])
    failed = sum(b.entries for b in made)
    clerk = staff_page(browser, server, "clerk")
    clerk.goto(f"/staff?cycle={cycle}")
    assert clerk.inner_text("#tile-exceptions strong") == str(failed)
    clerk.screenshot(path=shots / "staff-desk-failed.png", full_page=True)
    clerk.click("#tile-exceptions")
    clerk.wait_for_selector("#failed")
    table = clerk.inner_text("#failed")
    assert clerk.locator("#failed tbody tr[data-case]").count() == failed
    assert "待单位更正账户" in table and "日" in table and not re.search(r"\b(AC04|BE01)\b", table)
    assert "账户已销户" in table or "户名与账号不符" in table
    clerk.screenshot(path=shots / "staff-failed-worklist.png", full_page=True)
    clerk.click("#steps a:has-text('账户已更正')")
    assert clerk.locator("#failed tbody tr[data-case]").count() == 0
