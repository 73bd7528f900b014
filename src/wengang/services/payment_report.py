"""The payment report staff hand upward: per bank batch, per unit and the programme's sub-account of the fund, in
Excel, accounts masked."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from wengang.domain.audit import Draft
from wengang.domain.identifiers import mask_account
from wengang.domain.ledger import ACCOUNT_WORDS, Totals
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.ports import Store
from wengang.domain.said import bank_reason, payment_words
from wengang.rules import sheets
from wengang.rules.sheets import Column, Sheet
from wengang.services.ledger import SubAccount, check

BATCH_HEADER = ("批次 batch", "银行 bank", "笔数 entries", "签发 issued", "已付 paid", "退回 returned", "在途 pending",
                "准备 prepared by", "审批 approved by", "文件 file")
UNIT_HEADER = ("统一社会信用代码 USCC", "单位 unit", "第几次 attempt", "金额 amount", "开户行 bank", "账号 account",
               "状态 status", "原因 reason", "端到端编号 end-to-end id", "批次 batch")

BATCH_COLUMNS = (Column(BATCH_HEADER[0], width=16), Column(BATCH_HEADER[1], width=8),
                 Column(BATCH_HEADER[2], "count", 10, total=True),
                 *(Column(h, "money", 16, total=True) for h in BATCH_HEADER[3:7]),
                 Column(BATCH_HEADER[7], width=14), Column(BATCH_HEADER[8], width=24), Column(BATCH_HEADER[9], width=30))
UNIT_COLUMNS = (Column(UNIT_HEADER[0], width=22), Column(UNIT_HEADER[1], width=34), Column(UNIT_HEADER[2], "count", 8),
                Column(UNIT_HEADER[3], "money", 15, total=True), Column(UNIT_HEADER[4], width=8),
                Column(UNIT_HEADER[5], width=22), Column(UNIT_HEADER[6], width=18), Column(UNIT_HEADER[7], width=30),
                Column(UNIT_HEADER[8], width=36), Column(UNIT_HEADER[9], width=16))
FUND_COLUMNS = (Column("账户 account", width=36), Column("余额 balance (支出为负 / money out is −)", "money", 24, total=True))


class Reported(NamedTuple):
    """What the written report shows: how many batches and payments, the books' totals, whether they balance, and the
    cycle's programme's sub-account of the fund."""

    batches: int
    attempts: int
    total: Totals | None
    ok: bool
    fund: SubAccount


def report(cycle_id: int, out: Path, *, store: Store, by: str) -> Reported:
    """Write the xlsx (batches, units, the programme's sub-account) atomically; return the totals it shows."""
    books = check(store=store)
    with store.reading() as uow:
        program = uow.cycles.get(cycle_id).program
        batches = uow.payment_batches.of_cycle(cycle_id)
        attempts = [a for b in batches for a in uow.payments.attempts(batch_id=b.id)]
    numbers = {b.id: b.number for b in batches}
    zero = Decimal("0.00")

    def batch_row(b: PaymentBatch) -> list:
        t = books.batches.get(b.number)
        approvers = " + ".join(x for x in (b.approved_by, b.second_approved_by) if x)
        return [b.number, b.bank_code, b.entries, *(t[:4] if t else [zero] * 4), b.prepared_by, approvers,
                b.file_name or ""]

    fund = books.fund_of(program)
    zh, en = fund.name
    data = sheets.workbook(
        Sheet("批次 batches", f"{zh}支付报告 / {en}: payment report, cycle {cycle_id}", BATCH_COLUMNS,
              [batch_row(b) for b in batches]),
        Sheet("单位 units", None, UNIT_COLUMNS,
              ([a.uscc, a.unit_name, a.attempt_no, a.amount, a.bank_code, mask_account(a.account_no),
                payment_words(a.status), " / ".join(bank_reason(a.reason)) if a.reason else "", a.end_to_end_id, numbers[a.batch_id]] for a in attempts)),
        Sheet("基金分账 fund", f"{zh}的基金分账 (本项目全部周期) / the sub-account of the fund of {en} (all its cycles)",
              FUND_COLUMNS, [[f"{w[0]} {w[1]}", fund.balances[a]] for a, w in ACCOUNT_WORDS.items()]))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "payment_report_exported", f"cycle:{cycle_id}", reason="导出支付报告 / report",
                                data={"file": out.name, "batches": len(batches), "attempts": len(attempts),
                                      "program": program})])
        uow.commit()
    mine = [books.batches[b.number] for b in batches if b.number in books.batches]   # this cycle's, not the books'
    total = Totals(*(sum((t[i] for t in mine), Decimal("0.00")) for i in range(len(Totals._fields)))) if mine else None
    return Reported(len(batches), len(attempts), total, books.ok, fund)
