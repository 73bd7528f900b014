"""`wengang batch|bank|reconcile|exceptions|recover|ledger|notify`: money out, bank returns, the books."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.audit import account_app
from wengang.cli.console import BarProgress, console, fail, parse_date, print_wide
from wengang.cli.cycle import handled, store
from wengang.cli.identity import acting
from wengang.domain.identifiers import mask_account
from wengang.domain.ledger import ACCOUNT_WORDS
from wengang.domain.said import payment_words
from wengang.services import accounts, delivery, ledger, notify, payment_report, payments, reconcile, tell

batch_app = typer.Typer(help="支付批次 / payment batches: prepare, approve (four eyes), files", no_args_is_help=True)
bank_app = typer.Typer(help="银行模拟器 / the bank simulator (demo and tests)", no_args_is_help=True)
exceptions_app = typer.Typer(help="支付异常 / payment exceptions", no_args_is_help=True)
ledger_app = typer.Typer(help="账簿 / the double-entry ledger", no_args_is_help=True)
notify_app = typer.Typer(help="通知 / the notification outbox", no_args_is_help=True)


def _batch_table(rows) -> Table:
    table = Table()
    for col in ("批次 batch", "银行 bank", "格式 format", "笔数 entries", "金额 total", "状态 status", "准备 prepared",
                "审批 approved"):
        table.add_column(col)
    for b in rows:
        approvers = " + ".join(x for x in (b.approved_by, b.second_approved_by) if x) or "—"
        table.add_row(b.number, b.bank_code, b.file_format, f"{b.entries:,}", f"{b.total:,}",
                      payment_words(b.status) + (" (待第二审批 / needs 2nd)" if b.waits_for_second else ""), b.prepared_by,
                      approvers)
    return table


@batch_app.command("prepare")
@handled
@acting("batch.prepare")
def prepare(cycle: int, by: str = "") -> None:
    """按银行准备支付批次 / one batch per bank from re-verified cases (and re-issues to verified accounts)."""
    with BarProgress("batch prepare") as progress:
        done = payments.prepare_batches(cycle, store=store(), analytics=bootstrap.analytics(),
                                        settings=bootstrap.settings(), by=by, progress=progress)
    print_wide(_batch_table(done.batches) if done.batches else "没有可支付的案件 / nothing to pay")
    for uscc, why in done.skipped[:20]:
        console.print(f"[yellow]  未入批 / not in a batch: {uscc}: {why}[/]")
    if len(done.skipped) > 20:
        console.print(f"[yellow]  … {len(done.skipped) - 20} more[/]")


Cycle = Annotated[int | None, typer.Option("--cycle", help="该周期的全部批次 / every batch of this cycle")]


def _refs(batch: str | None, cycle: int | None, statuses: tuple[str, ...]) -> list[str]:
    """One named batch, or every batch of a cycle in the given statuses."""
    if (batch is None) == (cycle is None):
        fail("请给出批次号或 --cycle / give a batch number or --cycle (not both)")
    if batch is not None:
        return [batch]
    return [b.number for b in payments.list_batches(store=store(), cycle_id=cycle) if b.status in statuses]


@batch_app.command("approve")
@handled
@acting("batch.approve")
def approve(batch: Annotated[str | None, typer.Argument()] = None, cycle: Cycle = None, by: str = "") -> None:
    """审批 / approve a batch (or every prepared one of --cycle): never by its preparer; above the threshold a
    second, different approver follows."""
    for ref in _refs(batch, cycle, ("prepared",)):
        done = payments.approve_batch(ref, store=store(), settings=bootstrap.settings(), by=by)
        if done.status == "approved":
            console.print(f"[green]{done.number} 已审批, 资金已划入应付 / approved: {done.entries:,} payments, "
                          f"{done.total:,} yuan committed[/]")
        else:
            console.print(f"[yellow]{done.number}: 第一审批完成, 需第二审批人 / first approval done; "
                          "a second approver is needed[/]")


@batch_app.command("cancel")
@handled
@acting("batch.cancel")
def cancel(batch: str, reason: Annotated[str, typer.Option("--reason", help="作废原因 / why")], by: str = "") -> None:
    """作废 / cancel a batch whose file never left: approved money goes back to the fund, its cases wait again."""
    done = payments.cancel_batch(batch, store=store(), by=by, reason=reason)
    console.print(f"[yellow]{done.batch.number} 已作废 / cancelled: {done.cancelled:,} payments back[/]")


@batch_app.command("list")
@handled
def list_(cycle: Annotated[int | None, typer.Option(help="只看此周期 / only this cycle")] = None) -> None:
    print_wide(_batch_table(payments.list_batches(store=store(), cycle_id=cycle)))


@batch_app.command("files")
@handled
@acting("batch.files")
def files(batch: Annotated[str | None, typer.Argument()] = None, cycle: Cycle = None,
          out: Annotated[Path, typer.Option("--out", help="输出目录 / folder")] = Path("."), by: str = "") -> None:
    """写银行文件 / write a batch's pain.001 (or CSV), validated against the XSD, atomically (or every approved
    batch of --cycle)."""
    refs = _refs(batch, cycle, ("approved", "sent"))
    # Several batches: read, checked, rendered and validated in worker processes, recorded in order.
    for written in payments.write_all_files(refs, store=store(), banks=bootstrap.banks(),
                                            settings=bootstrap.settings(), out_dir=out, by=by):
        console.print(f"[green]{written.path}[/] {written.message}: {written.count:,} payments, "
                      f"{written.control_sum:,} yuan, sha256 {written.sha256[:16]}…")


@batch_app.command("report")
@handled
@acting("staff.view")
def batch_report(cycle: int, out: Annotated[Path, typer.Option("--out", help="报告 .xlsx / report file")],
                 by: str = "") -> None:
    """支付报告 / the cycle's payment report in Excel: per batch and per unit (accounts masked)."""
    done = payment_report.report(cycle, out, store=store(), by=by)
    console.print(f"[green]{out}[/]: {done.batches} batches, {done.attempts:,} payments; paid "
                  f"{done.total.paid if done.total else 0:,} yuan")
    fund = done.fund
    console.print(f"{fund.name[0]} / {fund.name[1]} 基金分账 / sub-account: " + ", ".join(
        f"{zh} {en} {fund.balances[a]:,}" for a, (zh, en) in ACCOUNT_WORDS.items()))


