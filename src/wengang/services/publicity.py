"""Checkpoint 2: publish every identified case in a dated batch, export the public list, close the period."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from wengang.domain.audit import SYSTEM, Draft
from wengang.domain.cases import LISTED, State, require
from wengang.domain.cells import csv_cell
from wengang.domain.days import beijing_date
from wengang.domain.errors import ConcurrentChange, Refused
from wengang.domain.ports import Moved, Store, UnitOfWork
from wengang.domain.process import PublicityBatch, batch_number, first_day, last_day
from wengang.domain.progress import Progress, Silent
from wengang.rules import sheets
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.sheets import Column, Sheet
from wengang.services.casework import bulk_work

DEFAULT_DAYS = 7
HEADER = ("序号 No.", "单位名称 Unit name", "统一社会信用代码 Credit code", "返还比例 Ratio applied",
          "返还金额(元) Amount (yuan)", "公示批次 Batch")


def publicity_days(pack_id: str, day: dt.date) -> int:
    """The pack's publicity period in calendar days (POLICIES §6), 7 where the pack is silent."""
    try:
        return int(load_pack(pack_id).value("publicity_days", day).value)
    except PackError:
        return DEFAULT_DAYS


def ratio_text(units: int) -> str:
    """A ratio held as integer units of 1/10,000 as a percentage, exactly: 6000 → 60%, 6050 → 60.5%."""
    text = f"{Decimal(units).scaleb(-2):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def review_during_publicity(pack_id: str, day: dt.date) -> bool:
    """Whether the pack lets review run during publicity (Haikou: "边公示边审核"); false where the pack is silent."""
    try:
        return load_pack(pack_id).value("review_during_publicity", day).value is True
    except PackError:
        return False


def start(cycle_id: int, *, store: Store, starts_on: dt.date | None = None, by: str = SYSTEM,
          progress: Progress | None = None) -> PublicityBatch:
    """One UPDATE moves every identified case of the cycle into a new batch (and, where the pack lets review run
    during publicity, every case in review onto it too); the audit entries follow in bulk. The first day is today
    (Beijing) or later, never back-dated: the public must have the whole period to object. A cycle with a plan starts
    its planned batches instead (services/publicity_plan.py)."""
    with store.transaction() as uow, bulk_work():
        if any(not p.started for p in uow.planned_batches.of_cycle(cycle_id)):
            raise Refused("此周期已排公示计划, 请按计划逐批开始 / this cycle has a publicity plan: start its planned "
                          "batches, each on its day")
        batch = publish(uow, cycle_id, starts_on, by, progress or Silent(),
                        lambda frm, to, reason, batch_id: uow.cases.move_all(cycle_id, frm, to, reason, batch_id))
        uow.commit()
        return batch


Mover = Callable[[State, State, str, int], list[Moved]]


