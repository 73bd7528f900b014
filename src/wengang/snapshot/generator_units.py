"""The units of the synthetic city: drawn attributes, 24 months of headcount, and the employers table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wengang.domain.identifiers import USCC_ALPHABET
from wengang.snapshot.generator_codes import (
    DIGITS,
    credit_codes,
    dates,
    digits,
    fixed_strings,
    money,
    pick,
    quota,
    take,
)
from wengang.snapshot.generator_profiles import Profile

N_MONTHS = 24
SCALED_UP_TO = 300   # a profile's industry_scale lifts small units to at most this many; larger ones keep their size
_WORD = {
    "agriculture": "农业发展", "industry": "机械制造", "construction": "建筑工程", "wholesale": "商贸",
    "retail": "商贸连锁", "transport": "运输", "warehousing": "仓储物流", "postal": "快递服务",
    "accommodation": "酒店管理", "catering": "餐饮管理", "information_transmission": "通信技术",
    "software_it": "科技", "real_estate_development": "房地产开发", "property_management": "物业管理",
    "leasing_business_services": "商务咨询", "other": "服务",
}
_SUFFIX = {
    "enterprise": "有限公司", "individual_business": "便利店", "social_group": "协会", "foundation": "基金会",
    "social_service_org": "培训学校", "law_firm": "律师事务所", "accounting_firm": "会计师事务所",
    "public_institution": "服务中心", "other": "专业合作社",
}
_BANKS = np.array([102, 103, 104, 105, 301, 302, 303, 305, 308, 309, 310, 313], np.int64)


@dataclass
class City:
    """The units' drawn attributes and month-end headcounts; every table is a projection of it."""

    p: Profile
    months: list[str]
    first_day: np.ndarray  # first day of each month (and of the month after), days since 1970
    uscc: pa.Array
    unit_type: np.ndarray
    industry: np.ndarray
    region: np.ndarray
    start: np.ndarray  # index of the first contribution month
    wage: np.ndarray  # (n, 2) yuan: base year − 1, base year
    insured: np.ndarray  # (n, 24) month-end headcount
    leaves: np.ndarray  # (n, 24) ordinary separations
    cuts: np.ndarray  # (n, 24) layoff separations
    clean: np.ndarray  # units kept free of arrears, flags and missing size inputs
    agency: np.ndarray  # 1: the agency's size class given, 0: not given, −1: drawn
    person_extra: np.ndarray  # fen added to the person share due in the base year's last month
    natural: np.ndarray | None = None  # (n, 24) retirements and deaths fixed per month, −1: reasons drawn
    serial_offset: int = 0  # where the credit codes' serials start: shared by every block of one city

    @property
    def n(self) -> int:
        return len(self.start)

    def due(self, rows: np.ndarray, m: int, rate: tuple[int, int]) -> np.ndarray:
        """Premium due in fen: insured × wage base × rate, rounded half up, in integers only."""
        wage = self.wage[rows, 1 if m >= 12 else 0]
        num, den = rate
        return (self.insured[rows, m].astype(np.int64) * wage * 100 * num * 2 + den) // (2 * den)


