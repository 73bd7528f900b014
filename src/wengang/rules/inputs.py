"""The snapshot as Ibis tables on any backend, and the per-unit measures every rule reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import ibis
from ibis.expr.types import Table


@dataclass(frozen=True)
class SnapshotTables:
    """The five files as tables; an optional file that was absent is known, so its facts are unknown."""

    employers: Table
    contributions: Table
    separations: Table
    ui_claims: Table
    flags: Table
    has_separations: bool
    has_ui_claims: bool
    has_flags: bool
    contribution_years: Table | None = None  # snapshot/facts.py; None: aggregate the monthly rows
    hires: Table | None = None               # the programme files (DATA.md): None where the snapshot has no table
    interns: Table | None = None
    dues: Table | None = None
    present: frozenset[str] = frozenset()    # the files the snapshot's folder had


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def contribution_measures(c: Table, base_year: int, as_of: dt.date) -> Table:
    """Per unit: base-year headcounts and premiums, months paid in full and arrears up to the evaluation date."""
    in_base = c.month.between(_month(base_year, 1), _month(base_year, 12))
    upto = c.month <= _month(as_of.year, as_of.month)
    paid_fen = ((c.unit_paid + c.person_paid) * 100).cast("int64")
    full = (c.unit_paid >= c.unit_due) & (c.person_paid >= c.person_due)
    arrears = (ibis.greatest(c.unit_due - c.unit_paid, 0) + ibis.greatest(c.person_due - c.person_paid, 0))
    return c.group_by(m_uscc=c.uscc).aggregate(
        insured_sum=c.insured.cast("int64").sum(where=in_base),
        insured_months=c.insured.count(where=in_base),
        base_fen=paid_fen.sum(where=in_base),
        insured_prev_dec=c.insured.max(where=c.month == _month(base_year - 1, 12)).cast("int64"),
        insured_jan=c.insured.max(where=c.month == _month(base_year, 1)).cast("int64"),
        insured_dec=c.insured.max(where=c.month == _month(base_year, 12)).cast("int64"),
        months_full=c.uscc.count(where=upto & full),
        arrears_fen=(arrears * 100).cast("int64").sum(where=upto).fill_null(0),
    )


def contribution_measures_by_year(f: Table, base_year: int, as_of: dt.date) -> Table:
    """The same measures from the per-unit-and-year facts (snapshot/facts.py). Their counts and arrears run from
    the unit's first month, so the latest year on or before the date holds them: a max, not a sum. One row per
    unit and year, so a base-year max is that year's value; every result stays a BIGINT, never a HUGEINT (the facts'
    sums of fen are HUGEINT, exact at any amount; the rules reckon in BIGINT fen as the monthly rows do)."""
    year, month = as_of.year, as_of.month
    in_base = f.year == base_year
    upto_full = ibis.cases((f.year < year, f.full_12), (f.year == year, f[f"full_{month:02d}"]),
                           else_=ibis.null("int64"))
    upto_arrears = ibis.cases((f.year < year, f.arrears_12), (f.year == year, f[f"arrears_{month:02d}"]),
                              else_=ibis.null("int64"))
    return f.group_by(m_uscc=f.uscc).aggregate(
        insured_sum=f.insured_sum.max(where=in_base),
        insured_months=f.insured_months.max(where=in_base).fill_null(0),
        base_fen=f.paid_fen.max(where=in_base).cast("int64"),
        insured_prev_dec=f.insured_dec.max(where=f.year == base_year - 1).cast("int64"),
        insured_jan=f.insured_jan.max(where=in_base).cast("int64"),
        insured_dec=f.insured_dec.max(where=in_base).cast("int64"),
        months_full=upto_full.max().fill_null(0),
        arrears_fen=upto_arrears.max().cast("int64").fill_null(0),
    )


def _months_back(day: dt.date, back: int) -> str:
    index = day.year * 12 + day.month - 1 - back
    return _month(index // 12, index % 12 + 1)


def recent_measures(c: Table, as_of: dt.date, months: int) -> Table:
    """Per unit: the insured at the end of the month before the evaluation date, and the premiums due (unit and
    staff) over the `months` months that end with it, with how many of those months the data has."""
    rows = c.filter(c.month.between(_months_back(as_of, months), _months_back(as_of, 1)))
    # Over one month every unit with a row has that one month: no distinct count (a third of the difficult run).
    counted = rows.month.nunique() if months > 1 else (rows.uscc.count() > 0)
    return rows.group_by(r_uscc=rows.uscc).aggregate(
        headcount=rows.insured.max(where=rows.month == _months_back(as_of, 1)).cast("int64"),
        recent_due_fen=((rows.unit_due + rows.person_due) * 100).cast("int64").sum(),
        recent_months=counted.cast("int64"),
    )


def listed_month_headcount(tables: SnapshotTables, as_of: dt.date, flag: str) -> Table:
    """Per unit with `flag` active on the date: the insured of the month its earliest such flag was listed (NULL
    when the data has no row for that month)."""
    f, c, day = tables.flags, tables.contributions, ibis.date(as_of)
    active = (f.flag == flag) & (f.listed_on <= day) & (f.removed_on.isnull() | (f.removed_on > day))
    first = f.filter(active).group_by(l_uscc=f.uscc).aggregate(listed=f.listed_on.min())
    first = first.mutate(listed_month=first.listed.strftime("%Y-%m"))
    joined = first.left_join(c, (first.l_uscc == c.uscc) & (first.listed_month == c.month))
    return joined.group_by(l_uscc=joined.l_uscc).aggregate(headcount=joined.insured.max().cast("int64"))


def separation_measures(s: Table, base_year: int, natural: tuple[str, ...]) -> Table:
    """Per unit: separations of the base year whose reason counts as natural attrition."""
    natural_rows = (s.date.year() == base_year) & s.reason.isin(list(natural))
    return s.group_by(s_uscc=s.uscc).aggregate(natural_attrition=s.uscc.count(where=natural_rows))


def claim_measures(u: Table, base_year: int, kinds: tuple[str, ...]) -> Table:
    """Per unit: people who started a UI benefit in the base year with the unit as last employer."""
    started = (u.started_on.year() == base_year) & u.kind.isin(list(kinds))
    return u.group_by(u_uscc=u.uscc).aggregate(benefit_recipients=u.person_id.nunique(where=started))


def flag_measures(f: Table, as_of: dt.date, flags: tuple[str, ...]) -> Table:
    """Per unit and flag: is it active on the evaluation date (listed ≤ D and not removed by D)."""
    day = ibis.date(as_of)
    active = (f.listed_on <= day) & (f.removed_on.isnull() | (f.removed_on > day))
    return f.filter(active).group_by(f_uscc=f.uscc).aggregate(
        **{f"flag_{name}": f.uscc.count(where=f.flag == name) > 0 for name in flags}
    )


CONTRIBUTION_COLUMNS = ("insured_sum", "insured_months", "base_fen", "insured_prev_dec", "insured_jan", "insured_dec",
                        "months_full", "arrears_fen")
MEASURE_COLUMNS = (*CONTRIBUTION_COLUMNS, "natural_attrition", "benefit_recipients")
_BASE_YEAR_ONLY = {"insured_sum", "insured_months"}     # what the size class reads of the contributions


def base_year_measures(f: Table, base_year: int) -> Table:
    """The base year's insured sum and months from the per-unit-and-year facts, for a run that reads nothing else of
    the contributions (the size class): one facts row per unit and year, so a filter, not an aggregation."""
    rows = f.filter(f.year == base_year)
    return rows.select(m_uscc=rows.uscc, insured_sum=rows.insured_sum, insured_months=rows.insured_months)


def unit_frame(tables: SnapshotTables, as_of: dt.date, flags: tuple[str, ...]) -> Table:
    """One row per employer with the flags it reads (active on the date); `unit_measures` joins the rest."""
    e = tables.employers
    if not flags:
        return e
    fl = flag_measures(tables.flags, as_of, flags)
    frame = e.left_join(fl, e.uscc == fl.f_uscc)
    return frame.mutate(**{f"flag_{name}": frame[f"flag_{name}"].fill_null(False) for name in flags}).drop("f_uscc")


def unit_measures(frame: Table, tables: SnapshotTables, base_year: int, as_of: dt.date, *, natural: tuple[str, ...],
                  kinds: tuple[str, ...], wanted: Collection[str]) -> Table:
    """The measures of MEASURE_COLUMNS a run reads (`wanted`), joined on per unit; only those are aggregated (the
    others are left out: rules/needs.py); absent optional files leave their measures NULL."""
    fills: dict[str, ibis.Value] = {}
    contributions = set(wanted) & set(CONTRIBUTION_COLUMNS)
    if contributions:
        f = tables.contribution_years
        m = (contribution_measures(tables.contributions, base_year, as_of) if f is None
             else base_year_measures(f, base_year) if contributions <= _BASE_YEAR_ONLY
             else contribution_measures_by_year(f, base_year, as_of))
        frame = frame.left_join(m, frame.uscc == m.m_uscc).drop("m_uscc")
        zero = ibis.literal(0, "int64")
        fills.update(insured_months=frame.insured_months.fill_null(0).cast("int64"),
                     insured_sum=frame.insured_sum.fill_null(zero))
        if "months_full" in m.columns:
            fills.update(months_full=frame.months_full.fill_null(0), arrears_fen=frame.arrears_fen.fill_null(0))
    if "natural_attrition" in wanted:
        fills["natural_attrition"] = ibis.null("int64")
        if tables.has_separations:
            seps = separation_measures(tables.separations, base_year, natural)
            frame = frame.left_join(seps, frame.uscc == seps.s_uscc).drop("s_uscc")
            fills["natural_attrition"] = frame.natural_attrition.fill_null(0).cast("int64")
    if "benefit_recipients" in wanted:
        fills["benefit_recipients"] = ibis.null("int64")
        if tables.has_ui_claims:
            claims = claim_measures(tables.ui_claims, base_year, kinds)
            frame = frame.left_join(claims, frame.uscc == claims.u_uscc).drop("u_uscc")
            fills["benefit_recipients"] = frame.benefit_recipients.fill_null(0).cast("int64")
    return frame.mutate(**fills) if fills else frame
