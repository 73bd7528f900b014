"""Units sitting exactly on a legal boundary, where an engine that rounds through floats decides wrongly.

A few units per thousand (the profile's `boundary_share`) are rebuilt, after the city is drawn, into one of
these kinds; otherwise they look like any other unit (in scope, registered before the window, all 24 months
paid in full, no flags, employees, revenue and assets given so the size class is computable):

- `rate6`: net reduction N = opening − closing − retirements and deaths of the base year, and Σ insured over
  the base year S = 200·N, so N ÷ (S ÷ 12) is exactly 6 % with a fractional average (3 ∤ N). Only those N
  are used where doubles get it wrong: 5 / (1000 / 12) = 0.060000000000000005 > 0.06.
- `rate6_over`: the same with S = 200·N − 1: a hair above 6 %, so it must fail.
- `rate20`: small units (average ≤ 30) at exactly 20 %: S = 60·N. Their average is 5·N, always whole, so
  doubles happen to judge these right; they test the `≤` and the small-unit limit, not float rounding.
- `tie30`: large units (an agency class "large", or staff ≥ 300 on the staff-only `other` row) whose base
  year paid ends in 5 fen, so the 30 % return ends in exactly half a fen, chosen where a double computation
  (yuan × 0.3 × 100, or round(yuan × 0.3, 2)) rounds it down. The odd fen come from a few fen of rounding
  adjustment in the person share due of the base year's last month.

Separations explain every headcount drop: each departure is one separation; those of the base year are
fixed as retirement/death or not, so the net reduction is what was planned.
"""

from __future__ import annotations

import math

import numpy as np

from wengang.snapshot.generator_codes import quota_counts
from wengang.snapshot.generator_units import N_MONTHS, City

KINDS = ("rate6", "rate6_over", "rate20", "tie30")
_ORDER = ("tie30", "rate6", "rate6_over", "rate20")  # the kinds with the fewest fitting units choose first


def float_fails_six_percent(n: int) -> bool:
    """N ÷ (200·N ÷ 12) is exactly 0.06; true where a double division makes it exceed 0.06."""
    return not n / (200 * n / 12) <= 0.06


def float_misrounds_tie(base_fen: int) -> bool:
    """30 % of a base ending in 5 fen is a half fen; true where both double computations round it down."""
    exact = (3 * base_fen + 5) // 10  # half up
    yuan = base_fen / 100
    return (base_fen % 10 == 5 and math.floor(yuan * 0.3 * 100 + 0.5) != exact
            and round(round(yuan * 0.3, 2) * 100) != exact)


RATE6_N = np.array([n for n in range(2, 400) if n % 3 and float_fails_six_percent(n)])  # 5, 10, 13, 17, …


def place_boundary_units(rng: np.random.Generator, city: City) -> dict[str, np.ndarray]:
    """Rebuild `boundary_share` of the units into boundary units; returns the unit indices of each kind."""
    p, n = city.p, city.n
    wanted = round(p.boundary_share * n)
    if wanted == 0:
        return {}
    types = list(p.unit_types)
    scope = np.isin(city.unit_type, [types.index(t) for t in p.boundary_types])
    candidates = rng.permutation(np.flatnonzero(scope & (city.start == 0)))
    counts = dict(zip(KINDS, quota_counts([p.boundary_kinds.get(k, 0) for k in KINDS],
                                          min(wanted, len(candidates))), strict=True))
    opening, avg = city.insured[:, 11].astype(np.int64), city.insured[:, 12:].mean(1)  # before rebuilding
    big = (opening >= 310) & (opening <= 3000)
    staff_only = (city.unit_type != types.index("enterprise")) | (city.industry == list(p.industries).index("other"))
    fits = {"tie30": big, "rate6": avg > 30, "rate6_over": avg > 30, "rate20": (avg >= 1) & (avg <= 30)}
    # best first: units already of the right size (ties: large on the staff-only row, so few become large)
    rank = {k: (~f).astype(np.int8) for k, f in fits.items()}
    rank["tie30"] += ~(big & staff_only)
    taken, chosen = np.zeros(n, bool), {}
    for kind in _ORDER:
        free = candidates[~taken[candidates]]
        units = np.sort(free[np.argsort(rank[kind][free], kind="stable")][: counts[kind]])
        taken[units] = True
        chosen[kind] = units
    if city.natural is None:
        city.natural = np.full((n, N_MONTHS), -1, np.int16)
    city.clean[taken] = True
    city.cuts[taken] = 0
    for kind in ("rate6", "rate6_over", "rate20"):
        for u in chosen[kind]:
            net, total = _rate_target(rng, kind, avg[u] if fits[kind][u] else None)
            _decline(rng, city, u, net, int(rng.choice(3, p=[0.5, 0.35, 0.15])), total)
    _ties(rng, city, chosen["tie30"], opening, fits["tie30"])
    return chosen


