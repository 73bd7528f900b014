"""Programmes that pay per person (扩岗, POLICIES.md §3): every hire decided by the person criteria of the registry
in one Ibis expression (DuckDB and Spark alike), once per person a year, and the unit's measures summed from it."""

from __future__ import annotations

import ibis
from ibis.expr.types import BooleanValue, IntegerValue, Table

from wengang.rules.criteria import PERSON_CRITERIA
from wengang.rules.inputs import SnapshotTables
from wengang.rules.parameters import PackError
from wengang.rules.resolved import Resolved

ONCE = "once_per_person"
PERSON_COLUMNS = ("uscc", "person_id", "hired_on", "category", "decision", "amount_fen", "reasons")
_ID = "^[0-9]{17}[0-9X]$"          # a second-generation resident ID: digits 7–14 are the birth date


def _key(day: ibis.Value) -> IntegerValue:
    """A date as the integer yyyymmdd: a difference of 10000 is one year to the day (birthdays, anniversaries)."""
    return day.year().cast("int64") * 10_000 + day.month().cast("int64") * 100 + day.day().cast("int64")


def _id_birth(t: Table) -> Table:
    """`birth_key`: `birth_date` as yyyymmdd, else the birth date an 18-character ID carries (digits 7–14); NULL for
    any other id or a month or day out of range."""
    shaped = ibis.cases((t.birth_date.isnull() & t.person_id.re_search(_ID), t.person_id.substr(6, 8).cast("int64")),
                        else_=ibis.null("int64"))
    t = t.mutate(id_birth=shaped)
    month_day = t.id_birth % 10_000
    valid = month_day.between(101, 1231) & (month_day % 100).between(1, 31)
    return t.mutate(birth_key=ibis.cases((t.birth_date.notnull(), _key(t.birth_date)), (valid, t.id_birth),
                                         else_=ibis.null("int64"))).drop("id_birth")


def _joined(parts: list[tuple[BooleanValue, str]]) -> ibis.Value:
    return ibis.literal(";").join([ibis.cases((test, code), else_=ibis.null("string")) for test, code in parts])


def person_frame(tables: SnapshotTables, p: Resolved, criteria: tuple[str, ...]) -> Table | None:
    """One row per hire with each person criterion's outcome `h_<id>`, the decision, the amount in fen and the
    reasons; None when the snapshot has no hires table. The hires that fail no other criterion compete for the
    person's one claim of the year: the earliest `hired_on` wins (then the lowest `uscc`, then the most months
    insured): a deterministic order, so a rerun never moves a claim."""
    if tables.hires is None or "hires" not in tables.present:
        return None
    h, e = tables.hires, tables.employers
    if p.pack.param("per_person").regions:             # the unit's region only where a region sets its own sum
        regions = e.select(e_uscc=e.uscc, region=e.region)
        h = h.left_join(regions, h.uscc == regions.e_uscc).drop("e_uscc")
    else:
        h = h.mutate(region=ibis.literal("", "string"))
    h = _id_birth(h.mutate(hire_key=_key(h.hired_on), grad_key=_key(h.graduated_on)))
    used = [c for c in PERSON_CRITERIA if c.id in criteria]
    h = h.mutate(**{f"h_{c.id}": c.test(h, p) for c in used if c.id != ONCE})
    others = [h[f"h_{c.id}"] == "fail" for c in used if c.id != ONCE]
    h = h.mutate(competing=ibis.cases((ibis.or_(*others), False), else_=True) if others else ibis.literal(True))
    order = [h.hired_on, h.uscc, h.insured_months.desc()]   # rows tied on all three read the same in every output
    rank = ibis.row_number().over(ibis.window(group_by=[h.person_id, h.competing], order_by=order))
    h = h.mutate(first_hire=ibis.cases((h.competing, rank == 0), else_=ibis.null("boolean")))
    if ONCE in criteria:
        h = h.mutate(**{f"h_{ONCE}": next(c for c in used if c.id == ONCE).test(h, p)})
    outcomes = [h[f"h_{c.id}"] for c in used]
    failed = ibis.or_(*[o == "fail" for o in outcomes])
    pending = ibis.or_(*[o == "unknown" for o in outcomes])
    per_person = p.regional("per_person", h.region, 100)
    if per_person is None:
        raise PackError(f"{p.pack.id}: per_person cannot be 'none'")
    decision = ibis.cases((failed, "ineligible"), (pending, "review"), else_="eligible")
    reasons = _joined([(h[f"h_{c.id}"] == r.outcome, r.code) for c in used for r in c.reasons])
    return h.mutate(decision=decision, reasons=reasons,
                    amount_fen=ibis.cases((decision == "eligible", per_person), else_=ibis.literal(0, "int64")))


def persons(tables: SnapshotTables, p: Resolved, criteria: tuple[str, ...]) -> Table | None:
    """The per-person output (DATA.md `--persons`): one row per hire, ids unmasked (the writer masks them)."""
    frame = person_frame(tables, p, criteria)
    return None if frame is None else frame.select(*PERSON_COLUMNS)     # the writer orders the file


def person_measures(frame: Table, tables: SnapshotTables, p: Resolved, criteria: tuple[str, ...]) -> Table:
    """Per unit: hires eligible (stored as `headcount`), undecided, and the sum of their amounts; `hires_known`
    false when the snapshot has no hires file (every unit then fails `hires_file`)."""
    hires = person_frame(tables, p, criteria)
    empty = {"recent_due_fen": ibis.null("int64"), "recent_months": ibis.null("int64")}
    if hires is None:
        zero = ibis.literal(0, "int64")
        return frame.mutate(hires_known=ibis.literal(False), eligible_persons=zero, pending_persons=zero,
                            persons_amount_fen=zero, headcount=zero, **empty)
    per_unit = hires.group_by(h_uscc=hires.uscc).aggregate(
        eligible_persons=(hires.decision == "eligible").sum().cast("int64"),
        pending_persons=(hires.decision == "review").sum().cast("int64"),
        persons_amount_fen=hires.amount_fen.sum().cast("int64"))
    frame = frame.left_join(per_unit, frame.uscc == per_unit.h_uscc).drop("h_uscc")
    eligible = frame.eligible_persons.fill_null(0)
    return frame.mutate(hires_known=ibis.literal(True), eligible_persons=eligible,
                        pending_persons=frame.pending_persons.fill_null(0),
                        persons_amount_fen=frame.persons_amount_fen.fill_null(0), headcount=eligible, **empty)
