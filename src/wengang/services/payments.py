"""Payment batches: prepared per bank from re-verified cases, approved by other people, written as bank files."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from wengang.config import Settings
from wengang.domain.audit import Draft
from wengang.domain.bank_files import PAIN001_V09, Debtor, WrittenFile, is_csv
from wengang.domain.cases import State, require
from wengang.domain.errors import ConcurrentChange, Refused
from wengang.domain.identifiers import mask_account
from wengang.domain.ledger import MOVES, Kind
from wengang.domain.payment_batches import BatchStatus, PaymentBatch, band_of
from wengang.domain.payments import PaymentInstruction
from wengang.domain.ports import Analytics, Attempt, Banks, Payable, Store, UnitOfWork
from wengang.domain.progress import Progress, Silent
from wengang.rules.programmes import PROGRAMMES
from wengang.services import combination
from wengang.services.accounts import Account, snapshot_accounts, verified_accounts
from wengang.services.casework import bulk_work

FINAL = ("rejected", "returned", "cancelled")     # an attempt after which the case may have another
UNIT_NAME = "单位名称"                               # how a PaymentInstruction's unit-name refusal begins


@dataclass
class Prepared:
    """What a preparation made: the batches, and every case it could not put in one, with why."""

    batches: list[PaymentBatch] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class Cancelled(NamedTuple):
    """A cancelled batch and how many of its payments the cancellation ended."""

    batch: PaymentBatch
    cancelled: int


class BatchDetail(NamedTuple):
    """A batch with its attempts counted by status: (how many, how much) each."""

    batch: PaymentBatch
    attempts: dict[str, tuple[int, Decimal]]


class Payee(NamedTuple):
    """One payment of a batch as an approver reads it: who is paid, how much, where to (account masked)."""

    case_id: int
    attempt_no: int
    uscc: str
    unit_name: str
    amount: Decimal
    bank_code: str
    account: str
    account_name: str
    status: str


class BatchPayees(NamedTuple):
    """A page of a batch's payees matching a search, with how many match, their money, and the page's place."""

    batch: PaymentBatch
    rows: list[Payee]
    matches: int
    amount: Decimal
    page: int
    pages: int
    search: str


PAGE_SIZE = 50


def bank_of(bank_code: str) -> str:
    """The bank a CNAPS branch code belongs to: its first three digits (102 ICBC, 103 ABC, 104 BOC …)."""
    return bank_code[:3]


def find(uow: UnitOfWork, ref: str | int, *, lock: bool = False) -> PaymentBatch:
    """A payment batch by its number (C1-B102-1) or its id."""
    return uow.payment_batches.by_ref(ref, lock=lock)


CHUNK = 50_000      # payable cases read, planned and stored at a time: a nation's millions are never held at once


def prepare_batches(cycle_id: int, *, store: Store, analytics: Analytics, settings: Settings, by: str,
                    execution_date: dt.date | None = None, progress: Progress | None = None) -> Prepared:
    """One batch per bank of every payable case: first attempts and re-issues to a newly verified account. The cases
    are read a chunk at a time in one transaction; a bank's batch is made the first time a chunk has a payment for
    it, each chunk's payments join it, and its count, total and approvals are set once every chunk is in."""
    progress = progress or Silent()
    progress.step("准备支付批次 / preparing payment batches")
    out = Prepared()
    skipped: list[tuple[int, str, str]] = []
    states = [State.REVERIFIED, State.FAILED]
    with store.transaction() as uow, bulk_work():
        uow.cycles.get(cycle_id, lock=True)
        combination.enforce(uow, cycle_id, by=by, paying=True)     # again before payment: never paid twice
        verified = verified_accounts(uow, cycle_id)                 # few: one dict for the cycle
        runs = uow.cases.payable_runs(cycle_id, states)
        opened: dict[str, _Open] = {}
        for chunk in uow.cases.payable_chunks(cycle_id, states, CHUNK):
            last = _last_attempts(uow, [c.id for c in chunk])
            wanted = dict.fromkeys(c.uscc for c in chunk if c.state is State.REVERIFIED and c.uscc not in verified
                                   and _may_pay(last.get(c.id)))        # a failed case waits for a verified one
            fallback = snapshot_accounts(analytics, runs, list(wanted))
            groups: dict[str, list[_Planned]] = defaultdict(list)
            for case in chunk:
                before = last.get(case.id)
                account, why = _account(case, before, verified, fallback)
                if account is None:
                    if why:
                        skipped.append((case.id, case.uscc, why))
                    continue
                groups[bank_of(account.bank_code)].append(
                    _Planned(case, (before.attempt_no + 1) if before else 1, account))
            for bank, planned in sorted(groups.items()):
                _add_chunk(uow, cycle_id, bank, planned, opened, settings, by, execution_date, skipped)
        out.batches = [_finish(uow, opened[bank], settings, by) for bank in sorted(opened)]
        uow.commit()
    out.skipped = [(uscc, why) for _, uscc, why in sorted(skipped)]    # in case order, whichever check left it out
    return out


