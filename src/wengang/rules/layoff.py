"""The layoff rate (裁员率) in the three variants of POLICIES.md §1.3, compared exactly, three-valued."""

from __future__ import annotations

from dataclasses import dataclass

import ibis
from ibis.expr.types import BooleanValue, IntegerValue, Table

from wengang.rules.exact import MICRO, RATE_SCALE, agree, null_bool, round_half_up
from wengang.rules.resolved import Resolved

VARIANTS = ("net_reduction", "benefit_recipients", "either")


@dataclass(frozen=True)
class Fraction:
    """num/den as Ibis integers; unknown when either is NULL or den is 0."""

    num: IntegerValue
    den: IntegerValue

    @property
    def known(self) -> BooleanValue:
        return self.num.notnull() & self.den.notnull() & (self.den > 0)

    def within(self, limit: IntegerValue, strict: bool) -> BooleanValue:
        """num/den ≤ limit/10^8 (or <), by cross-multiplying: no division, no float."""
        lhs, rhs = self.num * RATE_SCALE, limit * self.den
        return ibis.cases((self.known, (lhs < rhs) if strict else (lhs <= rhs)), else_=null_bool())

    def micro(self) -> IntegerValue:
        """The rate with six decimals, half up, as an integer of millionths (NULL when unknown)."""
        return ibis.cases((self.known, round_half_up(self.num * MICRO, self.den)), else_=ibis.null("int64"))


def net_reduction(t: Table) -> IntegerValue:
    """max(0, opening − closing − natural attrition); known without attrition when nobody left on net."""
    drop = t.opening_insured - t.insured_dec
    return ibis.cases(
        (t.opening_insured.isnull() | t.insured_dec.isnull(), ibis.null("int64")),
        (drop <= 0, ibis.literal(0, "int64")),
        (t.natural_attrition.isnull(), ibis.null("int64")),
        else_=ibis.greatest(drop - t.natural_attrition, 0),
    ).cast("int64")


def layoff_columns(t: Table, p: Resolved, is_large: BooleanValue) -> dict:
    """Columns: the reported rate, the small-unit test, the limit kind and the outcome. `t` has the column
    `net_reduction` already: as a column it is computed once, not once per place a rate uses it."""
    variant = p.text("layoff_variant")
    if variant not in VARIANTS:
        raise ValueError(f"{p.pack.id}: layoff_variant {variant!r} is not one of {VARIANTS}")
    opening = t.opening_insured
    net, benefit = t.net_reduction, t.benefit_recipients
    if variant == "either":
        rates = [Fraction(net, opening), Fraction(benefit, opening)]
        small_basis = ibis.cases((opening.notnull(), opening <= p.integer("small_unit_max_insured")),
                                 else_=null_bool())
    else:
        numerator = net if variant == "net_reduction" else benefit
        rates = [Fraction(numerator * t.insured_months, t.insured_sum)]
        small_basis = ibis.cases(
            (t.insured_months > 0, t.insured_sum <= p.integer("small_unit_max_insured") * t.insured_months),
            else_=null_bool())

    def passes(limit_name: str, comparison_name: str) -> BooleanValue | None:
        limit = p.limit(limit_name, t.region)
        if limit is None:
            return None
        strict = p.text(comparison_name) == "<"
        outcomes = [r.within(limit, strict) for r in rates]
        if len(outcomes) == 1:
            return outcomes[0]
        first, second = outcomes  # `either`: passes if one passes, fails if both fail, else unknown
        return ibis.cases((first | second, True), ((first == False) & (second == False), False),  # noqa: E712
                          else_=null_bool())

    general = passes("layoff_limit", "layoff_comparison")
    small = passes("small_unit_limit", "small_unit_comparison")
    small = general if small is None else small
    large = passes("layoff_limit_large", "layoff_comparison_large")
    not_small = general if large is None else ibis.cases(
        (is_large.isnull(), agree(large, general)), (is_large, large), else_=general)
    outcome = ibis.cases((small_basis.isnull(), null_bool()), (small_basis, small), else_=not_small)
    micros = [r.micro() for r in rates]
    reported = micros[0] if len(micros) == 1 else ibis.cases(
        (micros[0].isnull(), micros[1]), (micros[1].isnull(), micros[0]), else_=ibis.least(micros[0], micros[1]))
    limit_kind = ibis.cases((small_basis.isnull(), "unknown"), (small_basis, "small"),
                            *(((is_large.notnull() & is_large, "large"),) if large is not None else ()),
                            else_="general")
    return {
        "layoff_rate_micro": ibis.cases((outcome.notnull(), reported), else_=ibis.null("int64")),
        "small_unit": small_basis,
        "layoff_limit_kind": limit_kind,
        "layoff_pass": outcome,
    }
