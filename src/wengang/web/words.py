"""Words a member of staff reads for payment states and roles (Chinese, English), and Beijing time."""

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
}
# case states (domain.cases.State values): apart from WORDS, where "paid" and "rejected" mean a payment's
CASE_STATES: dict[str, tuple[str, str]] = {
    "identified": ("已认定", "identified"), "review": ("待审核", "in review"),
    "dispatch-confirmation": ("待用工单位确认", "waiting for the actual employer"),
    "account-held": ("暂缓: 无可用账户", "held: no usable account"), "publicity": ("公示中", "on a public list"),
    "objection-raised": ("有异议", "objection raised"), "re-verified": ("已复核", "re-verified"),
    "approved-for-payment": ("已批准支付", "approved for payment"), "paid": ("已支付", "paid"),
    "failed": ("支付失败", "payment failed"), "reissued": ("已重发", "reissued"), "recovered": ("已追回", "recovered"),
    "closed": ("已结案", "closed"), "rejected": ("不予发放", "rejected"),
}
# the orders a staff list can be sorted in (domain.queues.SORTS)
SORT_WORDS: dict[str, tuple[str, str]] = {
    "id": ("案件号", "case number"), "-id": ("案件号 (倒序)", "case number, newest first"),
    "name": ("单位名称", "unit name"), "amount": ("金额 (从小到大)", "amount, smallest first"),
    "-amount": ("金额 (从大到小)", "amount, largest first"), "state": ("状态", "state"),
}
BEIJING = dt.timedelta(hours=8)        # China keeps one zone and no daylight saving


def words(value: str) -> tuple[str, str]:
    """The state in words; an unknown one as it is (never a blank)."""
    return WORDS.get(value, (value, value))


def case_state(value: str) -> tuple[str, str]:
    """A case's state in words; an unknown one as it is."""
    return CASE_STATES.get(value, (value, value))


def beijing(at: dt.datetime | dt.date | None) -> str:
    """A stored UTC time as Beijing wall-clock time to the minute; a date as it is."""
    if at is None:
        return "—"
    if isinstance(at, dt.datetime):
        return f"{(at + BEIJING):%Y-%m-%d %H:%M}"
    return at.isoformat()
