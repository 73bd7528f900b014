"""Issue 14, items 4 and 5 in the web: an approver reads a batch's payees (searched, paged, totals, masked accounts)
and sends it back with a reason; failed payments are a worklist in words; the desk counts the failed payments that
wait (it said "支付异常 0" while 172 of them waited: it counted only unmatched bank records)."""

from __future__ import annotations

import re

from tests.web.conftest import STAFF, sign_in
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator
from wengang.services import payments, reconcile

BANK_FILES = bootstrap.banks()


def failed_everything(world_settings, facts, tmp_path) -> list:
    """Prepare, approve and send every batch of the paid cycle; the bank rejects every payment (AC04 or BE01)."""
    store = bootstrap.store(world_settings)
    made = payments.prepare_batches(facts["paid_cycle"], store=store, analytics=bootstrap.analytics(world_settings), settings=world_settings, by=STAFF["clerk"])
    bank, answers = BankSimulator(reject_share=1.0, return_share=0), []
    for b in made.batches:
        payments.approve_batch(b.number, store=store, settings=world_settings, by=STAFF["approver"])
        sent = payments.write_files(b.number, store=store, banks=BANK_FILES, settings=world_settings,
                                    out_dir=tmp_path / "out", by=STAFF["clerk"])
        answers.append(bank.answer(sent.path, tmp_path / "bank").pain002.path)
    reconcile.ingest(answers, store=store, banks=BANK_FILES, settings=world_settings, by=STAFF["clerk"])
    return made.batches


def test_the_desk_counts_failed_payments_as_payment_exceptions(client, world_settings, facts, tmp_path):
    batches = failed_everything(world_settings, facts, tmp_path)
    failed = sum(b.entries for b in batches)
    assert failed > 0
    sign_in(client, STAFF["clerk"], employer=False)
    page = client.get(f"/staff?cycle={facts['paid_cycle']}")
    tile = re.search(r'<a class="tile" href="/staff/exceptions[^>]*>\s*<strong>(\d+)</strong>', page.text)
    assert tile is not None and int(tile.group(1)) == failed, page.text
    desk = client.get(f"/api/v1/staff/desk?cycle={facts['paid_cycle']}").json()
    assert desk["failed_waiting"] == failed


def test_failed_payments_are_a_worklist_in_words(client, world_settings, facts, tmp_path):
    batches = failed_everything(world_settings, facts, tmp_path)
    sign_in(client, STAFF["clerk"], employer=False)
    page = client.get(f"/staff/exceptions?cycle={facts['paid_cycle']}")
    assert page.status_code == 200
    table = page.text.split('id="failed"')[1].split("</table>")[0]
    assert table.count("<tr data-case=") == sum(b.entries for b in batches)
    assert "账户已销户" in table or "户名与账号不符" in table
    assert not re.search(r">\s*(AC04|BE01)\s*<", table) and "AC04" not in table and "BE01" not in table
    assert "待单位更正账户" in table and "日" in table and "Traceback" not in page.text
    only = client.get(f"/staff/exceptions?cycle={facts['paid_cycle']}&step=ready-to-reissue")
    assert "没有待处理的支付失败" in only.text
    assert client.get("/staff/exceptions?step=bogus").status_code == 422


def test_an_approver_searches_the_payees_and_sends_the_batch_back_with_a_reason(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    made = payments.prepare_batches(facts["paid_cycle"], store=store, analytics=bootstrap.analytics(world_settings), settings=world_settings, by=STAFF["clerk"])
    batch = max(made.batches, key=lambda b: b.entries)
    csrf = sign_in(client, STAFF["approver"], employer=False)
    page = client.get(f"/staff/batches/{batch.number}")
    assert 'id="payees"' in page.text and 'id="send-back-form"' in page.text
    assert re.search(r'id="payee-totals">[^<]*<strong>' + f"{batch.entries:,}", page.text)
    with store.reading() as uow:
        first = uow.payments.attempts(batch_id=batch.id)[0]
    assert first.account_no not in page.text and first.account_no[-4:] in page.text       # masked, last four shown
    found = client.get(f"/staff/batches/{batch.number}", params={"q": first.uscc})
    rows = found.text.split('id="payees"')[1].split("</table>")[0]
    assert rows.count("<tr><td><a href=\"/staff/cases/") == 1 and first.unit_name in rows
    refused = client.post(f"/staff/batches/{batch.number}/send-back", data={"csrf": csrf, "reason": ""})
    assert refused.status_code in (400, 422) and "Traceback" not in refused.text
    back = client.post(f"/staff/batches/{batch.number}/send-back",
                       data={"csrf": csrf, "reason": "户名与执照不符 / names differ"}, follow_redirects=True)
    assert back.status_code == 200 and 'id="sent-back"' in back.text and "户名与执照不符" in back.text
    assert 'id="approve-form"' not in back.text and "已退回制单人" in back.text
    again = client.post(f"/staff/batches/{batch.number}/send-back", data={"csrf": csrf, "reason": "again"})
    assert again.status_code in (400, 409) and "only a batch waiting for approval" in again.text
    client.cookies.clear()
    clerk = sign_in(client, STAFF["clerk"], employer=False)
    assert client.post(f"/staff/batches/{batch.number}/send-back",
                       data={"csrf": clerk, "reason": "x"}).status_code == 403              # not an approver
    assert client.post(f"/staff/batches/{batch.number}/cancel", data={"csrf": clerk, "reason": "退回后作废"},
                       follow_redirects=True).status_code == 200
