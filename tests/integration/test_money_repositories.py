"""The money repositories on SQLite and PostgreSQL: typed records in and out, batches found by number or id, and a
conditional save that refuses a change someone else made first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wengang.domain.errors import NotFound
from wengang.domain.payment_records import Finding

AT = dt.datetime(2021, 10, 20, 8, 30)


def a_cycle(uow) -> int:
    return uow.cycles.add(program="ui-return", pack="beijing-2021", as_of=dt.date(2021, 6, 30), snapshot_id="s1",
                          run_id="r1", rounds_required=1, opened_by="clerk", opened_at=AT).id


def test_a_batch_is_found_by_number_or_id_and_a_stale_change_is_not_saved(db_store):
    with db_store.transaction() as uow:
        cycle_id = a_cycle(uow)
        made = uow.payment_batches.add(cycle_id=cycle_id, number="C1-B102-1", bank_code="102",
                                       file_format="pain.001.001.09", entries=2, total=Decimal("20000.50"),
                                       status="prepared", approvals_needed=2, prepared_by="clerk-wang",
                                       prepared_at=AT, execution_date=None)
        uow.commit()
    assert made.total == Decimal("20000.50") and made.approved_by is None and made.prepared_at == AT
    with db_store.transaction() as uow:
        assert uow.payment_batches.by_ref("C1-B102-1") == uow.payment_batches.by_ref(made.id) == made
        with pytest.raises(NotFound, match="no payment batch 'C9-B1-1'"):
            uow.payment_batches.by_ref("C9-B1-1")
        with pytest.raises(NotFound, match="no payment batch 999"):
            uow.payment_batches.by_ref("999")
        assert uow.payment_batches.count_of_bank(cycle_id, "102") == 1 == uow.payment_batches.count_in("prepared")
        first = made.approve("approver-li", AT)
        assert uow.payment_batches.save(made, first)
        # someone who read the batch before that approval cannot approve it "first" again
        assert not uow.payment_batches.save(made, made.approve("approver-zhao", AT))
        second = first.approve("director-zhao", AT)
        assert uow.payment_batches.save(first, second) and second.status == "approved"
        # nor can a cancellation read while it was prepared land on the approved batch
        assert not uow.payment_batches.save(first, first.cancel("clerk-wang", AT, "stale"))
        uow.commit()
    with db_store.reading() as uow:
        stored = uow.payment_batches.get(made.id)
    assert stored == second and (stored.approved_by, stored.second_approved_by) == ("approver-li", "director-zhao")


def test_accounts_exceptions_and_bank_files_round_trip_typed(db_store):
    with db_store.transaction() as uow:
        cycle_id = a_cycle(uow)
        proposed = uow.accounts.add(cycle_id=cycle_id, uscc="91110108MA0000001X", bank_code="105100000017",
                                    account_no="6217000010001234", account_name="付款测试1号有限公司",
                                    source="employer", status="pending", created_by="91110108MA0000001X",
                                    created_at=AT, note="")
        file = uow.bank_files.add(direction="in", message="camt.054.001.08", batch_id=None, name="a.xml",
                                  sha256="ab" * 32, records=2, applied=0, exceptions=2, by="clerk", at=AT)
        assert uow.payment_exceptions.add_open(file.id, [
            Finding("WG-1-1-X", "amount-mismatch", Decimal("1.01"), "差 0.01"),
            Finding("-", "not-our-account", None, "another account")], AT) == 2
        uow.commit()
    with db_store.transaction() as uow:
        assert uow.accounts.pending() == [proposed] and uow.accounts.count_pending() == 1
        assert uow.accounts.of_unit(cycle_id, proposed.uscc, "active") == []
        verified = proposed.verify("clerk-wang", AT, accept=True, note="checked")
        assert uow.accounts.save(proposed, verified)
        assert not uow.accounts.save(proposed, proposed.verify("clerk-li", AT, accept=False, note="stale"))
        assert uow.accounts.active_of_cycle(cycle_id) == [verified]
        assert uow.bank_files.find("in", "ab" * 32) == file and uow.bank_files.find("out", "ab" * 32) is None
        assert uow.bank_files.of_direction("in") == [file]
        listed = uow.payment_exceptions.open()
        assert [(e.issue, e.amount, e.status) for e in listed] == [
            ("amount-mismatch", Decimal("1.01"), "open"), ("not-our-account", None, "open")]
        assert uow.payment_exceptions.save(listed[0], listed[0].resolve("clerk", AT, "done"))
        assert uow.payment_exceptions.count_open() == 1
        uow.commit()
