"""The application path and the holds: commitment letters, reviewer decisions, employer and account confirmation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wengang.config import Settings
from wengang.domain.attachments import Upload
from wengang.domain.audit import Draft
from wengang.domain.cases import (
    IN_REVIEW,
    ROUTE_REASONS,
    Case,
    Gates,
    State,
    after_review,
    route,
    route_reason,
)
from wengang.domain.cycles import Cycle
from wengang.domain.errors import ConcurrentChange, IllegalTransition, NotFound, Refused
from wengang.domain.ports import Analytics, AttachmentFiles, NewCase, Store, UnitOfWork
from wengang.domain.process import ApplicationStatus, Objection, commitment_letter
from wengang.rules.explain import Line, explain
from wengang.services import departments, evaluation
from wengang.services.casework import fen_to_yuan, load_case, move, note
from wengang.services.cycles import Unit, units
from wengang.services.supplied import (
    SUPPLIED_EVENT,
    SuppliedFacts,
    supplied_line,
)


@dataclass(frozen=True, slots=True)
class Filed:
    """An application just filed: its number, its case, and whether it was filed late (延后补报)."""

    application: int
    case_id: int
    late: bool


def apply(cycle_id: int, uscc: str, *, store: Store, analytics: Analytics, settings: Settings, commitment: str,
          accepted: bool, by: str, late_snapshot: str | None = None, facts: SuppliedFacts | None = None,
          uploads: Sequence[Upload] = (), files: AttachmentFiles | None = None) -> Filed:
    """A unit routed to review (or a late filer, 延后补报, from a newer snapshot) applies with its commitment letter,
    the facts it claims and the files that show them (checked already: domain/attachments.checked). The files'
    bytes are kept once each by hash as their rows are added (a content kept for a transaction that then failed is
    harmless: it is named by its hash alone); the application, its attachment rows and the audit entry commit
    together."""
    letter = commitment_letter(commitment, accepted)
    if uploads and files is None:
        raise Refused("附件无处保存 / there is nowhere to keep attachments")
    uscc = uscc.strip().upper()
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        exists = uow.cases.find(cycle_id, uscc) is not None
    late_unit = None
    if not exists:
        if late_snapshot is None:
            raise _no_case(cycle_id, uscc)
        late_unit = _late_unit(cycle, uscc, late_snapshot, analytics, settings)
    with store.transaction() as uow:
        case = uow.cases.find(cycle_id, uscc)
        if case is None:
            if late_unit is None:                # found above and cases are never deleted: cannot happen
                raise _no_case(cycle_id, uscc)
            case = _open_late(uow, cycle, late_unit, by)
        if case.state not in IN_REVIEW:
            raise Refused(f"案件 {case.id} 处于 {case.state.value}, 只有待审核案件可申请 / only a case in review "
                          f"can apply; case {case.id} is {case.state.value}")
        if any(a.is_pending for a in uow.applications.of_case(case.id)):
            raise Refused(f"案件 {case.id} 已有待审申请 / case {case.id} already has a pending application")
        claimed = json.dumps(facts.stored(), ensure_ascii=False) if facts else None
        filed = uow.applications.add(case_id=case.id, commitment=letter, commitment_accepted=True,
                                     late=late_unit is not None, filed_by=by, filed_at=uow.now(),
                                     status=ApplicationStatus.PENDING, claimed=claimed)
        kept = []
        once: dict[str, Upload] = {}
        for u in uploads:
            once.setdefault(u.sha256, u)
        for u in once.values():                             # the same file chosen twice is one attachment
            if files is not None and files.put(u.data) != u.sha256:
                raise Refused(f"附件 {u.name} 保存失败 / attachment {u.name} was not kept whole")
            kept.append(uow.application_attachments.add(application_id=filed.id, sha256=u.sha256, file_name=u.name,
                                                        content_type=u.content_type, size=u.size))
        # The facts and the files' hashes, types and sizes (their names may name a person: not in the trail).
        note(uow, case, "提交申请及承诺书 / application with commitment letter filed", by=by, event="applied",
             data={"application": filed.id, "late": filed.late, "claimed": facts.stored() if facts else {},
                   "attachments": [{"sha256": a.sha256, "type": a.content_type, "size": a.size} for a in kept]})
        uow.commit()
    return Filed(filed.id, case.id, filed.late)


def _no_case(cycle_id: int, uscc: str) -> NotFound:
    return NotFound(f"周期 {cycle_id} 中没有 {uscc}; 延后补报请给出 --late-snapshot / {uscc} has no case in "
                    f"cycle {cycle_id}; a late filer gives the newer snapshot that holds it (--late-snapshot)")


def _late_unit(cycle: Cycle, uscc: str, snapshot: str, analytics: Analytics,
               settings: Settings) -> tuple[Unit, str]:
    """The late filer's row from an evaluation of the newer snapshot (the rules decide, not the form)."""
    run = evaluation.evaluate(snapshot, cycle.pack, cycle.as_of, analytics=analytics, settings=settings)
    found = [u for u in units(run.decided) if u.uscc == uscc]
    if not found:
        raise NotFound(f"快照 {snapshot} 中也没有 {uscc} / {uscc} is not in snapshot {snapshot} either")
    if found[0].decision == "ineligible":
        raise Refused(f"{uscc} 按快照 {snapshot} 不符合条件 / not eligible on snapshot {snapshot}: {found[0].reasons}")
    return found[0], run.summary.id


