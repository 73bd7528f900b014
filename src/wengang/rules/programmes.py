"""Programmes as data (POLICIES.md §7): which criteria of the registry decide a programme's cases and the formula that
prices them. A pack names its programme; the pipeline never forks for one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
from ibis.expr.types import IntegerValue, Table

from wengang.rules.exact import RATIO_SCALE, round_half_up
from wengang.rules.parameters import Pack, PackError
from wengang.rules.resolved import Resolved

Pair = tuple[str, str]
GENERAL = "ui-return"
DIFFICULT = "difficult-return"


def _general_amount(t: Table, p: Resolved) -> IntegerValue:
    """The return ratio (by size class, rules/engine.py) of the base year's paid premiums."""
    return ibis.cases((t.ratio_units.isnull(), ibis.null("int64")),
                      else_=round_half_up(t.base_fen * t.ratio_units, ibis.literal(RATIO_SCALE, "int64")))


def _difficult_amount(t: Table, p: Resolved) -> IntegerValue:
    """6 months × the region's monthly UI benefit × the headcount, or a share of N months of premiums due: the pack
    sets one of `benefit_months` and `premium_months`, the other is `none` (POLICIES.md §2)."""
    if difficult_formula(p) == "benefit":
        benefit = p.regional_or_null("monthly_benefit", t.region, 100)          # fen a month and person
        return ibis.cases((t.headcount.isnull() | benefit.isnull(), ibis.null("int64")),
                          else_=t.headcount * benefit * p.integer("benefit_months"))
    share = p.ratio("premium_share", t.region)
    missing = t.recent_due_fen.isnull() | (t.recent_months < p.integer("premium_months"))   # never a smaller sum
    return ibis.cases((missing, ibis.null("int64")),
                      else_=round_half_up(t.recent_due_fen * share, ibis.literal(RATIO_SCALE, "int64")))


def difficult_formula(p: Resolved) -> str:
    """`benefit` or `premiums`, from which of the two month counts the pack sets (exactly one)."""
    benefit, premiums = (p.text(n) != "none" for n in ("benefit_months", "premium_months"))
    if benefit == premiums:
        raise PackError(f"{p.pack.id}: set exactly one of benefit_months and premium_months (the other `none`)")
    return "benefit" if benefit else "premiums"


def recent_months(p: Resolved) -> int:
    """How many months before the evaluation month the premium formula reads (the headcount reads the last one)."""
    return p.integer("premium_months") if difficult_formula(p) == "premiums" else 1


@dataclass(frozen=True)
class Programme:
    """A programme: its words, the criteria that decide it (registry ids, in order), its formula and the flags its
    criteria read besides the pack's exclusion and review lists."""

    id: str
    name: Pair
    policy: str
    criteria: tuple[str, ...]
    amount: Callable[[Table, Resolved], IntegerValue]
    formula: Pair
    flags: tuple[str, ...] = ()
    recent: bool = False                      # reads the months just before the evaluation date

    def uses(self, criterion: str) -> bool:
        return criterion in self.criteria


GENERAL_CRITERIA = ("scope", "paid_months", "arrears", "layoff", "flags_exclude", "size", "flags_review")
PROGRAMMES: dict[str, Programme] = {p.id: p for p in (
    Programme(GENERAL, ("失业保险稳岗返还", "UI job-stabilisation return"), "POLICIES.md §1", GENERAL_CRITERIA,
              _general_amount, ("上年度实际缴纳的失业保险费 × 返还比例",
                                "unemployment-insurance premiums paid in the base year × the return ratio")),
    Programme(DIFFICULT, ("困难企业稳岗返还", "Return for enterprises in difficulty"), "POLICIES.md §2",
              ("scope", "paid_months", "arrears", "layoff", "flags_exclude", "difficulty", "region_fund",
               "headcount", "flags_review"),
              _difficult_amount, ("`benefit_months` × 本地区人均失业保险金月标准 (`monthly_benefit`) × 评估日上月末参保人数, "
                                  "或 `premium_share` × 评估日前`premium_months`个月应缴社会保险费",
                                  "`benefit_months` × the region's `monthly_benefit` × the insured at the end of the "
                                  "month before evaluation, or `premium_share` × the premiums due in the "
                                  "`premium_months` months before it"),
              flags=("difficulty_certified",), recent=True),
)}


def programme_of(pack: Pack) -> Programme:
    """The pack's programme (the general return when the pack names none)."""
    try:
        return PROGRAMMES[pack.programme]
    except KeyError:
        raise PackError(f"{pack.id}: 未知项目 / unknown programme {pack.programme!r}; known: "
                        f"{', '.join(PROGRAMMES)}") from None
