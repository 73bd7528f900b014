"""A decision read back as facts a person can be told in words: per criterion the values read, the standard they met
or missed, and the documents behind it (never a parameter key or a spec section); the web words them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wengang.domain.analytics import UsedValue
from wengang.rules.criteria import BY_ID, IDS

_SPEC = re.compile(r"POLICIES\.md\s*§?[0-9.]*|seed \S+", re.I)


@dataclass(frozen=True)
class Fact:
    """One criterion: its outcome (pass, fail, unknown, review), the values read, the standard, its documents."""

    criterion: str
    outcome: str
    read: dict[str, Any]
    standard: dict[str, Any]
    documents: tuple[str, ...]


@dataclass(frozen=True)
class Reading:
    """The whole decision as facts: outcome, amount, base and ratio, each criterion, and any facts supplied."""

    decision: str
    amount_fen: int
    base_fen: int
    ratio_units: int | None
    facts: list[Fact]
    supplied: dict[str, Any] = field(default_factory=dict)


def document(reference: str) -> str:
    """The document a reference names (人社部发〔2019〕23号, 北京2021免申即享), without its note or a spec section;
    '' when it names none."""
    return _SPEC.sub("", re.split(r"[(\uff08]", reference)[0]).strip(" ;,")


def _pick(used: dict[str, list[UsedValue]], name: str, region: str) -> UsedValue | None:
    values = used.get(name, [])
    chosen = next((v for v in values if v.region and region.startswith(v.region)), None)
    return chosen or next((v for v in values if not v.region), None)


def _split(text: str | None) -> list[str]:
    return [t for t in re.split(r"[;,\s]+", text or "") if t]


def _limit(limit: str | None, local_rate: str | None) -> str | None:
    """A layoff limit as a rate: the local registered unemployment rate where the pack says so (cn-2019, large
    units of cn-2020), read for the unit's region."""
    return local_rate if limit == "local_registered_rate" else limit


