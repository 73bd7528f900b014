"""The payment report staff hand upward: per bank batch and per unit, in Excel, accounts masked."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from wengang.domain.audit import Draft
from wengang.domain.identifiers import mask_account
from wengang.domain.ledger import Totals
from wengang.domain.ports import Store
from wengang.rules.output import sheet_row
from wengang.services.ledger import check

BATCH_HEADER = ("批次 batch", "银行 bank", "笔数 entries", "签发 issued", "已付 paid", "退回 returned", "在途 pending",
                "准备 prepared by", "审批 approved by", "文件 file")
UNIT_HEADER = ("统一社会信用代码 USCC", "单位 unit", "第几次 attempt", "金额 amount", "开户行 bank", "账号 account",
               "状态 status", "原因 reason", "端到端编号 end-to-end id", "批次 batch")


class Reported(NamedTuple):
    """What the written report shows: how many batches and payments, the books' totals, whether they balance."""

    batches: int
    attempts: int
    total: Totals | None
    ok: bool


def report(cycle_id: int, out: Path, *, store: Store, by: str) -> Reported:
    """Write the xlsx (two sheets) atomically; return the totals it shows."""
    from openpyxl import Workbook

    books = check(store=store)
    with store.reading() as uow:
        uow.cycles.get(cycle_id)
        batches = uow.payment_batches.of_cycle(cycle_id)
        attempts = [a for b in batches for a in uow.payments.attempts(batch_id=b.id)]
    numbers = {b.id: b.number for b in batches}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("批次 batches")
    sheet.append([f"稳岗返还支付报告 / payment report, cycle {cycle_id}"])
    sheet.append(list(BATCH_HEADER))
    for b in batches:
        t = books.batches.get(b.number)
        money = [str(v) for v in t[:4]] if t else ["0.00"] * 4
        approvers = " + ".join(x for x in (b.approved_by, b.second_approved_by) if x)
        sheet.append(sheet_row(sheet, [b.number, b.bank_code, b.entries, *money, b.prepared_by, approvers,
                                       b.file_name or ""]))
    units = book.create_sheet("单位 units")
    units.append(list(UNIT_HEADER))
    for a in attempts:
        units.append(sheet_row(units, [a.uscc, a.unit_name, a.attempt_no, str(a.amount), a.bank_code,
                                       mask_account(a.account_no), a.status, a.reason or "", a.end_to_end_id,
                                       numbers[a.batch_id]]))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    book.save(tmp)
    tmp.replace(out)
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "payment_report_exported", f"cycle:{cycle_id}", reason="导出支付报告 / report",
                                data={"file": out.name, "batches": len(batches), "attempts": len(attempts)})])
        uow.commit()
    return Reported(len(batches), len(attempts), books.total, books.ok)
