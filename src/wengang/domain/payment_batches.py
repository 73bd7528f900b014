"""A payment batch as a typed record with its own lifecycle: prepared → approved → sent, or sent back by an approver
(then cancelled and prepared again), or cancelled before its file left. How many distinct approvers a batch needs is
read from a table of amount bands, each with its reference; four, six or eight eyes live on the type, not in a
service's string checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from wengang.domain.errors import FourEyes, NotWaiting, Refused

MAX_APPROVERS = 3           # the columns a batch has for its approvers (approved_by, second_…, third_…)


class NotSendableBack(NotWaiting):
    """A batch asked to go back to its preparer when it no longer waits for approval (or by its own preparer)."""


@dataclass(frozen=True, slots=True)
class ApprovalBand:
    """Batches whose total is at most `up_to` yuan (None: any total above the bands before) need `approvers`
    distinct approvers besides the preparer; `reference` names the rule that says so."""

    up_to: Decimal | None
    approvers: int
    reference: str


def check_bands(bands: list[ApprovalBand] | tuple[ApprovalBand, ...]) -> None:
    """A usable table: ascending limits, the last one open (None), 1…3 approvers never fewer for more money, each
    with its reference; ValueError says what is wrong."""
    if not bands:
        raise ValueError("审批金额档次不能为空 / the approval bands are empty")
    if bands[-1].up_to is not None:
        raise ValueError("最后一档须不设上限 (up_to: null) / the last band must be open (up_to: null)")
    limits = [b.up_to for b in bands[:-1]]
    closed = [x for x in limits if x is not None]
    if len(closed) != len(limits) or any(a >= b for a, b in zip(closed, closed[1:], strict=False)):
        raise ValueError("各档上限须递增, 只有最后一档不设上限 / band limits must rise, only the last one open")
    for band in bands:
        if not 1 <= band.approvers <= MAX_APPROVERS:
            raise ValueError(f"每档审批人数须为 1–{MAX_APPROVERS} / each band needs 1–{MAX_APPROVERS} approvers, "
                             f"not {band.approvers}")
        if not band.reference.strip():
            raise ValueError(f"审批档次 {band.up_to} 缺少依据 / the band up to {band.up_to} names no reference")
    if any(a.approvers > b.approvers for a, b in zip(bands, bands[1:], strict=False)):
        raise ValueError("金额越高审批人不能越少 / a higher band cannot need fewer approvers")


def band_of(total: Decimal, bands: list[ApprovalBand] | tuple[ApprovalBand, ...]) -> ApprovalBand:
    """The band a batch total falls in: the first whose limit it does not exceed (a limit is inclusive)."""
    for band in bands:
        if band.up_to is None or total <= band.up_to:
            return band
    raise ValueError("审批金额档次缺少不设上限的一档 / the approval bands have no open last band")


class BatchStatus(StrEnum):
    """Where a payment batch stands (the values are stored)."""

    PREPARED = "prepared"        # its attempts exist; no money moved; waits for its approvers (one to three)
    APPROVED = "approved"        # money committed to the payable account; its file may be written
    SENT = "sent"                # its file was written: from now on only the bank's answers end its payments
    CANCELLED = "cancelled"      # ended before its file left; approved money went back to the fund
    SENT_BACK = "sent_back"      # an approver sent it back with a reason; no money moved; its preparer cancels it


B = BatchStatus


@dataclass(frozen=True, slots=True)
class PaymentBatch:
    """One bank's batch of payment attempts: who prepared it, who approved it (as many as its band needs), its file."""

    id: int
    cycle_id: int
    number: str
    bank_code: str
    file_format: str
    entries: int
    total: Decimal
    status: str
    approvals_needed: int
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
    third_approved_by: str | None = None
    third_approved_at: dt.datetime | None = None
    sent_back_by: str | None = None
    sent_back_at: dt.datetime | None = None
    send_back_reason: str | None = None

    @staticmethod
    def number_for(cycle_id: int, bank: str, seq: int) -> str:
        """The number staff and the bank know a batch by: cycle, bank, and its place among the bank's batches."""
        return f"C{cycle_id}-B{bank}-{seq}"

    @property
    def needs_second(self) -> bool:
        """Its band needs more than one approver (six eyes or more)."""
        return self.approvals_needed >= 2

    @property
    def approvers(self) -> tuple[str, ...]:
        """Who approved it so far, in order."""
        return tuple(x for x in (self.approved_by, self.second_approved_by, self.third_approved_by) if x)

    @property
    def approvals_missing(self) -> int:
        """How many more distinct approvers it waits for (0 once released or ended)."""
        return max(0, self.approvals_needed - len(self.approvers)) if self.status == B.PREPARED else 0

    @property
    def waits_for_second(self) -> bool:
        """Approved at least once and still waiting for another, different approver."""
        return self.status == B.PREPARED and bool(self.approvers) and self.approvals_missing > 0

    def approve(self, by: str, at: dt.datetime) -> PaymentBatch:
        """The batch after `by` approves it: an approval short of the number its band needs leaves it prepared; the
        last one approves it (money released), with today as its execution date unless one was set. The preparer
        never approves, nor does an approver a second time (FourEyes)."""
        if self.status != B.PREPARED:
            raise NotWaiting(f"批次 {self.number} 为 {self.status}, 不待审批 / batch {self.number} is "
                             f"{self.status}, not waiting for approval")
        if by == self.prepared_by or by in self.approvers:
            raise FourEyes(f"{by} 已经准备或审批过批次 {self.number}, 须由另一人审批 / four eyes: {by} prepared "
                           f"or already approved batch {self.number}; another person must approve it")
        slot = len(self.approvers)
        if slot >= min(self.approvals_needed, MAX_APPROVERS):
            raise NotWaiting(f"批次 {self.number} 已有足够审批人 / batch {self.number} has all its approvers")
        if slot == 0:
            signed = replace(self, approved_by=by, approved_at=at)
        elif slot == 1:
            signed = replace(self, second_approved_by=by, second_approved_at=at)
        else:
            signed = replace(self, third_approved_by=by, third_approved_at=at)
        if slot + 1 < self.approvals_needed:
            return signed
        return replace(signed, status=B.APPROVED.value, execution_date=self.execution_date or at.date())

    def send_back(self, by: str, at: dt.datetime, reason: str) -> PaymentBatch:
        """The batch sent back to its preparer with a reason, while it waits for approval: no money has moved, its
        payments stay as they were until the preparer cancels it (and prepares again). Never by its preparer."""
        if self.status != B.PREPARED:
            raise NotSendableBack(f"批次 {self.number} 为 {self.status}, 不能退回 / batch {self.number} is "
                                  f"{self.status}: only a batch waiting for approval can be sent back")
        if by == self.prepared_by:
            raise NotSendableBack(f"制单人不能退回自己的批次 {self.number}, 可直接作废 / the preparer of batch "
                                  f"{self.number} cannot send it back; cancel it instead")
        if not reason.strip():
            raise Refused("须写明退回原因 / say why the batch is sent back")
        return replace(self, status=B.SENT_BACK.value, sent_back_by=by, sent_back_at=at, send_back_reason=reason)

    def cancel(self, by: str, at: dt.datetime, reason: str) -> PaymentBatch:
        """The batch cancelled: only while its file has not left (prepared, sent back or approved)."""
        if self.status not in (B.PREPARED, B.APPROVED, B.SENT_BACK):
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

    def recount(self, entries: int, total: Decimal, approvals_needed: int) -> PaymentBatch:
        """A prepared batch holding only the attempts whose checks passed (some planned ones were left out)."""
        if self.status != B.PREPARED:
            raise NotWaiting(f"批次 {self.number} 为 {self.status}, 不能重新计数 / batch {self.number} is "
                             f"{self.status}: only a prepared batch is recounted")
        return replace(self, entries=entries, total=total, approvals_needed=approvals_needed)