def _open_late(uow: UnitOfWork, cycle: Cycle, late: tuple[Unit, str], by: str) -> Case:
    """A late filer's case is born in review: an application is always reviewed by a person."""
    unit, run_id = late
    state = State.REVIEW
    reason = f"延后补报 / late filing: {route_reason(state, unit.reasons)}"
    (case_id,) = uow.cases.insert_many([NewCase(
        cycle.program, cycle.id, unit.uscc, unit.name, unit.decision, unit.amount, unit.ratio_units,
        unit.reasons, run_id, unit.labor_dispatch, unit.has_account, False, False, False, state.value, reason, None,
        1, unit.size_class)])
    case = load_case(uow, case_id)
    uow.audit.append([Draft(by, "late_filing", f"case:{case.id}", case.id, None, state.value, reason,
                            {"uscc": unit.uscc, "decision": unit.decision, "amount": str(unit.amount),
                             "reasons": unit.reasons, "run": run_id})])
    return case


def decide(case_id: int, *, store: Store, accept: bool, reason: str, by: str,
           expected_version: int | None = None) -> Case:
    """A reviewer accepts (the case goes on to its next gate or to publicity) or rejects, always with a reason. A case
    in review while on a list with an objection open to it: accepted, it waits for the objection's decision (it is
    never put back on the list as if nothing were open); rejected, its open objections are moot (the case is out)."""
    if not reason.strip():
        raise Refused("审核决定需要写明理由 / a review decision needs a reason")
    with store.transaction() as uow:
        case = load_case(uow, case_id, expected_version)
        if case.state not in IN_REVIEW:
            raise IllegalTransition(case.id, case.state.value, "identified" if accept else "rejected")
        pending = [a for a in uow.applications.of_case(case.id) if a.is_pending]
        if accept and not pending:
            raise Refused(f"案件 {case_id} 没有待审申请 / case {case_id} has no application to accept")
        if accept and case.amount <= 0:
            raise Refused(f"案件 {case_id} 金额未知或为零, 不能通过 / amount is {case.amount}: unknown never pays")
        if accept and (held := departments.unconfirmed(uow, case)):
            raise Refused(held)
        objected = uow.objections.open_of_case(case.id) if case.state is State.REVIEW_LISTED else []
        data: dict[str, Any] = {"applications": [a.id for a in pending]}
        if accept:
            target = after_review(case.state, route(Gates(case.decision, case.labor_dispatch, case.has_account, True,
                                                          case.dispatch_confirmed, case.account_confirmed)),
                                  objected=bool(objected))
            text = f"审核通过 / review accepted: {reason}"
            if objected:
                _still_listed(case, target, objected)
                data["objections_open"] = [o.id for o in objected]
                text = (f"审核通过, 待异议 {_numbers(objected)} 处理 / review accepted; waits for the decision on "
                        f"objection {_numbers(objected)}: {reason}")
            case = move(uow, case, target, text, by=by, event="review_accepted", review_accepted=True, data=data)
        else:
            for o in objected:
                if not uow.objections.save_decision(o.moot_by_review(by=by, at=uow.now(), reason=reason)):
                    raise ConcurrentChange(f"异议 / objection #{o.id}")
            if objected:
                data["objections_moot"] = [o.id for o in objected]
            data["reason"] = reason                          # the unit is told it (services/tell.py)
            case = move(uow, case, State.REJECTED, f"审核不通过 / review rejected: {reason}", by=by,
                        event="review_rejected", data=data)
        for a in pending:
            if not uow.applications.save_decision(a.decide(accept=accept, by=by, at=uow.now(), reason=reason)):
                raise ConcurrentChange(f"申请 / application #{a.id}")
        uow.commit()
    return case


