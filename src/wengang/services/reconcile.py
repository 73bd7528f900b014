"""Bank returns: each file read once, each status applied once, failures credited back and the unit told."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from wengang.config import RECOVERY_DAYS, Settings
from wengang.domain.audit import Draft
from wengang.domain.bank_files import CSV, BankAnswer, BankFileError, is_csv
from wengang.domain.cases import Case, State, require
from wengang.domain.errors import Refused
from wengang.domain.ledger import MOVES, Kind
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.payment_records import Finding, PaymentException
from wengang.domain.payments import PaymentStatus, StatusRecord
from wengang.domain.ports import Banks, Sent, Store, UnitOfWork
from wengang.domain.progress import Progress, Silent
from wengang.domain.reconciliation import Expected, Issue, Reconciliation, Update, reconcile
from wengang.messages import render
from wengang.services.casework import bulk_work
from wengang.services.notify import Notice, message, notify_all
from wengang.services.payments import reissues

ISSUED = ("pending", "paid", "rejected", "returned")     # an attempt the bank can know of (prepared: never sent)
P = PaymentStatus
# What each status change posts, in order: failed money goes straight back to the fund (refund).
POSTINGS = {(P.PENDING, P.PAID): (Kind.PAY,), (P.PENDING, P.REJECTED): (Kind.REJECT, Kind.REFUND),
            (P.PENDING, P.RETURNED): (Kind.PAY, Kind.RETURN, Kind.REFUND), (P.PAID, P.RETURNED): (Kind.RETURN, Kind.REFUND)}


@dataclass
class Ingested:
    """One bank file as read: what it said, what changed, and what was set aside for a person."""

    name: str
    message: str
    already_read: bool = False
    records: int = 0
    applied: dict[str, int] = field(default_factory=dict)
    exceptions: list[Finding] = field(default_factory=list)
    group_status: str | None = None


class Recovered(NamedTuple):
    """A failed case whose money was recovered to the fund."""

    case_id: int
    uscc: str
    amount: Decimal


def read_records(path: Path, settings: Settings, banks: Banks) -> BankAnswer:
    """A pain.002, camt.054 (entries on the fund's account only) or the CSV layout, read after validation."""
    return banks.read_answer(path, account_no=settings.fund_account_no, bank_code=settings.fund_bank_code)


def ingest(paths: list[Path], *, store: Store, banks: Banks, settings: Settings, by: str,
           progress: Progress | None = None, workers: int | None = None) -> list[Ingested]:
    """Read each file (validated first), then apply it in one transaction; a file read before changes nothing.

    Status reports (and CSV) first, then settlement notices, and within each, files with returns last: the order
    the bank's events happened in. A file is applied as soon as it and everything before it are read, while worker
    processes read the next ones."""
    progress = progress or Silent()
    ordered = sorted(paths, key=lambda p: banks.message_of(p).startswith("camt"))
    done: list[Ingested] = []
    held: list[tuple[Path, tuple[str, BankAnswer]]] = []      # files with returns wait for the rest of their kind
    camt = False

    def apply(path: Path, read: tuple[str, BankAnswer]) -> Ingested:
        return _apply_file(path, *read, store=store, by=by, recovery_days=settings.recovery_days,
                           url=settings.public_url)

    with bulk_work():
        try:
            for path, read in zip(ordered, _read_all(ordered, settings, banks, progress, workers), strict=True):
                is_camt = read[1].message.startswith("camt")
                if is_camt != camt:
                    done += [apply(*h) for h in held]
                    held, camt = [], is_camt
                if any(x.status is P.RETURNED for x in read[1].records):
                    held.append((path, read))
                else:
                    done.append(apply(path, read))
        except (BankFileError, Refused) as err:
            applied = [d.name for d in done if not d.already_read]
            if not applied:
                raise                               # nothing was applied: the refusal as it is
            raise Refused(f"{err}\n此前的文件已各自入账 / applied before it, each file on its own: "
                          f"{', '.join(applied)}; 修正后重新运行全部文件即可, 已读文件不会重复入账 / fix it and run "
                          "all the files again: those already read are recognised and change nothing") from err
        done += [apply(*h) for h in held]
    return done


PARALLEL_BYTES = 16 << 20      # below this, starting worker processes costs more than it saves


def _read_all(paths: list[Path], settings: Settings, banks: Banks, progress: Progress,
              workers: int | None) -> Iterator[tuple[str, BankAnswer]]:
    """Every file hashed, read and XSD-validated, in order, as each is ready; many large files in worker
    processes."""
    workers = min(len(paths), workers or os.cpu_count() or 1)
    if workers <= 1 or sum(p.stat().st_size for p in paths) < PARALLEL_BYTES:
        for path in paths:
            progress.step(f"读取银行回执 / reading {path.name}")
            yield banks.sha256_of(path), read_records(path, settings, banks)
        return
    progress.step(f"读取银行回执 / reading {len(paths)} files in {workers} processes")
    with ProcessPoolExecutor(workers) as pool:
        for sha, answer, rows in pool.map(_read_plain, paths, [settings] * len(paths), [banks] * len(paths)):
            yield sha, replace(answer, records=_records(rows))


def _read_plain(path: Path, settings: Settings, banks: Banks) -> tuple[str, BankAnswer, list[tuple]]:
    """Hash and read_records in a worker, its records as plain tuples: they cross between processes far faster."""
    with bulk_work():
        sha = banks.sha256_of(path)
        answer = read_records(path, settings, banks)
    return sha, replace(answer, records=[]), [
        (r.end_to_end_id, r.status.value, None if r.amount is None else str(r.amount), r.reason, r.booking_date,
         r.source, r.batch) for r in answer.records]


def _records(rows: list[tuple]) -> list[StatusRecord]:
    statuses = {s.value: s for s in PaymentStatus}
    return [StatusRecord(e2e, statuses[status], None if amount is None else Decimal(amount), reason, booked, source,
                         batch) for e2e, status, amount, reason, booked, source, batch in rows]


def _apply_file(path: Path, sha: str, answer: BankAnswer, *, store: Store, by: str,
                recovery_days: int = RECOVERY_DAYS, url: str = "") -> Ingested:
    records = answer.records
    result = Ingested(path.name, answer.message, records=len(records), group_status=answer.group_status)
    with store.transaction() as uow, bulk_work():
        if uow.bank_files.find("in", sha) is not None:
            result.already_read = True
            return result
        attempts = {a.end_to_end_id: a for a in uow.payments.sent([r.end_to_end_id for r in records])}
        batches = {b: uow.payment_batches.get(b) for b in {a.batch_id for a in attempts.values()}}
        wrong_file = _wrong_file(uow, answer)
        if wrong_file is None:
            expected = _expected(attempts, batches, answer.message)
            rec = reconcile(expected, records)
        else:
            rec = Reconciliation()
        file_id = uow.bank_files.add(
            direction="in", message=answer.message, batch_id=None, name=path.name, sha256=sha, records=len(records),
            applied=len(rec.updates), exceptions=len(rec.discrepancies), by=by, at=uow.now()).id

        def whole_file(issue: Issue, detail: str) -> Finding:
            return Finding("-", issue.value, None, detail)

        result.exceptions = [Finding(d.end_to_end_id, d.issue.value, d.record.amount, d.detail)
                             for d in rec.discrepancies]
        if wrong_file is not None:
            result.exceptions.append(whole_file(*wrong_file))
        if answer.group_status == "RJCT" and not records:
            result.exceptions.append(whole_file(Issue.FILE_REJECTED, f"银行整批拒绝 / the bank refused the whole "
                                                                     f"file: {answer.group_reason}"))
        result.exceptions += [whole_file(Issue.NOT_OURS, f"{path.name} {why}") for why in answer.set_aside]
        uow.payment_exceptions.add_open(file_id, result.exceptions, uow.now())
        packs = {b.id: uow.cycles.get(b.cycle_id).pack for b in batches.values()}
        result.applied = _apply_updates(uow, rec.updates, attempts, f"{answer.message}:{path.name}", by,
                                        recovery_days, url, packs)
        uow.audit.append([Draft(by, "bank_file_read", f"bank_file:{file_id}", None, None, None,
                                f"{answer.message} {path.name}", {"sha256": sha, "records": len(records),
                                                                  "applied": len(rec.updates),
                                                                  "exceptions": len(result.exceptions)})])
        uow.commit()
    return result


def _wrong_file(uow: UnitOfWork, answer: BankAnswer) -> tuple[Issue, str] | None:
    """Why a status report as a whole answers no file we sent (nothing in it is applied), or None."""
    if answer.original is None:
        return None
    message_id, message_name, count, total = answer.original
    batch = uow.payment_batches.numbered(message_id) if message_id else None
    if batch is None or batch.status != "sent":
        zh, en = ("从未发出", "was never sent") if batch else ("不是本系统的批次", "is not one of our batches")
        return Issue.UNKNOWN_ORIGINAL, (f"回执所答文件 {message_id} {zh}, 未入账 / the report answers {message_id}, "
                                        f"which {en}: nothing in it was applied")
    stated = {"报文类型 / message type": (message_name, batch.file_format), "笔数 / count": (count, batch.entries),
              "总额 / control sum": (total, batch.total)}
    differ = [f"{what}: {said} ≠ {ours}" for what, (said, ours) in stated.items() if said is not None and said != ours]
    if differ:
        return Issue.CONTROL_MISMATCH, f"回执与批次 {message_id} 的文件不符 / the report does not match the file of " \
                                       f"batch {message_id} ({'; '.join(differ)}); nothing in it was applied"
    return None


def _expected(attempts: dict[str, Sent], batches: dict[int, PaymentBatch], message: str) -> dict[str, Expected]:
    """Each named attempt as this file may find it; where its batch never left, or left in a format this kind of
    file does not answer, the reason travels with it and the record is set aside."""
    refusals: dict[int, tuple[Issue, str] | None] = {}
    for batch_id, b in batches.items():
        number, fmt = b.number, b.file_format
        if b.status != "sent":
            refusals[batch_id] = (Issue.NOT_SENT, f"批次 {number} 为 {b.status}, 从未发出银行文件 / batch "
                                                  f"{number} is {b.status}: its file was never sent")
        elif not _answers(message, fmt):
            refusals[batch_id] = (Issue.WRONG_FORMAT, f"{message} 不能答复以 {fmt} 发出的批次 {number} / a {message} "
                                                      f"cannot answer batch {number}, sent as {fmt}")
        else:
            refusals[batch_id] = None
    never = {batch_id: refusal or (Issue.NOT_SENT, f"批次 {batches[batch_id].number} 中该笔支付未发出 / the "
                                                     "payment was never sent") for batch_id, refusal in refusals.items()}
    out = {}
    for e, a in attempts.items():
        if a.status in ISSUED:
            out[e] = Expected(a.amount, P(a.status), batches[a.batch_id].number, refusals[a.batch_id])
        else:                                       # prepared or cancelled: no bank can know of it
            out[e] = Expected(a.amount, P.PENDING, batches[a.batch_id].number, never[a.batch_id])
    return out


def _answers(message: str, file_format: str) -> bool:
    """A status report answers a pain.001; the CSV status layout answers a CSV file; a camt.054 on the fund's
    account may tell of any payment that left it."""
    if message.startswith("camt.054"):
        return True
    if message == CSV:
        return is_csv(file_format)
    return file_format.startswith("pain.001")


class _Route(NamedTuple):
    """What one kind of status change does: its ledger legs, its case move and the words its audit entry uses."""

    kinds: tuple[Kind, ...]
    before: State
    after: State
    event: str
    words: tuple[str, str]


def _route(before: P, after: P, first: bool) -> _Route:
    """The route of a status change, its case move checked against the lifecycle once (not once per payment)."""
    case_before = State.PAID if before is P.PAID else (State.APPROVED if first else State.REISSUED)
    case_after = require(case_before, State.PAID if after is P.PAID else State.FAILED)
    return _Route(POSTINGS[before, after], case_before, case_after, f"payment_{after.value}",
                  (case_before.value, case_after.value))


def _apply_updates(uow: UnitOfWork, updates: list[Update], attempts: dict[str, Sent], source: str,
                   by: str, recovery_days: int, url: str, packs: dict[int, str]) -> dict[str, int]:
    """Attempt statuses, ledger postings, case moves and notices for every accepted change, in bulk."""
    now = uow.now()
    drafts, notices = [], []
    posted: dict[Kind, list[int]] = {kind: [] for kind in Kind}
    routes: dict[tuple[P, P, bool], _Route] = {}
    moved: dict[_Route, list[int]] = defaultdict(list)
    reissued = reissues(uow, [attempts[u.end_to_end_id] for u in updates])
    for u in updates:
        a = attempts[u.end_to_end_id]
        key = (u.before, u.after, a.id not in reissued)
        route = routes.get(key) or routes.setdefault(key, _route(*key))
        for kind in route.kinds:
            posted[kind].append(a.id)
        moved[route].append(a.case_id)
        drafts.append(Draft(by, route.event, f"case:{a.case_id}", a.case_id, *route.words, _reason(u),
                            {"uscc": a.uscc, "amount": str(a.amount), "payment": a.end_to_end_id, "source": source}))
        if route.after is State.FAILED:
            notices.append(_failure_notice(a, now, recovery_days, u.reason, url, packs[a.batch_id]))
    audited = uow.audit.append_soon(drafts)            # hashed while the statements below run
    uow.payments.set_status(((attempts[u.end_to_end_id].id, u.before.value, u.after.value, u.reason)
                             for u in updates), settled=True)
    # One statement per kind, in the order an attempt's legs follow (pay, then reject or return, then refund).
    for kind in (Kind.PAY, Kind.REJECT, Kind.RETURN, Kind.REFUND):
        source_account, target, _, _ = MOVES[kind]
        uow.payments.post_whole(kind.value, source_account.value, target.value, posted[kind], source)
    for route, case_ids in moved.items():
        uow.cases.move_each(((c, route.before, route.after) for c in case_ids),
                            f"银行回执 / bank: {route.after.value}")
    notify_all(uow, notices)
    audited()
    counts: dict[str, int] = {}
    for route, case_ids in moved.items():
        status = route.event.removeprefix("payment_")
        counts[status] = counts.get(status, 0) + len(case_ids)
    return counts


def _failure_notice(a: Sent, now: dt.datetime, recovery_days: int, reason: str | None, url: str,
                    pack: str) -> Notice:
    """The message a unit gets when its money came back: the bank's reason in words, what to do and by when
    (Beijing's calendar), from the payment_failed template."""
    by = (now + dt.timedelta(hours=8)).date() + dt.timedelta(days=recovery_days)
    params = {"pack": pack, "amount": str(a.amount), "reason": reason or "", "deadline": by.isoformat(),
              "link": f"{url.rstrip('/')}/portal"}
    return message(kind="payment_failed", uscc=a.uscc, case_id=a.case_id, channel="sms", at=now,
                   text=render("payment_failed", params).text)._replace(params=json.dumps(params, ensure_ascii=False))


def _recovered_notice(case: Case, deadline: dt.date, now: dt.datetime, pack: str) -> Notice:
    """The message a unit gets when its unpaid money went back to the fund, told to its contacts too."""
    params = {"pack": pack, "amount": str(case.amount), "deadline": deadline.isoformat()}
    return message(kind="recovered", uscc=case.uscc, case_id=case.id, channel="sms", at=now,
                   text=render("recovered", params).text)._replace(params=json.dumps(params, ensure_ascii=False))


def _reason(u: Update) -> str:
    if u.after is P.PAID:
        return f"已入账 / paid {u.booking_date or ''}".strip()
    return f"银行{'退回' if u.after is P.RETURNED else '拒绝'} / {u.after.value}: {u.reason or ''}".strip()


@dataclass(frozen=True)
class Previewed:
    """What reading one bank file would change, found without changing anything: payments per new status (count,
    yuan), records that would be set aside for a person, and why a whole file would be set aside."""

    name: str
    message: str
    already_read: bool
    records: int
    changes: dict[str, tuple[int, Decimal]]
    unmatched: int
    whole_file: str | None = None


def preview(paths: list[Path], *, store: Store, banks: Banks, settings: Settings) -> list[Previewed]:
    """What `ingest` would do with these files, in the order it reads them, each file seeing what the ones before it
    would change; the same reading and matching, and nothing written."""
    read = [(p, banks.sha256_of(p), read_records(p, settings, banks)) for p in paths]
    read.sort(key=lambda r: (r[2].message.startswith("camt"), any(x.status is P.RETURNED for x in r[2].records)))
    out: list[Previewed] = []
    seen: set[str] = set()
    now: dict[str, str] = {}                   # an attempt's status after the files before
    with store.reading() as uow:
        for path, sha, answer in read:
            if sha in seen or uow.bank_files.find("in", sha) is not None:
                out.append(Previewed(path.name, answer.message, True, len(answer.records), {}, 0))
                continue
            seen.add(sha)
            sent = uow.payments.sent([r.end_to_end_id for r in answer.records])
            attempts = {a.end_to_end_id: a._replace(status=now.get(a.end_to_end_id, a.status)) for a in sent}
            batches = {b: uow.payment_batches.get(b) for b in {a.batch_id for a in attempts.values()}}
            wrong = _wrong_file(uow, answer)
            rec = reconcile(_expected(attempts, batches, answer.message), answer.records) if wrong is None \
                else Reconciliation()
            changes: dict[str, tuple[int, Decimal]] = {}
            for u in rec.updates:
                now[u.end_to_end_id] = u.after.value
                n, amount = changes.get(u.after.value, (0, Decimal("0.00")))
                changes[u.after.value] = (n + 1, amount + u.amount)
            whole = wrong[1] if wrong else (f"银行整批拒绝 / the bank refused the whole file: {answer.group_reason}"
                                            if answer.group_status == "RJCT" and not answer.records else None)
            unmatched = len(rec.discrepancies) + len(answer.set_aside) + (len(answer.records) if wrong else 0)
            out.append(Previewed(path.name, answer.message, False, len(answer.records), changes, unmatched, whole))
    return out


def open_exceptions(*, store: Store) -> list[PaymentException]:
    """The payment exceptions queue: every record the bank sent that was not applied, until someone resolves it
    (each says its issue in words: `words`)."""
    with store.reading() as uow:
        return uow.payment_exceptions.open()


def resolve_exception(exception_id: int, *, store: Store, by: str, resolution: str) -> PaymentException:
    """Close an open exception with what was done about it (once)."""
    if not resolution.strip():
        raise Refused("须写明处理结果 / say how it was resolved")
    with store.transaction() as uow:
        row = uow.payment_exceptions.get(exception_id, lock=True)
        resolved = row.resolve(by, uow.now(), resolution)
        if not uow.payment_exceptions.save(row, resolved):
            raise Refused(f"异常 {exception_id} 已处理 / exception {exception_id} is already resolved")
        uow.audit.append([Draft(by, "payment_exception_resolved", f"payment_exception:{exception_id}", None, None,
                                None, resolution, {"payment": row.end_to_end_id, "issue": row.issue})])
        uow.commit()
    return resolved


def recover(cycle_id: int, *, store: Store, deadline: dt.date, today: dt.date, by: str) -> list[Recovered]:
    """After the deadline, a failed case with no corrected account is recovered (收回) with its reason; told so."""
    if today <= deadline:
        raise Refused(f"期限 {deadline} 未到 / the deadline {deadline} has not passed on {today}")
    with store.transaction() as uow, bulk_work():
        pack = uow.cycles.get(cycle_id, lock=True).pack
        failed = [c for chunk in uow.cases.chunks(cycle_id, [State.FAILED]) for c in chunk]
        live = {a.case_id for a in uow.payments.attempts(case_ids=[c.id for c in failed]) if a.status not in
                ("rejected", "returned", "cancelled")}
        reason = f"逾期未能支付, 收回 / not payable by {deadline}: recovered to the fund"
        todo = [c for c in failed if c.id not in live]
        uow.cases.move_each([(c.id, State.FAILED, State.RECOVERED) for c in todo], reason)
        uow.recoveries.add_many([(c.id, c.amount) for c in todo], deadline=deadline, reason=reason, done_by=by,
                                done_at=uow.now())
        uow.audit.append([Draft(by, "recovered", f"case:{c.id}", c.id, State.FAILED.value, State.RECOVERED.value,
                                reason, {"uscc": c.uscc, "amount": str(c.amount)}) for c in todo])
        notify_all(uow, [_recovered_notice(c, deadline, uow.now(), pack) for c in todo])
        uow.commit()
    return [Recovered(c.id, c.uscc, c.amount) for c in todo]
