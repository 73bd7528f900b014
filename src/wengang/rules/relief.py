"""Contribution relief 免、减、缓 (POLICIES.md §4): the unit share of pension, unemployment and work-injury premiums
exempted, halved or deferred, per unit, month and insurance, in integer fen as Ibis expressions (DuckDB or Spark).
The months come from the pack on the evaluation date, so an extension is a dated value, not code."""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
from ibis.expr.types import BooleanValue, IntegerValue, StringValue, Table

from wengang.rules.exact import exact_div, round_half_up
from wengang.rules.inputs import SnapshotTables
from wengang.rules.resolved import Resolved

EXEMPT, HALVE, DEFER = "exempt", "halve", "defer"
SME_CLASSES = ("medium", "small", "micro")
CERTIFIED = "difficulty_certified"
ENTERPRISE = "enterprise"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_NONE = "none"


@dataclass(frozen=True)
class Months:
    """The relief months in force on the evaluation date ('YYYY-MM', inclusive) and how a half fen is rounded."""

    exempt: tuple[str, str]
    halve: tuple[str, str]
    defer_first: str
    defer_months: int
    defer_last: str | None          # None: only the month count caps a deferral
    half_fen_up: bool


def months(p: Resolved) -> Months:
    """Read the pack's relief months once; a month that is not YYYY-MM is refused with the parameter's name."""
    def month(name: str) -> str:
        value = p.text(name)
        if not _MONTH.fullmatch(value):
            raise ValueError(f"{p.pack.id}: {name} must be a month YYYY-MM, is {value!r}")
        return value

    rounding = p.text("half_fen")
    if rounding not in ("up", "down"):
        raise ValueError(f"{p.pack.id}: half_fen must be up or down, is {rounding!r}")
    last = p.text("defer_last_month")
    return Months(exempt=(month("exempt_first_month"), month("exempt_last_month")),
                  halve=(month("halve_first_month"), month("halve_last_month")),
                  defer_first=month("defer_first_month"), defer_months=p.integer("defer_max_months"),
                  defer_last=None if last == _NONE else month("defer_last_month"), half_fen_up=rounding == "up")


def _among(column: StringValue, values: tuple[str, ...]) -> BooleanValue:
    return column.isin(list(values)) if values else ibis.literal(False)


def unit_kind(unit_type: StringValue, size_class: StringValue, p: Resolved) -> StringValue:
    """`exempt` (SMEs and the pack's exempt unit types, e.g. individual businesses insured as units), `halve` (large
    enterprises and the pack's halved unit types), NULL where an enterprise's size class is unknown or the type is
    in neither list."""
    enterprise = unit_type == ENTERPRISE
    return ibis.cases((_among(unit_type, p.words("exempt_unit_types")), EXEMPT),
                      (_among(unit_type, p.words("halve_unit_types")), HALVE),
                      (enterprise & (size_class == "large"), HALVE),
                      (enterprise & size_class.isin(list(SME_CLASSES)), EXEMPT), else_=ibis.null("string"))


def deferrals(tables: SnapshotTables, p: Resolved, m: Months) -> Table:
    """Per certified unit: the deferral window (first and last month, 'YYYY-MM') and the day its deferred premiums
    fall due (the window's last day). The window opens in the month of the earliest certification listed by the
    evaluation date (not before `defer_first_month`), runs `defer_max_months` months, never past `defer_last_month`,
    and ends the month before a withdrawal (every certification removed)."""
    f = tables.flags
    rows = f.filter((f.flag == CERTIFIED) & (f.listed_on <= ibis.date(p.as_of)))
    g = rows.group_by(d_uscc=rows.uscc).aggregate(listed=rows.listed_on.min(),
                                                   open_=rows.uscc.count(where=rows.removed_on.isnull()),
                                                   removed=rows.removed_on.max())
    start = ibis.greatest(g.listed.truncate("M"), ibis.date(f"{m.defer_first}-01"))
    end = start + ibis.interval(months=m.defer_months - 1)
    if m.defer_last is not None:
        end = ibis.least(end, ibis.date(f"{m.defer_last}-01"))
    withdrawn = g.removed.truncate("M") - ibis.interval(months=1)
    end = ibis.cases((g.open_ == 0, ibis.least(end, withdrawn)), else_=end)
    g = g.mutate(start=start, end=end)
    g = g.filter(g.start <= g.end)
    return g.select(g.d_uscc, defer_from=g.start.strftime("%Y-%m"), defer_to=g.end.strftime("%Y-%m"),
                    defer_until=(g.end + ibis.interval(months=1) - ibis.interval(days=1)).cast("date"))


