"""A payment batch as a typed record with its own lifecycle: prepared → approved → sent, or cancelled before its file
left; four eyes (six above the threshold) on the type, not in a service's string checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from wengang.domain.errors import FourEyes, NotWaiting


class BatchStatus(StrEnum):
    """Where a payment batch stands (the values are stored)."""

    PREPARED = "prepared"        # its attempts exist; no money moved; waits for one or two approvers
    APPROVED = "approved"        # money committed to the payable account; its file may be written
    SENT = "sent"                # its file was written: from now on only the bank's answers end its payments
    CANCELLED = "cancelled"      # ended before its file left; approved money went back to the fund


B = BatchStatus


@dataclass(frozen=True, slots=True)
class PaymentBatch:
    """One bank's batch of payment attempts: who prepared it, who approved it (twice above the threshold), its file."""

    id: int
    cycle_id: int
    number: str
    bank_code: str
    file_format: str
    entries: int
    total: Decimal
    status: str
    needs_second: bool
    prepared_by: str
    prepared_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    second_approved_by: str | None
    second_approved_at: dt.datetime | None
    execution_date: dt.date | None
    file_name: str | None
    file_sha256: str | None
    sent_at: dt.datetime | None
    cancelled_by: str | None
    cancelled_at: dt.datetime | None
    cancel_reason: str | None

    @staticmethod
    def number_for(cycle_id: int, bank: str, seq: int) -> str:
        """The number staff and the bank know a batch by: cycle, bank, and its place among the bank's batches."""
        return f"C{cycle_id}-B{bank}-{seq}"

    @property
    def waits_for_second(self) -> bool:
        """Approved once, and above the threshold: a second, different approver releases it."""
        return self.needs_second and self.approved_by is not None and not self.second_approved_by

    def approve(self, by: str, at: dt.datetime) -> PaymentBatch:
        """The batch after `by` approves it: the first of two approvals leaves it prepared; the last one approves it
        (money released), with today as its execution date unless one was set. The preparer never approves, nor does
        the first approver a second time (FourEyes)."""
        if self.status != B.PREPARED:
            raise NotWaiting(f"批次 {self.number} 为 {self.status}, 不待审批 / batch {self.number} is "
                             f"{self.status}, not waiting for approval")
        if by in (self.prepared_by, self.approved_by):
            raise FourEyes(f"{by} 已经准备或审批过批次 {self.number}, 须由另一人审批 / four eyes: {by} prepared "
                           f"or already approved batch {self.number}; another person must approve it")
        if self.approved_by is None and self.needs_second:
            return replace(self, approved_by=by, approved_at=at)
        released = replace(self, status=B.APPROVED.value, execution_date=self.execution_date or at.date())
        if self.approved_by is None:
            return replace(released, approved_by=by, approved_at=at)
        return replace(released, second_approved_by=by, second_approved_at=at)

    def cancel(self, by: str, at: dt.datetime, reason: str) -> PaymentBatch:
        """The batch cancelled: only while its file has not left (prepared or approved)."""
        if self.status not in (B.PREPARED, B.APPROVED):
            raise NotWaiting(f"批次 {self.number} 为 {self.status}, 不能作废 / batch {self.number} is {self.status}: "
                             "only a batch whose file never left can be cancelled" + (
                                 "; 已发出的批次以银行回执了结 / a sent batch ends through the bank's answers"
                                 if self.status == B.SENT else ""))
        return replace(self, status=B.CANCELLED.value, cancelled_by=by, cancelled_at=at, cancel_reason=reason)

    def check_file(self) -> None:
        """Only an approved batch (or a sent one, written again byte for byte) gets a bank file."""
        if self.status not in (B.APPROVED, B.SENT):
            raise NotWaiting(f"批次 {self.number} 未审批, 不能出文件 / batch {self.number} is "
                             f"{self.status}: only an approved batch gets a bank file")

    def mark_sent(self, file_name: str, sha256: str, at: dt.datetime) -> PaymentBatch:
        """The batch once its file was written (the file's name and hash kept, so a resend is recognisable)."""
        self.check_file()
        return replace(self, status=B.SENT.value, file_name=file_name, file_sha256=sha256, sent_at=at)

    def recount(self, entries: int, total: Decimal, needs_second: bool) -> PaymentBatch:
        """A prepared batch holding only the attempts whose checks passed (some planned ones were left out)."""
        if self.status != B.PREPARED:
            raise NotWaiting(f"批次 {self.number} 为 {self.status}, 不能重新计数 / batch {self.number} is "
                             f"{self.status}: only a prepared batch is recounted")
        return replace(self, entries=entries, total=total, needs_second=needs_second)
