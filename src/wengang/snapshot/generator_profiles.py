"""Parameters of the synthetic cities as plain data, so a second city is one more dict, not new code."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Profile:
    """Everything that shapes a synthetic city; shares are fractions of units (or of people, or rows)."""

    name: str
    city: str
    regions: dict[str, tuple[str, float]]  # code → (district name, weight)
    unit_types: dict[str, tuple[float, tuple[str, ...]]]  # type → (weight, credit-code prefixes)
    industries: dict[str, float]  # weights for enterprises; other types use `type_industry`
    type_industry: dict[str, str]
    sizes: tuple[tuple[int, int, float], ...]  # (lowest, highest insured, weight), log-uniform inside
    registered: tuple[float, float]  # share registered in base−1 year, in the base year (rest: older)
    oldest_year: int
    wage_floor: tuple[int, int]  # yuan, (base−1 year, base year)
    wage_cap: tuple[int, int]
    wage_at_floor: float
    wage_median: int
    wage_sigma: float
    wage_raise: float
    unit_rate: tuple[int, int]  # numerator, denominator
    person_rate: tuple[int, int]
    leave_rate: float  # per person and month
    refill: float  # share of open posts filled each month
    drift_sigma: float  # monthly drift of the target headcount
    layoff: float  # share of units with a sharp drop in the base year
    layoff_prior: float  # … in the year before
    layoff_drop: tuple[float, float]
    arrears: float
    arrears_months: tuple[int, int]
    back_paid: float  # share of arrears units paying some back later
    reasons: dict[str, float]
    layoff_reasons: dict[str, float]
    claim_share: float  # of dismissed and expired people
    one_off: float
    resident_id: float  # share of people named by ID number (rest: pseudonyms)
    id_regions: tuple[str, ...]
    flags: tuple[tuple[str, str, float, float], ...]  # (flag, source, share, share later removed)
    employees_given: float
    revenue_missing: float
    assets_missing: float
    agency_class: float
    labor_dispatch: float  # share of enterprises
    account_missing: float
    revenue_per_staff: dict[str, int]  # median yuan per staff and year
    brand_chars: str
    boundary_share: float  # units placed exactly on a legal boundary: exact 6 % or 20 % rates, half-fen ties
    boundary_kinds: dict[str, float]  # weights of the kinds of generator_boundary.KINDS
    boundary_types: tuple[str, ...]  # unit types they are drawn from (those in every pack's scope)
    units: int = 10_000  # what `wengang generate city` makes when --units is not given
    base_year: int = 2020  # … and --base-year
    industry_scale: dict[str, float] = field(default_factory=dict)  # headcount × this (to the top size) for
    #                                                                   enterprises of an industry
    intern_bases: float = 0.03  # share of live units that take interns
    industry_quota: bool = False  # industries in fixed counts (a district's few units of one vary less by seed)
    # (division code, day) a whole district was listed as having a risk area: every unit of it gets an
    # `epidemic_risk_area` flag that day, never removed within the flags' window (only days inside it are written)
    district_listings: tuple[tuple[str, str], ...] = ()


BEIJING = Profile(
    name="beijing",
    city="北京",
    regions={
        "110101": ("东城", 5), "110102": ("西城", 7), "110105": ("朝阳", 22), "110106": ("丰台", 8),
        "110107": ("石景山", 3), "110108": ("海淀", 18), "110109": ("门头沟", 1), "110111": ("房山", 3),
        "110112": ("通州", 6), "110113": ("顺义", 5), "110114": ("昌平", 7), "110115": ("大兴", 6),
        "110116": ("怀柔", 2), "110117": ("平谷", 1.5), "110118": ("密云", 1.5), "110119": ("延庆", 1),
    },
    unit_types={
        "enterprise": (85.0, ("91",)), "individual_business": (4.0, ("92",)),
        "social_group": (1.4, ("51",)), "foundation": (0.3, ("53",)), "social_service_org": (2.6, ("52",)),
        "law_firm": (0.9, ("31",)), "accounting_firm": (0.6, ("91",)),
        "public_institution": (3.6, ("12",)), "other": (1.6, ("93", "Y1")),
    },
    industries={
        "agriculture": 0.8, "industry": 7, "construction": 6, "wholesale": 14, "retail": 9,
        "transport": 3, "warehousing": 1, "postal": 0.5, "accommodation": 2, "catering": 5,
        "information_transmission": 3, "software_it": 15, "real_estate_development": 2,
        "property_management": 4, "leasing_business_services": 20, "other": 7.7,
    },
    type_industry={
        "individual_business": "retail", "social_group": "other", "foundation": "other",
        "social_service_org": "other", "law_firm": "leasing_business_services",
        "accounting_firm": "leasing_business_services", "public_institution": "other", "other": "other",
    },
    sizes=(
        (0, 0, 1.2), (1, 2, 46), (3, 5, 28), (6, 10, 12), (11, 30, 6.6), (31, 100, 1.45),
        (101, 300, 0.4), (301, 1000, 0.34), (1001, 3000, 0.045), (3001, 8000, 0.005),
    ),
    registered=(0.08, 0.09),
    oldest_year=1985,
    wage_floor=(3613, 3613),
    wage_cap=(26541, 28221),
    wage_at_floor=0.7,
    wage_median=4500,
    wage_sigma=0.55,
    wage_raise=0.05,
    unit_rate=(5, 1000),
    person_rate=(5, 1000),
    leave_rate=0.012,
    refill=0.6,
    drift_sigma=0.006,
    layoff=0.045,
    layoff_prior=0.02,
    layoff_drop=(0.15, 0.6),
    arrears=0.13,
    arrears_months=(1, 4),
    back_paid=0.35,
    reasons={"retirement": 11, "death": 1, "contract_expiry": 20, "dismissal": 5, "resignation": 45,
             "transfer": 13, "other": 5},
    layoff_reasons={"dismissal": 60, "contract_expiry": 30, "resignation": 5, "other": 5},
    claim_share=0.35,
    one_off=0.08,
    resident_id=0.7,
    id_regions=("110101", "110105", "110108", "130102", "130602", "370102", "410105", "230103",
                "510104", "340104", "120101", "150102"),
    flags=(
        ("abnormal_operations", "market_supervision", 0.018, 0.35),
        ("dishonest_debtor", "court", 0.006, 0.3),
        ("deregistered", "market_supervision", 0.004, 0.0),
        ("revoked", "market_supervision", 0.001, 0.0),
        ("liquidation", "court", 0.001, 0.2),
        ("serious_dishonesty", "credit", 0.0015, 0.3),
        ("wage_arrears_blacklist", "hrss", 0.0015, 0.3),
        ("zombie", "other", 0.001, 0.1),
        ("failed_commitment", "hrss", 0.003, 0.2),
        ("refused_verification", "hrss", 0.002, 0.2),
        ("difficulty_certified", "hrss", 0.004, 0.4),
        ("epidemic_risk_area", "other", 0.005, 0.6),
        ("other", "tax", 0.003, 0.3),
    ),
    employees_given=0.8,
    revenue_missing=0.05,
    assets_missing=0.05,
    agency_class=0.1,
    labor_dispatch=0.007,
    account_missing=0.04,
    revenue_per_staff={
        "agriculture": 300_000, "industry": 900_000, "construction": 1_200_000, "wholesale": 2_500_000,
        "retail": 800_000, "transport": 600_000, "warehousing": 700_000, "postal": 400_000,
        "accommodation": 300_000, "catering": 250_000, "information_transmission": 1_500_000,
        "software_it": 600_000, "real_estate_development": 3_000_000, "property_management": 200_000,
        "leasing_business_services": 700_000, "other": 400_000,
    },
    brand_chars="华信恒达瑞鑫博远嘉诚宏泰盛安富康永兴明德天元中金新星光辉和润丰汇通智正海聚力创宇优联合晟昊晨",
    boundary_share=0.003,
    boundary_kinds={"rate6": 5, "rate6_over": 1, "rate20": 2, "tie30": 2},
    boundary_types=("enterprise", "individual_business", "social_group", "foundation", "social_service_org",
                    "law_firm"),
    # 2022: whole districts had a medium- or high-risk area from late April (Chaoyang, Fangshan; days approximate)
    district_listings=(("110105", "2022-04-25"), ("110111", "2022-04-28")),
)

# Hongkou (虹口, Shanghai), calibrated to seed 004 (bench/calibrate_hongkou.py, README): one central district of
# offices, shipping and finance, where the industries Shanghai listed for its 2022 job-stabilisation subsidy
# (catering, retail, accommodation, transport) are few units but larger ones. Wage bases: Shanghai's 2021 and 2022
# contribution floors and caps (approximate); unemployment premiums 0.5 % + 0.5 % as in Beijing.
HONGKOU = replace(
    BEIJING,
    name="hongkou",
    city="上海",
    regions={"310109": ("虹口", 1)},
    industries={
        "agriculture": 0.1, "industry": 4, "construction": 4, "wholesale": 16, "retail": 1.82,
        "transport": 1.66, "warehousing": 1, "postal": 0.4, "accommodation": 0.59, "catering": 1.93,
        "information_transmission": 4, "software_it": 14, "real_estate_development": 3,
        "property_management": 4, "leasing_business_services": 31, "other": 12.5,
    },
    unit_types={**BEIJING.unit_types, "individual_business": (1.0, ("92",))},   # few shops insure as units
    sizes=(
        (0, 0, 1.2), (1, 2, 38), (3, 5, 29), (6, 10, 14), (11, 30, 11), (31, 100, 4.6),
        (101, 300, 1.5), (301, 1000, 0.6), (1001, 3000, 0.09), (3001, 4500, 0.01),
    ),
    industry_scale={"catering": 5, "retail": 5, "accommodation": 5, "transport": 5},
    wage_floor=(5975, 6520),
    wage_cap=(31014, 34188),
    wage_median=8000,
    id_regions=("310109", "310110", "310106", "320102", "330102", "340104", "360102", "410105", "510104",
                "420102", "230103", "130102"),
    units=6_000,
    base_year=2022,
    intern_bases=0.06,
    industry_quota=True,
    district_listings=(("310109", "2022-04-01"),),   # Puxi, Hongkou with it, locked down from 1 April 2022
)

PROFILES: dict[str, Profile] = {p.name: p for p in (BEIJING, HONGKOU)}
