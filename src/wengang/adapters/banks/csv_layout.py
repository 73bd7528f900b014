"""The CSV layout for banks that take no XML: payments out (UTF-8 with BOM), statuses back, errors by line."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from wengang.adapters.banks.files import BankFileError, WrittenFile, write_atomic
from wengang.domain.bank_files import CSV
from wengang.domain.payments import (
    PaymentInstruction,
    PaymentStatus,
    StatusRecord,
    control_sum,
    money,
    plain_text,
)

FORMAT = CSV
PAYMENT_COLUMNS = ("end_to_end_id", "bank_code", "account_no", "account_name", "amount", "currency", "remittance",
                   "batch")
# A status file says which batch each line answers (the `batch` the payment file carried), as a pain.002 names the
# file it answers: a line about a payment of another batch is set aside, never applied.
STATUS_COLUMNS = ("end_to_end_id", "batch", "status", "amount", "reason")
REQUIRED_STATUS = ("end_to_end_id", "batch", "status")
# Our words and the ISO codes a bank may put in a CSV mean the same.
_STATUS = {s.value: s for s in PaymentStatus} | {
    "ACSC": PaymentStatus.PAID, "ACCC": PaymentStatus.PAID, "RJCT": PaymentStatus.REJECTED,
    "ACSP": PaymentStatus.PENDING, "ACTC": PaymentStatus.PENDING, "PDNG": PaymentStatus.PENDING,
    "RTRN": PaymentStatus.RETURNED,
}


def _cell(value: str) -> str:
    """A leading = + - @ would make a spreadsheet run a formula; names never start so, so refuse rather than alter."""
    if value[:1] in ("=", "+", "-", "@"):
        raise ValueError(f"CSV 单元格不能以 {value[0]!r} 开头 / a CSV cell may not start with {value[0]!r}")
    return value


def render_payment_csv(payments: Sequence[PaymentInstruction], remittance: str, batch: str) -> bytes:
    """UTF-8 with BOM (what Excel and most Chinese bank portals expect), CRLF lines, amounts with two decimals."""
    if not payments:
        raise ValueError("没有支付 / no payments")
    remit = _cell(plain_text("附言 / remittance", remittance, 140))
    batch = _cell(plain_text("批次号 / batch", batch, 35))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PAYMENT_COLUMNS)
    for p in payments:
        writer.writerow((p.end_to_end_id, p.bank_code, p.account_no, _cell(p.account_name), f"{p.amount}", "CNY",
                         remit, batch))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def write_payment_csv(path: Path | str, payments: Sequence[PaymentInstruction], remittance: str,
                      batch: str) -> WrittenFile:
    """Write atomically; returns path, SHA-256, count and the exact total."""
    ids = {p.end_to_end_id for p in payments}
    if len(ids) != len(payments):
        raise ValueError("同一文件中端到端编号重复 / an end-to-end id appears twice in one file")
    digest = write_atomic(path, render_payment_csv(payments, remittance, batch))
    return WrittenFile(Path(path), digest, FORMAT, len(payments), control_sum(p.amount for p in payments))


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030 is what older bank portals still export."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise BankFileError(path, FORMAT, None, f"编码无法识别 / neither UTF-8 nor GB18030: {exc}") from None


def read_status_csv(path: Path | str) -> list[StatusRecord]:
    """Every row checked; the first bad one refuses the whole file with its line number."""
    path = Path(path)
    try:
        text = _decode(path, path.read_bytes())
    except OSError as exc:
        raise BankFileError(path, FORMAT, None, f"无法读取 / cannot read: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_STATUS if c not in header]
    if missing:
        raise BankFileError(path, FORMAT, 1, f"缺少列 / missing column(s) {', '.join(missing)}; have {header}")
    reader.fieldnames = header
    records = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise BankFileError(path, FORMAT, line, "列数多于表头 / more cells than columns")
        e2e, batch = (row.get("end_to_end_id") or "").strip(), (row.get("batch") or "").strip()
        if not e2e:
            raise BankFileError(path, FORMAT, line, "缺少 end_to_end_id / end_to_end_id is empty")
        if not batch:
            raise BankFileError(path, FORMAT, line, "缺少 batch (所答复的支付批次) / batch is empty: say which "
                                                    "payment batch the line answers")
        code = (row.get("status") or "").strip()
        status = _STATUS.get(code.lower()) or _STATUS.get(code.upper())
        if status is None:
            raise BankFileError(path, FORMAT, line, f"未知状态 / unknown status {code!r}")
        raw = (row.get("amount") or "").strip()
        try:
            amount: Decimal | None = money(raw) if raw else None
        except (ValueError, TypeError) as exc:
            raise BankFileError(path, FORMAT, line, f"金额 / amount {raw!r}: {exc}") from None
        when = (row.get("booking_date") or "").strip()
        try:
            booked = dt.date.fromisoformat(when) if when else None
        except ValueError:
            raise BankFileError(path, FORMAT, line, f"日期 / booking_date {when!r} is not YYYY-MM-DD") from None
        currency = (row.get("currency") or "CNY").strip().upper()
        if currency != "CNY":
            raise BankFileError(path, FORMAT, line, f"币种 {currency!r} 不是 CNY / currency is not CNY")
        records.append(StatusRecord(e2e, status, amount, (row.get("reason") or "").strip() or None, booked, FORMAT,
                                    batch))
    return records


def render_status_csv(records: Sequence[StatusRecord]) -> bytes:
    """What a CSV bank sends back (used by the simulator and tests)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow((*STATUS_COLUMNS, "booking_date"))
    for r in records:
        writer.writerow((r.end_to_end_id, r.batch or "", r.status.value, "" if r.amount is None else f"{r.amount}",
                         r.reason or "", r.booking_date.isoformat() if r.booking_date else ""))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