def half(due: IntegerValue, m: Months) -> IntegerValue:
    """Half the due in fen; an odd fen's half fen rounded as the pack's `half_fen` says."""
    two = ibis.literal(2, "int64")
    return round_half_up(due, two) if m.half_fen_up else exact_div(due, two)


@dataclass(frozen=True)
class Row:
    """One dues row's relief for a unit kind: whether it is listed, its kind, relief and deferred amount (fen)."""

    listed: BooleanValue
    in_defer: BooleanValue
    kind: StringValue
    relief: IntegerValue
    deferred: IntegerValue


def row_relief(month: StringValue, due: IntegerValue, kind: StringValue, window: Table, m: Months) -> Row:
    """The relief of one dues row for a unit of `kind` (NULL: unknown) with its deferral window (NULL: none). A kind
    known: exempt → the whole due, halve → half; the rest is deferred in the window. Unknown: a month where exempting
    and halving differ has its relief (and so its deferral) unknown, never 0."""
    in_exempt, in_halve = month.between(*m.exempt), month.between(*m.halve)
    in_defer = window.defer_from.notnull() & month.between(window.defer_from, window.defer_to)
    known = kind.fill_null("unknown")
    exempted, halved = (known == EXEMPT) & in_exempt, (known == HALVE) & in_halve
    unknown = (known == "unknown") & (in_exempt | in_halve)
    relief = ibis.cases((exempted, due), (halved, half(due, m)), (unknown, ibis.null("int64")),
                        else_=ibis.literal(0, "int64"))
    deferred = ibis.cases((in_defer, due - relief), else_=ibis.literal(0, "int64"))
    row_kind = ibis.cases((exempted, EXEMPT), (halved, HALVE), (unknown, ibis.null("string")), (in_defer, DEFER),
                          else_=ibis.null("string"))
    return Row(exempted | halved | unknown | in_defer, in_defer, row_kind, relief, deferred)


def _dues(tables: SnapshotTables) -> Table | None:
    """The dues rows in fen, or None where the snapshot has no dues file (every unit's dues unknown)."""
    d = tables.dues
    if d is None or (tables.present and "dues" not in tables.present):
        return None
    return d.select(d.uscc, d.month, d.insurance, due_fen=(d.unit_due * 100).cast("int64"))


