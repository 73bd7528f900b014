"""Everything about one case for staff on one page: the case and its unit, the explanation (with supplied facts),
its audit trail, list, applications, objections, account, payments and exceptions, and the ways forward from its
state as the state machine has them (domain.cases.steps)."""

from __future__ import annotations

from dataclasses import dataclass

from wengang.domain.cases import Step, steps
from wengang.domain.errors import AnalyticsUnreadable
from wengang.domain.payment_records import PaymentException
from wengang.domain.ports import Analytics, Store
from wengang.domain.process import Application, Objection
from wengang.rules.explain import Line
from wengang.services import audit, portal, reconcile, renames
from wengang.services.explanations import explain_case
from wengang.services.supplied import SuppliedFacts, facts_of


@dataclass(frozen=True)
class CasePage:
    """One case as a member of staff sees it (personal data masked) and the steps legal in its state."""

    history: audit.CaseHistory
    progress: portal.CaseProgress
    headline: str
    lines: list[Line]
    supplied: SuppliedFacts | None
    steps: tuple[Step, ...]
    exceptions: list[PaymentException]
    stuck: str | None

    @property
    def open_objections(self) -> list[Objection]:
        """The objections still waiting for a decision (a reviewer sees them before deciding the review)."""
        return [o for o in self.history.objections if o.is_open]


def case_page(case_id: int, *, store: Store, analytics: Analytics) -> CasePage:
    h = audit.history(case_id, store=store)
    shown = portal.case_progress(h.case.uscc, h.case.cycle_id, store=store)
    try:
        found = explain_case(h.case, h.entries, analytics=analytics)
    except AnalyticsUnreadable:                     # a file being rewritten: say so, not a 500
        found = None
    headline, lines = found or ("说明暂不可用 / the explanation is not available now", [])
    with store.reading() as uow:
        e2e = {a.end_to_end_id for a in uow.payments.attempts(case_ids=[h.case.id])}
    exceptions = [x for x in reconcile.open_exceptions(store=store) if x.end_to_end_id in e2e] if e2e else []
    return CasePage(h, shown, headline, lines, facts_of(h.entries), ways_forward(h), exceptions,
                    renames.stuck_name(h.case))


def ways_forward(h: audit.CaseHistory) -> tuple[Step, ...]:
    """The steps of the case's state; deciding an objection only while one is open (a case in review while on a
    list has that step only once the public objected to it)."""
    objected = any(o.is_open for o in h.objections)
    return tuple(s for s in steps(h.case.state) if s.key != "objection.decide" or objected)


def claimed_form(applications: list[Application], *, store: Store) -> dict[str, str]:
    """The review-with-data form filled from the newest pending application: the facts the unit claimed and, as the
    evidence, "单位申报" with the names of its attachments (empty: nothing claimed)."""
    pending = [a for a in applications if a.is_pending and a.claimed_facts]
    if not pending:
        return {}
    newest = pending[-1]
    with store.reading() as uow:
        names = [x.file_name for x in uow.application_attachments.of_applications([newest.id])]
    evidence = f"单位申报 (申请 #{newest.id})" + (f" + 附件: {', '.join(names)}" if names else "")
    return {**newest.claimed_facts, "evidence": evidence[:500]}
