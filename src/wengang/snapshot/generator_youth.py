"""Young people the synthetic units hire or take on as interns in the pack years 2022–2025 (DATA.md `hires`,
`interns`): graduates and registered unemployed youth, a few hired on the day they turn 16 or 25 or the day before
(the edges of the age rule), some without a contract, some hired by two units in one year, some interns still there."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wengang.domain.identifiers import ID_CHECK, ID_WEIGHTS
from wengang.snapshot.generator_codes import DIGITS, dates, digits, fixed_strings, take
from wengang.snapshot.generator_units import City

YEARS = (2022, 2023, 2024, 2025)
HIRES_PER_INSURED_YEAR = 0.02
GRADUATE_SHARE, CONTRACT_SHARE, EDGE_SHARE, TWICE_SHARE = 0.65, 0.93, 0.04, 0.03
BIRTH_GIVEN = (0.3, 0.97)         # birth_date filled for people named by ID number, for the others
INSURED_MONTHS = (0.08, 0.12, 0.15, 0.2, 0.15, 0.15, 0.15)   # weights of 0 … 6 months paid
INTERNS_PER_BASE, OLDER_GRADUATE = 0.3, 0.1  # geometric p (bases: the profile's share), graduates aged 25–28
YOUTH_AGE, GRADUATE_AGE = (16 * 366, 25 * 365 - 2), (21 * 366, 25 * 365 - 2)   # days: strictly inside 16–24
CATEGORIES = ["graduate", "unemployed_youth"]


def _day(year: int, month: int = 1, day: int = 1) -> int:
    return int(np.datetime64(f"{year}-{month:02d}-{day:02d}").astype(np.int64))


def _within(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A day in [lo, hi) for each row."""
    return lo + (rng.random(len(lo)) * (hi - lo)).astype(np.int64)


def _people(rng: np.random.Generator, city: City, born: np.ndarray, first_seq: int,
            mark: str) -> tuple[pa.Array, np.ndarray]:
    """Distinct people born on `born`: resident IDs whose sequence numbers start at `first_seq` (hires and interns
    never share one), or pseudonyms such as Y000000001 (also where a birth day and region run out of sequence
    numbers); and which are IDs."""
    n = len(born)
    region = np.array(city.p.id_regions, np.int64)[rng.integers(0, len(city.p.id_regions), n)]
    order = np.lexsort((born, region))
    key = (region * 100_000 + born)[order]
    starts = np.r_[True, key[1:] != key[:-1]] if n else np.zeros(0, bool)
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    day = born.astype("datetime64[D]")
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    month = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
    body = digits(region * 10**11 + year * 10**7 + month * 10**5 + dom * 10**3 + (first_seq + rank) % 1000, 17)
    check = np.frombuffer(ID_CHECK.encode(), np.uint8)[(body @ np.array(ID_WEIGHTS)) % 11]
    resident = fixed_strings(np.column_stack([DIGITS[body], check]))
    pseudo = fixed_strings(np.column_stack([np.full(n, ord(mark), np.uint8), DIGITS[digits(np.arange(1, n + 1), 9)]]))
    named = (rng.random(n) < city.p.resident_id) & (rank < 500)
    return pc.if_else(pa.array(named), resident, pseudo), named


def _birth_given(rng: np.random.Generator, by_id: np.ndarray) -> np.ndarray:
    return rng.random(len(by_id)) < np.where(by_id, *BIRTH_GIVEN)


def _on_the_edge(hired: np.ndarray, born: np.ndarray, rows: np.ndarray, kinds: np.ndarray) -> None:
    """Born exactly 16 or 25 years before the hiring day (in at 16, out at 25) or one day later (15, 24)."""
    for i, kind in zip(rows, kinds, strict=True):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=int(hired[i]))
        if day.month == 2 and day.day == 29:
            day -= dt.timedelta(days=1)
            hired[i] -= 1
        birthday = day.replace(year=day.year - (16 if kind < 2 else 25))
        born[i] = (birthday - dt.date(1970, 1, 1)).days + (kind % 2 if kind < 2 else 1 - kind % 2)


