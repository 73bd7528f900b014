"""How a date, an amount and a bank's reason are written for people: one way for pages, documents and messages
(the rest of the words people read are in web/words.py, which uses these)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from wengang.domain.days import BEIJING

_CODE = re.compile(r"^[A-Z0-9]{4}$")

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


# Where a payment batch and a payment stand (domain/payment_batches.py, domain/payments.py): for pages, the payment
# report and the terminal alike (web/words.py takes them into its table).
PAYMENT_WORDS: dict[str, tuple[str, str]] = {
    "prepared": ("待审批", "waiting for approval"), "approved": ("已审批, 待出文件", "approved, file not yet written"),
    "sent": ("已发银行", "sent to the bank"), "cancelled": ("已作废", "cancelled"),
    "pending": ("在途", "with the bank"), "paid": ("已入账", "paid"), "rejected": ("银行拒绝", "rejected by the bank"),
    "returned": ("银行退回", "returned by the bank"), "sent_back": ("已退回制单人", "sent back to its preparer"),
}


def payment_words(status: str) -> str:
    """A batch's or a payment's status as people read it, "已入账 / paid"; an unknown one as it is."""
    return " / ".join(PAYMENT_WORDS.get(status, (status, status)))


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


def day_words(day: dt.date) -> tuple[str, str]:
    """A business date as people write it: "2026年12月9日" / "9 December 2026"."""
    return f"{day.year}年{day.month}月{day.day}日", f"{day.day} {day:%B %Y}"


def money(value) -> str:
    """Yuan with thousands separators and two decimals, from a Decimal (never a float)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


def moment_words(moment: dt.datetime) -> tuple[str, str]:
    """A moment (naive UTC, as stored, or aware) as people in Beijing say it: "2024年2月4日 17:00" / "17:00, 4 February
    2024" (Beijing time, never UTC)."""
    local = (moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)).astimezone(BEIJING)
    zh, en = day_words(local.date())
    return f"{zh} {local:%H:%M}", f"{local:%H:%M}, {en}"