def draw_city(rng: np.random.Generator, p: Profile, n: int, base_year: int, *, first: int = 0,
              offset: int | None = None) -> City:
    """Types, industries, regions, registration, wage bases and 24 months of headcount for n units; a block of a
    larger city numbers its units from `first` and shares the first block's serial `offset`, so codes stay unique."""
    months = [f"{y}-{m:02d}" for y in (base_year - 1, base_year) for m in range(1, 13)]
    first_days = np.array([*months, f"{base_year + 1}-01"], "datetime64[M]").astype("datetime64[D]").astype(np.int64)
    types = list(p.unit_types)
    unit_type = quota(rng, [p.unit_types[t][0] for t in types], n)
    industry = (quota if p.industry_quota else pick)(rng, list(p.industries.values()), n)
    for t, key in p.type_industry.items():
        industry[unit_type == types.index(t)] = list(p.industries).index(key)
    region = pick(rng, [w for _, w in p.regions.values()], n)
    u = rng.random(n)
    start = np.where(u < p.registered[0], rng.integers(0, 12, n), 0)
    start = np.where(u > 1 - p.registered[1], rng.integers(12, 24, n), start)
    prefixes = sorted({pre for _, pres in p.unit_types.values() for pre in pres})
    options = [np.array([prefixes.index(x) for x in p.unit_types[t][1]]) for t in types]
    choice = np.choose(unit_type, [o[rng.integers(0, len(o), n)] for o in options])
    prefix = np.array([[USCC_ALPHABET.index(c) for c in x] for x in prefixes], np.int64)[choice]
    drawn = int(rng.integers(0, 10**9))  # drawn even when given: a block's later draws stay those of a city
    offset = drawn if offset is None else offset
    serial = (np.arange(first, first + n, dtype=np.int64) * 387_420_489 + offset) % 10**9  # injective below 10**9
    codes = np.array(list(p.regions), np.int64)[region]
    uscc = credit_codes(prefix, codes, serial, rng.random(n) < 0.35)
    wage = _wages(rng, p, n)
    size = _sizes(rng, p, n)
    if p.industry_scale:   # no draw: a profile without it keeps its bytes
        scale = np.array([p.industry_scale.get(k, 1.0) for k in p.industries])[industry]
        scaled = np.rint(size * np.where(unit_type == types.index("enterprise"), scale, 1.0)).astype(np.int64)
        size = np.maximum(size, np.minimum(scaled, SCALED_UP_TO))
    insured, leaves, cuts = _simulate(rng, p, size, start)
    return City(p, months, first_days, uscc, unit_type, industry, region, start, wage, insured, leaves, cuts,
                clean=np.zeros(n, bool), agency=np.full(n, -1, np.int8), person_extra=np.zeros(n, np.int64),
                serial_offset=offset)


def _sizes(rng: np.random.Generator, p: Profile, n: int) -> np.ndarray:
    """Headcounts from buckets (most units tiny, a long tail) in fixed quotas, log-uniform inside each."""
    bucket = quota(rng, [w for *_, w in p.sizes], n)
    lo = np.array([b[0] for b in p.sizes], float)[bucket]
    hi = np.array([b[1] for b in p.sizes], float)[bucket]
    low = np.log(np.maximum(lo, 0.5))
    draw = np.floor(np.exp(low + rng.random(n) * (np.log(hi + 1) - low)))
    return np.where(hi == 0, 0, np.clip(draw, lo, hi)).astype(np.int64)


def _wages(rng: np.random.Generator, p: Profile, n: int) -> np.ndarray:
    """Monthly wage base per unit and year: many at the legal floor, the rest log-normal up to the cap."""
    free = rng.lognormal(np.log(p.wage_median), p.wage_sigma, n)
    at_floor = rng.random(n) < p.wage_at_floor
    first = np.where(at_floor, p.wage_floor[0], np.clip(free, p.wage_floor[0], p.wage_cap[0]))
    raised = np.clip(first * (1 + p.wage_raise * 2 * rng.random(n)), p.wage_floor[1], p.wage_cap[1])
    return np.column_stack([first, np.where(at_floor, p.wage_floor[1], raised)]).astype(np.int64)