def hires_table(rng: np.random.Generator, city: City) -> pa.Table:
    """Hires per unit in proportion to its headcount over the four pack years; a few persons hired twice a year."""
    alive = np.flatnonzero(city.insured[:, -1] > 0)
    count = rng.poisson(HIRES_PER_INSURED_YEAR * len(YEARS) * city.insured[alive, -1])
    unit = np.repeat(alive, count)
    n = len(unit)
    year = np.array(YEARS)[rng.integers(0, len(YEARS), n)]
    jan1 = np.array([_day(y) for y in range(YEARS[0] - 2, YEARS[-1] + 2)])
    y0, y1 = jan1[year - YEARS[0] + 2], jan1[year - YEARS[0] + 3]
    graduate = rng.random(n) < GRADUATE_SHARE
    grad_year = year - rng.choice(3, n, p=[0.6, 0.25, 0.15])
    graduated = np.array([_day(y, 6, 20) for y in range(YEARS[0] - 2, YEARS[-1] + 1)])[grad_year - YEARS[0] + 2]
    graduated += rng.integers(0, 21, n)
    first = np.where(graduate & (grad_year == year), graduated + 1, y0)
    hired = _within(rng, first, y1)
    age = np.where(graduate, rng.integers(*GRADUATE_AGE, n), rng.integers(*YOUTH_AGE, n))
    born = hired - age
    edge = np.flatnonzero(~graduate & (rng.random(n) < EDGE_SHARE))
    _on_the_edge(hired, born, edge, rng.integers(0, 4, len(edge)))
    people, by_id = _people(rng, city, born, 0, "Y")
    given = _birth_given(rng, by_id)
    twice = np.flatnonzero(rng.random(n) < TWICE_SHARE)       # the same person, another unit, the same year
    other = alive[(np.searchsorted(alive, unit[twice]) + rng.integers(1, max(len(alive), 2), len(twice)))
                  % len(alive)]
    row = np.r_[np.arange(n), twice]
    unit = np.r_[unit, other]
    hired = np.r_[hired, _within(rng, first[twice], y1[twice])]
    m = len(row)
    signed = rng.random(m) < CONTRACT_SHARE
    months = rng.choice(len(INSURED_MONTHS), m, p=np.array(INSURED_MONTHS) / sum(INSURED_MONTHS))
    order = np.lexsort((row, hired, unit))
    row, unit, hired, signed, months = row[order], unit[order], hired[order], signed[order], months[order]
    return pa.table({
        "uscc": city.uscc.take(pa.array(unit, pa.int64())),
        "person_id": people.take(pa.array(row, pa.int64())),
        "hired_on": dates(hired),
        "category": take(CATEGORIES, (~graduate[row]).astype(np.int64)),
        "graduated_on": pa.array(graduated[row].astype("datetime64[D]"), mask=~graduate[row]),
        "birth_date": pa.array(born[row].astype("datetime64[D]"), mask=~given[row]),
        "contract_signed": pa.array(signed),
        "insured_months": pa.array(months.astype(np.int32)),
    })


def interns_table(rng: np.random.Generator, city: City) -> pa.Table:
    """A few % of units are internship bases with one to a dozen interns of three to twelve months; those whose
    internship runs past 2025 are still there (no end date)."""
    alive = np.flatnonzero(city.insured[:, -1] > 0)
    bases = alive[rng.random(len(alive)) < city.p.intern_bases]
    unit = np.repeat(bases, np.minimum(rng.geometric(INTERNS_PER_BASE, len(bases)), 12))
    n = len(unit)
    started = rng.integers(_day(YEARS[0]), _day(YEARS[-1] + 1), n)
    ended = started + rng.integers(90, 366, n) - 1
    ongoing = ended >= _day(YEARS[-1] + 1)
    graduate = rng.random(n) < GRADUATE_SHARE
    older = graduate & (rng.random(n) < OLDER_GRADUATE)
    age = np.select([older, graduate], [rng.integers(25 * 366, 29 * 365 - 2, n), rng.integers(20 * 366, 25 * 365 - 2, n)],
                    rng.integers(*YOUTH_AGE, n))
    born = started - age
    people, by_id = _people(rng, city, born, 500, "I")
    given = _birth_given(rng, by_id)
    order = np.lexsort((started, unit))
    return pa.table({
        "uscc": city.uscc.take(pa.array(unit[order], pa.int64())),
        "person_id": people.take(pa.array(order, pa.int64())),
        "started_on": dates(started[order]),
        "ended_on": pa.array(ended[order].astype("datetime64[D]"), mask=ongoing[order]),
        "birth_date": pa.array(born[order].astype("datetime64[D]"), mask=~given[order]),
        "category": take(CATEGORIES, (~graduate[order]).astype(np.int64)),
    })
