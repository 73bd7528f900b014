"""A batch whose file never left is cancelled from its page, with a reason, by a clerk or an approver: the batch
page shows the form only while it is legal, says who cancelled and why, and the exceptions list speaks in words."""

from __future__ import annotations

import re

from tests.web.conftest import STAFF, sign_in
from wengang import bootstrap
from wengang.adapters.banks.csv_layout import render_status_csv
from wengang.domain.payments import PaymentStatus, StatusRecord
from wengang.services import ledger, payments, reconcile

BANK_FILES = bootstrap.banks()   # what writes and reads bank files, as the CLI gets it


def test_a_clerk_cancels_an_approved_batch_from_its_page(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    made = payments.prepare_batches(facts["paid_cycle"], store=store,
                                    analytics=bootstrap.analytics(world_settings), settings=world_settings, by=STAFF["clerk"])
    number = made.batches[0].number
    payments.approve_batch(number, store=store, settings=world_settings, by=STAFF["approver"])
    csrf = sign_in(client, STAFF["reviewer"], employer=False)
    page = client.get(f"/staff/batches/{number}")
    assert 'id="cancel-form"' not in page.text                      # a reviewer may not cancel: no form
    assert client.post(f"/staff/batches/{number}/cancel", data={"csrf": csrf, "reason": "x"}).status_code == 403
    client.cookies.clear()
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    page = client.get(f"/staff/batches/{number}")
    assert 'id="cancel-form"' in page.text and 'for="cancel-reason"' in page.text
    empty = client.post(f"/staff/batches/{number}/cancel", data={"csrf": csrf, "reason": ""})
    assert empty.status_code in (400, 422) and "Traceback" not in empty.text
    done = client.post(f"/staff/batches/{number}/cancel", data={"csrf": csrf, "reason": "户名有误 / wrong names"},
                       follow_redirects=True)
    assert done.status_code == 200
    page = client.get(f"/staff/batches/{number}")
    assert 'id="cancel-form"' not in page.text and re.search(r'id="cancelled">[^<]*clerk-wang', page.text)
    assert "户名有误" in page.text
    assert ledger.check(store=store).ok


def test_the_exceptions_list_says_what_is_wrong_in_words(client, world_settings, facts, tmp_path):
    store = bootstrap.store(world_settings)
    answer = tmp_path / "odd.csv"
    answer.write_bytes(render_status_csv([StatusRecord("WG-999-1-Z", PaymentStatus.PAID, batch="C9-B313-1")]))
    reconcile.ingest([answer], store=store, banks=BANK_FILES, settings=world_settings, by=STAFF["clerk"])
    sign_in(client, STAFF["clerk"], employer=False)
    page = client.get("/staff/exceptions")
    assert "not a payment we issued" in page.text and "unknown-id" not in page.text
