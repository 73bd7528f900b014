"""Words a member of staff reads for payment states, roles and the banks' reason codes (Chinese, English), and
Beijing time."""

from __future__ import annotations

import datetime as dt
import re

WORDS: dict[str, tuple[str, str]] = {
    "prepared": ("待审批", "waiting for approval"), "approved": ("已审批, 待出文件", "approved, file not yet written"),
    "sent": ("已发银行", "sent to the bank"), "cancelled": ("已作废", "cancelled"),
    "pending": ("在途", "with the bank"), "paid": ("已入账", "paid"), "rejected": ("银行拒绝", "rejected by the bank"),
    "returned": ("银行退回", "returned by the bank"), "sent_back": ("已退回制单人", "sent back to its preparer"),
    # where a failed payment's re-issue stands (services/failed_payments.py)
    "awaiting-account": ("待单位更正账户", "waiting for the unit to correct its account"),
    "account-to-verify": ("新账户待核验", "new account waiting for verification"),
    "ready-to-reissue": ("账户已更正, 待重新支付", "account corrected, ready to re-issue"),
    "reissue-prepared": ("重新支付待审批", "re-issue waiting for approval"),
    "reissue-approved": ("重新支付已审批, 待出文件", "re-issue approved, file not yet written"),
    "reissued": ("已重新支付, 在途", "re-issued, with the bank"),
    "overdue": ("已逾期, 待收回", "past the deadline, to recover"),
    # roles
    "clerk": ("经办员", "clerk"), "reviewer": ("复核员", "reviewer"), "approver": ("审批人", "approver"),
    "auditor": ("审计员", "auditor"), "admin": ("系统管理员", "system administrator"),
    "security": ("安全管理员", "security officer"), "employer": ("用人单位", "employer"),
}
# Why a bank refused or returned a payment: ISO 20022 ExternalStatusReason1Code / ExternalReturnReason1Code values
# a pain.002 or camt.054 carries (the CSV layout uses the same codes). Never shown as the bare code.
BANK_REASONS: dict[str, tuple[str, str]] = {
    "AC01": ("账号有误", "the account number is wrong"),
    "AC02": ("付款账号无效", "the debtor account is invalid"),
    "AC03": ("收款账号无效", "the creditor account is invalid"),
    "AC04": ("账户已销户", "the account is closed"),
    "AC06": ("账户已冻结", "the account is blocked"),
    "AC13": ("账户类型不符", "the account type does not fit"),
    "AG01": ("该账户不允许此类交易", "the account may not receive this transaction"),
    "AG02": ("银行业务代码无效", "invalid bank operation code"),
    "AM04": ("付款账户余额不足", "insufficient funds in the paying account"),
    "AM05": ("重复支付", "a duplicate payment"),
    "AM09": ("金额有误", "the amount is wrong"),
    "BE01": ("户名与账号不符", "the account name does not match the account"),
    "BE04": ("收款人地址缺失或有误", "the creditor's address is missing or wrong"),
    "CNOR": ("收款行未登记", "the creditor's bank is not registered"),
    "DUPL": ("重复支付", "a duplicate payment"),
    "FF01": ("文件格式无效", "the file format is invalid"),
    "MD07": ("收款人已注销", "the beneficiary no longer exists"),
    "MS02": ("收款人原因, 未说明", "a reason given by the beneficiary, not stated"),
    "MS03": ("银行原因, 未说明", "a reason given by the bank, not stated"),
    "NARR": ("银行另附说明", "the bank explained it in a note"),
    "RC01": ("行号有误", "the bank code is wrong"),
    "RR04": ("监管原因", "a regulatory reason"),
}
_CODE = re.compile(r"^[A-Z0-9]{4}$")
BEIJING = dt.timedelta(hours=8)        # China keeps one zone and no daylight saving


def words(value: str) -> tuple[str, str]:
    """The state in words; an unknown one as it is (never a blank)."""
    return WORDS.get(value, (value, value))


def bank_reason(code: str | None) -> tuple[str, str]:
    """A bank's reason in words: a known ISO code by its words, an unknown code as "not explained", text a bank
    wrote in words as it is."""
    text = (code or "").strip()
    if not text:
        return "银行未说明原因", "the bank gave no reason"
    found = BANK_REASONS.get(text.upper())
    if found is not None:
        return found
    if _CODE.match(text):
        return "银行代码未收录, 请向银行查询", "a bank code we have no words for: ask the bank"
    return text, text


def beijing(at: dt.datetime | dt.date | None) -> str:
    """A stored UTC time as Beijing wall-clock time to the minute; a date as it is."""
    if at is None:
        return "—"
    if isinstance(at, dt.datetime):
        return f"{(at + BEIJING):%Y-%m-%d %H:%M}"
    return at.isoformat()
