"""Programmes that pay per person (扩岗 §3, 见习 §8): every row of the programme's person file (`hires`, `interns`)
decided by the person criteria of the registry in one Ibis expression (DuckDB and Spark alike), and the unit's
measures summed from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import ibis
from ibis.expr.types import BooleanValue, IntegerValue, Table

from wengang.rules.criteria import PERSON_CRITERIA
from wengang.rules.exact import RATIO_SCALE
from wengang.rules.inputs import SnapshotTables
from wengang.rules.parameters import PackError
from wengang.rules.resolved import Resolved

ONCE = "once_per_person"
_ID = "^[0-9]{17}[0-9X]$"          # a second-generation resident ID: digits 7–14 are the birth date


def _key(day: ibis.Value) -> IntegerValue:
    """A date as the integer yyyymmdd: a difference of 10000 is one year to the day (birthdays, anniversaries)."""
    return day.year().cast("int64") * 10_000 + day.month().cast("int64") * 100 + day.day().cast("int64")


def _month_index(day: ibis.Value) -> IntegerValue:
    """A date's calendar month as one integer (year × 12 + month − 1): consecutive months differ by 1."""
    return day.year().cast("int64") * 12 + day.month().cast("int64") - 1


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


# -- each person file: the keys its criteria read and what an eligible row is paid ----------------------------------
def _hire_keys(h: Table, p: Resolved) -> Table:
    return h.mutate(hire_key=_key(h.hired_on), grad_key=_key(h.graduated_on))


def _hire_amount(h: Table, p: Resolved) -> IntegerValue:
    """`per_person` for the unit's region (job expansion, POLICIES.md §3)."""
    per_person = p.regional("per_person", h.region, 100)
    if per_person is None:
        raise PackError(f"{p.pack.id}: per_person cannot be 'none'")
    return per_person


def _month_of(text: str, p: Resolved, name: str) -> int:
    """A `YYYY-MM` parameter as a month index."""
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        raise PackError(f"{p.pack.id}: {name} must be a month YYYY-MM, is {text!r}") from None
    if not 1 <= month <= 12:
        raise PackError(f"{p.pack.id}: {name} must be a month YYYY-MM, is {text!r}")
    return year * 12 + month - 1


def _intern_keys(t: Table, p: Resolved) -> Table:
    """`start_key` (yyyymmdd of `started_on`, the day the age is read) and `months`: the calendar months of the
    internship inside the covered period (`covered_from` … `covered_to`) up to the evaluation date, counted as
    `intern_month_counts` says: `whole_month` a month the person was an intern on every day of (from its 1st to its
    last day, which is on or before the evaluation date), `any_day` a month with at least one day of internship on
    or before the evaluation date. An empty `ended_on` is an internship still running."""
    first = _month_of(p.text("covered_from"), p, "covered_from")
    last = _month_of(p.text("covered_to"), p, "covered_to")
    rule = p.text("intern_month_counts")
    day = ibis.date(p.as_of)
    until = ibis.cases((t.ended_on.isnull(), day), (t.ended_on < day, t.ended_on), else_=day)   # last day counted
    if rule == "any_day":
        start, end = _month_index(t.started_on), _month_index(until)
    elif rule == "whole_month":
        start = _month_index(t.started_on) + ibis.cases((t.started_on.day() == 1, 0), else_=1)
        month_end = (until + ibis.interval(days=1)).day() == 1
        end = _month_index(until) - ibis.cases((month_end, 0), else_=1)
    else:
        raise PackError(f"{p.pack.id}: intern_month_counts must be whole_month or any_day, is {rule!r}")
    start = ibis.greatest(start, ibis.literal(first, "int64"))
    end = ibis.least(end, ibis.literal(last, "int64"))
    return t.mutate(start_key=_key(t.started_on),
                    months=ibis.cases((end >= start, (end - start + 1).cast("int64")), else_=ibis.literal(0, "int64")))


def _intern_amount(t: Table, p: Resolved) -> IntegerValue:
    """The months counted × the monthly rate: `minimum_wage` × `minimum_wage_share` rounded half up to the fen, for
    the base's region (POLICIES.md §8). The rate is worked out here in exact decimals, one per region the pack
    names: a product of two literals is a 32-bit integer to DuckDB, and fen × a share over 10^4 overflows it."""
    names = ("minimum_wage", "minimum_wage_share")
    for name in names:                                      # recorded as read (national and every region set)
        if p.regional(name, t.region, 100 if name == "minimum_wage" else RATIO_SCALE) is None:
            raise PackError(f"{p.pack.id}: {name} cannot be 'none'")

    def rate(region: str) -> int:
        wage, share = (p.pack.value(n, p.as_of, region).value for n in names)
        fen = Decimal(wage) * 100 * Decimal(share)
        return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    prefixes = sorted({r for n in names for r in p.pack.param(n).regional_prefixes()}, key=len, reverse=True)
    branches = [(t.region.startswith(r), ibis.literal(rate(r), "int64")) for r in prefixes]
    national = ibis.literal(rate(""), "int64")
    return t.months * (ibis.cases(*branches, else_=national) if branches else national)


