"""Explanations an employer and an objection handler can read: each criterion, what it read, what it compared with."""

from __future__ import annotations

from dataclasses import dataclass

from wengang.domain.analytics import UsedValue
from wengang.rules.criteria import BY_ID, CRITERIA
from wengang.rules.programmes import DIFFICULT, INDUSTRY, INTERNSHIP, JOB_EXPANSION, RELIEF, RETENTION

OUTCOME = {"pass": "通过 / passed", "fail": "未通过 / failed", "unknown": "无法判断 / unknown",
           "review": "转人工审核 / routed to review"}
DECISION = {"eligible": "符合, 免申即享 / eligible, paid without application",
            "review": "需申请并人工审核 / apply for manual review",
            "ineligible": "不符合 / not eligible"}
LIMIT_PARAMS = {"small": ("small_unit_limit", "small_unit_comparison"),
                "large": ("layoff_limit_large", "layoff_comparison_large"),
                "general": ("layoff_limit", "layoff_comparison"),
                "unknown": ("layoff_limit", "layoff_comparison")}


@dataclass(frozen=True)
class Line:
    """One criterion of one unit's explanation."""

    criterion: str
    label: str
    outcome: str
    read: str
    compared_with: str


def label(criterion: str, values: dict[str, str]) -> str:
    """A criterion's label from the registry, with the numbers of the values its run used."""
    return " / ".join(BY_ID[criterion].words(values))


def yuan(fen: int | None) -> str:
    if fen is None:
        return "未知 / unknown"
    return f"{fen // 100:,}.{fen % 100:02d} 元"


def percent_of_micro(micro: int | None) -> str:
    if micro is None:
        return "未知 / unknown"
    return f"{micro // 10_000}.{micro % 10_000:04d}%"


def _cite(params: dict[str, list[UsedValue]], *names: str, region: str = "") -> str:
    cited = []
    for name in names:
        values = params.get(name, [])
        chosen = next((v for v in values if v.region and region.startswith(v.region)), None)
        chosen = chosen or next((v for v in values if not v.region), None)
        if chosen:
            cited.append(f"{name} = {chosen.value} (自 / from {chosen.start:%Y-%m-%d}, {chosen.reference})")
    return "; ".join(cited)


def _layoff_read(row: dict) -> str:
    average = (f"{row['insured_sum']}/{row['insured_months']}" if row["insured_months"] else "无 / none")
    parts = [
        f"年初参保 opening {row['opening_insured']} ({row['opening_source']})",
        f"年末参保 closing {row['insured_dec']}",
        f"自然减员 natural attrition {row['natural_attrition'] if row['natural_attrition'] is not None else '未知'}",
        f"领金人数 benefit starts {row['benefit_recipients'] if row['benefit_recipients'] is not None else '未知'}",
        f"月均参保 average insured {average}",
        f"裁员率 rate {percent_of_micro(row['layoff_rate_micro'])}",
        f"适用 limit: {row['layoff_limit_kind']}",
    ]
    return "; ".join(parts)


def _value(params: dict[str, list[UsedValue]], name: str, region: str) -> str:
    values = params.get(name, [])
    chosen = next((v for v in values if v.region and region.startswith(v.region)), None)
    chosen = chosen or next((v for v in values if not v.region), None)
    return chosen.value if chosen else "—"


def _priced(row: dict, params: dict[str, list[UsedValue]], region: str) -> str:
    """How the amount was worked out, with the values the programme's formula read (rules/programmes.py)."""
    if row.get("programme") == JOB_EXPANSION:
        return (f"每人 per person {_value(params, 'per_person', region)} 元 × 符合条件的招用人员 eligible hires "
                f"{_or_unknown(row['headcount'])} (按人明细 per person: `wengang evaluate --persons`)")
    if row.get("programme") == INTERNSHIP:
        return (f"Σ 符合条件的见习人员 eligible interns {_or_unknown(row['headcount'])} 人的见习月数 months × 最低工资 "
                f"minimum wage {_value(params, 'minimum_wage', region)} 元 × "
                f"{_value(params, 'minimum_wage_share', region)} (按人明细 per person: `wengang evaluate --persons`)")
    if row.get("programme") in (RETENTION, INDUSTRY):
        return (f"每人 per head {_value(params, 'per_head', region)} 元 × 参保 insured "
                f"{_or_unknown(row['headcount'])}")
    if row.get("programme") == RELIEF:
        return "不发放资金, 减免缓缴单位缴费 / pays nothing: relieves the unit's dues"
    if row.get("programme") == DIFFICULT:
        if _value(params, "benefit_months", region) != "none":
            return (f"{_value(params, 'benefit_months', region)} 个月 months × 月人均失业保险金 monthly benefit "
                    f"{_value(params, 'monthly_benefit', region)} 元 × 上月末参保 insured {_or_unknown(row['headcount'])}")
        return (f"{_value(params, 'premium_share', region)} × 近{_value(params, 'premium_months', region)}个月应缴 "
                f"premiums due {yuan(row.get('recent_due_fen'))}")
    ratio = row["ratio_units"]
    return f"基数 base {yuan(row['base_fen'])} × {'未知' if ratio is None else f'{ratio / 100:g}%'}"


def _or_unknown(value: object) -> str:
    return "未知 / unknown" if value is None else str(value)


