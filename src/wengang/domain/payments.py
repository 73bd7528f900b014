"""Payments as pure data: one instruction per attempt, its stable end-to-end id, and its status."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from wengang.domain.identifiers import USCC_ALPHABET, uscc_problem
from wengang.domain.names import name_problem

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")  # 18 digits: the ISO 20022 amount's totalDigits
MAX_CASE_ID = 10**18 - 1
MAX_ATTEMPT = 999
_E2E = re.compile(r"^WG-([1-9]\d{0,17})-([1-9]\d{0,2})-([0-9A-Z])$")
_BANK_CODE = re.compile(r"^\d{12}$")
_ACCOUNT_NO = re.compile(r"^[0-9A-Za-z-]{6,34}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")


class PaymentStatus(StrEnum):
    """Where one payment attempt stands with its bank (the values are stored)."""

    PENDING = "pending"      # issued, no final word from the bank yet
    PAID = "paid"            # settled on the unit's account (may still come back as a return)
    REJECTED = "rejected"    # refused before settlement: the money never left the fund
    RETURNED = "returned"    # came back after settlement


FINAL = frozenset({PaymentStatus.REJECTED, PaymentStatus.RETURNED})
FAILED = FINAL
NEXT: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.PAID, PaymentStatus.REJECTED, PaymentStatus.RETURNED}),
    PaymentStatus.PAID: frozenset({PaymentStatus.RETURNED}),
    PaymentStatus.REJECTED: frozenset(),
    PaymentStatus.RETURNED: frozenset(),
}


def money(value: Decimal | int | str) -> Decimal:
    """Exact yuan with at most two decimals; a float is refused, never rounded, because it is already wrong."""
    if type(value) is Decimal and value.same_quantum(CENT) and -MAX_AMOUNT <= value <= MAX_AMOUNT:
        return value   # hot: already in fen and in range, so quantize(CENT) would give it back unchanged
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"金额必须是 Decimal / money must be a Decimal, int or str, not {type(value).__name__}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"金额无效 / not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"金额无效 / not an amount: {value!r}")
    if abs(amount) > MAX_AMOUNT:         # first: quantizing 3.1e99900 to the fen would overflow the context
        raise ValueError(f"金额过大 / amount {value} exceeds {MAX_AMOUNT}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"金额最多两位小数 / amount {value} has more than two decimals (fen)")
    return amount.quantize(CENT)


def positive_money(value: Decimal | int | str) -> Decimal:
    """A payable amount: exact, two decimals, strictly more than zero."""
    if type(value) is Decimal and value.same_quantum(CENT) and 0 < value <= MAX_AMOUNT:
        return value   # hot: see money
    amount = money(value)
    if amount <= 0:
        raise ValueError(f"金额必须大于零 / amount must be more than zero, is {amount}")
    return amount


_WEIGHTS = tuple(pow(3, i, 31) for i in range(1, 22))


def _check_of(digits: int) -> str:
    """The check character of case id and attempt written as one number (case_id * 1000 + attempt), in C."""
    # The weights are 3^(i+1) mod 31 and 34 ≡ 3 (mod 31): read in base 34, the digits sum to Σ d·3^i mod 31.
    return USCC_ALPHABET[3 * int(str(digits), 34) % 31]


def _check_char(case_id: int, attempt: int) -> str:
    """Weighted mod-31 over the digits, so a mistyped id in a bank's CSV is caught, not matched to another case."""
    if type(case_id) is type(attempt) is int and 0 <= case_id <= MAX_CASE_ID and 0 <= attempt <= MAX_ATTEMPT:
        return _check_of(case_id * 1000 + attempt)   # hot: at most 21 digits, all weighted
    digits = f"{case_id}{attempt:03d}"[::-1]
    return USCC_ALPHABET[sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False)) % 31]


def end_to_end_id(case_id: int, attempt: int) -> str:
    """The id the bank carries back: same case and attempt → same id; a re-issue (attempt + 1) → a new one."""
    if type(case_id) is type(attempt) is int and 0 < case_id <= MAX_CASE_ID and 0 < attempt <= MAX_ATTEMPT:
        return f"WG-{case_id}-{attempt}-{_check_of(case_id * 1000 + attempt)}"   # hot: plain ints in range
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 1 <= case_id <= MAX_CASE_ID:
        raise ValueError(f"案件号无效 / case id must be an integer 1…{MAX_CASE_ID}, is {case_id!r}")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or not 1 <= attempt <= MAX_ATTEMPT:
        raise ValueError(f"支付次数无效 / attempt must be an integer 1…{MAX_ATTEMPT}, is {attempt!r}")
    return f"WG-{case_id}-{attempt}-{_check_char(case_id, attempt)}"


