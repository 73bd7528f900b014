"""A pack's parameters read on the evaluation date, as integers and Ibis expressions, with what was read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import ibis
from ibis.expr.types import IntegerValue, StringValue

from wengang.domain.analytics import UsedValue
from wengang.rules.exact import RATE_SCALE, RATIO_SCALE, scaled
from wengang.rules.parameters import Dated, Pack

LOCAL_RATE = "local_registered_rate"
NONE = "none"


def shown(value: object) -> str:
    """A parameter value as a run stores it (and a label reads it): a list comma-joined, a number as written."""
    return ",".join(value) if isinstance(value, tuple) else str(value)


@dataclass
class Resolved:
    """What the criteria need, read once per run."""

    pack: Pack
    as_of: dt.date
    used: list[UsedValue] = field(default_factory=list)

    def raw(self, name: str) -> Dated:
        dated = self.pack.value(name, self.as_of)
        self._record(name, "", dated)
        return dated

    def _record(self, name: str, region: str, dated: Dated) -> None:
        self.used.append(UsedValue(name, region, shown(dated.value), dated.start, dated.reference))

    def words(self, name: str) -> tuple[str, ...]:
        value = self.raw(name).value
        return tuple(value) if isinstance(value, tuple) else (str(value),)

    def text(self, name: str) -> str:
        return str(self.raw(name).value)

    def integer(self, name: str) -> int:
        value = self.raw(name).value
        if not isinstance(value, Decimal) or value != value.to_integral_value():
            raise ValueError(f"{self.pack.id}: {name} must be a whole number, is {value!r}")
        return int(value)

    def regional(self, name: str, region: StringValue, scale: int) -> IntegerValue | None:
        """A per-unit integer over `scale`, chosen by the longest configured region prefix; None if 'none'."""
        param = self.pack.param(name)
        national = self.pack.value(name, self.as_of)
        self._record(name, "", national)
        if isinstance(national.value, str) and national.value == NONE:
            return None
        branches = []
        for prefix in param.regional_prefixes():
            dated = param.on(self.as_of, prefix) or national
            self._record(name, prefix, dated)
            branches.append((region.startswith(prefix), ibis.literal(scaled(dated.value, scale, name), "int64")))
        default = ibis.literal(scaled(national.value, scale, name), "int64")
        return ibis.cases(*branches, else_=default) if branches else default

    def regional_or_null(self, name: str, region: StringValue, scale: int) -> IntegerValue:
        """A per-unit integer over `scale` where the unit's region (or the nation) has a value, NULL where it is
        `none`: a regional value the region must supply (no invented national figure)."""
        param = self.pack.param(name)
        national = self.pack.value(name, self.as_of)
        self._record(name, "", national)
        branches = []
        for prefix in param.regional_prefixes():
            dated = param.on(self.as_of, prefix) or national
            self._record(name, prefix, dated)
            branches.append((region.startswith(prefix), self._literal(dated, scale, name)))
        default = self._literal(national, scale, name)
        return ibis.cases(*branches, else_=default) if branches else default

    @staticmethod
    def _literal(dated: Dated, scale: int, name: str) -> IntegerValue:
        if isinstance(dated.value, str) and dated.value == NONE:
            return ibis.null("int64")
        return ibis.literal(scaled(dated.value, scale, name), "int64")

    def limit(self, name: str, region: StringValue) -> IntegerValue | None:
        """A layoff-rate limit over 10^8: a fixed rate, the local registered rate, or None ('none')."""
        value = self.pack.value(name, self.as_of).value
        if value == LOCAL_RATE:
            self.raw(name)
            return self.regional("local_registered_unemployment_rate", region, RATE_SCALE)
        return self.regional(name, region, RATE_SCALE)

    def ratio(self, name: str, region: StringValue) -> IntegerValue:
        ratio = self.regional(name, region, RATIO_SCALE)
        if ratio is None:
            raise ValueError(f"{self.pack.id}: {name} cannot be 'none'")
        return ratio