@dataclass(frozen=True)
class PersonFile:
    """A snapshot file whose rows a programme decides one by one: its day column (the per-person file's second
    key), the columns the per-person file adds, the keys its criteria read, the amount of an eligible row and the
    parameters that may be set per region (the employer's region joined only then)."""

    name: str
    day: str
    extra: tuple[str, ...]
    keys: Callable[[Table, Resolved], Table]
    amount: Callable[[Table, Resolved], IntegerValue]
    regional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("uscc", "person_id", self.day, "category", *self.extra, "decision", "amount_fen", "reasons")


HIRES = PersonFile("hires", "hired_on", (), _hire_keys, _hire_amount, ("per_person",))
INTERNS = PersonFile("interns", "started_on", ("months",), _intern_keys, _intern_amount,
                     ("minimum_wage", "minimum_wage_share"))
PERSON_FILES = {f.name: f for f in (HIRES, INTERNS)}
PERSON_COLUMNS = HIRES.columns


def person_frame(tables: SnapshotTables, p: Resolved, criteria: tuple[str, ...],
                 source: PersonFile = HIRES) -> Table | None:
    """One row per row of the person file with each person criterion's outcome `h_<id>`, the decision, the amount in
    fen and the reasons; None when the snapshot has no such table. Where the programme counts a person once a year
    (job expansion), the hires that fail no other criterion compete for the person's one claim of the year: the
    earliest `hired_on` wins (then the lowest `uscc`, then the most months insured): a deterministic order, so a
    rerun never moves a claim."""
    h = getattr(tables, source.name)
    if h is None or source.name not in tables.present:
        return None
    e = tables.employers
    if any(p.pack.param(name).regions for name in source.regional):   # the unit's region only where a region sets one
        regions = e.select(e_uscc=e.uscc, region=e.region)
        h = h.left_join(regions, h.uscc == regions.e_uscc).drop("e_uscc")
    else:
        h = h.mutate(region=ibis.literal("", "string"))
    h = _id_birth(source.keys(h, p))
    used = [c for c in PERSON_CRITERIA if c.id in criteria]
    h = h.mutate(**{f"h_{c.id}": c.test(h, p) for c in used if c.id != ONCE})
    if ONCE in criteria:
        others = [h[f"h_{c.id}"] == "fail" for c in used if c.id != ONCE]
        h = h.mutate(competing=ibis.cases((ibis.or_(*others), False), else_=True) if others else ibis.literal(True))
        order = [h.hired_on, h.uscc, h.insured_months.desc()]   # rows tied on all three read the same in every output
        rank = ibis.row_number().over(ibis.window(group_by=[h.person_id, h.competing], order_by=order))
        h = h.mutate(first_hire=ibis.cases((h.competing, rank == 0), else_=ibis.null("boolean")))
        h = h.mutate(**{f"h_{ONCE}": next(c for c in used if c.id == ONCE).test(h, p)})
    outcomes = [h[f"h_{c.id}"] for c in used]
    failed = ibis.or_(*[o == "fail" for o in outcomes])
    pending = ibis.or_(*[o == "unknown" for o in outcomes])
    amount = source.amount(h, p)
    decision = ibis.cases((failed, "ineligible"), (pending, "review"), else_="eligible")
    reasons = _joined([(h[f"h_{c.id}"] == r.outcome, r.code) for c in used for r in c.reasons])
    return h.mutate(decision=decision, reasons=reasons,
                    amount_fen=ibis.cases((decision == "eligible", amount), else_=ibis.literal(0, "int64")))


def persons(tables: SnapshotTables, p: Resolved, criteria: tuple[str, ...],
            source: PersonFile = HIRES) -> Table | None:
    """The per-person output (DATA.md `--persons`): one row per row of the person file, ids unmasked (the writer
    masks them)."""
    frame = person_frame(tables, p, criteria, source)
    return None if frame is None else frame.select(*source.columns)     # the writer orders the file


def person_measures(frame: Table, tables: SnapshotTables, p: Resolved, criteria: tuple[str, ...],
                    source: PersonFile = HIRES) -> Table:
    """Per unit: persons eligible (stored as `headcount`), undecided, and the sum of their amounts; `persons_known`
    false when the snapshot has no such file (every unit then fails the programme's file criterion)."""
    rows = person_frame(tables, p, criteria, source)
    empty = {"recent_due_fen": ibis.null("int64"), "recent_months": ibis.null("int64")}
    if rows is None:
        zero = ibis.literal(0, "int64")
        return frame.mutate(persons_known=ibis.literal(False), eligible_persons=zero, pending_persons=zero,
                            persons_amount_fen=zero, headcount=zero, **empty)
    per_unit = rows.group_by(h_uscc=rows.uscc).aggregate(
        eligible_persons=(rows.decision == "eligible").sum().cast("int64"),
        pending_persons=(rows.decision == "review").sum().cast("int64"),
        persons_amount_fen=rows.amount_fen.sum().cast("int64"))
    frame = frame.left_join(per_unit, frame.uscc == per_unit.h_uscc).drop("h_uscc")
    eligible = frame.eligible_persons.fill_null(0)
    return frame.mutate(persons_known=ibis.literal(True), eligible_persons=eligible,
                        pending_persons=frame.pending_persons.fill_null(0),
                        persons_amount_fen=frame.persons_amount_fen.fill_null(0), headcount=eligible, **empty)