def parse_end_to_end_id(value: str) -> tuple[int, int]:
    """(case id, attempt) of one of our ids, or ValueError for anything else (a foreign id, a typo)."""
    if type(value) is str and value.isascii():   # hot: a well-formed id is taken apart without the regex
        parts = value.split("-")
        if len(parts) == 4:
            wg, case, attempt, check = parts
            if (wg == "WG" and 0 < len(case) <= 18 and case.isdigit() and case[0] != "0" and 0 < len(attempt) <= 3
                    and attempt.isdigit() and attempt[0] != "0" and len(check) == 1):
                case_id, attempt_no = int(case), int(attempt)
                if _check_of(case_id * 1000 + attempt_no) == check:
                    return case_id, attempt_no
    m = _E2E.match(value)
    if not m:
        raise ValueError(f"不是本系统的端到端编号 / not a wengang end-to-end id: {value!r}")
    case_id, attempt_no = int(m[1]), int(m[2])
    if _check_char(case_id, attempt_no) != m[3]:
        raise ValueError(f"端到端编号校验位错误 / end-to-end id {value!r} fails its check character")
    return case_id, attempt_no


def plain_text(what: str, value: str, limit: int) -> str:
    """Names go into XML and CSV files: non-blank, no control characters, within the schema's length."""
    if type(value) is str and len(value) <= limit and value.isprintable() and value and not value.isspace():
        return value   # hot: printable text has no control character; anything doubtful takes the checks below
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} 不能为空 / {what} must not be blank")
    if _CONTROL.search(value):
        raise ValueError(f"{what} 含控制字符 / {what} contains a control character")
    if len(value) > limit:
        raise ValueError(f"{what} 超过 {limit} 字 / {what} is longer than {limit} characters")
    return value


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """One attempt to pay one case into one account; everything a bank file needs, checked once here."""

    case_id: int
    attempt: int
    uscc: str
    unit_name: str
    bank_code: str
    account_no: str
    account_name: str
    amount: Decimal
    end_to_end_id: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Hot (one per payment): each check first tries a C-speed test that only a good value passes; anything it
        # does not pass takes the full check, so refusals, their order and their messages stay the full checks'.
        amount = self.amount
        if not (type(amount) is Decimal and amount.same_quantum(CENT) and 0 < amount <= MAX_AMOUNT):
            object.__setattr__(self, "amount", positive_money(amount))
        object.__setattr__(self, "end_to_end_id", end_to_end_id(self.case_id, self.attempt))
        uscc, bank_code, account_no = self.uscc, self.bank_code, self.account_no
        problem = uscc_problem(uscc) if isinstance(uscc, str) else "credit code must be text"
        if problem:
            raise ValueError(f"案件 {self.case_id}: {problem}")
        if not (type(bank_code) is str and len(bank_code) == 12 and bank_code.isdecimal()) and (
                not isinstance(bank_code, str) or not _BANK_CODE.match(bank_code)):
            raise ValueError(f"行号应为12位数字 / bank code must be the 12-digit CNAPS code, is {bank_code!r}")
        if not (type(account_no) is str and 6 <= len(account_no) <= 34 and account_no.isascii()
                and account_no.isalnum()) and (
                not isinstance(account_no, str) or not _ACCOUNT_NO.match(account_no)):
            raise ValueError("账号应为6–34位数字或字母 / account number must be 6–34 letters or digits")
        # Every format's rule at once (XML, the CSV layout, the lists): an instruction that passes here is written.
        for what, name in (("单位名称 / unit name", self.unit_name), ("户名 / account name", self.account_name)):
            problem = name_problem(name)
            if problem:
                raise ValueError(f"{what}: {problem}")


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """What a bank said about one payment, whichever file (pain.002, camt.054, CSV) it came in, and which of our
    batches it says it answers (None where the file names none, as a camt.054 entry may)."""

    end_to_end_id: str
    status: PaymentStatus
    amount: Decimal | None = None
    reason: str | None = None
    booking_date: dt.date | None = None
    source: str = ""
    batch: str | None = None


def control_sum(amounts) -> Decimal:
    """The exact total a file's CtrlSum must carry (Decimal addition, two places)."""
    return sum((money(a) for a in amounts), Decimal("0.00")).quantize(CENT)
