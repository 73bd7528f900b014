"""Bank returns: each file read once, each status applied once, failures credited back and the unit told."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from wengang.adapters.banks import camt054, csv_layout, pain002, xsd
from wengang.adapters.banks.files import BankFileError, sha256_of
from wengang.config import Settings
from wengang.domain.audit import Draft
from wengang.domain.cases import State, require
from wengang.domain.errors import Refused
from wengang.domain.ledger import MOVES, Kind
from wengang.domain.payments import PaymentStatus, StatusRecord
from wengang.domain.ports import Sent, Store, UnitOfWork
from wengang.domain.progress import Progress, Silent
from wengang.domain.reconciliation import Expected, Update, reconcile
from wengang.services.casework import bulk_work, load
from wengang.services.notify import message, notify_all

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
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    group_status: str | None = None


def read_records(path: Path, settings: Settings) -> tuple[str, list[StatusRecord], str | None, str | None]:
    """(message, records, group status, group reason) of a pain.002, camt.054 or the CSV layout."""
    if path.suffix.lower() == ".csv":
        return csv_layout.FORMAT, csv_layout.read_status_csv(path), None, None
    message = xsd.message_of(path)
    if message.startswith("pain.002"):
        report = pain002.read_pain002(path)
        return message, report.records, report.group_status, report.group_reason
    if message.startswith("camt.054"):
        return message, camt054.read_camt054(path, settings.fund_account_no).records, None, None
    raise Refused(f"{path.name}: 不是银行回执 / not a bank return (pain.002, camt.054 or CSV): {message}")


def ingest(paths: list[Path], *, store: Store, settings: Settings, by: str,
           progress: Progress | None = None, workers: int | None = None) -> list[Ingested]:
    """Read each file (validated first), then apply it in one transaction; a file read before changes nothing.

    Status reports (and CSV) first, then settlement notices, and within each, files with returns last: the order
    the bank's events happened in. A file is applied as soon as it and everything before it are read, while worker
    processes read the next ones."""
    progress = progress or Silent()
    ordered = sorted(paths, key=lambda p: p.suffix.lower() != ".csv" and xsd.message_of(p).startswith("camt"))
    done: list[Ingested] = []
    held: list[tuple[Path, tuple]] = []          # files with returns wait for the rest of their kind
    camt = False

    def apply(path: Path, read: tuple) -> Ingested:
        return _apply_file(path, *read, store=store, by=by)

    with bulk_work():
        try:
            for path, read in zip(ordered, _read_all(ordered, settings, progress, workers), strict=True):
                is_camt = read[1].startswith("camt")
                if is_camt != camt:
                    done += [apply(*h) for h in held]
                    held, camt = [], is_camt
                if any(x.status is P.RETURNED for x in read[2]):
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


def _read_all(paths: list[Path], settings: Settings, progress: Progress,
              workers: int | None) -> Iterator[tuple[str, str, list[StatusRecord], str | None, str | None]]:
    """Every file hashed, read and XSD-validated, in order, as each is ready; many large files in worker
    processes."""
    workers = min(len(paths), workers or os.cpu_count() or 1)
    if workers <= 1 or sum(p.stat().st_size for p in paths) < PARALLEL_BYTES:
        for path in paths:
            progress.step(f"读取银行回执 / reading {path.name}")
            yield sha256_of(path), *read_records(path, settings)
        return
    progress.step(f"读取银行回执 / reading {len(paths)} files in {workers} processes")
    with ProcessPoolExecutor(workers) as pool:
        for sha, message, rows, group, reason in pool.map(_read_plain, paths, [settings] * len(paths)):
            yield sha, message, _records(rows), group, reason


def _read_plain(path: Path, settings: Settings) -> tuple[str, str, list[tuple], str | None, str | None]:
    """Hash and read_records in a worker, its records as plain tuples: they cross between processes far faster."""
    with bulk_work():
        sha = sha256_of(path)
        message, records, group, reason = read_records(path, settings)
    return sha, message, [(r.end_to_end_id, r.status.value, None if r.amount is None else str(r.amount), r.reason,
                           r.booking_date, r.source) for r in records], group, reason


def _records(rows: list[tuple]) -> list[StatusRecord]:
    statuses = {s.value: s for s in PaymentStatus}
    return [StatusRecord(e2e, statuses[status], None if amount is None else Decimal(amount), reason, booked, source)
            for e2e, status, amount, reason, booked, source in rows]


def _apply_file(path: Path, sha: str, message: str, records: list[StatusRecord], group: str | None,
                group_reason: str | None, *, store: Store, by: str) -> Ingested:
    result = Ingested(path.name, message, records=len(records), group_status=group)
    with store.transaction() as uow, bulk_work():
        if uow.records.find("bank_file", direction="in", sha256=sha):
            result.already_read = True
            return result
        attempts = {a.end_to_end_id: a for a in uow.payments.sent([r.end_to_end_id for r in records])
                    if a.status in ISSUED}
        expected = {e: Expected(a.amount, P(a.status)) for e, a in attempts.items()}
        rec = reconcile(expected, records)
        file_id = uow.records.add("bank_file", {
            "direction": "in", "message": message, "batch_id": None, "name": path.name, "sha256": sha,
            "records": len(records), "applied": len(rec.updates), "exceptions": len(rec.discrepancies), "by": by,
            "at": uow.now()})
        result.exceptions = [{"file_id": file_id, "end_to_end_id": d.end_to_end_id, "issue": d.issue.value,
                              "status": "open", "amount": d.record.amount, "detail": d.detail,
                              "created_at": uow.now()} for d in rec.discrepancies]
        if group == "RJCT" and not records:
            result.exceptions.append({"file_id": file_id, "end_to_end_id": "-", "issue": "file-rejected",
                                      "status": "open", "amount": None, "created_at": uow.now(),
                                      "detail": f"银行整批拒绝 / the bank refused the whole file: {group_reason}"})
        uow.records.add_many("payment_exception", result.exceptions)
        result.applied = _apply_updates(uow, rec.updates, attempts, f"{message}:{path.name}", by)
        uow.audit.append([Draft(by, "bank_file_read", f"bank_file:{file_id}", None, None, None,
                                f"{message} {path.name}", {"sha256": sha, "records": len(records),
                                                           "applied": len(rec.updates),
                                                           "exceptions": len(result.exceptions)})])
        uow.commit()
    return result


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
                   by: str) -> dict[str, int]:
    """Attempt statuses, ledger postings, case moves and notices for every accepted change, in bulk."""
    now = uow.now()
    drafts, notices = [], []
    posted: dict[Kind, list[int]] = {kind: [] for kind in Kind}
    routes: dict[tuple[P, P, bool], _Route] = {}
    moved: dict[_Route, list[int]] = defaultdict(list)
    for u in updates:
        a = attempts[u.end_to_end_id]
        key = (u.before, u.after, a.attempt_no == 1)
        route = routes.get(key) or routes.setdefault(key, _route(*key))
        for kind in route.kinds:
            posted[kind].append(a.id)
        moved[route].append(a.case_id)
        drafts.append(Draft(by, route.event, f"case:{a.case_id}", a.case_id, *route.words, _reason(u),
                            {"uscc": a.uscc, "amount": str(a.amount), "payment": a.end_to_end_id, "source": source}))
        if route.after is State.FAILED:
            notices.append(_failure_notice(a, u, now))
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


def _failure_notice(a: Sent, u: Update, now: dt.datetime) -> dict[str, Any]:
    """The SMS a unit gets when its money came back."""
    return message(kind="payment_failed", uscc=a.uscc, case_id=a.case_id, channel="sms", at=now, text=(
        f"您单位的稳岗返还 {a.amount} 元未能入账({u.reason or '银行退回'}), 资金已退回基金, 请登录核对并更正"
        f"收款账户 / your job-stabilisation return of {a.amount} yuan could not be credited "
        f"({u.reason or 'returned by the bank'}); please confirm or correct your account"))


def _reason(u: Update) -> str:
    if u.after is P.PAID:
        return f"已入账 / paid {u.booking_date or ''}".strip()
    return f"银行{'退回' if u.after is P.RETURNED else '拒绝'} / {u.after.value}: {u.reason or ''}".strip()


def open_exceptions(*, store: Store) -> list[dict[str, Any]]:
    """The payment exceptions queue: every record the bank sent that was not applied, until someone resolves it."""
    with store.reading() as uow:
        return uow.records.find("payment_exception", status="open")


def resolve_exception(exception_id: int, *, store: Store, by: str, resolution: str) -> dict[str, Any]:
    if not resolution.strip():
        raise Refused("须写明处理结果 / say how it was resolved")
    with store.transaction() as uow:
        row = load(uow, "payment_exception", exception_id, "支付异常", lock=True)
        if not uow.records.update("payment_exception", exception_id, {"status": "resolved", "resolved_by": by,
                                  "resolved_at": uow.now(), "resolution": resolution}, status="open"):
            raise Refused(f"异常 {exception_id} 已处理 / exception {exception_id} is already resolved")
        uow.audit.append([Draft(by, "payment_exception_resolved", f"payment_exception:{exception_id}", None, None,
                                None, resolution, {"payment": row["end_to_end_id"], "issue": row["issue"]})])
        uow.commit()
    return {**row, "status": "resolved", "resolution": resolution}


def recover(cycle_id: int, *, store: Store, deadline: dt.date, today: dt.date, by: str) -> list[dict[str, Any]]:
    """After the deadline, a failed case with no corrected account is recovered (收回) with its reason; told so."""
    if today <= deadline:
        raise Refused(f"期限 {deadline} 未到 / the deadline {deadline} has not passed on {today}")
    with store.transaction() as uow, bulk_work():
        load(uow, "cycle", cycle_id, "周期", lock=True)
        failed = [c for chunk in uow.cases.chunks(cycle_id, [State.FAILED]) for c in chunk]
        live = {a.case_id for a in uow.payments.attempts(case_ids=[c.id for c in failed]) if a.status not in
                ("rejected", "returned", "cancelled")}
        reason = f"逾期未能支付, 收回 / not payable by {deadline}: recovered to the fund"
        todo = [c for c in failed if c.id not in live]
        uow.cases.move_each([(c.id, State.FAILED, State.RECOVERED) for c in todo], reason)
        uow.records.add_many("recovery", [{"case_id": c.id, "amount": c.amount, "deadline": deadline,
                                           "reason": reason, "done_by": by, "done_at": uow.now()} for c in todo])
        uow.audit.append([Draft(by, "recovered", f"case:{c.id}", c.id, State.FAILED.value, State.RECOVERED.value,
                                reason, {"uscc": c.uscc, "amount": str(c.amount)}) for c in todo])
        notify_all(uow, [message(
            kind="recovered", uscc=c.uscc, case_id=c.id, channel="sms", at=uow.now(),
            text=f"您单位的稳岗返还 {c.amount} 元因逾期未能支付已收回 / your return of {c.amount} yuan could "
                 f"not be paid by {deadline} and was recovered to the fund") for c in todo])
        uow.commit()
    return [{"case_id": c.id, "uscc": c.uscc, "amount": c.amount} for c in todo]