def _last_attempts(uow: UnitOfWork, case_ids: list[int]) -> dict[int, Attempt]:
    last: dict[int, Attempt] = {}
    for a in uow.payments.attempts(case_ids=case_ids):
        if a.case_id not in last or a.attempt_no > last[a.case_id].attempt_no:
            last[a.case_id] = a
    return last


def _may_pay(last: Attempt | None) -> bool:
    """No live attempt: the case may have another (only such a case needs an account looked up)."""
    return last is None or last.status in FINAL


class _Planned(NamedTuple):
    """A case on its way into a batch: its next attempt number and the account it goes to (not yet checked)."""

    case: Payable
    attempt: int
    account: Account


@dataclass
class _Open:
    """A bank's batch while chunks join it: the row as first stored, and what went into it so far."""

    batch: PaymentBatch
    bank: str
    stored: tuple[int, Decimal]
    entries: int = 0
    total: Decimal = Decimal("0.00")


def _account(case: Payable, last: Attempt | None, verified: dict[str, Account],
             fallback: dict[str, Account]) -> tuple[Account | None, str | None]:
    """The account a case's next attempt goes to, or None (with a reason where staff must act; silent where it simply
    waits)."""
    if not _may_pay(last):
        return None, None                                   # a live attempt: never a second one
    account = verified.get(case.uscc)
    if case.state is State.FAILED and (account is None or (
            last is not None and account.created_at is not None and last.settled_at is not None
            and account.created_at <= last.settled_at)):
        return None, None                                   # waits for a corrected, verified account
    account = account or fallback.get(case.uscc)
    if account is None:
        return None, "无可用账户 / no usable account"
    if case.amount <= 0:
        return None, "金额为零 / nothing to pay"
    return account, None


def _instruction(p: _Planned) -> PaymentInstruction:
    """The checked instruction of a planned attempt (ValueError names what is wrong with it)."""
    c, a = p.case, p.account
    return PaymentInstruction(c.id, p.attempt, c.uscc, c.name, a.bank_code, a.account_no, a.account_name, c.amount)


def _checked(planned: list[_Planned], skipped: list[tuple[int, str, str]]) -> Iterator[PaymentInstruction]:
    """The planned attempts as checked instructions, lazily; a case whose check fails is left out, with why (staff
    must mend its account)."""
    for p in planned:
        try:
            yield _instruction(p)
        except ValueError as err:
            why = "单位名称不能写入银行文件 / the unit name cannot go into a bank file" \
                if str(err).startswith(UNIT_NAME) else "账户不可用 / unusable account"
            skipped.append((p.case.id, p.case.uscc, f"{why}: {err}"))


def _add_chunk(uow: UnitOfWork, cycle_id: int, bank: str, planned: list[_Planned], opened: dict[str, _Open],
               settings: Settings, by: str, execution_date: dt.date | None,
               skipped: list[tuple[int, str, str]]) -> None:
    """A chunk's attempts for one bank, into its batch; each attempt is checked as an instruction while the database
    stores the ones before it (a bulk insert streams). The bank's batch row is made at its first good instruction
    (a batch is never empty), with this chunk's planned count and total; `_finish` corrects them."""
    checked = _checked(planned, skipped)
    head = next(checked, None)
    if head is None:
        return
    if bank not in opened:
        number = PaymentBatch.number_for(cycle_id, bank, uow.payment_batches.count_of_bank(cycle_id, bank) + 1)
        total = sum((p.case.amount for p in planned), Decimal("0.00"))
        batch = uow.payment_batches.add(
            cycle_id=cycle_id, number=number, bank_code=bank, entries=len(planned),
            file_format=settings.bank_formats.get(bank, PAIN001_V09), total=total, status="prepared",
            approvals_needed=band_of(total, settings.approval_bands).approvers, prepared_by=by,
            prepared_at=uow.now(), execution_date=execution_date)
        opened[bank] = _Open(batch, bank, (len(planned), total))
    into = opened[bank]
    batch_id = into.batch.id
    now = uow.now()

    def rows() -> Iterator[tuple]:
        for p in chain([head], checked):
            into.entries += 1
            into.total += p.amount
            yield (p.case_id, p.attempt, batch_id, p.end_to_end_id, p.uscc, p.unit_name, p.amount, p.bank_code,
                   p.account_no, p.account_name, "prepared", None, now, None)

    uow.payments.add_attempts(rows())


