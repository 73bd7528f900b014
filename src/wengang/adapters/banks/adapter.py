"""The bank-files port made real: pain.001 and CSV out, pain.002, camt.054 and CSV answers in, each XSD-checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wengang.adapters.banks import camt054, csv_layout, pain001, pain002, xsd
from wengang.adapters.banks.files import sha256_of
from wengang.domain.bank_files import BankAnswer, Debtor, WrittenFile
from wengang.domain.errors import Refused
from wengang.domain.payments import PaymentInstruction


@dataclass(frozen=True)
class BankFileAdapter:
    """Stateless (so it pickles into a worker process): every call reads or writes one file."""

    def write_pain001(self, path: Path, *, batch_id: str, payments: Sequence[PaymentInstruction], debtor: Debtor,
                      created: dt.datetime, execution_date: dt.date, remittance: str, message: str) -> WrittenFile:
        return pain001.write_pain001(path, batch_id=batch_id, payments=payments, debtor=debtor, created=created,
                                     execution_date=execution_date, remittance=remittance, message=message)

    def write_csv(self, path: Path, payments: Sequence[PaymentInstruction], remittance: str,
                  batch: str) -> WrittenFile:
        return csv_layout.write_payment_csv(path, payments, remittance, batch)

    def message_of(self, path: Path) -> str:
        """A .csv is the CSV layout (unread); any other file says its ISO 20022 message in its root's namespace."""
        return csv_layout.FORMAT if path.suffix.lower() == ".csv" else xsd.message_of(path)

    def read_answer(self, path: Path, *, account_no: str, bank_code: str) -> BankAnswer:
        """A pain.002, camt.054 (entries on the fund's account only) or the CSV layout, read after validation."""
        if path.suffix.lower() == ".csv":
            return BankAnswer(csv_layout.FORMAT, csv_layout.read_status_csv(path))
        message = xsd.message_of(path)
        if message.startswith("pain.002"):
            r = pain002.read_pain002(path)
            return BankAnswer(message, r.records, r.group_status, r.group_reason, (
                r.original_message_id, r.original_message_name, r.original_count, r.original_control_sum))
        if message.startswith("camt.054"):
            n = camt054.read_camt054(path, account_no, bank_code)
            return BankAnswer(message, n.records, set_aside=tuple(n.set_aside))
        raise Refused(f"{path.name}: 不是银行回执 / not a bank return (pain.002, camt.054 or CSV): {message}")

    def sha256_of(self, path: Path) -> str:
        return sha256_of(path)
