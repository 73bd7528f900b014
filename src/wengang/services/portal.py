"""What the employer portal shows a unit about itself: each case's timeline, money, account, and why, in plain words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from wengang.config import APPLY_DAYS, RECOVERY_DAYS, REVIEW_DAYS, Settings
from wengang.domain.accounts import AccountStatus, PaymentAccount
from wengang.domain.attachments import ApplicationAttachment, Upload, checked
from wengang.domain.audit import Entry
from wengang.domain.cases import Case, State
from wengang.domain.cycles import Cycle
from wengang.domain.days import BEIJING, beijing_date
from wengang.domain.departments import NEEDED, waits_for_department
from wengang.domain.errors import AnalyticsUnreadable, NotFound, Refused
from wengang.domain.identifiers import mask_account
from wengang.domain.ports import Analytics, AttachmentFiles, Attempt, Store, UnitOfWork
from wengang.domain.process import PublicityBatch
from wengang.rules.criteria import settled_by
from wengang.rules.parameters import load_pack
from wengang.rules.plain import Reading
from wengang.services import departments, objections, review
from wengang.services.cycles import newest_snapshot
from wengang.services.explanations import explain_case, read_case
from wengang.services.public import batch_words
from wengang.services.supplied import FACTS, SIZE_WORDS, SuppliedFacts, supplied_facts

STEPS = (("identified", "识别符合条件", "identified as eligible"), ("publicity", "公示", "on the public list"),
         ("re-verified", "复核通过", "re-verified"), ("approved-for-payment", "批准支付", "approved for payment"),
         ("paid", "已到账", "paid"))
REACHED = {State.IDENTIFIED: 0, State.PUBLICITY: 1, State.OBJECTION: 1, State.REVERIFIED: 2, State.APPROVED: 3,
           State.FAILED: 3, State.REISSUED: 3, State.PAID: 4, State.CLOSED: 4, State.RECOVERED: 4}
WAITING = {State.REVIEW: ("待申请与人工审核", "waits for your application and a manual review"),
           State.DISPATCH: ("待用工单位确认", "waits for the actual employer's confirmation"),
           State.ACCOUNT_HELD: ("待确认收款账户", "waits for a usable bank account"),
           State.OBJECTION: ("公示期有异议, 核查中", "an objection is being investigated"),
           State.FAILED: ("支付失败, 待更正账户后重新支付", "payment failed: it is re-issued once the account is fixed"),
           State.REJECTED: ("不予返还", "not paid"), State.RECOVERED: ("已追回", "recovered")}
WHO = {"system": ("系统", "system"), "public": ("公众", "the public")}


@dataclass(frozen=True, slots=True)
class Step:
    """One of the five steps of the way to money: done (with its date), current, or still ahead."""

    state: str
    zh: str
    en: str
    status: str
    when: str


@dataclass(frozen=True, slots=True)
class AccountShown:
    """Where the money goes, masked, and what says so (a payment, a verified change, the snapshot, nothing)."""

    where: str
    source: str


@dataclass(frozen=True, slots=True)
class PaymentShown:
    """One payment attempt as the unit sees it: the account masked, times in Beijing."""

    attempt: int
    amount: Decimal
    status: str                 # a payment's status code: the page shows its words
    account: str
    settled_at: str
    reason: str                 # the bank's reason code ('' for none): the page shows its words, never the code


@dataclass(frozen=True, slots=True)
class ApplicationShown:
    """One of the unit's applications on the case and where it stands: the facts it claimed (in words), its
    attachments, and by when its review is to be done (while pending)."""

    id: int
    status: str
    late: bool
    filed_at: str
    decision_reason: str | None
    claimed: tuple[tuple[str, str, str], ...] = ()       # (Chinese label, English label, value in words)
    attachments: tuple[ApplicationAttachment, ...] = ()
    review_by: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ObjectionShown:
    """An objection to the unit's entry, with the objector's name and contact masked."""

    id: int
    status: str
    raised_on: dt.date
    objector: str | None
    contact: str
    text: str
    decision_reason: str | None


@dataclass(frozen=True, slots=True)
class CaseProgress:
    """One case of the unit: its timeline, money, where the money goes, and what is pending."""

    cycle_id: int
    pack: str
    program: str
    case_id: int
    name: str
    state: str
    decision: str
    amount: Decimal
    reason: str
    waiting: tuple[str, str] | None
    steps: list[Step]
    reasons: list[str]                # the rules' reason codes (paid_months_short, flag:zombie …): shown in words
    deadline: dt.date | None          # by when the next step is due (the list's last day, an account to correct)
    bank_reason: str | None           # the bank's code for the last failed payment: shown in words
    batch: str | None
    account: AccountShown
    account_pending: bool
    can_apply: bool
    payments: list[PaymentShown]
    applications: list[ApplicationShown]
    objections: list[ObjectionShown]
    apply_by: dt.date | None = None     # a case in review without an application: by when the unit is asked to apply
    batch_label: tuple[str, str] | None = None   # its public list as the public names it ("2021年第1批")
    declined: tuple[str, str] | None = None      # its industry department's reason for declining it, in words


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of the decision: its outcome, the values read, and what they were compared with."""

    label: str
    outcome: str
    read: str
    compared_with: str


