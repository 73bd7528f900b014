"""Match a bank's status records against the attempts we issued; anything odd is listed, never applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from wengang.domain.payments import FINAL, NEXT, PaymentStatus, StatusRecord


class Expected(NamedTuple):
    """An attempt as we know it: the amount we sent, its status before this file, the batch whose file carried it,
    and why no answer in this file may touch it (its batch never sent, or sent in a format this file cannot answer)."""

    amount: Decimal
    status: PaymentStatus
    batch: str = ""
    refusal: tuple[Issue, str] | None = None


class Update(NamedTuple):
    """One status change to apply (and post to the ledger) for one attempt."""

    end_to_end_id: str
    before: PaymentStatus
    after: PaymentStatus
    amount: Decimal
    reason: str | None
    booking_date: dt.date | None
    source: str


class Issue(StrEnum):
    """Why a record (or a whole file) was not applied; each needs a person to look at it."""

    UNKNOWN_ID = "unknown-id"                  # not an attempt we issued
    NOT_SENT = "batch-not-sent"                # its batch's file was never sent: the bank cannot know of it
    WRONG_BATCH = "wrong-batch"                # the record says it answers another batch than the one carrying it
    WRONG_FORMAT = "wrong-format"              # e.g. a CSV status about a payment sent in a pain.001
    AMOUNT_MISMATCH = "amount-mismatch"        # the bank's amount differs from ours
    DUPLICATE = "duplicate-in-file"            # same id and status twice in one file
    ALREADY_FINAL = "already-final"            # rejected or returned: nothing may change it any more
    ILLEGAL = "illegal-transition"             # e.g. a reject after settlement
    FILE_REJECTED = "file-rejected"            # the bank refused the whole file
    UNKNOWN_ORIGINAL = "unknown-original"      # a status report that answers no file we sent
    CONTROL_MISMATCH = "control-mismatch"      # its count, total or message type differ from the file it answers
    NOT_OURS = "not-our-account"               # a notification or entry that is not about our payments

    @property
    def words(self) -> str:
        """What a clerk reads on the exceptions list."""
        return ISSUE_WORDS[self]


ISSUE_WORDS = {
    Issue.UNKNOWN_ID: "编号不是本系统签发的支付 / not a payment we issued",
    Issue.NOT_SENT: "所属批次从未发出银行文件 / its batch's file was never sent",
    Issue.WRONG_BATCH: "回执所答批次与该笔支付的批次不符 / answers another batch than the payment's",
    Issue.WRONG_FORMAT: "回执格式与发出的文件格式不符 / the answer's format does not match the file sent",
    Issue.AMOUNT_MISMATCH: "金额不符 / amount differs",
    Issue.DUPLICATE: "同一文件中重复 / repeated in the file",
    Issue.ALREADY_FINAL: "该笔支付已失败退回 / the payment already failed",
    Issue.ILLEGAL: "状态变化不合规 / not a legal status change",
    Issue.FILE_REJECTED: "银行整批拒绝 / the bank refused the whole file",
    Issue.UNKNOWN_ORIGINAL: "回执所答文件不是本系统发出的 / answers no file we sent",
    Issue.CONTROL_MISMATCH: "笔数、总额或报文类型与原文件不符 / count, total or type differ from the file sent",
    Issue.NOT_OURS: "不是本基金账户或本系统的支付 / not about our account or our payments",
}


class Discrepancy(NamedTuple):
    """A record set aside, with what was wrong, for the exceptions list."""

    end_to_end_id: str
    issue: Issue
    detail: str
    record: StatusRecord


@dataclass
class Reconciliation:
    """The outcome of one status file: updates to apply, discrepancies to review, the rest counted."""

    updates: list[Update] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    acknowledged: int = 0          # "received / in process": no change yet
    confirmed: int = 0             # says what we already know (a camt.054 debit after a pain.002 ACSC)

    @property
    def clean(self) -> bool:
        return not self.discrepancies


def reconcile(expected: Mapping[str, Expected], records: Iterable[StatusRecord]) -> Reconciliation:
    """Apply records in file order to a working copy of the statuses; refuse what is unknown, repeated or wrong."""
    # A record repeating a non-final status (paid, pending) confirms it; once rejected or returned, any further
    # word about the attempt is a discrepancy, because its money is already on its way back to the fund.
    out = Reconciliation()
    current: dict[str, PaymentStatus] = {}
    seen: dict[PaymentStatus, set[str]] = {}   # status → the ids reported with it in this file

    def refuse(rec: StatusRecord, issue: Issue, detail: str) -> None:
        out.discrepancies.append(Discrepancy(rec.end_to_end_id, issue, detail, rec))

    # Hot (500,000 records a file): no tuple per record for the duplicate check (half the time went to the garbage
    # collector walking them) and each Update built by tuple.__new__, which is all its Python-level __new__ does.
    get_current, get_expected = current.get, expected.get
    add_update, new = out.updates.append, tuple.__new__
    pending = PaymentStatus.PENDING   # bound once: reading a member off its enum class is slow
    acknowledged = confirmed = 0
    for rec in records:
        e2e = rec.end_to_end_id
        want = get_expected(e2e)
        if want is None:
            refuse(rec, Issue.UNKNOWN_ID, "银行回执中的编号不是本系统签发的 / the bank reports an id we never issued")
            continue
        if want.refusal is not None:
            refuse(rec, *want.refusal)
            continue
        claim = rec.batch
        if claim is not None and claim != want.batch:
            refuse(rec, Issue.WRONG_BATCH, f"回执称答复批次 {claim}, 该笔支付在批次 {want.batch} / the answer says "
                                           f"it answers batch {claim}; the payment was sent in batch {want.batch}")
            continue
        if rec.amount is not None and rec.amount != want.amount:
            refuse(rec, Issue.AMOUNT_MISMATCH, f"金额不符 / bank says {rec.amount}, we sent {want.amount}")
            continue
        status = rec.status
        ids = seen.get(status)
        if ids is None:
            ids = seen[status] = set()
        before = len(ids)
        ids.add(e2e)
        if len(ids) == before:
            refuse(rec, Issue.DUPLICATE, f"同一文件重复 / {status} reported twice in this file")
            continue
        now = get_current(e2e) or want.status
        if type(now) is not PaymentStatus:
            now = PaymentStatus(now)
        if status is pending:
            acknowledged += 1
            continue
        if now in FINAL:
            refuse(rec, Issue.ALREADY_FINAL, f"已是终态 / already {now}; bank now says {status}")
        elif now == status:
            confirmed += 1
        elif status not in NEXT[now]:
            refuse(rec, Issue.ILLEGAL, f"不允许 / {now} → {status} is not a legal change")
        else:
            current[e2e] = status
            add_update(new(Update, (e2e, now, status, want.amount, rec.reason, rec.booking_date, rec.source)))
    out.acknowledged, out.confirmed = acknowledged, confirmed
    return out
