"""The dashboard a bureau director reads (issue 19.2): units, money, employees covered (惠及职工), SME coverage, time to
money and failed payments, for one cycle or every cycle opened in a year, broken down by district, size, industry,
unit type or programme — each figure counted by the store (GROUP BY), never by reading the cases here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.cases import State
from wengang.domain.cycles import Cycle
from wengang.domain.days import beijing_date
from wengang.domain.errors import NotFound, Refused
from wengang.domain.figures import BREAKDOWNS, Cell, Failure
from wengang.domain.ports import Store

STATE_ORDER = [s.value for s in State]
BINS = (0, 7, 14, 21, 28, 35, 42, 60, 90)     # the histogram's day bins: [0, 7), [7, 14) … [90, ∞)


@dataclass(frozen=True, slots=True)
class Tally:
    """Cases of one breakdown value (or all of them): total, listed, paid (with money) and employees covered."""

    key: str | None
    cases: int = 0
    sme: int = 0
    listed: int = 0
    listed_amount: Decimal = Decimal("0.00")
    paid: int = 0
    paid_amount: Decimal = Decimal("0.00")
    sme_paid: int = 0
    insured: int = 0                 # insured headcount of the paid units whose headcount is known (惠及职工)
    insured_unknown: int = 0         # paid units whose headcount the run did not know

    def add(self, c: Cell) -> Tally:
        """This tally with one more cell counted in."""
        return Tally(self.key, self.cases + c.cases, self.sme + c.sme,
                     self.listed + (c.cases if c.listed else 0),
                     self.listed_amount + (c.amount if c.listed else 0),
                     self.paid + (c.cases if c.paid else 0), self.paid_amount + (c.amount if c.paid else 0),
                     self.sme_paid + (c.sme if c.paid else 0), self.insured + (c.insured if c.paid else 0),
                     self.insured_unknown + (c.insured_unknown if c.paid else 0))

    @property
    def sme_coverage(self) -> Decimal | None:
        """Paid small, medium and micro units as a share of all of them (percent; Beijing: 13.7% → 69%)."""
        return share(self.sme_paid, self.sme)

    @property
    def sme_share(self) -> Decimal | None:
        """Small, medium and micro units among the paid ones (percent)."""
        return share(self.sme_paid, self.paid)


@dataclass(frozen=True, slots=True)
class Spread:
    """Paid cases by days from the cycle's opening to the money: a histogram, median and 90th percentile."""

    paid: int
    bins: list[tuple[int, int | None, int]]      # from day, up to (not including; None: open), cases
    median: Decimal | None
    p90: int | None


@dataclass(frozen=True, slots=True)
class Board:
    """One view of the dashboard: its cycles (one, or a year's), the breakdown shown and every figure of it."""

    cycles: list[Cycle]
    year: int | None
    by: str
    total: Tally
    rows: list[Tally]
    states: list[tuple[str, int, Decimal]]
    days: Spread
    failures: list[Failure]


def share(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal, exactly (None when there is nothing to divide by)."""
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def years_of(found: list[Cycle]) -> list[int]:
    """The years in which a live cycle of these was opened (Beijing dates), newest first: the views by year."""
    return sorted({beijing_date(c.opened_at).year for c in found if not c.cancelled}, reverse=True)


def of_year(found: list[Cycle], year: int) -> list[Cycle]:
    """The live cycles of these opened (Beijing date) in the year."""
    return [c for c in found if not c.cancelled and beijing_date(c.opened_at).year == year]


def scope(*, store: Store, cycle_id: int | None = None, year: int | None = None) -> tuple[list[Cycle], int | None]:
    """The cycles of a view: one cycle, or every live cycle opened (Beijing date) in the year."""
    with store.reading() as uow:
        found = uow.cycles.all()
    if year is not None:
        return of_year(found, year), year
    chosen = [c for c in found if c.id == cycle_id]
    if not chosen:
        raise NotFound(f"没有周期 {cycle_id} / no cycle {cycle_id}")
    return chosen, None


def board(*, store: Store, cycle_id: int | None = None, year: int | None = None, by: str = "district") -> Board:
    """The dashboard for one cycle or a year, broken down `by` one of BREAKDOWNS: three grouped statements."""
    if by not in BREAKDOWNS:
        raise Refused(f"不能按 {by} 分组 / no breakdown {by}; one of {', '.join(BREAKDOWNS)}")
    cycles, year = scope(store=store, cycle_id=cycle_id, year=year)
    ids = [c.id for c in cycles]
    with store.reading() as uow:
        cells = uow.figures.cells(ids, by)
        days = uow.figures.days_to_money(ids)
        failures = uow.figures.failures(ids)
    total, rows = roll_up(cells)
    states: dict[str, tuple[int, Decimal]] = {}
    for c in cells:
        n, amount = states.get(c.state.value, (0, Decimal("0.00")))
        states[c.state.value] = (n + c.cases, amount + c.amount)
    return Board(cycles, year, by, total, rows, [(s, *states[s]) for s in STATE_ORDER if s in states], spread(days),
                 sorted(failures, key=lambda f: (-f.payments, f.reason or "")))


def breakdown(cycle_ids: list[int], by: str, *, store: Store) -> tuple[Tally, list[Tally]]:
    """Only the cases' tallies of these cycles by one breakdown (one grouped statement, no payments read): what
    the public statistics publish."""
    if by not in BREAKDOWNS:
        raise Refused(f"不能按 {by} 分组 / no breakdown {by}; one of {', '.join(BREAKDOWNS)}")
    with store.reading() as uow:
        return roll_up(uow.figures.cells(cycle_ids, by))


def roll_up(cells: list[Cell]) -> tuple[Tally, list[Tally]]:
    """The total and one tally per breakdown value, the most cases first."""
    total = Tally(None)
    rows: dict[str | None, Tally] = {}
    for c in cells:
        total = total.add(c)
        rows[c.key] = rows.get(c.key, Tally(c.key)).add(c)
    return total, sorted(rows.values(), key=lambda t: (-t.cases, t.key or ""))


def spread(days: dict[int, int]) -> Spread:
    """The histogram, median and 90th percentile of paid cases by days to money (exact, from the counts)."""
    paid = sum(days.values())
    uppers: list[int | None] = [*BINS[1:], None]
    bins = [(lo, hi, sum(n for d, n in days.items() if d >= lo and (hi is None or d < hi)))
            for lo, hi in zip(BINS, uppers, strict=True)]
    return Spread(paid, bins, _median(days, paid), _rank(days, -(-paid * 9 // 10)) if paid else None)


def _rank(days: dict[int, int], k: int) -> int:
    """The k-th smallest day count (1-based) among the paid cases."""
    seen = 0
    for d in sorted(days):
        seen += days[d]
        if seen >= k:
            return d
    raise ValueError(k)


def _median(days: dict[int, int], paid: int) -> Decimal | None:
    """The median day count: the middle one, or the mean of the two middle ones."""
    if not paid:
        return None
    low, high = _rank(days, (paid + 1) // 2), _rank(days, paid // 2 + 1)
    return (Decimal(low + high) / 2).quantize(Decimal("0.1"))