def read(row: dict[str, Any], used_values: list[UsedValue], supplied: dict[str, Any] | None = None) -> Reading:
    """The decision row and the values its run used, as facts per criterion."""
    used: dict[str, list[UsedValue]] = {}
    for u in used_values:
        used.setdefault(u.name, []).append(u)
    region = row.get("region") or ""

    def value(name: str) -> str | None:
        found = _pick(used, name, region)
        return None if found is None or found.value.strip().lower() in ("", "none") else found.value

    def docs(*names: str) -> tuple[str, ...]:
        found = (_pick(used, n, region) for n in names)
        return tuple(dict.fromkeys(d for d in (document(f.reference) for f in found if f) if d))

    kind = row.get("layoff_limit_kind") or "unknown"
    limit, compare = {"small": ("small_unit_limit", "small_unit_comparison"),
                      "large": ("layoff_limit_large", "layoff_comparison_large")}.get(
                          kind, ("layoff_limit", "layoff_comparison"))
    if value(limit) is None:
        limit, compare = "layoff_limit", "layoff_comparison"
    flags = _split(row.get("active_flags"))
    exclude, review = _split(value("exclude_flags")), _split(value("review_flags"))
    facts: dict[str, tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]] = {
        "scope": ({"unit_type": row.get("unit_type")}, {"unit_types": _split(value("scope_unit_types"))},
                  docs("scope_unit_types")),
        "paid_months": ({"months": row.get("months_full")}, {"months": value("min_paid_months")},
                        docs("min_paid_months")),
        "arrears": ({"fen": row.get("arrears_fen")}, {"yuan": value("arrears_tolerance")}, docs("arrears_tolerance")),
        "layoff": ({"rate_micro": row.get("layoff_rate_micro"), "opening": row.get("opening_insured"),
                    "closing": row.get("insured_dec"), "kind": kind},
                   {"limit": _limit(value(limit), value("local_registered_unemployment_rate")),
                    "local": value(limit) == "local_registered_rate", "strict": value(compare) == "<",
                    "small_max": value("small_unit_max_insured")},
                   docs(limit, compare, "layoff_variant", "natural_attrition")),
        "flags_exclude": ({"flags": [f for f in flags if f in exclude]}, {"flags": exclude}, docs("exclude_flags")),
        "size": ({"size_class": row.get("size_class"), "employees": row.get("employees"),
                  "ratio_units": row.get("ratio_units")},
                 {"ratio_large": value("ratio_large"), "ratio_sme": value("ratio_sme")},
                 (*BY_ID["size"].documents, *docs("ratio_large", "ratio_sme"))),
        "flags_review": ({"flags": [f for f in flags if f in review]}, {"flags": review}, docs("review_flags")),
        "difficulty": ({"flags": [f for f in flags if f == "difficulty_certified"]}, {}, ("人社部发〔2019〕23号",)),
        "region_fund": ({"reserve_months": value("fund_reserve_months"), "monthly_benefit": value("monthly_benefit")},
                        {"months": value("fund_reserve_min_months")},
                        docs("fund_reserve_months", "fund_reserve_min_months", "monthly_benefit")),
        "headcount": ({"headcount": row.get("headcount"), "due_fen": row.get("recent_due_fen"),
                       "months": row.get("recent_months")},
                      {"benefit_months": value("benefit_months"), "premium_months": value("premium_months"),
                       "premium_share": value("premium_share")},
                      docs("benefit_months", "premium_months", "premium_share")),
        "risk_area": ({"flags": [f for f in flags if f == "epidemic_risk_area"]}, {}, ("人社部发〔2022〕23号",)),
        "retention_size": ({"size_class": row.get("size_class"), "industry": row.get("industry")},
                           {"industries": _split(value("large_industries"))}, docs("large_industries")),
        "listed_headcount": ({"headcount": row.get("headcount")}, {"per_head": value("per_head")}, docs("per_head")),
        "hires_file": ({"present": row.get("c_hires_file") == "pass"}, {}, BY_ID["hires_file"].documents),
        "eligible_hires": ({"eligible": row.get("headcount")},
                           {"per_person": value("per_person"), "min_insured_months": value("min_insured_months"),
                            "hire_categories": _split(value("hire_categories"))},
                           docs("per_person", "hire_categories", "min_insured_months", "hire_year")),
        "interns_file": ({"present": row.get("c_interns_file") == "pass"}, {}, BY_ID["interns_file"].documents),
        "eligible_interns": ({"eligible": row.get("headcount")},
                             {"minimum_wage": value("minimum_wage"), "share": value("minimum_wage_share"),
                              "covered_from": value("covered_from"), "covered_to": value("covered_to"),
                              "counts": value("intern_month_counts"), "min_age": value("youth_min_age"),
                              "max_age": value("youth_max_age")},
                             docs("minimum_wage", "minimum_wage_share", "covered_from", "covered_to",
                                  "youth_min_age")),
        "confirmation": ({}, {"needed": value("confirm_before_payment")}, docs("confirm_before_payment")),
        "department_confirmation": ({}, {"needed": value("joint_review")}, docs("joint_review")),
        "listed_industry": ({"industry": row.get("industry")}, {"industries": _split(value("industries"))},
                            docs("industries")),
        "month_headcount": ({"headcount": row.get("headcount")}, {"per_head": value("per_head"),
                                                                 "month": value("headcount_month")},
                            docs("headcount_month", "per_head")),
        "relief_kind": ({"unit_type": row.get("unit_type"), "size_class": row.get("size_class")},
                        {"exempt": _split(value("exempt_unit_types")), "halve": _split(value("halve_unit_types"))},
                        docs("exempt_unit_types", "halve_unit_types")),
        "relief_defer": ({"flags": [f for f in flags if f == "difficulty_certified"]},
                         {"months": value("defer_max_months"), "last": value("defer_last_month")},
                         docs("defer_max_months", "defer_last_month")),
        "relief_dues": ({}, {"exempt": (value("exempt_first_month"), value("exempt_last_month")),
                             "halve": (value("halve_first_month"), value("halve_last_month"))},
                        docs("exempt_last_month", "halve_last_month")),
    }
    applies = [c for c in IDS if row.get(f"c_{c}") is not None]     # NULL: the programme does not use it
    return Reading(row["decision"], int(row.get("amount_fen") or 0), int(row.get("base_fen") or 0),
                   row.get("ratio_units"),
                   [Fact(c, row[f"c_{c}"], *facts[c]) for c in applies], dict(supplied or {}))
