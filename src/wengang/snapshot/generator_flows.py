"""What happens to the units over 24 months: contributions and arrears, people leaving, claims, flags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from wengang.snapshot.generator_codes import dates, money, person_ids, pick, take
from wengang.snapshot.generator_units import N_MONTHS, City
from wengang.snapshot.schema import SEPARATION_REASONS


@dataclass
class Arrears:
    """Units that paid less than due in some months; some later pay part or all of it back."""

    units: np.ndarray  # sorted unit indices
    short_unit: np.ndarray  # (units, 24) fen unpaid of the unit share
    short_person: np.ndarray
    back_month: np.ndarray  # month of the back-payment, −1 for none
    back_fen: np.ndarray

    def without(self, keep: np.ndarray) -> Arrears:
        """Only the rows where `keep` is true."""
        return Arrears(self.units[keep], self.short_unit[keep], self.short_person[keep], self.back_month[keep],
                       self.back_fen[keep])


def draw_arrears(rng: np.random.Generator, city: City) -> Arrears:
    """Pick arrears units and months (only months with something due), and who pays back when."""
    p = city.p
    units = np.flatnonzero(rng.random(city.n) < p.arrears)
    na = len(units)
    due_u = np.column_stack([city.due(units, m, p.unit_rate) for m in range(N_MONTHS)])
    due_p = np.column_stack([city.due(units, m, p.person_rate) for m in range(N_MONTHS)])
    keys = np.where((city.start[units, None] <= np.arange(N_MONTHS)) & (due_u > 0), rng.random((na, N_MONTHS)), 2)
    count = rng.integers(p.arrears_months[0], p.arrears_months[1] + 1, na)
    owed = (keys.argsort(1).argsort(1) < count[:, None]) & (keys < 2)
    percent = np.where(rng.random((na, N_MONTHS)) < 0.6, 0, rng.integers(20, 91, (na, N_MONTHS)))
    short_u = np.where(owed, due_u - due_u * percent // 100, 0)
    short_p = np.where(owed, due_p - due_p * percent // 100, 0)
    last = np.where(owed.any(1), N_MONTHS - 1 - owed[:, ::-1].argmax(1), N_MONTHS - 1)
    pays = (rng.random(na) < p.back_paid) & (last < N_MONTHS - 1)
    back_month = np.where(pays, last + 1 + (rng.random(na) * (N_MONTHS - 1 - last)).astype(np.int64), -1)
    total = short_u.sum(1) + short_p.sum(1)
    drawn = Arrears(units, short_u, short_p, back_month, np.where(rng.random(na) < 0.6, total, total // 2))
    return drawn.without(~city.clean[units])  # drawn for every unit first, so the clean ones shift nothing


def contributions_month(city: City, arrears: Arrears, m: int) -> pa.Table:
    """One month of every unit already registered: headcount, dues, what was paid, back-payments."""
    p = city.p
    rows = np.flatnonzero(city.start <= m)
    unit_due, person_due = city.due(rows, m, p.unit_rate), city.due(rows, m, p.person_rate)
    if m == N_MONTHS - 1:
        person_due += city.person_extra[rows]
    live = city.start[arrears.units] <= m
    at = np.searchsorted(rows, arrears.units[live])
    unit_paid, person_paid = unit_due.copy(), person_due.copy()
    unit_paid[at] -= arrears.short_unit[live, m]
    person_paid[at] -= arrears.short_person[live, m]
    back = np.zeros(len(rows), np.int64)
    paying = arrears.back_month == m
    back[np.searchsorted(rows, arrears.units[paying])] = arrears.back_fen[paying]
    return pa.table({
        "uscc": city.uscc.take(pa.array(rows, pa.int64())), "month": pa.repeat(pa.scalar(city.months[m]), len(rows)),
        "insured": pa.array(city.insured[rows, m]), "unit_due": money(unit_due), "unit_paid": money(unit_paid),
        "person_due": money(person_due), "person_paid": money(person_paid), "back_paid": money(back, back > 0),
    })


def leavers(rng: np.random.Generator, city: City) -> tuple[pa.Table, pa.Table]:
    """One separation per person behind each headcount drop, and UI claims of some dismissed or expired."""
    p = city.p
    counts = (city.leaves + city.cuts).ravel().astype(np.int64)
    cell = np.repeat(np.arange(counts.size), counts)
    total = len(cell)
    rank = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    laid_off = rank >= np.repeat(city.leaves.ravel().astype(np.int64), counts)
    unit, month = cell // N_MONTHS, cell % N_MONTHS
    reasons = list(SEPARATION_REASONS)
    reason = np.where(laid_off, pick(rng, [p.layoff_reasons.get(r, 0) for r in reasons], total),
                      pick(rng, [p.reasons.get(r, 0) for r in reasons], total))
    if city.natural is not None:
        reason = _fix_natural(reason, city.natural.ravel()[cell], rank, reasons)
    first = city.first_day
    day = first[month] + (rng.random(total) * (first[month + 1] - first[month])).astype(np.int64)
    people = person_ids(rng, p, total)
    uscc = city.uscc.take(pa.array(unit))
    seps = pa.table({"uscc": uscc, "person_id": people, "date": dates(day), "reason": take(reasons, reason)})
    entitled = np.isin(reason, [reasons.index("dismissal"), reasons.index("contract_expiry")])
    idx = pa.array(np.flatnonzero(entitled & (rng.random(total) < p.claim_share)), pa.int64())
    started = day[idx.to_numpy()] + rng.integers(7, 61, len(idx))
    kind = (rng.random(len(idx)) < p.one_off).astype(np.int64)
    claims = pa.table({"uscc": uscc.take(idx), "person_id": people.take(idx), "started_on": dates(started),
                       "kind": take(["monthly", "one_off"], kind)})
    return seps, claims


def _fix_natural(reason: np.ndarray, natural: np.ndarray, rank: np.ndarray, reasons: list[str]) -> np.ndarray:
    """Where a month's retirements and deaths are fixed, its first leavers retire (or died), the rest not."""
    retire, death, resign = (reasons.index(r) for r in ("retirement", "death", "resignation"))
    fixed = natural >= 0
    is_natural = (reason == retire) | (reason == death)
    out = reason.copy()
    out[fixed & (rank < natural) & ~is_natural] = retire
    out[fixed & (rank >= natural) & is_natural] = resign
    return out


