"""Exact integer arithmetic in Ibis: no expression here ever divides anything but an exact multiple."""

from __future__ import annotations

from decimal import Decimal

import ibis
from ibis.expr.types import BooleanValue, IntegerValue

RATE_SCALE = 10**8   # rates are compared as integers over 10^8: 5.5% is 5_500_000
RATIO_SCALE = 10**4  # return ratios as integers over 10^4: 60% is 6_000
MICRO = 10**6        # layoff rates are reported with six decimals


def scaled(value: Decimal, scale: int, what: str) -> int:
    """A legal decimal as an integer over `scale`; refuse a value that would not be exact."""
    units = value * scale
    if units != units.to_integral_value():
        raise ValueError(f"{what} = {value} has more decimals than 1/{scale} allows")
    return int(units)


def exact_div(numerator: IntegerValue, denominator: IntegerValue) -> IntegerValue:
    """Floor of a/b for a ≥ 0, b > 0: subtracting the remainder first makes the division exact."""
    return ((numerator - numerator % denominator) / denominator).cast("int64")


def round_half_up(numerator: IntegerValue, denominator: IntegerValue) -> IntegerValue:
    """a/b rounded half up, for a ≥ 0 and b > 0, in integers only."""
    return exact_div(numerator * 2 + denominator, denominator * 2)


def null_bool() -> BooleanValue:
    return ibis.null("boolean")


def agree(a: BooleanValue, b: BooleanValue) -> BooleanValue:
    """Both tests must give the same answer for it to be known (used when the size class is unknown)."""
    return ibis.cases((a.notnull() & b.notnull() & (a == b), a), else_=null_bool())