def _finish(uow: UnitOfWork, into: _Open, settings: Settings, by: str) -> PaymentBatch:
    """The batch with the count, total and approvals of every chunk's attempts, and its audit entry."""
    batch, number, entries, total = into.batch, into.batch.number, into.entries, into.total
    band = band_of(total, settings.approval_bands)
    if (entries, total) != into.stored:
        counted = batch.recount(entries, total, band.approvers)
        if not uow.payment_batches.save(batch, counted):
            raise ConcurrentChange(f"批次 {number} / batch {number}")
        batch = counted
    uow.audit.append([Draft(by, "payment_batch_prepared", f"payment_batch:{number}", None, None, "prepared",
                            f"准备支付批次 / prepared {entries} payments, {total} yuan",
                            {"entries": entries, "total": str(total), "bank": into.bank,
                             "approvals_needed": band.approvers, "band_reference": band.reference})])
    return batch


def approve_batch(ref: str | int, *, store: Store, settings: Settings, by: str) -> PaymentBatch:
    """Four eyes (six or eight in the higher amount bands): the preparer cannot approve, nor an approver twice; the
    last approval its band needs releases the money."""
    with store.transaction() as uow, bulk_work():
        batch = find(uow, ref, lock=True)
        approved = batch.approve(by, uow.now())            # refused unless prepared, and never by the same person
        refused = uow.payments.formula_names(batch.id)
        if refused:
            units = ", ".join(f"{uscc} (案件 / case {case_id})" for case_id, uscc in refused[:10])
            raise Refused(f"批次 {batch.number} 中 {len(refused)} 笔的名称会被当作公式, 银行文件不收: {units}; 请作废"
                          f"本批次并更正名称 / {len(refused)} payments of batch {batch.number} have a name that "
                          f"starts like a formula, which the bank files refuse: {units}; cancel the batch and "
                          "correct the names")
        if not uow.payment_batches.save(batch, approved):
            raise Refused(f"批次 {batch.number} 已被他人处理 / batch {batch.number} was changed meanwhile")
        if approved.status == BatchStatus.PREPARED:
            n, of = len(approved.approvers), approved.approvals_needed
            uow.audit.append([Draft(by, "payment_batch_approved", f"payment_batch:{batch.number}", None,
                                    "prepared", "prepared", f"第 {n}/{of} 位审批人 / approval {n} of {of}; "
                                    "another approver is needed", {"total": str(batch.total)})])
            uow.commit()
            return approved
        _release(uow, batch, by)
        uow.commit()
    return approved


def _release(uow: UnitOfWork, batch: PaymentBatch, by: str) -> None:
    """Attempts go live, the fund commits their money (ledger), and their cases move to approved or reissued."""
    released = uow.payments.release(batch.id)
    reissued = reissues(uow, released)
    moves = {n: (before, require(before, after)) for n, (before, after) in _RELEASE_MOVES.items()}
    words = {first: (before.value, after.value) for first, (before, after) in moves.items()}
    reason = f"批次 {batch.number} 审批通过 / approved for payment in batch {batch.number}"
    audited = uow.audit.append_soon(
        Draft(by, "payment_approved", f"case:{a.case_id}", a.case_id, *words[a.id not in reissued], reason,
              {"uscc": a.uscc, "amount": str(a.amount), "payment": a.end_to_end_id}) for a in released)
    source, target, _, _ = MOVES[Kind.APPROVE]
    # What went live is the batch's pending attempts: posted straight from the batch (no list of ids to send).
    if uow.payments.post_batch(Kind.APPROVE.value, source.value, target.value, batch.id, "pending",
                               f"batch:{batch.number}") != len(released):
        raise ConcurrentChange(f"批次 {batch.number} / batch {batch.number}")
    uow.cases.move_each(((a.case_id, *moves[a.id not in reissued]) for a in released), reason)
    audited()