def _numbers(objected: list[Objection]) -> str:
    return ", ".join(f"#{o.id}" for o in objected)


def _still_listed(case: Case, target: State, objected: list[Objection]) -> None:
    """Accepting a listed case with an objection open may not take it off the list (to another gate) while the
    objection is undecided: it would come back on a later list with the objection still open and unheard."""
    if target is not State.OBJECTION:
        raise Refused(f"案件 {case.id} 有未处理的异议 {_numbers(objected)}, 通过后将离开公示名单; 请先处理异议 / "
                      f"case {case.id} has objection {_numbers(objected)} open and accepting it would take it off "
                      f"the list ({ROUTE_REASONS.get(target, '')}): decide the objection first")


def confirm_dispatch(case_id: int, *, store: Store, employer: str, by: str,
                     expected_version: int | None = None) -> Case:
    """The actual employer confirmed the dispatched staff: the case goes on to its next gate."""
    if not employer.strip():
        raise Refused("请给出用工单位 / name the actual employer that confirmed")
    return _clear(case_id, State.DISPATCH, store=store, by=by, expected_version=expected_version,
                  event="dispatch_confirmed", reason=f"用工单位已确认 / actual employer confirmed: {employer}",
                  flag="dispatch_confirmed", data={"employer": employer.strip()})


def confirm_account(case_id: int, *, store: Store, note_text: str, by: str,
                    expected_version: int | None = None) -> Case:
    """A usable account was confirmed (e.g. the social-insurance account the tax bureau supplies): release the hold."""
    return _clear(case_id, State.ACCOUNT_HELD, store=store, by=by, expected_version=expected_version,
                  event="account_confirmed", reason=f"账户已确认 / account confirmed: {note_text}".rstrip(": "),
                  flag="account_confirmed", data={})


def _clear(case_id: int, held: State, *, store: Store, by: str, expected_version: int | None, event: str,
           reason: str, flag: str, data: dict[str, Any]) -> Case:
    with store.transaction() as uow:
        case = load_case(uow, case_id, expected_version)
        cleared: dict[str, Any] = {flag: True}       # the gate's field on Gates and its column on the case
        target = route(case.gates._replace(**cleared))
        if case.state is not held:
            raise IllegalTransition(case.id, case.state.value, target.value)
        case = move(uow, case, target, reason, by=by, event=event, data=data, **cleared)
        uow.commit()
    return case


@dataclass(frozen=True)
class Redecision:
    """A review case decided again with supplied facts: the new decision, amount and explanation, and where the case
    would go on confirmation. Nothing is changed by computing it."""

    case: Case
    facts: SuppliedFacts
    decision: str
    amount: Decimal
    ratio_units: int | None
    reasons: str
    headline: str
    lines: list[Line] = field(default_factory=list)
    has_application: bool = False

    @property
    def target(self) -> State:
        return route(Gates(self.decision, self.case.labor_dispatch, self.case.has_account, True,
                           self.case.dispatch_confirmed, self.case.account_confirmed))

    @property
    def refusal(self) -> str | None:
        """Why confirming would be refused (None: it may be confirmed)."""
        if self.decision != "ineligible" and self.amount <= 0:
            return (f"补充后金额仍未知或为零, 不能通过: {self.reasons or '—'} / the amount is still unknown or zero "
                    f"with these facts: unknown never pays")
        if self.decision == "review" and not self.has_application:
            return ("补充后仍需人工审核, 但没有待审申请 / still routed to review with these facts, and the unit has "
                    "no application to accept")
        return None


