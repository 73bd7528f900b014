"""A bank that answers pain.001 files like a real one (rejects, late returns, duplicates), deterministic by seed."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from wengang.adapters.banks import camt054, csv_layout, pain001, pain002, xsd
from wengang.adapters.banks.files import WrittenFile, write_atomic
from wengang.adapters.banks.pain002 import Original, TxStatus
from wengang.domain.payments import PaymentStatus, StatusRecord, control_sum

PAID, REJECTED, RETURNED = "paid", "rejected", "returned"


@dataclass(frozen=True)
class Outcome:
    """What the simulated bank decided for one payment."""

    end_to_end_id: str
    fate: str                      # paid | rejected | returned (paid first, back later)
    reason: str | None = None


@dataclass(frozen=True)
class Answer:
    """The files a bank sends back for one pain.001: status report now, debits, and returns a few days later."""

    pain002: WrittenFile
    settlement: WrittenFile | None
    returns: WrittenFile | None
    outcomes: dict[str, Outcome]
    group_status: str


@dataclass
class BankSimulator:
    """Deterministic: the same seed and payment id always meet the same fate, whatever the file order."""

    seed: int = 2021
    reject_share: float = 0.02
    return_share: float = 0.005
    reject_reasons: tuple[str, ...] = ("AC04", "BE01")
    return_reasons: tuple[str, ...] = ("AC04",)
    force: Mapping[str, Outcome] = field(default_factory=dict)
    return_after_days: int = 3
    settled_code: str = "ACSC"
    _messages: set[str] = field(default_factory=set, repr=False)
    _paid_ids: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        if min(self.reject_share, self.return_share) < 0 or self.reject_share + self.return_share > 1:
            raise ValueError("shares must be between 0 and 1 and add up to at most 1")

    def remembered(self) -> dict[str, list[str]]:
        """What the bank remembers between files (messages seen, payments made), to keep it across runs."""
        return {"messages": sorted(self._messages), "paid": sorted(self._paid_ids)}

    def remember(self, state: Mapping[str, list[str]]) -> None:
        self._messages |= set(state.get("messages", ()))
        self._paid_ids |= set(state.get("paid", ()))

    def fate(self, e2e: str) -> Outcome:
        """A payment's fate from a hash of seed and id: two uniform draws, no state, no clock."""
        if e2e in self.force:
            return self.force[e2e]
        digest = hashlib.blake2b(f"{self.seed}|{e2e}".encode(), digest_size=16).digest()
        u = int.from_bytes(digest[:8]) / 2**64
        pick = int.from_bytes(digest[8:])
        if u < self.reject_share:
            return Outcome(e2e, REJECTED, self.reject_reasons[pick % len(self.reject_reasons)])
        if u < self.reject_share + self.return_share:
            return Outcome(e2e, RETURNED, self.return_reasons[pick % len(self.return_reasons)])
        return Outcome(e2e, PAID)

    def answer(self, path: Path | str, out_dir: Path | str) -> Answer:
        """Read and check a pain.001 as a bank would, then write pain.002 and the camt.054 files into out_dir."""
        if Path(path).suffix.lower() == ".csv":
            return self.answer_csv(path, out_dir)
        message = xsd.message_of(path)
        if message not in (pain001.V09, pain001.V03):
            raise ValueError(f"{Path(path).name}: a bank takes pain.001 files, this is {message}")
        sent = pain001.read_pain001(path, message)
        out = Path(out_dir)
        created = dt.datetime.fromisoformat(sent.created) + dt.timedelta(hours=2)
        original = Original(sent.message_id, message, sent.payment_info_id, sent.count,
                            sent.control_sum if sent.control_sum is not None else control_sum([]))
        group_problem = self._group_problem(sent)
        report = dict(message_id=f"{sent.message_id}-STS"[:35], created=created, original=original)
        name = re.sub(r"[^A-Za-z0-9-]", "_", sent.message_id)  # a file name, whatever the bank file says
        status_path = out / f"{name}.pain002.xml"
        if group_problem:
            written = pain002.write_pain002(status_path, statuses=[], group_status="RJCT",
                                            group_reason=group_problem, **report)
            return Answer(written, None, None, {}, "RJCT")
        self._messages.add(sent.message_id)
        outcomes: dict[str, Outcome] = {}
        statuses, debits, credits = [], [], []
        for p in sent.payments:
            fate = self.fate(p.end_to_end_id)
            if p.end_to_end_id in self._paid_ids or p.end_to_end_id in outcomes:
                fate = Outcome(p.end_to_end_id, REJECTED, "AM05")
            elif p.currency != "CNY":
                fate = Outcome(p.end_to_end_id, REJECTED, "AM03")
            outcomes.setdefault(p.end_to_end_id, fate)
            if fate.fate == REJECTED:
                statuses.append(TxStatus(p.end_to_end_id, "RJCT", p.amount, fate.reason))
                continue
            self._paid_ids.add(p.end_to_end_id)
            statuses.append(TxStatus(p.end_to_end_id, self.settled_code, p.amount))
            debits.append(camt054.Booking(p.end_to_end_id, p.amount, False, sent.execution_date,
                                          original_message_id=sent.message_id))
            if fate.fate == RETURNED:
                later = sent.execution_date + dt.timedelta(days=self.return_after_days)
                credits.append(camt054.Booking(p.end_to_end_id, p.amount, True, later, fate.reason,
                                               sent.message_id))
        codes = {s.code for s in statuses}
        group = "RJCT" if codes == {"RJCT"} else ("PART" if "RJCT" in codes else self.settled_code)
        written = pain002.write_pain002(status_path, statuses=statuses, group_status=group, **report)
        account = dict(account_no=sent.debtor_account, bank_code=sent.debtor_bank)
        settlement = camt054.write_camt054(
            out / f"{name}.camt054-settlement.xml", message_id=f"{sent.message_id}-DBT"[:35],
            created=created, bookings=debits, **account) if debits else None
        returns = camt054.write_camt054(
            out / f"{name}.camt054-returns.xml", message_id=f"{sent.message_id}-RTN"[:35],
            created=created + dt.timedelta(days=self.return_after_days), bookings=credits,
            **account) if credits else None
        return Answer(written, settlement, returns, outcomes, group)

    def answer_csv(self, path: Path | str, out_dir: Path | str) -> Answer:
        """A CSV bank: one status file back (paid or rejected now; a late return comes as a second file)."""
        path, out = Path(path), Path(out_dir)
        rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
        outcomes: dict[str, Outcome] = {}
        now, later = [], []
        for row in rows:
            e2e, amount, batch = row["end_to_end_id"], Decimal(row["amount"]), row.get("batch") or path.stem
            fate = self.fate(e2e)
            if e2e in self._paid_ids or e2e in outcomes:
                fate = Outcome(e2e, REJECTED, "AM05")
            outcomes.setdefault(e2e, fate)
            if fate.fate == REJECTED:
                now.append(StatusRecord(e2e, PaymentStatus.REJECTED, amount, fate.reason, batch=batch))
                continue
            self._paid_ids.add(e2e)
            now.append(StatusRecord(e2e, PaymentStatus.PAID, amount, batch=batch))
            if fate.fate == RETURNED:
                later.append(StatusRecord(e2e, PaymentStatus.RETURNED, amount, fate.reason, batch=batch))
        status = out / f"{path.stem}.status.csv"
        digest = write_atomic(status, csv_layout.render_status_csv(now))
        returns = None
        if later:
            back = out / f"{path.stem}.returns.csv"
            returns = WrittenFile(back, write_atomic(back, csv_layout.render_status_csv(later)), csv_layout.FORMAT,
                                  len(later))
        return Answer(WrittenFile(status, digest, csv_layout.FORMAT, len(now)), None, returns, outcomes, "CSV")

    def _group_problem(self, sent: pain001.SentFile) -> str | None:
        """Whole-file refusals: a message id seen before (a resend), or header totals that do not add up."""
        if sent.message_id in self._messages:
            return "DU01"
        if sent.count != len(sent.payments):
            return "AM18"
        if sent.control_sum is not None and sent.control_sum != sum(p.amount for p in sent.payments):
            return "AM10"
        return None