@bank_app.command("simulate")
@handled
def simulate(files: list[Path], out: Annotated[Path, typer.Option("--out", help="回执目录 / folder for the answers")],
             reject_share: Annotated[float, typer.Option(help="拒绝比例 / share rejected")] = 0.01,
             return_share: Annotated[float, typer.Option(help="退回比例 / share returned later")] = 0.005,
             seed: int = 2021,
             state: Annotated[Path | None, typer.Option(help="银行记忆 / the bank's memory file")] = None) -> None:
    """模拟银行 / answer a pain.001 with pain.002 and camt.054 (rejects, late returns; resends refused)."""
    state = state or bootstrap.settings().data_dir / "bank" / "state.json"
    bank = bootstrap.bank_simulator(seed=seed, reject_share=reject_share, return_share=return_share)
    if state.is_file():
        bank.remember(json.loads(state.read_text()))
    for file in files:
        answer = bank.answer(file, out)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps(bank.remembered()))
        fates = [o.fate for o in answer.outcomes.values()]
        console.print(f"银行 / bank {file.name}: {answer.group_status}; paid {fates.count('paid'):,}, rejected "
                      f"{fates.count('rejected'):,}, returned later {fates.count('returned'):,}")
        for f in (answer.pain002, answer.settlement, answer.returns):
            if f is not None:
                console.print(f"  {f.path}")


@handled
@acting("bank.reconcile")
def reconcile_cmd(files: list[Path], by: str = "") -> None:
    """对账 / read bank returns (pain.002, camt.054, CSV): apply each status once, list what does not match."""
    with BarProgress("reconcile") as progress:
        done = reconcile.ingest(files, store=store(), banks=bootstrap.banks(), settings=bootstrap.settings(), by=by,
                                progress=progress)
    for f in done:
        if f.already_read:
            console.print(f"[yellow]{f.name}: 已读过, 未作改动 / already read, nothing changed[/]")
            continue
        applied = ", ".join(f"{k} {v:,}" for k, v in sorted(f.applied.items())) or "无变化 / no change"
        console.print(f"{f.name} ({f.message}): {f.records:,} records; {applied}; exceptions {len(f.exceptions)}")
        for e in f.exceptions[:10]:
            console.print(f"[red]  {e.end_to_end_id}: {e.issue}: {e.detail}[/]")


@exceptions_app.command("list")
@handled
def exceptions_list() -> None:
    rows = reconcile.open_exceptions(store=store())
    for e in rows:
        console.print(f"#{e.id} {e.end_to_end_id} {e.issue}: {e.detail}")
    console.print(f"{len(rows)} 项待处理 / open")


@exceptions_app.command("resolve")
@handled
@acting("exception.resolve")
def exceptions_resolve(exception: int, resolution: Annotated[str, typer.Option("--resolution")],
                       by: str = "") -> None:
    reconcile.resolve_exception(exception, store=store(), by=by, resolution=resolution)
    console.print(f"[green]#{exception} 已处理 / resolved[/]")