def explain(row: dict, used: list[UsedValue]) -> tuple[str, list[Line]]:
    """A headline and one line per criterion, in Chinese first and English."""
    params: dict[str, list[UsedValue]] = {}
    for u in used:
        params.setdefault(u.name, []).append(u)
    region = row.get("region") or ""
    limit_names = LIMIT_PARAMS[row["layoff_limit_kind"] or "unknown"]     # NULL: the programme has no layoff test
    size_read = (f"{row['size_class'] or 'unknown'} ({row['size_source']}); 人数 staff "
                 f"{row['employees'] if row['employees'] is not None else '按月均参保 / by average insured'}; "
                 f"营收 revenue {row['revenue'] if row['revenue'] is not None else '—'}; "
                 f"资产 assets {row['assets'] if row['assets'] is not None else '—'}")
    ratio = row["ratio_units"]
    details = {
        "scope": (f"单位类型 unit type: {row['unit_type']}", _cite(params, "scope_unit_types")),
        "paid_months": (f"足额缴费月数 months paid in full: {row['months_full']}", _cite(params, "min_paid_months")),
        "arrears": (f"欠费 outstanding: {yuan(row['arrears_fen'])}", _cite(params, "arrears_tolerance")),
        "layoff": (_layoff_read(row), _cite(params, "layoff_variant", "natural_attrition", *limit_names,
                                            "local_registered_unemployment_rate", "small_unit_max_insured",
                                            region=region)),
        "flags_exclude": (f"有效标记 active flags: {row['active_flags'] or '无 / none'}", _cite(params, "exclude_flags")),
        "size": (size_read + (f"; 比例 ratio {ratio / 100:g}%" if ratio is not None else "; 比例未知 ratio unknown"),
                 "; ".join((*BY_ID["size"].documents, _cite(params, "ratio_large", "ratio_sme", region=region)))),
        "flags_review": (f"有效标记 active flags: {row['active_flags'] or '无 / none'}", _cite(params, "review_flags")),
        "difficulty": (f"有效标记 active flags: {row['active_flags'] or '无 / none'}",
                       "; ".join(BY_ID["difficulty"].documents)),
        "region_fund": (f"地区 region: {region}", _cite(params, "fund_reserve_months", "fund_reserve_min_months",
                                                      "monthly_benefit", region=region)),
        "headcount": (f"上月末参保 insured last month: {_or_unknown(row.get('headcount'))}; 近月应缴 premiums due: "
                      f"{yuan(row.get('recent_due_fen'))} ({_or_unknown(row.get('recent_months'))} 个月 months)",
                      _cite(params, "benefit_months", "premium_months", "premium_share")),
        "risk_area": (f"有效标记 active flags: {row['active_flags'] or '无 / none'}", "人社部发〔2022〕23号"),
        "retention_size": (f"规模 size {row['size_class'] or 'unknown'}; 行业 industry {row.get('industry')}",
                           _cite(params, "large_industries")),
        "listed_headcount": (f"列入当月参保 insured that month: {_or_unknown(row.get('headcount'))}",
                             _cite(params, "per_head", region=region)),
        "hires_file": (f"招用人员数据 hires file: {'有 / present' if row.get('c_hires_file') == 'pass' else '无 / absent'}",
                       "; ".join(BY_ID["hires_file"].documents)),
        "eligible_hires": (f"符合条件的招用人员 eligible hires: {_or_unknown(row.get('headcount'))}",
                           _cite(params, "per_person", "hire_year", "hire_categories", "graduate_window_years",
                                 "youth_min_age", "youth_max_age", "min_insured_months", region=region)),
        "interns_file": (f"见习人员数据 interns file: "
                         f"{'有 / present' if row.get('c_interns_file') == 'pass' else '无 / absent'}",
                         "DATA.md `interns`"),
        "eligible_interns": (f"符合条件的见习人员 eligible interns: {_or_unknown(row.get('headcount'))}",
                             _cite(params, "minimum_wage", "minimum_wage_share", "covered_from", "covered_to",
                                   "intern_month_counts", "youth_min_age", "youth_max_age", region=region)),
        "listed_industry": (f"行业 industry {row.get('industry')}", _cite(params, "industries")),
        "confirmation": ("单位在线确认并承诺 the unit confirms and commits", _cite(params, "confirm_before_payment")),
        "department_confirmation": ("行业主管部门确认 the industry department confirms", _cite(params, "joint_review")),
        "month_headcount": (f"该月参保 insured that month: {_or_unknown(row.get('headcount'))}",
                            _cite(params, "headcount_month", "per_head", region=region)),
        "relief_kind": (f"单位类型 unit type: {row['unit_type']}; 规模 size {row['size_class'] or 'unknown'} "
                        f"({row['size_source']})", _cite(params, "exempt_unit_types", "halve_unit_types")),
        "relief_defer": (f"有效标记 active flags: {row['active_flags'] or '无 / none'}",
                         _cite(params, "defer_first_month", "defer_max_months", "defer_last_month")),
        "relief_dues": ("每月每险种的减免与缓缴见减免明细 / per month and insurance: the relief rows (evaluate --out)",
                        _cite(params, "exempt_first_month", "exempt_last_month", "halve_first_month",
                              "halve_last_month", "half_fen")),
    }
    national = {u.name: u.value for u in used if not u.region}
    lines = [Line(c.id, label(c.id, national), OUTCOME[row[f"c_{c.id}"]], *details[c.id]) for c in CRITERIA
             if row.get(f"c_{c.id}") is not None]            # a criterion the programme does not use: no line
    headline = (f"{row['name']} ({row['uscc']}) — {DECISION[row['decision']]}; "
                f"返还 amount {yuan(row['amount_fen'])} = {_priced(row, params, region)}; "
                f"政策 pack {row['pack']}, 评估日 as of {row['as_of']:%Y-%m-%d}")
    return headline, lines
