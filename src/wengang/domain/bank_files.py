"""What crosses the bank-files port: the file formats by name, the fund's account, a written file, a bank's answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from wengang.domain.payments import StatusRecord, plain_text

PAIN001_V09, PAIN001_V03 = "pain.001.001.09", "pain.001.001.03"   # the credit-transfer versions a batch may use
CSV = "CSV"                                                         # the layout for banks that take no XML
_DIGITS = re.compile(r"^\d{12}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z-]{6,34}$")


def is_csv(file_format: str) -> bool:
    """A batch's format names the CSV layout in any case ("csv" in settings, "CSV" in files)."""
    return file_format.lower() == CSV.lower()


class BankFileError(ValueError):
    """A bank file we refuse as a whole: names the file, the format, the line and what is wrong."""

    def __init__(self, path: Path | str, fmt: str, line: int | None, problem: str):
        self.path, self.format, self.line, self.problem = Path(path), fmt, line, problem
        where = f"{self.path}" + (f", 第 {line} 行 / line {line}" if line else "")
        super().__init__(f"{where}: 不是有效的 {fmt} / not a valid {fmt}: {problem}")

    def __reduce__(self):
        """Rebuilt from its parts, so it crosses from a worker process intact."""
        return type(self), (self.path, self.format, self.line, self.problem)


@dataclass(frozen=True)
class Debtor:
    """The fund's account the money leaves from (configurable per city and bank)."""

    account_no: str
    bank_code: str
    name: str = "北京市社会保险基金管理中心"

    def __post_init__(self) -> None:
        plain_text("基金户名 / fund name", self.name, 140)
        if not _DIGITS.match(self.bank_code):
            raise ValueError(f"基金开户行号应为12位 / fund bank code must be 12 digits, is {self.bank_code!r}")
        if not _ACCOUNT.match(self.account_no):
            raise ValueError("基金账号应为6–34位 / fund account number must be 6–34 letters or digits")


@dataclass(frozen=True)
class WrittenFile:
    """A file as sent or received: where it is, its SHA-256, and what it carries."""

    path: Path
    sha256: str
    message: str
    count: int
    control_sum: Decimal | None = None


@dataclass(frozen=True)
class BankAnswer:
    """One bank file as read: its records, the group's word, the file it says it answers (pain.002), and what was
    set aside as not ours (camt.054 entries on other accounts, without our id, reversals)."""

    message: str
    records: list[StatusRecord]
    group_status: str | None = None
    group_reason: str | None = None
    original: tuple[str | None, str | None, int | None, Decimal | None] | None = None   # MsgId, type, count, sum
    set_aside: tuple[str, ...] = ()
