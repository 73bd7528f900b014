"""The call list of the back office (issue 16.4, "one network, one line"): units a person should ring, each with why,
who is to call it, and what every call came to. A unit is on the list while its reason stands and no call has reached
it since its case last moved:

- payment failed: its payment came back from the bank (state failed);
- not reached: it was told a step, and not one copy of its messages was delivered or is still on its way (it named
  no contact, or every copy failed) — this is what "not read" means here: the system cannot know a text was read,
  only that it arrived;
- deadline near: it must apply (state review), has no application waiting, and its deadline is NEAR_DAYS away or
  past;
- not confirmed: its case waits on the unit's confirmation (the actual employer of a dispatch firm, or a usable bank
  account).

Phones are masked on the list; the full number is shown to the caller on request, and that look is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wengang.domain.audit import Draft
from wengang.domain.calls import (
    CALL_BACK,
    CALL_REASONS,
    DEADLINE_NEAR,
    NOT_CONFIRMED,
    NOT_REACHED,
    NOTE_MAX,
    OUTCOMES,
    PAYMENT_FAILED,
    REACHED,
    Call,
    Reach,
)
from wengang.domain.cases import Case, State
from wengang.domain.days import beijing_date
from wengang.domain.errors import NotFound, Refused
from wengang.domain.identifiers import mask_phone, uscc_problem
from wengang.domain.ports import Analytics, Store, UnitOfWork
from wengang.domain.queues import Page
from wengang.services.permissions import role_may

NEAR_DAYS = 3                 # an application due within three days (or overdue) is worth a call
MAX_ROWS = 2000               # rows one list holds (the narrowest filter first: mine, a reason)
PER_PAGE = 100                # rows one page shows
STATES = {PAYMENT_FAILED: (State.FAILED,), DEADLINE_NEAR: (State.REVIEW,),
          NOT_CONFIRMED: (State.DISPATCH, State.ACCOUNT_HELD)}


@dataclass(frozen=True, slots=True)
class CallRow:
    """One unit on the call list as a page shows it: why, who calls, the last call, phones masked."""

    case: Case
    reasons: tuple[str, ...]
    deadline: dt.date | None
    assigned_to: str | None
    last_call: Call | None
    calls: int
    phones: tuple[tuple[str, str], ...]         # (contact's name, masked phone)
    reach: Reach | None

    @property
    def call_back_due(self) -> dt.datetime | None:
        last = self.last_call
        return last.call_back_at if last is not None and last.outcome == CALL_BACK else None


def _deadline(case: Case, opened_at: dt.datetime, apply_days: int) -> dt.date:
    """When a unit in review must have applied: apply_days after it entered review (its last move), as the portal
    counts it."""
    return beijing_date(case.changed_at or opened_at) + dt.timedelta(days=apply_days)


def _candidates(uow: UnitOfWork, cycle_id: int, reason: str | None, apply_days: int
                ) -> tuple[dict[int, tuple[Case, list[str], dt.date | None]], dict[int, Reach]]:
    """Every case with a reason to call, and its reasons (most urgent first)."""
    cycle = uow.cycles.get(cycle_id)
    today = beijing_date(uow.now())
    found: dict[int, tuple[Case, list[str], dt.date | None]] = {}

    def add(case: Case, why: str, deadline: dt.date | None = None) -> None:
        entry = found.setdefault(case.id, (case, [], deadline))
        entry[1].append(why)

    wanted = (reason,) if reason else CALL_REASONS
    for why in wanted:
        if why == NOT_REACHED:
            ids = uow.deliveries.unreached(cycle_id, MAX_ROWS)
            for case in uow.cases.many(ids):
                add(case, NOT_REACHED)
            continue
        cases = list(uow.cases.of_cycle(cycle_id, STATES[why], limit=MAX_ROWS))
        if why == DEADLINE_NEAR:
            waiting = {a.case_id for a in uow.applications.of_cases([c.id for c in cases]) if a.is_pending}
            for case in cases:
                by = _deadline(case, cycle.opened_at, apply_days)
                if case.id not in waiting and (by - today).days <= NEAR_DAYS:
                    add(case, DEADLINE_NEAR, by)
            continue
        for case in cases:
            add(case, why)
    reach = uow.deliveries.reach(sorted(found))
    for case_id, r in reach.items():               # a unit listed for another reason and also not reached says so
        if r.unreached and NOT_REACHED not in found[case_id][1]:
            found[case_id][1].append(NOT_REACHED)
    return found, reach


def call_list(cycle_id: int, *, store: Store, analytics: Analytics | None = None, apply_days: int = 15,
              reason: str | None = None, assigned_to: str | None = None, unassigned: bool = False,
              district: str | None = None) -> list[CallRow]:
    """The units to call in a cycle, most urgent first (a call back that is due, then by reason), with who calls
    each; filtered by reason, caller ("my calls"), unassigned, or district (the credit code's area digits)."""
    if reason is not None and reason not in CALL_REASONS:
        raise Refused(f"未知的致电原因 / unknown reason to call {reason!r}")
    with store.reading() as uow:
        found, reach = _candidates(uow, cycle_id, reason, apply_days)
        usccs = sorted({c.uscc for c, _, _ in found.values()})
        assigned = uow.calls.assignments(cycle_id, usccs)
        calls: dict[str, list[Call]] = {}
        for call in uow.calls.of_cycle(cycle_id, usccs):
            calls.setdefault(call.uscc, []).append(call)
        run_id = uow.cycles.get(cycle_id).run_id
    rows = []
    for case, reasons, deadline in found.values():
        made = calls.get(case.uscc, [])
        last = made[-1] if made else None
        if last is not None and last.outcome == REACHED and (case.changed_at is None
                                                               or last.called_at >= case.changed_at):
            continue                                # reached since its case last moved: off the list
        who = assigned.get(case.uscc)
        if assigned_to is not None and (who is None or who.assigned_to != assigned_to):
            continue
        if unassigned and who is not None:
            continue
        if district and case.uscc[2:8] != district:
            continue
        rows.append(CallRow(case, tuple(sorted(reasons, key=CALL_REASONS.index)), deadline,
                            who.assigned_to if who else None, last, len(made), (), reach.get(case.id)))
    rows.sort(key=lambda r: (r.call_back_due is None, r.call_back_due or dt.datetime.min,
                             CALL_REASONS.index(r.reasons[0]), r.case.id))
    rows = rows[:MAX_ROWS]
    return _with_contacts(rows, analytics, run_id)


def call_page(cycle_id: int, *, store: Store, analytics: Analytics | None = None, page: int = 1,
              per_page: int = PER_PAGE, **filters: Any) -> Page[CallRow]:
    """One page of the call list (its contacts read for that page only); `more` when the list reached MAX_ROWS and
    a narrower filter (a reason, a district, mine) shows the rest."""
    rows = call_list(cycle_id, store=store, **filters)
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * per_page:page * per_page]
    if analytics is not None and shown:
        with store.reading() as uow:
            run_id = uow.cycles.get(cycle_id).run_id
        shown = _with_contacts(shown, analytics, run_id)
    return Page(shown, len(rows), page, per_page, more=len(rows) >= MAX_ROWS)