def _rate_target(rng: np.random.Generator, kind: str, avg: float | None) -> tuple[int, int]:
    """(net reduction N, Σ insured S) of the base year for a unit of this kind, near its own size if given."""
    if kind == "rate20":
        net = int(np.clip(round(avg / 5), 1, 6)) if avg is not None else int(rng.integers(1, 7))
        return net, 60 * net
    net = int(RATE6_N[np.abs(RATE6_N - 3 * avg / 50).argmin()] if avg is not None else rng.choice(RATE6_N[:4]))
    return net, 200 * net - (kind == "rate6_over")


def _decline(rng: np.random.Generator, city: City, u: int, net: int, natural: int, total: int) -> None:
    """Headcounts of unit u: growing through base−1 to the opening, then `net + natural` departures in the
    base year (`natural` of them retirements or deaths) timed so the base year's headcounts sum to `total`."""
    gone = net + natural
    # Σ base-year headcount = 12·opening − Σ (months left in the year at each departure), each 1…12
    opening = int(rng.integers(-(-(total + gone) // 12), (total + 12 * gone) // 12 + 1))
    spare = 12 * opening - total - gone  # months beyond the first, shared out, at most 11 per departure
    extra = np.bincount(rng.choice(11 * gone, spare, replace=False) // 11, minlength=gone)
    month = N_MONTHS - 1 - extra  # a departure in month m leaves N_MONTHS − m month-ends without the person
    out = np.bincount(month, minlength=N_MONTHS)
    grown = min(int(rng.binomial(opening, 0.04)), opening - 1)
    headcount = np.empty(N_MONTHS, np.int64)
    headcount[:12] = opening - (grown * (11 - np.arange(12))) // 11
    headcount[12:] = opening - np.cumsum(out[12:])
    churn = rng.binomial(headcount, 0.01)  # people who left and were replaced within the month
    churn[0] = 0
    city.insured[u], city.leaves[u] = headcount, out + churn
    assert city.natural is not None, "set by place_boundary_units before any decline is drawn"
    city.natural[u, 12:] = np.bincount(month[rng.choice(gone, natural, replace=False)], minlength=N_MONTHS)[12:]
    assert headcount[12:].sum() == total and headcount[11] - headcount[-1] == gone


def _ties(rng: np.random.Generator, city: City, units: np.ndarray, opening: np.ndarray,
          fits: np.ndarray) -> None:
    """Steady large units whose base ends in 5 fen, 30 % of it a half fen that doubles round down."""
    p = city.p
    drawn = np.rint(np.exp(rng.uniform(np.log(310), np.log(1000), len(units))))  # when too few large units fit
    size = np.where(fits[units], opening[units], drawn).astype(np.int64)
    for u, h in zip(units, size, strict=True):
        k = max(int(h) // 200, 1)  # ±0.5 %: the layoff rate stays far below 6 %
        headcount = h + rng.integers(-k, k + 1, N_MONTHS)
        drop = np.maximum(np.concatenate([[0], headcount[:-1] - headcount[1:]]), 0)
        churn = rng.binomial(headcount, 0.008) * (np.arange(N_MONTHS) > 0)  # left and replaced in the month
        city.insured[u], city.leaves[u] = headcount, drop + churn
    agency = rng.random(len(units)) < 0.5
    city.agency[units] = agency
    enterprise = city.unit_type[units] == list(p.unit_types).index("enterprise")
    city.industry[units[~agency & enterprise]] = list(p.industries).index("other")
    base = sum(city.due(units, m, p.unit_rate) + city.due(units, m, p.person_rate) for m in range(12, N_MONTHS))
    for u, b in zip(units, base, strict=True):
        extra = 0
        while not float_misrounds_tie(int(b) + extra):
            extra += 1
        city.person_extra[u] = extra