@dataclass(frozen=True, slots=True)
class Happened:
    """One audit entry of the case as the unit may see it (never a staff member's name)."""

    at: str
    event: str
    from_state: str
    to_state: str
    reason: str
    who: tuple[str, str]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the unit got its decision, criterion by criterion, and everything that happened to its case."""

    case_id: int
    cycle_id: int
    name: str
    state: str
    decision: str
    amount: Decimal
    reason: str
    headline: str
    criteria: list[Criterion]
    history: list[Happened]
    reading: Reading | None = None    # the decision as facts, worded by the page (web/plain.py)
    reasons: tuple[str, ...] = ()     # the rules' reason codes, shown in words


def local_time(at: str | dt.datetime | None) -> str:
    """An audit time (UTC) as Beijing wall-clock time, to the minute."""
    if at is None:
        return ""
    when = dt.datetime.fromisoformat(at.rstrip("Z")) if isinstance(at, str) else at
    return when.replace(tzinfo=dt.UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def today(store: Store) -> dt.date:
    """Today in Beijing by the store's clock (the real day; a demo playing a 2021 cycle is on that cycle's days): the
    day a form's objection is raised on."""
    return beijing_date(store.clock.now())


def change_mark(*, store: Store) -> int:
    """The audit chain's length: every state change appends to it in its own transaction, so while it stands still
    nothing a page shows has changed (the web keeps answers until it moves)."""
    return store.change_mark()


def _own_cases(uow: UnitOfWork, uscc: str) -> list[tuple[Cycle, Case]]:
    """The unit's case in every cycle, newest cycle first: looked up by the signed-in unit, never by an id."""
    found = []
    for cycle in reversed(uow.cycles.all()):
        case = uow.cases.find(cycle.id, uscc)
        if case is not None:
            found.append((cycle, case))
    return found


def no_case(cycle_id: int) -> NotFound:
    """The one answer to any look at a cycle where the unit has no case."""
    return NotFound(f"本单位在周期 {cycle_id} 中没有案件 / your unit has no case in cycle {cycle_id}")


def own_case(uscc: str, cycle_id: int, *, store: Store) -> Case:
    """The unit's own case in one cycle, or NotFound (the same answer whether the cycle exists or not)."""
    with store.reading() as uow:
        case = uow.cases.find(cycle_id, uscc)
    if case is None:
        raise no_case(cycle_id)
    return case


def _timeline(case: Case, reached_at: dict[str, str], batch: PublicityBatch | None) -> list[Step]:
    """The five steps of the way to money, each done (with its date), current, or still ahead."""
    reached = REACHED.get(case.state, -1)
    steps = []
    for i, (state, zh, en) in enumerate(STEPS):
        when = reached_at.get(state, "")
        if state == "identified" and not when and reached >= 0:
            when = reached_at.get("opened", "")
        if state == "publicity" and batch:
            when = f"{batch.starts_on} – {batch.ends_on}"
        status = "done" if i <= reached else "ahead"
        if i == reached and case.state in (State.OBJECTION, State.FAILED, State.REISSUED):
            status = "current"
        steps.append(Step(state, zh, en, status, when if i <= reached else ""))
    return steps


