"""The unit share of each premium before relief, per unit and month of the base year (DATA.md `dues`): pension and
work injury from the same headcount and wage base as the contributions, unemployment exactly their `unit_due`."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from wengang.snapshot.generator_codes import money, take
from wengang.snapshot.generator_units import N_MONTHS, City
from wengang.snapshot.schema import INSURANCES

PENSION_RATE = (16, 100)        # the unit's pension rate since May 2019 (国办发〔2019〕13号)
INJURY_RATE = {                 # work-injury base rates per ten thousand, by how risky the industry is
    "agriculture": 70, "industry": 90, "construction": 160, "wholesale": 40, "retail": 40, "transport": 90,
    "warehousing": 70, "postal": 70, "accommodation": 50, "catering": 50, "information_transmission": 20,
    "software_it": 20, "real_estate_development": 50, "property_management": 50, "leasing_business_services": 30,
    "other": 40,
}


def dues_months(city: City) -> Iterator[pa.Table]:
    """One table per base-year month: every registered unit's pension, unemployment and injury dues in fen."""
    injury = np.array([INJURY_RATE[k] for k in city.p.industries], np.int64)[city.industry]
    for m in range(N_MONTHS - 12, N_MONTHS):
        rows = np.flatnonzero(city.start <= m)
        shares = np.column_stack([city.due(rows, m, PENSION_RATE), city.due(rows, m, city.p.unit_rate),
                                  city.due(rows, m, (injury[rows], 10_000))])
        yield pa.table({
            "uscc": city.uscc.take(pa.array(np.repeat(rows, len(INSURANCES)), pa.int64())),
            "month": pa.repeat(pa.scalar(city.months[m]), shares.size),
            "insurance": take(list(INSURANCES), np.tile(np.arange(len(INSURANCES)), len(rows))),
            "unit_due": money(shares.ravel()),
        })