# A first payment takes a re-verified case to approved; a re-issue takes a failed one to reissued.
_RELEASE_MOVES = {True: (State.REVERIFIED, State.APPROVED), False: (State.FAILED, State.REISSUED)}


def reissues(uow: UnitOfWork, attempts) -> set[int]:
    """The ids of the attempts that re-issue a failed payment: an earlier attempt of the case went to the bank. A
    later attempt whose earlier ones were all cancelled (their batch never left) is still the case's first payment."""
    later = [a for a in attempts if a.attempt_no > 1]           # rare: only these need a look at the case's history
    if not later:
        return set()
    went: dict[int, list[int]] = defaultdict(list)
    for e in uow.payments.attempts(case_ids=sorted({a.case_id for a in later})):
        if e.status != "cancelled":
            went[e.case_id].append(e.attempt_no)
    return {a.id for a in later if any(n < a.attempt_no for n in went[a.case_id])}


def send_back_batch(ref: str | int, *, store: Store, by: str, reason: str) -> PaymentBatch:
    """An approver sends a batch waiting for approval back to its preparer with a reason: no money moves, its
    payments wait until the preparer cancels it and prepares again (refused once it is released, or by its preparer)."""
    with store.transaction() as uow:
        batch = find(uow, ref, lock=True)
        back = batch.send_back(by, uow.now(), reason.strip())
        if not uow.payment_batches.save(batch, back):
            raise ConcurrentChange(f"批次 {batch.number} / batch {batch.number}")
        uow.audit.append([Draft(by, "payment_batch_sent_back", f"payment_batch:{batch.number}", None,
                                batch.status, back.status, reason.strip(),
                                {"entries": batch.entries, "total": str(batch.total),
                                 "approved_by": list(batch.approvers), "prepared_by": batch.prepared_by})])
        uow.commit()
    return back


def cancel_batch(ref: str | int, *, store: Store, by: str, reason: str) -> Cancelled:
    """A batch whose file never left is cancelled: its attempts end, approved money goes back to the fund (ledger),
    and its cases wait for a new batch (a first attempt back to re-verified, a re-issue back to failed)."""
    if not reason.strip():
        raise Refused("须写明作废原因 / say why the batch is cancelled")
    with store.transaction() as uow, bulk_work():
        batch = find(uow, ref, lock=True)
        number, was = batch.number, batch.status
        cancelled = batch.cancel(by, uow.now(), reason)     # refused once its file has left
        ended = uow.payments.cancel(batch.id, "pending" if was == BatchStatus.APPROVED else "prepared")
        if was == BatchStatus.APPROVED:
            _return_to_fund(uow, number, ended, by, reason)
        if not uow.payment_batches.save(batch, cancelled):
            raise ConcurrentChange(f"批次 {number} / batch {number}")
        uow.audit.append([Draft(by, "payment_batch_cancelled", f"payment_batch:{number}", None, was, "cancelled",
                                reason, {"payments": len(ended), "total": str(sum((a.amount for a in ended),
                                                                                  Decimal("0.00")))})])
        uow.commit()
    return Cancelled(cancelled, len(ended))


def _return_to_fund(uow: UnitOfWork, number: str, ended: list, by: str, reason: str) -> None:
    """Approved money of a cancelled batch back to the fund, and each case back to where it waited before."""
    source, target, _, _ = MOVES[Kind.CANCEL]
    uow.payments.post_whole(Kind.CANCEL.value, source.value, target.value, [a.id for a in ended], f"cancel:{number}")
    moves = {first: (after, require(after, before)) for first, (before, after) in _RELEASE_MOVES.items()}
    why = f"批次 {number} 作废 / batch {number} cancelled: {reason}"
    reissued = reissues(uow, ended)
    uow.cases.move_each(((a.case_id, *moves[a.id not in reissued]) for a in ended), why)
    back = {a.id: moves[a.id not in reissued] for a in ended}          # each attempt's case: from, to
    uow.audit.append([Draft(by, "payment_cancelled", f"case:{a.case_id}", a.case_id, back[a.id][0].value,
                            back[a.id][1].value, why,
                            {"uscc": a.uscc, "amount": str(a.amount), "payment": a.end_to_end_id}) for a in ended])