def _failed(attempts: list[Attempt], recovery_days: int) -> tuple[str | None, dt.date | None]:
    """The bank's reason for the newest failed payment, and the day its account must be corrected by (Beijing)."""
    failed = [a for a in attempts if a.status in ("rejected", "returned")]
    if not failed:
        return None, None
    last = max(failed, key=lambda a: a.attempt_no)
    day = last.settled_at or last.created_at
    return last.reason, (day + dt.timedelta(hours=8)).date() + dt.timedelta(days=recovery_days)


def _deadline(case: Case, batch: PublicityBatch | None, failed_by: dt.date | None) -> dt.date | None:
    """By when the unit's next step is due: the public list's last day (to object), or the account to correct."""
    if case.state in (State.PUBLICITY, State.OBJECTION, State.REVIEW_LISTED) and batch is not None:
        return batch.ends_on
    if case.state in (State.FAILED, State.REISSUED):
        return failed_by
    return None


def claimed_words(values: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    """Claimed facts as (Chinese label, English label, value in words), in FACTS' order."""
    out = []
    for key, (zh, en, kind) in FACTS.items():
        if key in values:
            value = values[key]
            text = (f"{Decimal(value):,.2f}" if kind == "yuan" else " / ".join(SIZE_WORDS.get(value, (value, value)))
                    if kind == "class" else f"{int(value):,}")
            out.append((zh, en, text))
    return tuple(out)


def _entered_review(case: Case, entries: list[Entry]) -> dt.date | None:
    """The Beijing day the case last entered review (its opening, when it was opened there)."""
    if case.state is not State.REVIEW or not entries:
        return None
    moved = [e for e in entries if e.to_state == State.REVIEW.value and e.from_state != e.to_state]
    at = (moved[-1] if moved else entries[0]).at
    return beijing_date(dt.datetime.fromisoformat(at.rstrip("Z")) if isinstance(at, str) else at)


def _applications(uow: UnitOfWork, case: Case, review_days: int) -> list[ApplicationShown]:
    found = uow.applications.of_case(case.id)
    files: dict[int, list[ApplicationAttachment]] = {}
    for f in uow.application_attachments.of_applications([a.id for a in found]):
        files.setdefault(f.application_id, []).append(f)
    return [ApplicationShown(a.id, a.status.value, a.late, local_time(a.filed_at), a.decision_reason,
                             claimed_words(a.claimed_facts), tuple(files.get(a.id, ())),
                             beijing_date(a.filed_at) + dt.timedelta(days=review_days) if a.is_pending else None)
            for a in found]


def progress(uscc: str, *, store: Store, recovery_days: int = RECOVERY_DAYS, review_days: int = REVIEW_DAYS,
             apply_days: int = APPLY_DAYS) -> list[CaseProgress]:
    """Every case of the unit with its timeline, amount, masked account, applications, objections and payments."""
    out, every = [], None
    with store.reading() as uow:
        for cycle, case in _own_cases(uow, uscc):
            entries = uow.audit.for_case(case.id)
            reached_at = {"opened": local_time(entries[0].at)} if entries else {}
            for e in entries:
                if e.to_state and e.to_state != e.from_state:
                    reached_at.setdefault(e.to_state, local_time(e.at))
            batch = uow.publicity_batches.get(case.batch_id) if case.batch_id else None
            if batch is not None and every is None:
                every = uow.publicity_batches.all()
            attempts = uow.payments.attempts(case_ids=[case.id]) if hasattr(uow, "payments") else []
            accounts = uow.accounts.of_unit(cycle.id, uscc)
            active = [a for a in accounts if a.status == AccountStatus.ACTIVE]
            pending = [a for a in accounts if a.status == AccountStatus.PENDING]
            bank_reason, failed_by = _failed(attempts, recovery_days)
            shown_applications = _applications(uow, case, review_days)
            entered = _entered_review(case, entries)
            for_department = case.reasons == NEEDED          # held for its department alone: nothing to apply for
            out.append(CaseProgress(
                cycle.id, cycle.pack, cycle.program, case.id, case.name, case.state.value, case.decision, case.amount,
                case.reason, WAITING.get(case.state), _timeline(case, reached_at, batch),
                [r for r in case.reasons.split(";") if r], _deadline(case, batch, failed_by),
                bank_reason if case.state in (State.FAILED, State.REISSUED) else None,
                batch.number if batch else None, _account(case, attempts, active), bool(pending),
                case.state is State.REVIEW and not for_department,
                [PaymentShown(a.attempt_no, a.amount, a.status, f"{a.bank_code[:3]} {mask_account(a.account_no)}",
                              local_time(a.settled_at), a.reason or "") for a in attempts],
                shown_applications,
                [ObjectionShown(o.id, o.status.value, o.raised_on, o.objector, o.contact, o.text, o.decision_reason)
                 for o in map(objections.masked, uow.objections.of_case(case.id))],
                None if entered is None or for_department or any(a.status == "pending" for a in shown_applications)
                else entered + dt.timedelta(days=apply_days),
                batch_words(batch, every) if batch is not None and every is not None else None,
                departments.declined_words(uow, case, load_pack(cycle.pack)) if case.state is State.REJECTED
                and waits_for_department(case.reasons) else None))
    return out


def case_progress(uscc: str, cycle_id: int, *, store: Store, recovery_days: int = RECOVERY_DAYS,
                  review_days: int = REVIEW_DAYS, apply_days: int = APPLY_DAYS) -> CaseProgress:
    """The unit's own case in one cycle with its timeline, or NotFound (the same whether the cycle exists or not)."""
    found = [c for c in progress(uscc, store=store, recovery_days=recovery_days, review_days=review_days,
                                 apply_days=apply_days) if c.cycle_id == cycle_id]
    if not found:
        raise no_case(cycle_id)
    return found[0]


def _account(case: Case, attempts: list[Attempt], active: list[PaymentAccount]) -> AccountShown:
    """Where the money goes, masked: the last payment's account, else a verified change, else the registered one."""
    if attempts:
        last = max(attempts, key=lambda a: a.attempt_no)
        return AccountShown(f"{last.bank_code} {mask_account(last.account_no)}", "payment")
    if active:
        return AccountShown(f"{active[-1].bank_code} {mask_account(active[-1].account_no)}", "verified")
    if case.has_account or case.account_confirmed:
        return AccountShown("社保登记账户 / the account registered with social insurance", "snapshot")
    return AccountShown("无可用账户 / no usable account on file", "none")


def explanation(uscc: str, cycle_id: int, *, store: Store, analytics: Analytics) -> Explanation:
    """Why the unit got its decision, criterion by criterion, and everything that happened to its case."""
    case = own_case(uscc, cycle_id, store=store)
    with store.reading() as uow:
        entries = uow.audit.for_case(case.id)
    try:
        found = explain_case(case, entries, analytics=analytics)
        reading = read_case(case, entries, analytics=analytics)
    except AnalyticsUnreadable:                     # the driver failed (a file being rewritten): say so, not a 500
        found, reading = None, None
    headline, lines = found if found else ("说明暂不可用, 请稍后再试 / the explanation is not available now", [])
    history = [Happened(local_time(e.at), e.event, e.from_state or "", e.to_state or "", e.reason,
                        _who(e.actor, uscc)) for e in entries]
    return Explanation(case.id, cycle_id, case.name, case.state.value, case.decision, case.amount, case.reason,
                       headline, [Criterion(ln.label, ln.outcome, ln.read, ln.compared_with) for ln in lines],
                       history, reading, tuple(r for r in case.reasons.split(";") if r))


def _who(actor: str, uscc: str) -> tuple[str, str]:
    """Who acted, as a unit may see it: never a staff member's name."""
    if actor == uscc:
        return ("本单位", "your unit")
    return WHO.get(actor, ("工作人员", "staff"))


def object_to_own(uscc: str, cycle_id: int, *, store: Store, contact: str, text: str,
                  name: str | None) -> objections.Raised:
    """The unit disputes its own entry (e.g. the amount) during publicity, as anyone may."""
    listed = case_progress(uscc, cycle_id, store=store)
    if not listed.batch:
        raise Refused("本单位的案件不在公示名单上 / your case is not on a public list")
    return objections.add(listed.batch, uscc, store=store, contact=contact, text=text, objector=name,
                          raised_on=today(store), by=uscc)


# The facts that settle each rule reason a unit can settle itself, in the order it is asked for them: the criterion
# registry's (rules/criteria.py).
MISSING = settled_by()


@dataclass(frozen=True, slots=True)
class ApplyForm:
    """What the application form shows: the unit, its case (None: it files late), the facts its case's reasons miss
    first and then the rest, and whether it may file now."""

    cycle_id: int
    program: str
    pack: str
    uscc: str
    name: str
    case_id: int | None
    state: str | None
    missing: tuple[str, ...]
    order: tuple[str, ...]
    pending: bool

    @property
    def can_apply(self) -> bool:
        """A case in review without a pending application, or no case at all (a late filing)."""
        return not self.pending and self.state in (None, State.REVIEW.value, State.REVIEW_LISTED.value)

    @property
    def can_preview(self) -> bool:
        """Only a case in review is decided again with supplied facts (review.preview)."""
        return self.state == State.REVIEW.value


def apply_form(uscc: str, cycle_id: int, *, store: Store, name: str) -> ApplyForm:
    """The application form of the unit's case in the cycle (or of a late filing where it has none)."""
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        case = uow.cases.find(cycle_id, uscc)
        pending = case is not None and any(a.is_pending for a in uow.applications.of_case(case.id))
    reasons = [r for r in (case.reasons if case else "").split(";") if r]
    missing = tuple(dict.fromkeys(k for r in reasons for k in MISSING.get(r, ())))
    order = (*missing, *(k for k in FACTS if k not in missing))
    return ApplyForm(cycle.id, cycle.program, cycle.pack, uscc, case.name if case else name,
                     case.id if case else None, case.state.value if case else None, missing, order, pending)


def claimed(typed: dict[str, str], names: list[str]) -> SuppliedFacts | None:
    """The facts the unit typed (None: none), checked as a reviewer's are (supplied.supplied_facts); their evidence
    is the unit's own declaration and the files it attached."""
    if not any((typed.get(k) or "").strip() for k in FACTS):
        return None
    evidence = "单位申报 / declared by the unit" + (f"; 附件 attachments: {', '.join(names)}" if names else "")
    return supplied_facts(typed, evidence)


def preview(uscc: str, cycle_id: int, typed: dict[str, str], *, store: Store,
            analytics: Analytics) -> review.Redecision:
    """What the typed facts would give the unit's own case (qualified or not, the amount, the reason): changes
    nothing."""
    case = own_case(uscc, cycle_id, store=store)
    facts = claimed(typed, [])
    if facts is None:
        raise Refused("请至少填写一项数据再预览 / fill in at least one fact to preview the amount")
    return review.preview(case.id, facts, store=store, analytics=analytics)


def apply(uscc: str, cycle_id: int, *, store: Store, analytics: Analytics, settings: Settings, commitment: str,
          accepted: bool, typed: dict[str, str] | None = None, files_in: list[tuple[str | None, bytes]] | None = None,
          files: AttachmentFiles | None = None) -> review.Filed:
    """The unit files its application with the commitment letter, the facts it claims and its attachments (every
    file checked by content and size first: one refused, nothing kept); without a case in the cycle it files late."""
    uploads: list[Upload] = checked(files_in, max_bytes=settings.attachment_max_bytes,
                                    max_count=settings.attachment_max_count) if files_in else []
    facts = claimed(typed or {}, [u.name for u in uploads])
    with store.reading() as uow:
        has_case = uow.cases.find(cycle_id, uscc) is not None
    late = None if has_case else newest_snapshot(analytics)
    return review.apply(cycle_id, uscc, store=store, analytics=analytics, settings=settings,
                        commitment=commitment, accepted=accepted, by=uscc, late_snapshot=late, facts=facts,
                        uploads=uploads, files=files)
