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
BEIJING = dt.timedelta(hours=8)        # China keeps one zone and no daylight saving


def words(value: str) -> tuple[str, str]:
    """The state in words; an unknown one as it is (never a blank)."""
    return WORDS.get(value, (value, value))


def beijing(at: dt.datetime | dt.date | None) -> str:
    """A stored UTC time as Beijing wall-clock time to the minute; a date as it is."""
    if at is None:
        return "—"
    if isinstance(at, dt.datetime):
        return f"{(at + BEIJING):%Y-%m-%d %H:%M}"
    return at.isoformat()