def publish(uow: UnitOfWork, cycle_id: int, starts_on: dt.date | None, by: str, progress: Progress,
            mover: Mover) -> PublicityBatch:
    """A new dated batch of the cycle and the cases `mover` puts on it (identified → publicity; review →
    review-listed where the pack says so), audited; Refused, changing nothing, when none moves."""
    today = beijing_date(uow.now())
    starts_on = first_day(starts_on, today)
    cycle = uow.cycles.get(cycle_id, lock=True)
    rounds = len(uow.rounds.of_cycle(cycle_id))
    if rounds < cycle.rounds_required:
        raise Refused(f"公示前需比对 {cycle.rounds_required} 轮, 已完成 {rounds} 轮 / the pack asks for "
                      f"{cycle.rounds_required} comparison rounds before publicity, {rounds} done: "
                      "run `wengang cycle compare`")
    days = publicity_days(cycle.pack, starts_on)
    ends_on = last_day(starts_on, days)
    number = batch_number(cycle_id, len(uow.publicity_batches.of_cycle(cycle_id)) + 1)
    batch = uow.publicity_batches.add(cycle_id=cycle_id, number=number, starts_on=starts_on, ends_on=ends_on,
                                      days=days, entries=0, started_by=by, started_at=uow.now())
    progress.step(f"公示 / publishing batch {number}")
    reason = f"公示 / on publicity list {number} ({starts_on} – {ends_on})"
    parallel = review_during_publicity(cycle.pack, starts_on)
    moves = [(State.IDENTIFIED, State.PUBLICITY)] + ([(State.REVIEW, State.REVIEW_LISTED)] if parallel else [])
    total = 0
    for before, after in moves:
        require(before, after, review_during_publicity=parallel)   # the one move this bulk statement makes
        moved = mover(before, after, reason if after is State.PUBLICITY else f"边公示边审核 / in review while on "
                      f"publicity list {number} ({starts_on} – {ends_on})", batch.id)
        progress.step("写入审计日志 / writing the audit log")
        uow.audit.append(Draft(by, "publicity_started", f"case:{m.id}", m.id, before.value, after.value, reason,
                               {"uscc": m.uscc, "amount": str(m.amount), "batch": number, "version": str(m.version)})
                         for m in moved)
        total += len(moved)
    if not total:
        raise Refused("没有待公示的案件 / no identified case is waiting for publicity")
    uow.publicity_batches.set_entries(batch.id, total)
    uow.audit.append([Draft(by, "batch_opened", f"batch:{batch.id}", reason=reason,
                            data={"batch": number, "cycle": cycle_id, "entries": total, "days": days,
                                  "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                                  "review_during_publicity": parallel})])
    return replace(batch, entries=total)


def public_rows(batch_ref: str, *, store: Store) -> tuple[PublicityBatch, list[tuple]]:
    """The public list of a batch: name, credit code, ratio, amount, batch — never accounts or personal data."""
    with store.reading() as uow:
        batch = uow.publicity_batches.by_ref(batch_ref)
        rows: list[tuple] = []
        for case in uow.cases.of_cycle(batch.cycle_id, LISTED, batch_id=batch.id):
            ratio = "" if case.ratio_units is None else ratio_text(case.ratio_units)
            rows.append((len(rows) + 1, case.name, case.uscc, ratio, str(case.amount), batch.number))
        return batch, rows


def export(batch_ref: str, out: Path, *, store: Store, by: str = SYSTEM) -> tuple[Path, int]:
    """Write the public list as .xlsx or .csv (by the file's suffix), atomically, and log that it was issued."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        raise Refused(f"公示文件应为 .xlsx 或 .csv / the list is written as .xlsx or .csv, not {out.name}")
    batch, rows = public_rows(batch_ref, store=store)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if fmt == "csv":
        with tmp.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows([csv_cell(v) for v in row] for row in rows)
    else:
        tmp.write_bytes(workbook(batch, rows))
    tmp.replace(out)
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "publicity_exported", f"batch:{batch.id}", reason="导出公示名单 / list exported",
                                data={"batch": batch.number, "file": out.name, "rows": len(rows)})])
        uow.commit()
    return out, len(rows)


def fingerprint(batch: PublicityBatch, rows: list[tuple]) -> str:
    """What the published file shows, hashed: equal fingerprints, equal files (the web keeps the file until it moves)."""
    digest = hashlib.sha256(f"{batch.number}|{batch.starts_on}|{batch.ends_on}".encode())
    for row in rows:
        digest.update("\x1f".join(map(str, row)).encode() + b"\x1e")
    return digest.hexdigest()


SHEET_COLUMNS = (Column(HEADER[0], "count", 8), Column(HEADER[1], width=36), Column(HEADER[2], width=22),
                 Column(HEADER[3], "ratio", 12), Column(HEADER[4], "money", 16, total=True), Column(HEADER[5], width=12))


def _ratio(text: str) -> Decimal | str:
    """"60%" as the number 0.6 (a spreadsheet shows it as 60.00%); an empty ratio stays empty."""
    return Decimal(text.removesuffix("%")).scaleb(-2) if text.endswith("%") else text


def workbook(batch: PublicityBatch, rows: list[tuple]) -> bytes:
    """The list as a real spreadsheet (rules.sheets): title, bold frozen header with a filter, the ratio and the
    amount as numbers, a totals row; text cells never formulas."""
    title = f"稳岗返还公示名单 / publicity list {batch.number}: {batch.starts_on} – {batch.ends_on}"
    return sheets.workbook(Sheet("公示 publicity", title, SHEET_COLUMNS,
                                 ((n, name, code, _ratio(ratio), amount, ref) for n, name, code, ratio, amount, ref in rows)))


@dataclass(frozen=True, slots=True)
class Closed:
    """A closed publicity batch: its number, the day it closed, who closed it, objections still open on it."""

    id: int
    number: str
    closed_on: dt.date
    closed_by: str
    open_objections: int


def close(batch_ref: str, *, store: Store, closed_on: dt.date | None = None, by: str = SYSTEM) -> Closed:
    """End the period: only once its last day has passed (Beijing), never on a day still to come, so an objection
    raised inside the period is taken until then; open objections stay open and hold their cases back."""
    with store.transaction() as uow:
        batch = uow.publicity_batches.by_ref(batch_ref, lock=True)
        closed = batch.close(closed_on, today=beijing_date(uow.now()), by=by)
        day = closed.closed_on
        assert day is not None, "a closed batch has its closing day"
        if not uow.publicity_batches.save_closing(closed):
            raise ConcurrentChange(f"公示批次 / publicity batch {batch.number}")
        pending = uow.objections.count_open(batch.id)
        uow.audit.append([Draft(by, "batch_closed", f"batch:{batch.id}", reason="公示期结束 / publicity closed",
                                data={"batch": batch.number, "closed_on": day.isoformat(),
                                      "open_objections": pending})])
        uow.commit()
        return Closed(batch.id, batch.number, day, by, pending)