def flags_table(rng: np.random.Generator, city: City) -> pa.Table:
    """Findings of other departments for a few % of units, listed over base−1 … base+1, some removed."""
    base = int(city.months[-1][:4])
    lo, hi = (np.datetime64(f"{y}-01-01").astype(np.int64) for y in (base - 1, base + 2))
    parts, risk = [], (np.zeros(0, np.int64), np.zeros(0, np.int64))
    for flag, source, share, removed in city.p.flags:
        units = np.sort(rng.choice(city.n, size=min(city.n, round(share * city.n)), replace=False))
        listed = rng.integers(lo, hi, len(units))
        gone = rng.random(len(units)) < removed
        ends = listed + rng.integers(30, 400, len(units))
        keep = ~city.clean[units]  # drawn for every unit first, so the clean ones shift nothing
        units, listed, ends, gone = units[keep], listed[keep], ends[keep], gone[keep]
        if flag == "epidemic_risk_area":
            risk = (units, listed)
        parts.append(pa.table({
            "uscc": city.uscc.take(pa.array(units)), "source": pa.repeat(pa.scalar(source), len(units)),
            "flag": pa.repeat(pa.scalar(flag), len(units)), "listed_on": dates(listed),
            "removed_on": pa.array(ends.astype("datetime64[D]"), mask=~gone)}))
    return pa.concat_tables([*parts, *_district_listings(city, int(lo), int(hi), risk)])


def _district_listings(city: City, lo: int, hi: int, risk: tuple[np.ndarray, np.ndarray]) -> list[pa.Table]:
    """Every unit of a district listed whole (2022: a risk area somewhere in it) flagged that day, inside the flags'
    window and the contributions' months only (a listing whose month has no contributions would leave every such
    unit's headcount unknown), so a city without such a day writes the same bytes as before; no draw. A unit already
    drawn a risk-area flag that same day keeps that one row (the file's key)."""
    codes, out = np.array(list(city.p.regions)), []
    paid_from = int(np.datetime64(f"{city.months[0]}-01").astype(np.int64))
    paid_to = int((np.datetime64(city.months[-1], "M") + 1).astype("datetime64[D]").astype(np.int64))
    lo, hi = max(lo, paid_from), min(hi, paid_to)
    for code, day in city.p.district_listings:
        listed = int(np.datetime64(day).astype(np.int64))
        if code not in city.p.regions or not lo <= listed < hi:
            continue
        units = np.flatnonzero((codes[city.region] == code) & ~city.clean)
        units = units[~np.isin(units, risk[0][risk[1] == listed])]
        out.append(pa.table({
            "uscc": city.uscc.take(pa.array(units, pa.int64())), "source": pa.repeat(pa.scalar("other"), len(units)),
            "flag": pa.repeat(pa.scalar("epidemic_risk_area"), len(units)),
            "listed_on": dates(np.full(len(units), listed)), "removed_on": pa.nulls(len(units), pa.date32())}))
    return out