def relief_measures(frame: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """Per unit, before its kind is known (the size class is settled later, and may be supplied): the relief and
    deferral it would get as an exempt and as a halved unit, how many dues rows fall in its relief or deferral months
    (NULL when the snapshot has no dues), and its deferral window where it owes dues in it. One pass over the dues for
    the relief; the deferral reads only the rows of certified units. No expression is read twice: DuckDB materialises
    one that is (a common table expression), which cost 4× the whole aggregation on a city."""
    m = months(p)
    nothing = ibis.null("int64")
    d = _dues(tables)
    if d is None:
        return frame.mutate(dues_rows=nothing, exempt_fen=nothing, exempt_deferred_fen=nothing, halve_fen=nothing,
                            halve_deferred_fen=nothing, defer_from=ibis.null("string"), headcount=nothing,
                            recent_due_fen=nothing, recent_months=nothing)
    # The rows of the months either kind covers, then sums of CASEs: a FILTER per sum costs 2.5× as much on DuckDB.
    d = d.filter(d.month.between(min(m.exempt[0], m.halve[0]), max(m.exempt[1], m.halve[1])))
    in_exempt, in_halve = d.month.between(*m.exempt), d.month.between(*m.halve)
    zero = ibis.literal(0, "int64")
    relieved = d.group_by(r_uscc=d.uscc).aggregate(
        relief_rows=ibis.cases((in_exempt | in_halve, ibis.literal(1, "int64")), else_=zero).sum(),
        exempt_fen=ibis.cases((in_exempt, d.due_fen), else_=zero).sum(),
        halve_fen=ibis.cases((in_halve, half(d.due_fen, m)), else_=zero).sum())
    window, raw = deferrals(tables, p, m), tables.dues            # the dues table itself, not `d` (read once each)
    assert raw is not None, "_dues returned rows, so the snapshot has a dues table"
    c = raw.join(window, raw.uscc == window.d_uscc)
    c = c.filter(c.month.between(c.defer_from, c.defer_to)).mutate(due_fen=(c.unit_due * 100).cast("int64"))
    as_exempt = row_relief(c.month, c.due_fen, ibis.literal(EXEMPT), c, m)
    as_halve = row_relief(c.month, c.due_fen, ibis.literal(HALVE), c, m)
    deferred = c.group_by(x_uscc=c.uscc).aggregate(
        defer_from=c.defer_from.max(), defer_rows=c.uscc.count(), exempt_deferred_fen=as_exempt.deferred.sum(),
        halve_deferred_fen=as_halve.deferred.sum())
    frame = frame.left_join(relieved, frame.uscc == relieved.r_uscc).drop("r_uscc")
    frame = frame.left_join(deferred, frame.uscc == deferred.x_uscc).drop("x_uscc")
    return frame.mutate(dues_rows=frame.relief_rows.fill_null(0) + frame.defer_rows.fill_null(0),
                        exempt_fen=frame.exempt_fen.fill_null(zero), halve_fen=frame.halve_fen.fill_null(zero),
                        exempt_deferred_fen=frame.exempt_deferred_fen.fill_null(zero),
                        halve_deferred_fen=frame.halve_deferred_fen.fill_null(zero),
                        headcount=nothing, recent_due_fen=nothing, recent_months=nothing)


def relief_rows(decided: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """One row per dues row of an in-scope unit in a month its relief or deferral covers: `uscc`, `month`,
    `insurance`, `due_fen`, `relief_fen` and `deferred_fen` (NULL: unknown), `deferred_until`, `kind` (NULL: unknown),
    `size_class`, and `unit_kind` (the unit's: exempt for SMEs and individual businesses, halve, NULL unknown).
    `decided` is the run's decided units (uscc, size_class, c_scope)."""
    m = months(p)
    d = _dues(tables)
    if d is None:
        d = tables.employers.select(uscc=tables.employers.uscc, month=ibis.literal("0000-00"),
                                    insurance=ibis.literal(""), due_fen=ibis.literal(0, "int64")).limit(0)
    e = tables.employers
    units = decided.filter(decided.c_scope == "pass").select(u_uscc=decided.uscc, size_class=decided.size_class)
    types = e.select(e_uscc=e.uscc, unit_type=e.unit_type)
    units = units.join(types, units.u_uscc == types.e_uscc)
    units = units.select(units.u_uscc, units.size_class, kind=unit_kind(units.unit_type, units.size_class, p))
    window = deferrals(tables, p, m)
    j = d.join(units, d.uscc == units.u_uscc).left_join(window, d.uscc == window.d_uscc)
    r = row_relief(j.month, j.due_fen, j.kind, j, m)
    j = j.mutate(listed=r.listed, row_kind=r.kind, relief_fen=r.relief, deferred_fen=r.deferred,
                 until=ibis.cases((r.in_defer & (r.deferred.isnull() | (r.deferred > 0)), j.defer_until),
                                 else_=ibis.null("date")))
    j = j.filter(j.listed)
    return j.select(uscc=j.uscc, month=j.month, insurance=j.insurance, due_fen=j.due_fen, relief_fen=j.relief_fen,
                    deferred_fen=j.deferred_fen, deferred_until=j.until, kind=j.row_kind, size_class=j.size_class,
                    unit_kind=j.kind)