def _with_contacts(rows: list[CallRow], analytics: Analytics | None, run_id: str) -> list[CallRow]:
    """The rows with their contacts' names and masked phones."""
    if analytics is None or not rows:
        return rows
    people = analytics.contacts_of([r.case.uscc for r in rows], run_id)
    return [_with_phones(r, people.get(r.case.uscc, [])) for r in rows]


def _with_phones(row: CallRow, contacts) -> CallRow:
    phones = tuple((c.name, mask_phone(c.phone)) for c in contacts if c.phone)
    return CallRow(row.case, row.reasons, row.deadline, row.assigned_to, row.last_call, row.calls, phones, row.reach)


def assign(cycle_id: int, usccs: Sequence[str], *, to: str, by: str, store: Store) -> int:
    """Give units of the call list to a member of staff (oneself, or another who may call), audited per unit."""
    wanted = sorted({u.strip() for u in usccs if u.strip()})
    if not wanted:
        raise Refused("请先选择单位 / select at least one unit")
    for u in wanted:
        if uscc_problem(u):
            raise Refused(uscc_problem(u))
    with store.transaction() as uow:
        uow.cycles.get(cycle_id)
        person = uow.users.named(to)
        if person is None or not person.active or not role_may(person.role.value, "calls.make"):
            raise Refused(f"没有这位工作人员 / no member of staff {to!r} to call")
        count = uow.calls.assign(cycle_id, wanted, to=to, by=by, at=uow.now())
        uow.audit.append([Draft(by, "call_assigned", f"unit:{u}", reason=f"分派致电给 {to} / call given to {to}",
                                data={"cycle": cycle_id, "to": to}) for u in wanted])
        uow.commit()
    return count


def record(cycle_id: int, uscc: str, *, outcome: str, note: str = "", call_back_at: dt.datetime | None = None,
           by: str, store: Store) -> Call:
    """One call made and what it came to, audited; reached takes the unit off the list, a call back needs a time
    (naive UTC) still to come."""
    note = note.strip()
    if outcome not in OUTCOMES:
        raise Refused(f"未知的通话结果 / unknown outcome {outcome!r}")
    if len(note) > NOTE_MAX:
        raise Refused(f"备注最多{NOTE_MAX}字 / a note has at most {NOTE_MAX} characters")
    if (outcome == CALL_BACK) != (call_back_at is not None):
        raise Refused("约定回电需要填写回电时间 / a call back needs a time (and only a call back has one)")
    with store.transaction() as uow:
        if uow.cases.find(cycle_id, uscc) is None:
            raise NotFound(f"本周期没有这个单位 / no unit {uscc} in cycle {cycle_id}")
        if call_back_at is not None and call_back_at <= uow.now():
            raise Refused("回电时间应晚于现在 / a call back is in the future")
        call = uow.calls.add(cycle_id=cycle_id, uscc=uscc, outcome=outcome, note=note, call_back_at=call_back_at,
                             called_by=by, called_at=uow.now())
        uow.audit.append([Draft(by, "call_recorded", f"unit:{uscc}", reason=f"致电结果 / call outcome: {outcome}",
                                data={"cycle": cycle_id, "call": call.id, "outcome": outcome,
                                      "call_back_at": call_back_at.isoformat() if call_back_at else None})])
        uow.commit()
    return call


def reveal(cycle_id: int, uscc: str, *, by: str, store: Store, analytics: Analytics) -> list[tuple[str, str]]:
    """The unit's contacts' full numbers, for the member of staff about to call; every look is audited."""
    with store.transaction() as uow:
        case = uow.cases.find(cycle_id, uscc)
        if case is None:
            raise NotFound(f"本周期没有这个单位 / no unit {uscc} in cycle {cycle_id}")
        contacts = analytics.contacts(uscc, case.run_id)
        uow.audit.append([Draft(by, "call_phone_viewed", f"unit:{uscc}",
                                reason="查看完整号码以致电 / full numbers viewed to call",
                                data={"cycle": cycle_id, "phones": [mask_phone(c.phone) for c in contacts]})])
        uow.commit()
    return [(c.name, c.phone) for c in contacts if c.phone]
