"""Size class by 工信部联企业〔2011〕300号, unless the agency's own class is in the data."""

from __future__ import annotations

from functools import cache
from importlib import resources

import ibis
import yaml
from ibis.expr.types import BooleanValue, StringValue, Table

WAN = 10_000  # the standard's revenue and assets are in 万元


@cache
def standard() -> dict:
    """The size standard as data, with its reference."""
    text = resources.files("wengang.policy").joinpath("sme-standard-2011.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _meets(t: Table, floors: dict) -> BooleanValue:
    """Meets every floor of one class; NULL when a measure the floor needs is missing."""
    tests = []
    for measure, floor in floors.items():
        if measure == "staff":
            by_average = ibis.cases((t.insured_months > 0, t.insured_sum >= floor * t.insured_months),
                                    else_=ibis.null("boolean"))
            tests.append(ibis.cases((t.employees.notnull(), t.employees >= floor), else_=by_average))
        else:
            tests.append(t[measure] >= floor * WAN)
    result = tests[0]
    for test in tests[1:]:
        result = result & test
    return result


def _needs_missing(t: Table, floors: dict) -> BooleanValue:
    """True when the class cannot be computed: a measure the industry uses is missing."""
    missing = []
    for measure in floors:
        if measure == "staff":
            missing.append(t.employees.isnull() & (t.insured_months == 0))
        else:
            missing.append(t[measure].isnull())
    result = missing[0]
    for m in missing[1:]:
        result = result | m
    return result


def _classify(t: Table, classes: dict) -> StringValue:
    return ibis.cases(
        (_needs_missing(t, classes["large"]), ibis.null("string")),
        (_meets(t, classes["large"]), "large"),
        (_meets(t, classes["medium"]), "medium"),
        (_meets(t, classes["small"]), "small"),
        else_="micro",
    )


def size_class(t: Table) -> tuple[StringValue, StringValue]:
    """(class or NULL when unknown, where it came from: agency or computed)."""
    std = standard()
    industries = std["industries"]
    non_enterprise = std["non_enterprise_unit_types"]
    computed = ibis.cases(
        (t.unit_type.isin(non_enterprise), _classify(t, industries["other"])),
        *[(t.industry == key, _classify(t, classes)) for key, classes in industries.items()],
        else_=ibis.null("string"),
    )
    cls = ibis.cases((t.size_class.notnull(), t.size_class), else_=computed)
    source = ibis.cases((t.size_class.notnull(), "agency"), (computed.notnull(), "computed"), else_="unknown")
    return cls, source