@handled
@acting("payments.recover")
def recover_cmd(cycle: int, deadline: Annotated[str, typer.Option("--deadline", help="支付期限 / deadline")],
                on: Annotated[str | None, typer.Option("--on", help="今天 / today")] = None, by: str = "") -> None:
    """收回 / after the deadline, failed cases without a corrected account are recovered to the fund."""
    done = reconcile.recover(cycle, store=store(), deadline=parse_date(deadline), today=parse_date(on), by=by)
    console.print(f"收回 / recovered {len(done):,} cases")


@ledger_app.command("check")
@handled
def ledger_check() -> None:
    """核账 / issued = paid + returned + pending, per batch and in total; attempts agree; nobody paid twice."""
    report = ledger.check(store=store())
    table = Table(title=f"账簿 / ledger: {report.postings:,} postings")
    for col in ("批次 batch", "签发 issued", "已付 paid", "退回 returned", "在途 pending", "回基金 refunded",
                "作废 cancelled"):
        table.add_column(col, justify="right")
    for name, t in [*report.batches.items(), ("合计 / total", report.total)]:
        if t is not None:
            table.add_row(name, *(f"{v:,}" for v in t))
    print_wide(table)
    print_wide(_funds_table(report))
    if not report.ok:
        for p in report.problems:
            console.print(f"[red]  {p}[/]")
        fail(f"账不平 / the ledger is out of balance: {len(report.problems)} problem(s)")
    console.print("[green]账平 / the ledger balances: issued = paid + returned + pending, in each programme's "
                  "sub-account and in total[/]")


def _funds_table(report: ledger.LedgerReport) -> Table:
    """Each programme's sub-account of the fund by name, its four accounts (out of the fund is −), and the total."""
    table = Table(title="基金分账 / the fund's sub-account of each programme (支出为负 / money out is −)")
    table.add_column("项目 programme")
    for zh, en in ACCOUNT_WORDS.values():
        table.add_column(f"{zh} {en}", justify="right")
    for sub in [*report.programmes.values(), report.whole]:
        if sub is not None:
            table.add_row(f"{sub.name[0]} / {sub.name[1]}", *(f"{sub.balances[a]:,}" for a in ACCOUNT_WORDS))
    return table


@notify_app.command("tell")
@handled
def notify_tell() -> None:
    """告知各步骤 / queue a message to each unit for every step done since the last telling (once each)."""
    with BarProgress("notify tell") as progress:
        told = tell.tell(store=store(), settings=bootstrap.settings(), progress=progress)
    for kind, n in sorted(told.queued.items()):
        console.print(f"  {kind}: {n:,}")
    console.print(f"{told.total:,} 条步骤消息 / step messages queued")


@notify_app.command("deliver")
@handled
def notify_deliver() -> None:
    """发送通知 / tell every step not yet told, hand pending notifications (codes among them) to their channel (the
    SMS gateway when one is set up, else the outbox file in the data folder), then deliver every step's copies."""
    settings = bootstrap.settings()
    where = "短信网关 / the SMS gateway" if settings.sms_url else str(settings.outbox_path)
    told = tell.tell(store=store(), settings=settings, analytics=bootstrap.analytics(settings))
    sent = notify.deliver(store=store(), channel=bootstrap.channel(settings))
    console.print(f"{told.total:,} 条步骤消息已排队 / step messages queued; {sent:,} 条通知 / notifications → {where}")
    done = delivery.deliver(store=store(), analytics=bootstrap.analytics(settings), senders=bootstrap.senders(settings))
    console.print(f"{done.fanned:,} 份发往各联系人 / copies for the units' contacts; "
                  + ", ".join(f"{channel} {n:,}" for channel, n in sorted(done.sent.items())) + " 已交付 / handed over"
                  + (f"; {', '.join(done.held)} 静默时段暂缓 / held for quiet hours" if done.held else ""))


@account_app.command("change")
@handled
@acting("account.change")
def account_change(cycle: int, uscc: str, bank_code: Annotated[str, typer.Option("--bank-code")],
                   account_no: Annotated[str, typer.Option("--account-no")],
                   account_name: Annotated[str, typer.Option("--account-name")], by: str = "") -> None:
    """更正账户 / propose a unit's new account; used only after another person verifies it."""
    account_id = accounts.propose(cycle, uscc, bank_code=bank_code, account_no=account_no,
                                  account_name=account_name, store=store(), by=by, source="staff")
    console.print(f"账户 #{account_id} ({mask_account(account_no)}) 待核验 / waits for verification")


@account_app.command("verify")
@handled
@acting("account.verify")
def account_verify(account: int, note: Annotated[str, typer.Option("--note", help="如何核验 / how verified")],
                   refuse: Annotated[bool, typer.Option("--refuse", help="不通过 / refuse")] = False,
                   by: str = "") -> None:
    done = accounts.verify(account, store=store(), by=by, accept=not refuse, note=note)
    console.print(f"账户 #{account} {done.status} ({done.account_no})")