def write_files(ref: str | int, *, store: Store, banks: Banks, settings: Settings, out_dir: Path,
                by: str) -> WrittenFile:
    """The batch's bank file, byte for byte the same each time it is written (so a resend is recognisable)."""
    with bulk_work():
        batch, job = _file_job(ref, store=store, banks=banks, settings=settings, out_dir=out_dir)
        written = _write_file(job, store)
    _record_sent(store, batch, written, by)
    return written


def write_all_files(refs: Sequence[str | int], *, store: Store, banks: Banks, settings: Settings, out_dir: Path,
                    by: str, workers: int | None = None, progress: Progress | None = None) -> list[WrittenFile]:
    """Each batch's file as write_files writes it, in order; checking, rendering and XSD validation (most of the
    time for a 100,000-payment file) run in worker processes while the next batch is read."""
    progress = progress or Silent()
    progress.step(f"写出并校验银行文件 / writing and validating {len(refs)} bank files")
    progress.advance(0, len(refs))
    workers = min(len(refs), workers or os.cpu_count() or 1)
    written: list[WrittenFile] = []
    if workers <= 1:
        for ref in refs:
            written.append(write_files(ref, store=store, banks=banks, settings=settings, out_dir=out_dir, by=by))
            progress.advance(len(written), len(refs))
        return written
    with ProcessPoolExecutor(workers) as pool, bulk_work():
        futures = []
        try:
            for ref in refs:
                batch, job = _file_job(ref, store=store, banks=banks, settings=settings, out_dir=out_dir)
                futures.append((batch, pool.submit(_write_file, job)))
        finally:   # what was read is recorded in order, as one write_files after another would (first error raised)
            for batch, future in futures:
                done = future.result()
                _record_sent(store, batch, done, by)
                written.append(done)
                progress.advance(len(written), len(refs))
    return written


@dataclass(frozen=True)
class _FileJob:
    """What one bank file is made of: the batch's header facts, how to open the store to read its payments (a worker
    process reads them itself, so half a million rows never cross between processes), and what writes the file."""

    number: str
    batch_id: int
    fmt: str
    path: Path
    opener: Callable[[], Store]
    remittance: str
    debtor: Debtor | None
    created: dt.datetime | None
    execution_date: dt.date | None
    banks: Banks


def remittance_words(program: str) -> str:
    """What the unit reads on its bank statement: the programme's name (a cycle labelled otherwise: 稳岗返还)."""
    found = PROGRAMMES.get(program)
    return found.name[0] if found is not None else "稳岗返还"


def _file_job(ref: str | int, *, store: Store, banks: Banks, settings: Settings,
              out_dir: Path) -> tuple[PaymentBatch, _FileJob]:
    with store.reading() as uow:
        batch = find(uow, ref)
        program = uow.cycles.get(batch.cycle_id).program
    batch.check_file()                                      # only an approved (or sent) batch gets a file
    fmt, number = batch.file_format, batch.number
    remittance = f"{remittance_words(program)} 周期{batch.cycle_id} {number}"
    if is_csv(fmt):
        return batch, _FileJob(number, batch.id, fmt, out_dir / f"{number}.csv", store.opener(), remittance,
                               None, None, None, banks)
    created = batch.second_approved_at or batch.approved_at
    if created is None or batch.execution_date is None:    # set by approval, which check_file required
        raise Refused(f"批次 {number} 未经审批 / batch {number} was never approved")
    debtor = Debtor(settings.fund_account_no, settings.fund_bank_code, settings.fund_name)
    return batch, _FileJob(number, batch.id, fmt, out_dir / f"{number}.{fmt}.xml", store.opener(), remittance,
                           debtor, created.replace(microsecond=0), batch.execution_date, banks)


