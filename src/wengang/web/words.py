"""Words a member of staff reads for payment states, roles and jobs (Chinese, English), and Beijing time."""

from __future__ import annotations

import datetime as dt

WORDS: dict[str, tuple[str, str]] = {
    "prepared": ("待审批", "waiting for approval"), "approved": ("已审批, 待出文件", "approved, file not yet written"),
    "sent": ("已发银行", "sent to the bank"), "cancelled": ("已作废", "cancelled"),
    "pending": ("在途", "with the bank"), "paid": ("已入账", "paid"), "rejected": ("银行拒绝", "rejected by the bank"),
    "returned": ("银行退回", "returned by the bank"),
    # roles
    "clerk": ("经办员", "clerk"), "reviewer": ("复核员", "reviewer"), "approver": ("审批人", "approver"),
    "auditor": ("审计员", "auditor"), "admin": ("系统管理员", "system administrator"),
    "security": ("安全管理员", "security officer"), "employer": ("用人单位", "employer"),
    # jobs: their states, kinds and what their results name
    "job.queued": ("排队中", "queued"), "job.running": ("运行中", "running"), "job.done": ("已完成", "done"),
    "job.failed": ("失败", "failed"), "job.cancelled": ("已取消", "cancelled"),
    "job.open_cycle": ("开启周期", "open a cycle"), "job.compare": ("比对轮次", "comparison round"),
    "job.publicity_start": ("开始公示", "start publicity"), "job.reverify": ("复核", "re-verification"),
    "job.prepare_batches": ("准备支付批次", "prepare payment batches"),
    "job.reconcile": ("读取银行回执", "reconcile bank return files"),
    "job.import_snapshot": ("导入快照", "import a snapshot"),
    "job.cycle_id": ("周期", "cycle"), "job.cases": ("案件数", "cases"), "job.run": ("评估运行", "evaluation run"),
    "job.snapshot": ("快照", "snapshot"), "job.round": ("轮次", "round"), "job.changed": ("有变化", "changed"),
    "job.batch": ("公示批次", "publicity batch"), "job.entries": ("条目", "entries"),
    "job.starts_on": ("首日", "first day"), "job.ends_on": ("末日", "last day"),
    "job.batches": ("支付批次", "payment batches"), "job.payments": ("笔数", "payments"),
    "job.total": ("金额(元)", "amount (yuan)"), "job.skipped": ("未入批", "left out"),
    "job.files": ("文件数", "files"), "job.records": ("记录数", "records"),
    "job.already_read": ("此前已读", "read before"), "job.exceptions": ("异常", "exceptions"),
    "job.quarantined": ("隔离行", "quarantined rows"), "job.rows": ("行数", "rows"),
    # case states, as a job's result counts them
    "case.identified": ("待公示", "identified"), "case.review": ("待审核", "in review"),
    "case.dispatch-confirmation": ("待确认用工", "dispatch confirmation"),
    "case.account-held": ("账户暂缓", "account held"), "case.publicity": ("公示中", "on publicity"),
    "case.objection-raised": ("有异议", "objection raised"), "case.re-verified": ("复核通过", "re-verified"),
    "case.approved-for-payment": ("已批准支付", "approved for payment"), "case.paid": ("已支付", "paid"),
    "case.failed": ("支付失败", "payment failed"), "case.reissued": ("已重发", "reissued"),
    "case.recovered": ("已收回", "recovered"), "case.closed": ("已结案", "closed"),
    "case.rejected": ("不符合", "rejected"),
}
BEIJING = dt.timedelta(hours=8)        # China keeps one zone and no daylight saving


def words(value: str) -> tuple[str, str]:
    """The state in words; an unknown one as it is (never a blank)."""
    return WORDS.get(value, (value, value))


def result_words(key: str) -> tuple[str, str]:
    """A job result's name in words: cases per state read as the case state's own words."""
    if key.startswith("cases_"):
        zh, en = words(f"case.{key.removeprefix('cases_')}")
        return f"案件 {zh}", f"cases {en}"
    return words(f"job.{key}")


def beijing(at: dt.datetime | dt.date | None) -> str:
    """A stored UTC time as Beijing wall-clock time to the minute; a date as it is."""
    if at is None:
        return "—"
    if isinstance(at, dt.datetime):
        return f"{(at + BEIJING):%Y-%m-%d %H:%M}"
    return at.isoformat()