def preview(case_id: int, facts: SuppliedFacts, *, store: Store, analytics: Analytics) -> Redecision:
    """The case's unit decided again by the rules with the supplied facts, before anyone accepts: changes nothing."""
    with store.reading() as uow:
        case = load_case(uow, case_id)
        pending = any(a.is_pending for a in uow.applications.of_case(case.id))
    if case.state is not State.REVIEW:
        raise Refused(f"案件 {case.id} 处于 {case.state.value}, 只有待审核案件可补充数据 / only a case in review takes "
                      f"supplied data; case {case.id} is {case.state.value}")
    found = analytics.redecide(case.uscc, case.run_id, facts.values)
    if found is None:
        raise NotFound(f"找不到案件 {case.id} 的评估记录 {case.run_id} / the run {case.run_id} that decided case "
                       f"{case.id} is not in the analytical store")
    row = found.row
    headline, lines = explain(row, found.parameters)
    amount = fen_to_yuan(row["amount_fen"]) if row["decision"] != "ineligible" else Decimal("0.00")
    return Redecision(case, facts, row["decision"], amount, row["ratio_units"], row["reasons"] or "",
                      headline, [supplied_line(facts), *lines], pending)


def accept_with_data(case_id: int, facts: SuppliedFacts, *, store: Store, analytics: Analytics, by: str,
                     expected_version: int, expected_amount: Decimal | None = None) -> Case:
    """Confirm a preview: the case takes the new decision and amount and goes where they route it (ineligible →
    rejected), its pending applications decided with it; the facts and their evidence are in the audit entry."""
    made = preview(case_id, facts, store=store, analytics=analytics)
    if expected_amount is not None and made.amount != expected_amount:
        raise ConcurrentChange(f"案件 {case_id} 的预览金额已变 / the previewed amount of case {case_id}")
    if made.refusal:
        raise Refused(f"案件 {case_id}: {made.refusal}")
    accepted = made.decision != "ineligible"
    target = made.target
    why = (f"补充数据后{'通过' if accepted else '不符合'} / with supplied data "
           f"{'accepted' if accepted else 'ineligible'}: {facts.shown()}; 依据 evidence: {facts.evidence}")
    with store.transaction() as uow:
        case = load_case(uow, case_id, expected_version)
        if case.state is not State.REVIEW:
            raise IllegalTransition(case.id, case.state.value, target.value)
        if accepted and (held := departments.unconfirmed(uow, case)):
            raise Refused(held)
        pending = [a for a in uow.applications.of_case(case.id) if a.is_pending]
        data = {"supplied": facts.stored(), "evidence": facts.evidence, "applications": [a.id for a in pending],
                "before": {"decision": case.decision, "amount": str(case.amount), "reasons": case.reasons},
                "after": {"decision": made.decision, "amount": str(made.amount), "reasons": made.reasons}}
        case = move(uow, case, target, why, by=by, event=SUPPLIED_EVENT, decision=made.decision, amount=made.amount,
                    ratio_units=made.ratio_units, reasons=made.reasons, review_accepted=accepted, data=data)
        for a in pending:
            if not uow.applications.save_decision(a.decide(accept=accepted, by=by, at=uow.now(), reason=why)):
                raise ConcurrentChange(f"申请 / application #{a.id}")
        uow.commit()
    return case


def close(case_id: int, *, store: Store, reason: str, by: str, expected_version: int | None = None) -> Case:
    """A paid or recovered case is closed (办结), with a reason: nothing further happens to it."""
    if not reason.strip():
        raise Refused("办结需要写明理由 / closing a case needs a reason")
    with store.transaction() as uow:
        case = load_case(uow, case_id, expected_version)
        case = move(uow, case, State.CLOSED, f"办结 / closed: {reason.strip()}", by=by, event="case_closed")
        uow.commit()
    return case
