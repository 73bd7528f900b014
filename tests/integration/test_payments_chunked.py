"""Preparing batches a chunk of cases at a time gives the very batches, figures and skipped list of one pass."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.builders import bands, uscc
from tests.paycity import BANKS
from wengang import bootstrap
from wengang.adapters.banks.simulator import REJECTED, BankSimulator, Outcome
from wengang.domain.payment_batches import BatchStatus, band_of
from wengang.services import accounts, payments, reconcile

pytestmark = pytest.mark.slow

BANK_FILES = bootstrap.banks()


def _unit(n: int) -> str:
    return uscc(n, "91110108")


def _failed_and_back(store, settings, cycle_id, tmp_path) -> None:
    """ICBC's batch paid but for unit 1 (rejected, then a verified account at bank 105: a re-issue); the other banks'
    batches cancelled (their cases wait again, attempt 1 cancelled); units 14 and 27 given unusable verified
    accounts (skipped, named)."""
    first = payments.prepare_batches(cycle_id, store=store, analytics=bootstrap.analytics(settings),
                                     settings=settings, by="clerk-wang")
    icbc = next(b for b in first.batches if b.bank_code == "102")
    for approver in ("approver-li", "director-zhao"):
        if payments.approve_batch(icbc.number, store=store, settings=settings, by=approver).status \
                != BatchStatus.PREPARED:
            break
    for b in first.batches:
        if b.bank_code != "102":
            payments.cancel_batch(b.number, store=store, by="clerk-wang", reason="test: prepared again")
    with store.reading() as uow:
        rejected = next(a for a in uow.payments.attempts(batch_id=icbc.id) if a.uscc == _unit(1))
    sent = payments.write_files(icbc.number, store=store, banks=BANK_FILES, settings=settings,
                                out_dir=tmp_path / "out", by="clerk-wang")
    answer = BankSimulator(reject_share=0, return_share=0, force={
        rejected.end_to_end_id: Outcome(rejected.end_to_end_id, REJECTED, "AC04")}).answer(sent.path, tmp_path / "b")
    reconcile.ingest([f.path for f in (answer.pain002, answer.settlement, answer.returns) if f], store=store,
                     banks=BANK_FILES, settings=settings, by="clerk-wang")
    new = accounts.propose(cycle_id, _unit(1), bank_code="105100000017", account_no="6222600010001234",
                           account_name="付款测试1号有限公司", store=store, by=_unit(1))
    accounts.verify(new, store=store, by="checker-sun", accept=True, note="开户许可证核对 / checked the licence")
    with store.transaction() as uow:
        for n, code in ((14, "103100000026"), (27, "104100000004")):
            uow.accounts.add(cycle_id=cycle_id, uscc=_unit(n), bank_code=code, account_no="12",
                             account_name=f"付款测试{n}号有限公司", source="staff", status="active",
                             created_by="clerk-zhou", created_at=uow.now(), verified_by="checker-sun",
                             verified_at=uow.now(), note="dirty")
        uow.commit()


@pytest.mark.parametrize("chunk", [payments.CHUNK, 2, 1])
def test_chunk_by_chunk_the_batches_figures_audit_and_skipped_are_those_of_one_pass(pay_store, pay_settings,
                                                                                  reverified, tmp_path,
                                                                                  monkeypatch, chunk):
    _failed_and_back(pay_store, pay_settings, reverified, tmp_path)
    with pay_store.reading() as uow:
        amount = {n: uow.cases.find(reverified, _unit(n)).amount for n in range(1, sum(BANKS.values()) + 1)}
    settings = bands(pay_settings, amount[1])        # bank 105's one re-issue: one approver; every other batch: two
    expected_units = {"103": [n for n in range(13, 21) if n != 14], "104": [28, 29, 30], "105": [1],
                      "313": list(range(21, 27))}
    expected = []
    for bank, units in expected_units.items():
        total = sum((amount[n] for n in units), Decimal("0.00"))
        number = f"C{reverified}-B{bank}-{1 if bank == '105' else 2}"
        expected.append((number, len(units), total, band_of(total, settings.approval_bands).approvers))
    monkeypatch.setattr(payments, "CHUNK", chunk)

    done = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(settings),
                                    settings=settings, by="clerk-wang")

    assert [(b.number, b.entries, b.total, b.approvals_needed) for b in done.batches] == expected
    assert [a for *_, a in expected] == [2, 2, 1, 2]
    stored = {b.number: b for b in payments.list_batches(store=pay_store, cycle_id=reverified)}
    assert [(stored[n].number, stored[n].entries, stored[n].total, stored[n].approvals_needed)
            for n, *_ in expected] == expected
    for number, entries, total, _ in expected:
        assert payments.batch_detail(number, store=pay_store).attempts["prepared"] == (entries, total)
    assert [u for u, _ in done.skipped] == [_unit(14), _unit(27)]
    assert all(why.startswith("账户不可用 / unusable account") for _, why in done.skipped)
    with pay_store.reading() as uow:
        audited = [(e[4], json.loads(e[9])) for e in uow.audit.entries() if e[3] == "payment_batch_prepared"][-4:]
        reissue = uow.payments.attempts(case_ids=[uow.cases.find(reverified, _unit(1)).id])
    assert [(who, f["entries"], Decimal(f["total"]), f["approvals_needed"]) for who, f in audited] == \
        [(f"payment_batch:{n}", e, t, a) for n, e, t, a in expected]
    assert [(a.attempt_no, a.status, a.account_no) for a in reissue] == [
        (1, "rejected", "6222020200000001"), (2, "prepared", "6222600010001234")]