def _write_file(job: _FileJob, store: Store | None = None) -> WrittenFile:
    """Read the batch's payments, check each again as an instruction, render, validate against the XSD, write
    atomically (in a worker process, on a store of its own)."""
    source = job.opener() if store is None else store
    try:
        with source.reading() as uow:
            rows = [(a.case_id, a.attempt_no, a.uscc, a.unit_name, a.bank_code, a.account_no, a.account_name,
                     a.amount, a.end_to_end_id) for a in uow.payments.attempts(batch_id=job.batch_id)
                    if a.status != "cancelled"]
    finally:
        if store is None:
            source.close()
    with bulk_work():
        payments = []
        for r in rows:
            try:
                payments.append(PaymentInstruction(*r[:8]))
            except ValueError as err:
                raise Refused(f"批次 {job.number} 不能写成银行文件: 案件 {r[0]} 单位 {r[2]} ({err}); 请作废本批次 (wengang "
                              f"batch cancel {job.number}), 更正后重新准备 / batch {job.number} cannot be written: "
                              f"case {r[0]}, unit {r[2]}: {err}; cancel the batch, correct it and prepare again") \
                    from None
    if any(p.end_to_end_id != r[8] for p, r in zip(payments, rows, strict=True)):
        raise Refused(f"批次 {job.number} 的端到端编号与案件不符 / stored end-to-end ids do not match their cases")
    if job.debtor is None:
        return job.banks.write_csv(job.path, payments, job.remittance, job.number)
    assert job.created is not None and job.execution_date is not None     # _file_job sets them with the debtor
    return job.banks.write_pain001(job.path, batch_id=job.number, payments=payments, debtor=job.debtor,
                                   created=job.created, execution_date=job.execution_date,
                                   remittance=job.remittance, message=job.fmt)


def _record_sent(store: Store, batch: PaymentBatch, written: WrittenFile, by: str) -> None:
    with store.transaction() as uow:
        if uow.bank_files.find("out", written.sha256) is not None:
            return                                          # the same bytes again: nothing new to record
        uow.bank_files.add(direction="out", message=written.message, batch_id=batch.id, name=written.path.name,
                           sha256=written.sha256, records=written.count, applied=0, exceptions=0, by=by,
                           at=uow.now())
        if not uow.payment_batches.save(batch, batch.mark_sent(written.path.name, written.sha256, uow.now())):
            raise ConcurrentChange(f"批次 {batch.number} / batch {batch.number}")
        uow.audit.append([Draft(by, "payment_file_written", f"payment_batch:{batch.number}", None,
                                batch.status, "sent", f"{written.message} {written.path.name}",
                                {"sha256": written.sha256, "count": written.count,
                                 "total": str(written.control_sum)})])
        uow.commit()


def list_batches(*, store: Store, cycle_id: int | None = None) -> list[PaymentBatch]:
    """The payment batches of one cycle (or of all), oldest first."""
    with store.reading() as uow:
        return uow.payment_batches.of_cycle(cycle_id) if cycle_id is not None else uow.payment_batches.all()


def batch_payees(ref: str | int, *, store: Store, search: str = "", page: int = 1,
                 size: int = PAGE_SIZE) -> BatchPayees:
    """One page of a batch's payees: searched by unit name (contains) or credit code (starts with), with the count
    and money of every match; accounts masked before they leave the service. A page past the end shows the last."""
    with store.reading() as uow:
        batch = find(uow, ref)
        page = max(1, page)
        found = uow.payments.batch_page(batch.id, search=search, offset=(page - 1) * size, limit=size)
        pages = max(1, -(-found.matches // size))
        if page > pages:                                    # past the end: the last page, not an empty one
            page = pages
            found = uow.payments.batch_page(batch.id, search=search, offset=(page - 1) * size, limit=size)
    rows = [Payee(a.case_id, a.attempt_no, a.uscc, a.unit_name, a.amount, a.bank_code, mask_account(a.account_no),
                  a.account_name, a.status) for a in found.rows]
    return BatchPayees(batch, rows, found.matches, found.amount, page, pages, search.strip())


def batch_detail(ref: str | int, *, store: Store) -> BatchDetail:
    """A batch with its attempts counted by status (accounts never leave the database unmasked)."""
    with store.reading() as uow:
        batch = find(uow, ref)
        counts: dict[str, list] = defaultdict(lambda: [0, Decimal("0.00")])
        for a in uow.payments.attempts(batch_id=batch.id):
            counts[a.status][0] += 1
            counts[a.status][1] += a.amount
    return BatchDetail(batch, {k: (n, amount) for k, (n, amount) in counts.items()})
