"""Public statistics (公开统计): what the bureau publishes of a year's payments — units paid, money, employees covered,
SME share, by district and by programme — from the dashboard's grouped counts, with small cells withheld."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.disclosure import PUBLIC_MIN_UNITS, Threshold, withheld
from wengang.domain.ports import Store
from wengang.services import figures
from wengang.services.figures import Tally


@dataclass(frozen=True, slots=True)
class Published:
    """One published row: its key (a division code or a programme's pack), and its figures, None when withheld."""

    key: str | None
    units: int | None
    amount: Decimal | None
    insured: int | None
    sme_share: Decimal | None

    @property
    def withheld(self) -> bool:
        """True when the row's figures are not published (too few units, or they would give another away)."""
        return self.units is None


@dataclass(frozen=True, slots=True)
class Statistics:
    """A year's public figures: the total, by district and by programme; the years there are; the threshold."""

    year: int | None
    years: list[int]
    total: Published
    by_district: list[Published]
    by_programme: list[Published]
    threshold: Threshold
    insured_unknown: bool


def statistics(*, store: Store, year: int | None = None, threshold: Threshold = PUBLIC_MIN_UNITS) -> Statistics:
    """The year's published figures (the newest year when none is asked; an empty year shows nothing)."""
    with store.reading() as uow:
        found = uow.cycles.all()
    known = figures.years_of(found)
    year = year if year is not None else (known[0] if known else None)
    if year is None or year not in known:
        empty = Published(None, 0, Decimal("0.00"), 0, None)
        return Statistics(year, known, empty, [], [], threshold, False)
    ids = [c.id for c in figures.of_year(found, year)]
    total, districts = figures.breakdown(ids, "district", store=store)
    programmes = figures.breakdown(ids, "program", store=store)[1]
    return Statistics(year, known, _published([total], threshold.units)[0], _published(districts, threshold.units),
                      _published(programmes, threshold.units), threshold, total.insured_unknown > 0)


def _published(rows: list[Tally], threshold: int) -> list[Published]:
    """The rows with paid units, largest first, each with its figures or withheld."""
    paid = sorted((t for t in rows if t.paid), key=lambda t: (-t.paid, t.key or ""))
    hidden = withheld([t.paid for t in paid], threshold)
    return [Published(t.key, None, None, None, None) if i in hidden
            else Published(t.key, t.paid, t.paid_amount, t.insured, t.sme_share) for i, t in enumerate(paid)]