def _simulate(rng: np.random.Generator, p: Profile, size: np.ndarray,
              start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month-end headcounts: people leave, open posts are refilled, targets drift, some units cut sharply."""
    n = len(size)
    q = np.clip(p.leave_rate * rng.lognormal(-0.125, 0.5, n), 0, 0.2)
    drift = rng.normal(0, p.drift_sigma, n)
    u = rng.random(n)
    cut_month = np.where(u < p.layoff, rng.integers(12, 24, n), -1)
    cut_month = np.where((u >= p.layoff) & (u < p.layoff + p.layoff_prior), rng.integers(0, 12, n), cut_month)
    drop = rng.uniform(*p.layoff_drop, n)
    target = size.astype(float)
    insured, leaves, cuts = (np.zeros((n, N_MONTHS), np.int32) for _ in range(3))
    prev = np.zeros(n, np.int64)
    for m in range(N_MONTHS):
        target *= np.exp(drift)
        born, alive = start == m, start <= m
        prev[born] = size[born]
        gone, cut = np.zeros(n, np.int64), np.zeros(n, np.int64)
        at = np.flatnonzero(alive & ~born & (prev > 0))  # draw only where something can happen
        gone[at] = rng.binomial(prev[at], q[at])
        hit = np.flatnonzero((cut_month == m) & alive)
        target[hit] *= 1 - drop[hit]
        cut[hit] = rng.binomial(prev[hit] - gone[hit], drop[hit])
        after = prev - gone - cut
        gap = np.where(alive, np.maximum(np.rint(target).astype(np.int64) - after, 0), 0)
        open_ = np.flatnonzero(gap)
        after[open_] += rng.binomial(gap[open_], p.refill)
        prev = np.where(alive, after, 0)
        insured[:, m], leaves[:, m], cuts[:, m] = prev, gone, cut
    return insured, leaves, cuts


def employers_table(rng: np.random.Generator, city: City) -> pa.Table:
    """One row per unit: names, type, industry, region, size inputs, agency class, bank account."""
    p, n, clean = city.p, city.n, city.clean
    types, industries = list(p.unit_types), list(p.industries)
    district = take([f"{name}区" for name, _ in p.regions.values()], city.region)
    chars = list(p.brand_chars)
    brand = pc.binary_join_element_wise(  # type: ignore[call-overload]  # stubs: no trailing separator argument
        take(chars, rng.integers(0, len(chars), n)), take(chars, rng.integers(0, len(chars), n)),
        take(["", *chars], np.where(rng.random(n) < 0.4, rng.integers(1, len(chars) + 1, n), 0)), "")
    enterprise = city.unit_type == types.index("enterprise")
    word = take(["", *(_WORD[k] for k in industries)], np.where(enterprise, city.industry + 1, 0))
    town = pc.if_else(pa.array(city.unit_type == types.index("individual_business")), district, p.city)
    name = pc.binary_join_element_wise(town, brand, word, take([_SUFFIX[t] for t in types], city.unit_type), "")
    registered = _registered(rng, city)
    base = city.insured[:, 12:]
    months = np.maximum((city.start[:, None] <= np.arange(12, 24)).sum(1), 1)
    avg = base.sum(1) / months
    employees = np.rint(avg * (1 + 0.2 * rng.random(n))).astype(np.int64)
    has_emp = (rng.random(n) < p.employees_given) | clean
    staff = np.maximum(np.where(has_emp, employees, np.rint(avg)), 1)
    per_staff = np.array([p.revenue_per_staff[k] for k in industries], float)[city.industry]
    revenue = np.rint(staff * per_staff * rng.lognormal(-0.25, 0.7, n) * 100).astype(np.int64)
    assets = np.rint(revenue * rng.lognormal(-0.3, 0.8, n)).astype(np.int64)
    agency = np.select([staff >= 300, staff >= 100, staff >= 10], [0, 1, 2], 3)
    has_class = np.where(city.agency >= 0, city.agency == 1, rng.random(n) < p.agency_class)
    dispatch = enterprise & (rng.random(n) < p.labor_dispatch)
    account = rng.random(n) >= p.account_missing
    bank = _BANKS[rng.integers(0, len(_BANKS), n)] * 10**9 + 1000 * 10**5 + rng.integers(0, 10**5, n)
    acct = 200 * 10**15 + rng.integers(0, 10**15, n)
    return pa.table({
        "uscc": city.uscc, "name": name, "unit_type": take(types, city.unit_type),
        "industry": take(industries, city.industry), "region": take(list(p.regions), city.region),
        "registered_on": dates(registered),
        "employees": pa.array(employees.astype(np.int32), mask=~has_emp),
        "revenue": money(revenue, (rng.random(n) >= p.revenue_missing) | clean),
        "assets": money(assets, (rng.random(n) >= p.assets_missing) | clean),
        "size_class": pa.array(np.array(["large", "medium", "small", "micro"])[agency], mask=~has_class),
        "labor_dispatch": pa.array(dispatch, mask=rng.random(n) < 0.15),
        "bank_code": pc.if_else(pa.array(account), fixed_strings(DIGITS[digits(bank, 12)]), None),
        "account_no": pc.if_else(pa.array(account), fixed_strings(DIGITS[digits(acct, 19)]), None),
        "account_name": pc.if_else(pa.array(account), name, None),
    })


def _registered(rng: np.random.Generator, city: City) -> np.ndarray:
    """Establishment dates: skewed to recent years before the window; inside their first month after."""
    first, start, n = city.first_day, city.start, city.n
    oldest = np.datetime64(f"{city.p.oldest_year}-01-01").astype(np.int64)
    old = oldest + ((first[0] - oldest) * np.sqrt(rng.random(n))).astype(np.int64)
    new = first[start] + (rng.random(n) * (first[start + 1] - first[start])).astype(np.int64)
    return np.where(start > 0, new, np.minimum(old, first[0] - 1))
