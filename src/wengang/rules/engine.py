"""One run of a pack over a whole snapshot: every unit decided, priced and explained in one expression."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import ibis
from ibis.expr.types import BooleanValue, Table

from wengang.domain.analytics import Supplied
from wengang.rules import needs
from wengang.rules.criteria import BY_ID, IDS
from wengang.rules.criteria import CRITERIA as REGISTRY
from wengang.rules.inputs import MEASURE_COLUMNS, SnapshotTables, unit_frame, unit_measures
from wengang.rules.layoff import layoff_columns, net_reduction
from wengang.rules.parameters import Pack
from wengang.rules.persons import PERSON_FILES, persons
from wengang.rules.programmes import ROW_UNIT_COLUMNS, Programme, programme_of
from wengang.rules.resolved import Resolved
from wengang.rules.sizeclass import size_class

CRITERIA = IDS        # the registry's, in its order (rules/criteria.py): each is stored as its outcome `c_<id>`
DECISION_COLUMNS = ("uscc", "decision", "amount_fen", "size_class", "layoff_rate_micro", "reasons")
# The employer's other columns (type, industry, region, staff, revenue, assets) are in the snapshot: an explanation
# reads them there (rules/runs.py), so a run neither computes nor stores copies; name and dispatch feed the cases.
STORED_COLUMNS = DECISION_COLUMNS + (
    "name", "size_source", "labor_dispatch", "has_account", "months_full", "arrears_fen", "insured_prev_dec",
    "insured_jan", "insured_dec", "opening_insured", "opening_source", "insured_sum", "insured_months", "natural_attrition",
    "benefit_recipients", "net_reduction", "small_unit", "layoff_limit_kind", "base_fen", "ratio_units",
    "active_flags", "programme", "headcount", "recent_due_fen", "recent_months", *(f"c_{c}" for c in CRITERIA),
)

# Facts a person may supply for one unit (services/review.py), each replacing the snapshot's value where the rules
# read it: the employer's columns by name, and the opening headcount in place of December/January's.
SUPPLIABLE = ("employees", "revenue", "assets", "size_class", "opening_insured")
# Read by every run whatever its criteria: the decisions file lists each unit's size class (DATA.md).
ALWAYS = ("size_class",)


def decide(tables: SnapshotTables, pack: Pack, as_of: dt.date, *,
           supplied: Supplied | None = None) -> tuple[Table, Resolved]:
    """The decision table for every employer, with the values each criterion read, and the parameters used.
    `supplied` is for `decide_unit` only: facts that replace the snapshot's (every row gets them)."""
    p, programme = Resolved(pack, as_of), programme_of(pack)
    programme.check(p)
    exclude, review = p.words("exclude_flags"), p.words("review_flags")
    frame = unit_frame(tables, as_of, tuple(dict.fromkeys(exclude + review + programme.flags)))
    frame = programme.measures(frame, tables, p)
    supplied = dict(supplied or {})
    unknown = set(supplied) - set(SUPPLIABLE)
    if unknown:
        raise ValueError(f"cannot supply {sorted(unknown)}; only {SUPPLIABLE}")
    opening = supplied.pop("opening_insured", None)
    frame = frame.mutate(**{name: ibis.literal(value).cast(frame[name].type()) for name, value in supplied.items()})
    # What the criteria, the formula and the outputs read, traced over every measure the frame could have
    # (rules/needs.py); tracing reads parameters too, so on a Resolved of its own, not the run's record.
    scratch = Resolved(pack, as_of)
    full = unit_measures(ibis.table(frame.schema(), name="probe"), tables, pack.base_year, as_of, natural=("",),
                         kinds=("",), wanted=MEASURE_COLUMNS)
    chosen = needs.plan(full, _steps(scratch, programme, opening),
                        lambda t: [*(BY_ID[c].test(t, scratch) for c in programme.criteria),
                                   programme.amount(t, scratch)],
                        ALWAYS + (ROW_UNIT_COLUMNS if programme.rows else ()))
    wanted = chosen.wanted
    frame = unit_measures(frame, tables, pack.base_year, as_of, wanted=wanted,
                          natural=p.words("natural_attrition") if "natural_attrition" in wanted else (),
                          kinds=p.words("claim_kinds") if "benefit_recipients" in wanted else ())
    frame = needs.apply(frame, _steps(p, programme, opening), chosen)
    # A criterion the programme does not use is stored as NULL (not applicable), never as a pass.
    frame = frame.mutate(**{f"c_{c.id}": c.test(frame, p) if programme.uses(c.id) else ibis.null("string")
                            for c in REGISTRY})
    last = [c.id for c in REGISTRY if c.last and programme.uses(c.id)]
    if last:                                            # a step after the rules: none where a rule already failed
        others = ibis.or_(*[frame[f"c_{c}"] == "fail" for c in programme.criteria if c not in last])
        frame = frame.mutate(**{f"c_{c}": ibis.cases((others, ibis.null("string")), else_=frame[f"c_{c}"])
                                for c in last})
    failed = ibis.or_(*[frame[f"c_{c}"] == "fail" for c in programme.criteria])
    pending = ibis.or_(*[frame[f"c_{c}"].isin(["unknown", "review"]) for c in programme.criteria])
    decision = ibis.cases((failed, "ineligible"), (pending, "review"), else_="eligible")
    priced = programme.amount(frame, p)
    amount = ibis.cases((failed | priced.isnull(), ibis.literal(0, "int64")), else_=priced)
    frame = frame.mutate(decision=decision, amount_fen=amount, reasons=_reasons(frame, p, programme),
                         programme=ibis.literal(programme.id),
                         active_flags=_joined([(frame[f"flag_{f}"], f)
                                               for f in dict.fromkeys(exclude + review + programme.flags)]),
                         has_account=frame.bank_code.notnull() & frame.account_no.notnull()
                         & frame.account_name.notnull())
    return frame.select(*STORED_COLUMNS), p


def _steps(p: Resolved, programme: Programme, opening: object) -> tuple[needs.Step, ...]:
    """The unit frame's derived columns, in order (rules/needs.py runs those a programme reads): the opening
    headcount, the size class (once, as a column: where it came from follows from it; the standard's CASE is half
    the SQL), the net reduction (a column, not once per rate that reads it), the layoff test and the return ratio."""
    def opening_of(t: Table) -> dict[str, ibis.Value]:
        if opening is not None:
            return {"opening_insured": ibis.literal(opening, "int64"), "opening_source": ibis.literal("supplied")}
        return {"opening_insured": ibis.cases((t.insured_prev_dec.notnull(), t.insured_prev_dec), else_=t.insured_jan),
                "opening_source": ibis.cases((t.insured_prev_dec.notnull(), "prev_dec"),
                                             (t.insured_jan.notnull(), "jan"), else_="missing")}

    def sized(t: Table) -> dict[str, ibis.Value]:
        return {"size_class": t.class_found, "size_source": ibis.cases(
            (t.size_class.notnull(), "agency"), (t.class_found.notnull(), "computed"), else_="unknown")}

    def laid_off(t: Table) -> dict[str, ibis.Value]:
        is_large = ibis.cases((t.size_class.isnull(), ibis.null("boolean")), else_=t.size_class == "large")
        columns = layoff_columns(t, p, is_large)
        if not programme.uses("layoff"):                # DATA.md: empty where a programme has no layoff test
            columns["layoff_rate_micro"] = ibis.null("int64")
        return columns

    def ratio(t: Table) -> dict[str, ibis.Value]:
        if not programme.uses("size"):
            return {"ratio_units": ibis.null("int64")}
        large, sme = p.ratio("ratio_large", t.region), p.ratio("ratio_sme", t.region)
        return {"ratio_units": ibis.cases((t.size_class == "large", large), (t.size_class.notnull(), sme),
                                          (large == sme, large), else_=ibis.null("int64"))}

    return (opening_of, lambda t: {"class_found": size_class(t)[0]}, sized,
            lambda t: {"net_reduction": net_reduction(t)}, laid_off, ratio,
            lambda t: {"base_fen": t.base_fen.fill_null(0)})


def decide_persons(tables: SnapshotTables, pack: Pack, as_of: dt.date) -> Table | None:
    """One row per person (a hire, an intern) of a programme that pays per person (rules/persons.py), decided by the
    same expression whose sums `decide` prices the units with; None for a unit-level programme or a snapshot
    without the programme's person file."""
    programme = programme_of(pack)
    if not programme.persons:
        return None
    p = Resolved(pack, as_of)
    programme.check(p)
    return persons(tables, p, programme.persons, PERSON_FILES[programme.person_file])


def decide_unit(tables: SnapshotTables, pack: Pack, as_of: dt.date, uscc: str, *,
                supplied: Supplied | None = None) -> tuple[Table, Resolved]:
    """One unit decided by the same expression as a whole run (`decide`), on its own rows of every table, with the
    facts a person supplied in place of the snapshot's: no criterion is written twice."""
    return decide(_only(tables, uscc), pack, as_of, supplied=supplied)


def _only(tables: SnapshotTables, uscc: str) -> SnapshotTables:
    def of(t: Table) -> Table:
        return t.filter(t.uscc == uscc)

    def maybe(t: Table | None) -> Table | None:
        return None if t is None else of(t)

    def theirs(t: Table | None) -> Table | None:
        """Every hire of the people the unit hired: once a person a year is decided across units."""
        return None if t is None else t.filter(t.person_id.isin(of(t).person_id))

    return replace(tables, employers=of(tables.employers), contributions=of(tables.contributions),
                   separations=of(tables.separations), ui_claims=of(tables.ui_claims), flags=of(tables.flags),
                   hires=theirs(tables.hires), interns=maybe(tables.interns), dues=maybe(tables.dues),
                   contribution_years=maybe(tables.contribution_years))


def _joined(parts: list[tuple[BooleanValue, str]]) -> ibis.Value:
    """The names whose test holds, `;`-separated, '' for none: one CONCAT_WS, which skips NULLs on both backends
    (a chain of `||` and a regular expression to drop the last `;` cost a fifth of a city's run)."""
    if not parts:
        return ibis.literal("")
    return ibis.literal(";").join([ibis.cases((test, name), else_=ibis.null("string")) for test, name in parts])


def _reasons(t: Table, p: Resolved, programme: Programme) -> ibis.Value:
    """`;`-separated codes of every criterion that failed, is unknown or routed the unit to review, in the registry's
    order: its reasons by outcome, and a flag criterion's active flags (once: a later criterion skips a flag an
    earlier one already listed)."""
    parts: list[tuple[BooleanValue, str]] = []
    listed: set[str] = set()
    for c in (c for c in REGISTRY if programme.uses(c.id)):
        parts += [(t[f"c_{c.id}"] == r.outcome, r.code) for r in c.reasons]
        flags = p.words(c.flags) if c.flags else ()
        parts += [(t[f"flag_{f}"], f"flag:{f}") for f in flags if f not in listed]
        listed.update(flags)
    return _joined(parts)
