"""The criterion registry: each criterion defined once (words, parameters read, reason codes, legal basis, test), so
the engine, the stored columns, `wengang explain`, the employer's page and docs/rules.md cannot disagree."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import ibis
from ibis.expr.types import Table

from wengang.rules import outcomes
from wengang.rules.resolved import Resolved

Pair = tuple[str, str]                      # (Chinese, English)
SIZE_STANDARD = "工信部联企业〔2011〕300号"     # the SME size standard (policy/sme-standard-2011.yaml)
JOB_EXPANSION_2022 = "人社厅发〔2022〕41号"       # the one-off job-expansion subsidy (renewed 2023, 2025)
RELIEF_DOCUMENT = "人社部发〔2020〕11号"          # contribution relief 免、减、缓 (POLICIES.md §4)


@dataclass(frozen=True)
class Reason:
    """A code a decision's `reasons` lists when the criterion has this outcome, and its words."""

    code: str
    outcome: str                            # fail, unknown or review
    words: Pair
    settled_by: tuple[str, ...] = ()        # facts a unit may supply to settle it (engine.SUPPLIABLE), asked in order


@dataclass(frozen=True)
class Criterion:
    """One criterion. `label` is the test in words: `{parameter}` reads the pack's value, and a `[...]` part is left
    out when a parameter in it is `none`. Its legal basis is the references of the parameters it reads (in each
    pack), `documents` and the `policy` section of POLICIES.md."""

    id: str
    name: Pair                              # a heading: what the criterion looks at
    label: Pair
    parameters: tuple[str, ...]
    policy: str
    passes: str                             # docs/rules.md: when it passes, when it is unknown (exact semantics)
    test: Callable[[Table, Resolved], ibis.Value]   # its outcome column: pass, fail, unknown or review
    unknown: str = "never"
    reasons: tuple[Reason, ...] = ()
    flags: str | None = None                # a parameter listing flags: each active one writes `flag:<flag>`
    documents: tuple[str, ...] = ()
    last: bool = False                      # a step after the rules (confirmation): not applicable once one fails

    def words(self, values: Mapping[str, str]) -> Pair:
        """The label with the pack's numbers, from the values a run used (name → value as stored)."""
        zh, en = (_fill(template, values, lang) for lang, template in enumerate(self.label))
        return zh, en


LAYOFF_PARAMETERS = ("layoff_variant", "natural_attrition", "claim_kinds", "layoff_limit", "layoff_comparison",
                     "layoff_limit_large", "layoff_comparison_large", "small_unit_max_insured", "small_unit_limit",
                     "small_unit_comparison", "local_registered_unemployment_rate")

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "scope", name=("单位类型", "Type of unit"), label=("单位类型在适用范围内", "unit type in scope"),
        parameters=("scope_unit_types",), policy="POLICIES.md §1.1",
        reasons=(Reason("out_of_scope", "fail", ("不属于返还范围", "not within the programme's scope")),),
        passes="`unit_type` ∈ `scope_unit_types`", test=outcomes.scope),
    Criterion(
        "paid_months", name=("缴费月数", "Months paid"),
        label=("足额缴费满{min_paid_months}个月", "{min_paid_months} months paid in full"),
        parameters=("min_paid_months",), policy="POLICIES.md §1.4",
        reasons=(Reason("paid_months_short", "fail", ("缴费月数不足", "too few months of contributions paid")),),
        passes="months with `month ≤` month of *D*, `unit_paid ≥ unit_due` and `person_paid ≥ person_due`, number at "
               "least `min_paid_months`", test=outcomes.paid_months),
    Criterion(
        "arrears", name=("欠缴失业保险费", "Contributions owed"),
        label=("欠缴不超过{arrears_tolerance}元", "arrears of at most {arrears_tolerance} yuan"),
        parameters=("arrears_tolerance",), policy="POLICIES.md §1.4",
        reasons=(Reason("arrears_outstanding", "fail", ("有欠缴", "contributions in arrears")),),
        passes="Σ over months `≤` month of *D* of max(0, unit_due − unit_paid) + max(0, person_due − person_paid) ≤ "
               "`arrears_tolerance`", test=outcomes.arrears),
    Criterion(
        "layoff", name=("裁员率", "Layoff rate"),
        label=("裁员率{layoff_comparison}{layoff_limit}[, 大型企业{layoff_comparison_large}{layoff_limit_large}]"
               "[, 参保{small_unit_max_insured}人及以下的单位{small_unit_comparison}{small_unit_limit}]",
               "layoff rate {layoff_comparison} {layoff_limit}"
               "[, large units {layoff_comparison_large} {layoff_limit_large}]"
               "[, units of {small_unit_max_insured} insured or fewer {small_unit_comparison} {small_unit_limit}]"),
        parameters=LAYOFF_PARAMETERS, policy="POLICIES.md §1.3",
        reasons=(Reason("layoff_rate_above_limit", "fail", ("裁员率超过标准", "layoff rate above the limit")),
                 Reason("layoff_rate_unknown", "unknown", ("裁员率无法计算", "layoff rate cannot be worked out"),
                        settled_by=("opening_insured",))),
        passes="the rate is within the limit that applies (below)", unknown="an input is missing (see below)",
        test=outcomes.layoff),
    Criterion(
        "flags_exclude", name=("失信、注销等情形", "Dishonesty, deregistration and the like"),
        label=("无排除情形", "no finding that excludes"), parameters=("exclude_flags",), flags="exclude_flags",
        policy="POLICIES.md §1.4", passes="no flag of `exclude_flags` is active on *D*", test=outcomes.flags_exclude),
    Criterion(
        "size", name=("企业规模与返还比例", "Size and share returned"),
        label=("规模可定, 返还比例: 大型企业{ratio_large}, 中小微企业{ratio_sme}",
               "size class known; ratio: large {ratio_large}, SME {ratio_sme}"),
        parameters=("ratio_large", "ratio_sme"), documents=(SIZE_STANDARD,), policy="POLICIES.md §1.4, §1.6",
        reasons=(Reason("size_class_unknown", "unknown", ("企业规模未知", "size class unknown"),
                        settled_by=("employees", "revenue", "assets", "size_class")),),
        passes="the return ratio is known: the size class is known, or the large and SME ratios are equal",
        unknown="size class unknown and the ratios differ", test=outcomes.size),
    Criterion(
        "difficulty", name=("困难企业认定", "Certified as in difficulty"),
        label=("评估日经认定为困难企业", "certified as in difficulty on the evaluation date"), parameters=(),
        documents=("人社部发〔2019〕23号",), policy="POLICIES.md §2",
        reasons=(Reason("not_certified_difficult", "fail", ("未经认定为困难企业", "not certified as in difficulty")),),
        passes="a `difficulty_certified` flag is active on *D* (the local certification)", test=outcomes.difficulty),
    Criterion(
        "region_fund", name=("本地区基金储备", "The region's fund reserve"),
        label=("本地区失业保险基金储备可支付{fund_reserve_min_months}个月以上",
               "the region's UI fund reserve covers {fund_reserve_min_months} months or more"),
        parameters=("fund_reserve_months", "fund_reserve_min_months", "monthly_benefit"), policy="POLICIES.md §2",
        reasons=(Reason("fund_reserve_short", "fail", ("本地区失业保险基金储备不足, 不能实施困难企业稳岗返还",
                                                      "the region's fund reserve is too small for this programme")),
                 Reason("region_values_missing", "unknown", ("本地区尚未提供基金储备月数或失业保险金标准",
                                                            "the region has not supplied its reserve or benefit"))),
        passes="the region's `fund_reserve_months` ≥ `fund_reserve_min_months` (and, for the benefit formula, the "
               "region has a `monthly_benefit`)", unknown="the region supplied no reserve (or no monthly benefit)",
        test=outcomes.region_fund),
    Criterion(
        "headcount", name=("参保人数", "Insured headcount"),
        label=("评估日上月末参保人数可知", "insured headcount at the end of the month before evaluation known"),
        parameters=("benefit_months", "premium_months", "premium_share"), policy="POLICIES.md §2",
        reasons=(Reason("headcount_unknown", "unknown", ("评估日上月的参保数据缺失",
                                                         "no contributions for the month before evaluation")),),
        passes="a `contributions` row for the month before *D* (and every month the premium formula reads)",
        unknown="that month (or one the premium formula reads) is missing", test=outcomes.headcount),
    Criterion(
        "risk_area", name=("所在地区疫情风险等级", "Epidemic risk in the unit's area"),
        label=("所在县级行政区有中高风险地区", "the unit's county has a medium- or high-risk area"), parameters=(),
        documents=("人社部发〔2022〕23号",), policy="POLICIES.md §3",
        reasons=(Reason("not_in_risk_area", "fail", ("所在地区未列为中高风险地区", "the unit's area is not listed")),),
        passes="an `epidemic_risk_area` flag is active on *D*", test=outcomes.risk_area),
    Criterion(
        "retention_size", name=("企业规模与行业", "Size and industry"),
        label=("中小微企业[; 大型企业限{large_industries}行业]", "SMEs[; large units only in {large_industries}]"),
        parameters=("large_industries",), documents=(SIZE_STANDARD,), policy="POLICIES.md §3, §1.6",
        reasons=(Reason("large_not_covered", "fail", ("大型企业不在受影响严重行业之列",
                                                      "a large unit outside the hardest-hit industries")),
                 Reason("retention_size_unknown", "unknown", ("企业规模未知", "size class unknown"),
                        settled_by=("employees", "revenue", "assets", "size_class"))),
        passes="the size class is medium, small or micro; or the industry is in `large_industries` on *D*",
        unknown="the size class is unknown and the industry is not listed", test=outcomes.retention_size),
    Criterion(
        "listed_headcount", name=("参保人数", "Insured headcount"),
        label=("所在地区列为风险地区当月参保人数可知", "insured headcount of the month the area was listed known"),
        parameters=("per_head",), policy="POLICIES.md §3",
        reasons=(Reason("listed_headcount_unknown", "unknown", ("列为风险地区当月的参保数据缺失",
                                                                "no contributions for the month the area was listed")),),
        passes="a `contributions` row for the month of the earliest active `epidemic_risk_area` flag's `listed_on`",
        unknown="that month is missing", test=outcomes.listed_headcount),
    Criterion(
        "hires_file", name=("招用人员数据", "Hires data"),
        label=("快照含招用人员数据 (hires)", "the snapshot has the hires file"), parameters=(),
        documents=(JOB_EXPANSION_2022,), policy="POLICIES.md §3; DATA.md `hires`",
        reasons=(Reason("hires_missing", "fail", ("快照没有招用人员数据 (hires), 无法按人核定扩岗补助",
                                                  "the snapshot has no hires file, so no person can be counted")),),
        passes="the snapshot's folder had a `hires` file (an empty one counts: then no one was hired)",
        test=outcomes.person_file),
    Criterion(
        "eligible_hires", name=("符合条件的招用人员", "Eligible hires"),
        label=("至少招用1名符合条件的人员, 每人{per_person}元", "at least one eligible hire, {per_person} yuan each"),
        parameters=("per_person",), documents=(JOB_EXPANSION_2022,), policy="POLICIES.md §3",
        reasons=(Reason("no_eligible_hires", "fail", ("没有符合条件的招用人员", "no eligible hire")),
                 Reason("hires_pending", "unknown", ("部分招用人员的条件无法判定 (如出生日期缺失), 须审核",
                                                     "some hires cannot be decided (e.g. no birth date): review"))),
        passes="at least one hire passes every person criterion (below) and none is undecided",
        unknown="a hire's person criteria are unknown (no birth date, no contract answer)",
        test=outcomes.eligible_persons),
    Criterion(
        "interns_file", name=("见习人员数据", "Interns data"),
        label=("快照含见习人员数据 (interns)", "the snapshot has the interns file"), parameters=(),
        policy="POLICIES.md §8; DATA.md `interns`",
        reasons=(Reason("interns_missing", "fail", ("快照没有见习人员数据 (interns), 无法按人核定见习补贴",
                                                    "the snapshot has no interns file, so no intern can be counted")),),
        passes="the snapshot's folder had an `interns` file (an empty one counts: then the base had no intern)",
        test=outcomes.person_file),
    Criterion(
        "eligible_interns", name=("符合条件的见习人员", "Eligible interns"),
        label=("至少1名符合条件的见习人员, 每人每月按最低工资{minimum_wage}元的{minimum_wage_share}",
               "at least one eligible intern, each month at {minimum_wage_share} of the minimum wage of "
               "{minimum_wage} yuan"),
        parameters=("minimum_wage", "minimum_wage_share"), policy="POLICIES.md §8",
        reasons=(Reason("no_eligible_interns", "fail", ("没有符合条件的见习人员", "no eligible intern")),
                 Reason("interns_pending", "unknown", ("部分见习人员的条件无法判定 (如出生日期缺失), 须审核",
                                                       "some interns cannot be decided (e.g. no birth date): review"))),
        passes="at least one intern passes every intern criterion (below) and none is undecided; each eligible "
               "intern is paid the months counted × `minimum_wage` × `minimum_wage_share` (the monthly rate rounded "
               "half up to the fen)", unknown="an intern's age cannot be read (no birth date, no 18-character ID)",
        test=outcomes.eligible_persons),
    Criterion(
        "listed_industry", name=("所属行业", "Industry"),
        label=("属于{industries}", "in {industries}"), parameters=("industries",), policy="POLICIES.md §8",
        reasons=(Reason("industry_not_listed", "fail", ("不属于本次补贴的困难行业", "not one of the listed industries")),),
        passes="`industry` ∈ the region's `industries`", test=outcomes.listed_industry),
    Criterion(
        "month_headcount", name=("参保人数", "Insured headcount"),
        label=("{headcount_month}参保人数可知", "insured headcount of {headcount_month} known"),
        parameters=("headcount_month", "per_head"), policy="POLICIES.md §8",
        reasons=(Reason("month_headcount_unknown", "unknown", ("计算月份的参保数据缺失",
                                                               "no contributions for the headcount month")),),
        passes="a `contributions` row for the region's `headcount_month`", unknown="that month is missing",
        test=outcomes.month_headcount),
    Criterion(
        "confirmation", name=("单位确认与承诺", "The unit's confirmation"),
        label=("发放前由单位在线确认并签署承诺书", "the unit confirms online and signs a commitment before payment"),
        parameters=("confirm_before_payment",), policy="POLICIES.md §3",
        reasons=(Reason("confirmation_needed", "review", ("待单位在线确认并签署承诺书", "waiting for the unit to "
                                                          "confirm online and sign the commitment letter")),),
        passes="the pack asks for no confirmation (else every case that no other criterion failed is *routed* to a "
               "light application: the unit confirms and commits, staff check and accept)", test=outcomes.confirmation,
        last=True),
    Criterion(
        "department_confirmation", name=("行业主管部门确认", "The industry department's confirmation"),
        label=("发放前由本行业主管部门在系统中确认", "the department of the unit's industry confirms it before listing"),
        parameters=("joint_review",), policy="POLICIES.md §8",
        reasons=(Reason("department_confirmation_needed", "review", ("待行业主管部门确认", "waiting for the industry "
                                                                      "department to confirm the unit")),),
        passes="the pack asks for no joint review (else every case that no other criterion failed is *routed* to the "
               "department of its industry (`departments`), which confirms or declines it with a reason)",
        test=outcomes.department_confirmation, last=True),
    Criterion(
        "flags_review", name=("承诺履行与配合核查", "Commitments kept, checks accepted"),
        label=("履行承诺并配合核查", "commitments kept, verification accepted"), parameters=("review_flags",),
        flags="review_flags", policy="POLICIES.md §1.2, §1.4",
        passes="no flag of `review_flags` is active on *D* (else the unit is *routed*)", test=outcomes.flags_review),
    Criterion(
        "relief_kind", name=("免征或减半", "Exempt or halved"),
        label=("中小微企业和{exempt_unit_types}免征, 大型企业和{halve_unit_types}减半征收",
               "SMEs and {exempt_unit_types} exempt; large enterprises and {halve_unit_types} halved"),
        parameters=("exempt_unit_types", "halve_unit_types"), documents=(SIZE_STANDARD, RELIEF_DOCUMENT),
        policy="POLICIES.md §4, §1.6",
        reasons=(Reason("relief_size_unknown", "unknown", ("企业规模未知, 无法确定免征还是减半征收",
                                                          "size class unknown: exempt or halved cannot be told"),
                        settled_by=("employees", "revenue", "assets", "size_class")),),
        passes="the unit type is in `exempt_unit_types` (exempt) or `halve_unit_types` (halved), or the unit is an "
               "enterprise whose size class is known: large → halved, medium, small or micro → exempt",
        unknown="an enterprise whose size class is unknown", test=outcomes.relief_kind),
    Criterion(
        "relief_defer", name=("缓缴", "Deferral"),
        label=("经认定生产经营严重困难的, 自认定当月起缓缴, 最长{defer_max_months}个月[, 最迟至{defer_last_month}], "
               "缓缴期间免收滞纳金",
               "a unit certified in serious difficulty defers from the month certified, for up to {defer_max_months} "
               "months[, to {defer_last_month} at the latest], with no late fee"),
        parameters=("defer_first_month", "defer_max_months", "defer_last_month"), documents=(RELIEF_DOCUMENT,),
        policy="POLICIES.md §4",
        passes="a `difficulty_certified` flag listed on or before *D* opens a deferral window in which the unit owes "
               "dues: from its month (not before `defer_first_month`) for `defer_max_months` months, not past "
               "`defer_last_month`, ending the month before the certification is removed; not applicable (never a "
               "condition) without one",
        test=outcomes.relief_defer),
    Criterion(
        "relief_dues", name=("减免月份的应缴费", "Dues in the relief months"),
        label=("免征{exempt_first_month}至{exempt_last_month}, 减半征收{halve_first_month}至{halve_last_month}, "
               "期间有应缴单位缴费", "exempt {exempt_first_month} to {exempt_last_month}, halved {halve_first_month} "
               "to {halve_last_month}; unit dues in those months"),
        parameters=("exempt_first_month", "exempt_last_month", "halve_first_month", "halve_last_month", "half_fen"),
        documents=(RELIEF_DOCUMENT, "人社部发〔2020〕49号"), policy="POLICIES.md §4",
        reasons=(Reason("no_relief_due", "fail", ("减免和缓缴月份没有应缴的单位缴费", "no unit dues in the relief "
                                                  "or deferral months")),
                 Reason("relief_dues_missing", "unknown", ("减免月份的应缴费数据缺失", "no dues data for the relief "
                                                           "months"))),
        passes="the unit's `dues` rows in its relief or deferral months give a relief or a deferred amount above 0 "
               "(a half fen rounded as `half_fen` says)",
        unknown="the snapshot has no `dues` file, or no row of the unit in those months", test=outcomes.relief_dues),
)
BY_ID: dict[str, Criterion] = {c.id: c for c in CRITERIA}
IDS: tuple[str, ...] = tuple(BY_ID)

# Criteria of one hire (a row of `hires`), for the programmes that pay per person (rules/persons.py): the same
# definition as a unit's, over the hire frame; a person's decision lists their reasons like a unit's.
HIRE_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "hire_category", name=("人员类别", "Who was hired"), label=("招用{hire_categories}", "hired: {hire_categories}"),
        parameters=("hire_categories",), policy="POLICIES.md §3",
        reasons=(Reason("category_not_covered", "fail", ("该类人员不在本年度补助范围内",
                                                         "this kind of person is not covered this year")),),
        passes="`category` ∈ `hire_categories`", test=outcomes.hire_category),
    Criterion(
        "graduation", name=("毕业时间", "Graduation"),
        label=("{hire_year}年毕业[, 或离校{graduate_window_years}年内]",
               "graduated in {hire_year}[, or within {graduate_window_years} years of leaving school]"),
        parameters=("hire_year", "graduate_window_years"), policy="POLICIES.md §3",
        reasons=(Reason("graduation_out_of_window", "fail", ("毕业时间不在补助范围内",
                                                             "graduated outside the years covered")),
                 Reason("graduation_unknown", "unknown", ("毕业日期缺失", "no graduation date"))),
        passes="graduates only: `graduated_on` in `hire_year` (1 January … 31 December), or, where "
               "`graduate_window_years` is set, `graduated_on ≤ hired_on` and the hiring day before the "
               "`graduate_window_years`-th anniversary of graduation", unknown="`graduated_on` empty",
        test=outcomes.graduation),
    Criterion(
        "youth_age", name=("年龄", "Age"),
        label=("招用当日{youth_min_age}–{youth_max_age}周岁", "aged {youth_min_age}–{youth_max_age} on the hiring day"),
        parameters=("youth_min_age", "youth_max_age"), policy="POLICIES.md §3",
        reasons=(Reason("youth_age_out", "fail", ("招用当日年龄不在规定范围内", "not of the ages covered on the hiring day")),
                 Reason("birth_date_unknown", "unknown", ("出生日期缺失且身份证号无法读取",
                                                          "no birth date and no 18-character ID to read it from"))),
        passes="unemployed youth only, where the pack covers them: on `hired_on` at least `youth_min_age` (from the "
               "birthday) and not yet `youth_max_age`+1; a 29 February birthday falls on 1 March in other years. "
               "`birth_date`, else digits 7–14 of an 18-character ID", unknown="neither gives a birth date",
        test=outcomes.youth_age),
    Criterion(
        "contract", name=("劳动合同", "Labour contract"), label=("签订劳动合同", "labour contract signed"),
        parameters=(), documents=(JOB_EXPANSION_2022,), policy="POLICIES.md §3",
        reasons=(Reason("no_contract", "fail", ("未签订劳动合同", "no labour contract signed")),),
        passes="`contract_signed` is true", unknown="`contract_signed` empty", test=outcomes.contract),
    Criterion(
        "person_insured", name=("参保缴费", "Premiums paid"),
        label=("为其缴纳社会保险费满{min_insured_months}个月",
               "premiums paid for the person: at least {min_insured_months} month(s)"),
        parameters=("min_insured_months",), policy="POLICIES.md §3",
        reasons=(Reason("insured_months_short", "fail", ("为该人员缴纳社会保险费的月数不足",
                                                         "too few months of premiums paid for this person")),),
        passes="`insured_months ≥ min_insured_months` (DATA.md: months of UI, work-injury and pension premiums paid "
               "for the person at the unit by *D*; 2022's \"enrolled in UI\" is read as at least one such month)",
        test=outcomes.person_insured),
    Criterion(
        "hired_in_year", name=("招用时间", "Hiring day"),
        label=("{hire_year}年1月1日至12月31日间招用", "hired 1 January … 31 December {hire_year}"),
        parameters=("hire_year",), policy="POLICIES.md §3",
        reasons=(Reason("hired_outside_year", "fail", ("招用时间不在本年度政策期内 (或晚于评估日)",
                                                       "not hired within the programme's year (or after the "
                                                       "evaluation date)")),),
        passes="`hired_on` in `hire_year` and `≤` *D*", test=outcomes.hired_in_year),
    Criterion(
        "once_per_person", name=("每人每年一次", "Once per person a year"),
        label=("同一人员每年只享受一次 (最早招用的单位享受)", "a person counts once a year (the earliest hire)"),
        parameters=(), documents=(JOB_EXPANSION_2022,), policy="POLICIES.md §3, §7",
        reasons=(Reason("claimed_elsewhere", "fail", ("已由其他单位享受 (同一人员每年只计一次, 最早招用的单位享受)",
                                                      "already claimed by another unit (a person counts once a "
                                                      "year, for the earliest hire)")),),
        passes="of the person's hires that fail no other person criterion, this one is the earliest (`hired_on`; "
               "on the same day the lowest `uscc`, then the most `insured_months`); another hire of the person "
               "by the same unit later that year also counts as already claimed",
        test=outcomes.once_per_person),
)

# Criteria of one intern (a row of `interns`, the youth internship subsidy 见习补贴, POLICIES.md §8).
INTERN_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "intern_youth", name=("见习人员", "Who the intern is"),
        label=("见习开始当日{youth_min_age}–{youth_max_age}周岁, 或高校毕业生",
               "aged {youth_min_age}–{youth_max_age} on the first day, or a graduate"),
        parameters=("youth_min_age", "youth_max_age"), policy="POLICIES.md §8",
        reasons=(Reason("intern_age_out", "fail", ("见习开始当日年龄不在规定范围内且非高校毕业生",
                                                   "not of the ages covered on the first day, and not a graduate")),
                 Reason("intern_birth_unknown", "unknown", ("出生日期缺失且身份证号无法读取",
                                                            "no birth date and no 18-character ID to read it from"))),
        passes="`category` = `graduate` (any age); else on `started_on` at least `youth_min_age` (from the birthday) "
               "and not yet `youth_max_age`+1; a 29 February birthday falls on 1 March in other years. `birth_date`, "
               "else digits 7–14 of an 18-character ID", unknown="not a graduate and neither gives a birth date",
        test=outcomes.intern_youth),
    Criterion(
        "intern_months", name=("见习月数", "Months of internship"),
        label=("[{covered_from}至{covered_to}期间]至少见习1个月, {intern_month_counts}",
               "at least one month of internship[ in {covered_from} … {covered_to}], {intern_month_counts}"),
        parameters=("covered_from", "covered_to", "intern_month_counts"), policy="POLICIES.md §8",
        reasons=(Reason("no_internship_months", "fail", ("补贴期内 (截至评估日) 没有可计的见习月份",
                                                         "no month of internship counts in the period covered (up "
                                                         "to the evaluation date)")),),
        passes="the months counted are at least 1: calendar months from `covered_from` to `covered_to` (YYYY-MM) "
               "and not after the evaluation date *D*; with `intern_month_counts` = `whole_month` (the reading the "
               "shipped pack takes) a month counts when the person was an intern on every day of it — `started_on` "
               "on or before its 1st, and `ended_on` (empty = still an intern) and *D* on or after its last day; "
               "with `any_day` a month counts when it has a day of internship on or before *D*",
        test=outcomes.intern_months),
)
PERSON_CRITERIA: tuple[Criterion, ...] = HIRE_CRITERIA + INTERN_CRITERIA
PERSON_BY_ID: dict[str, Criterion] = {c.id: c for c in PERSON_CRITERIA}

# A flag's kind (DATA.md `flags`) in words: the codes `flag:<kind>` that the flag criteria write.
FLAG_WORDS: dict[str, Pair] = {
    "deregistered": ("已注销", "deregistered"), "revoked": ("已吊销", "licence revoked"),
    "liquidation": ("进入清算", "in liquidation"), "abnormal_operations": ("经营异常", "abnormal operations"),
    "serious_dishonesty": ("严重违法失信", "serious dishonesty"),
    "dishonest_debtor": ("失信被执行人", "dishonest judgement debtor"),
    "wage_arrears_blacklist": ("拖欠工资黑名单", "wage-arrears blacklist"),
    "zombie": ("僵尸企业", "zombie enterprise"), "failed_commitment": ("未履行承诺", "commitment not kept"),
    "refused_verification": ("拒绝核查", "refused verification"),
    "difficulty_certified": ("认定为困难企业", "certified as in difficulty"),
    "epidemic_risk_area": ("位于疫情风险地区", "in an epidemic risk area"),
    "other": ("其他部门标记", "flagged by another department"),
}


# The size standard's industries (DATA.md `employers.industry`) in words, where a label lists them.
INDUSTRY_WORDS: dict[str, Pair] = {
    "agriculture": ("农林牧渔业", "agriculture"), "industry": ("工业", "industry"), "construction": ("建筑业", "construction"),
    "wholesale": ("批发业", "wholesale"), "retail": ("零售业", "retail"), "transport": ("交通运输业", "transport"),
    "warehousing": ("仓储业", "warehousing"), "postal": ("邮政业", "postal services"),
    "accommodation": ("住宿业", "accommodation"), "catering": ("餐饮业", "catering"),
    "information_transmission": ("信息传输业", "information transmission"),
    "software_it": ("软件和信息技术服务业", "software and IT services"),
    "real_estate_development": ("房地产开发经营", "real-estate development"),
    "property_management": ("物业管理", "property management"),
    "leasing_business_services": ("租赁和商务服务业", "leasing and business services"), "other": ("其他行业", "other"),
}


# Who a hire is (DATA.md `hires.category`), where a label lists them.
HIRE_CATEGORY_WORDS: dict[str, Pair] = {
    "graduate": ("高校毕业生", "university graduates"),
    "unemployed_youth": ("登记失业的16–24岁青年", "registered unemployed youth aged 16–24"),
}


# Unit types (DATA.md `employers.unit_type`) in words, where a label lists them.
UNIT_TYPE_WORDS: dict[str, Pair] = {
    "enterprise": ("企业", "enterprises"), "individual_business": ("以单位方式参保的个体工商户",
                                                                  "individual businesses insured as units"),
    "social_group": ("社会团体", "social groups"), "foundation": ("基金会", "foundations"),
    "social_service_org": ("社会服务机构", "social service organisations"), "law_firm": ("律师事务所", "law firms"),
    "accounting_firm": ("会计师事务所", "accounting firms"), "public_institution": ("事业单位", "public institutions"),
    "other": ("其他单位", "other units"),
}

# Size classes (DATA.md `size_class`; "unknown": none was found), where a page or a sheet names them.
SIZE_CLASS_WORDS: dict[str, Pair] = {
    "large": ("大型企业", "large"), "medium": ("中型企业", "medium"), "small": ("小型企业", "small"),
    "micro": ("微型企业", "micro"), "unknown": ("规模未知", "size unknown"),
}


def settled_by() -> dict[str, tuple[str, ...]]:
    """The facts that settle each reason a unit can settle itself (POLICIES.md 1.3, 1.4, 1.6): the size class from
    staff count or revenue (assets, or the agency's class, where the industry uses them), the layoff rate from the
    opening headcount."""
    return {r.code: r.settled_by for c in CRITERIA for r in c.reasons if r.settled_by}


def reason_words() -> dict[str, Pair]:
    """Every reason code a decision can list, in words: each criterion's, then `flag:<kind>`."""
    return {**{r.code: r.words for c in (*CRITERIA, *PERSON_CRITERIA) for r in c.reasons},
            **{f"flag:{kind}": words for kind, words in FLAG_WORDS.items()}}


# How a parameter's stored value reads in a label, by what the parameter is.
_COMPARISONS: dict[str, Pair] = {"<": ("低于", "below"), "<=": ("不高于", "at most")}
_LOCAL_RATE: Pair = ("统筹地区城镇登记失业率", "the local registered unemployment rate")
_PERCENT = ("layoff_limit", "layoff_limit_large", "small_unit_limit", "ratio_large", "ratio_sme",
            "local_registered_unemployment_rate", "minimum_wage_share", "premium_share")
# How a month of internship counts (`intern_month_counts`), in words.
MONTH_COUNT_WORDS: dict[str, Pair] = {"whole_month": ("整月计算", "whole calendar months"),
                                      "any_day": ("当月有见习即计", "any month with a day of internship")}
_MISSING = "—"
_PART = re.compile(r"\[([^\]]*)\]")
_FIELD = re.compile(r"\{(\w+)\}")


def value_words(name: str, value: str | None, lang: int) -> str | None:
    """One parameter value as a person reads it (5.5%, 低于, 12); None for `none` (no such limit)."""
    if value is None or value.strip() == "":
        return _MISSING
    if value == "none":
        return None
    if "comparison" in name:
        return _COMPARISONS.get(value, (value, value))[lang]
    if value == "local_registered_rate":
        return _LOCAL_RATE[lang]
    if name in _PERCENT:
        return f"{(Decimal(value) * 100).normalize():f}%"
    if name in ("large_industries", "industries"):
        return "、".join(INDUSTRY_WORDS.get(i, (i, i))[lang] for i in value.split(",")) if lang == 0 else ", ".join(
            INDUSTRY_WORDS.get(i, (i, i))[lang] for i in value.split(","))
    if name == "hire_categories":
        return ("、" if lang == 0 else ", ").join(HIRE_CATEGORY_WORDS.get(c, (c, c))[lang] for c in value.split(","))
    if name == "intern_month_counts":
        return MONTH_COUNT_WORDS.get(value, (value, value))[lang]
    if name.endswith("_unit_types"):
        names = [UNIT_TYPE_WORDS.get(u, (u, u))[lang] for u in value.split(",") if u]
        return ("、" if lang == 0 else ", ").join(names) or ("无" if lang == 0 else "none")
    if name == "half_fen":
        return {"up": ("半分进为一分", "a half fen rounded up"), "down": ("半分舍去", "a half fen dropped")}.get(
            value, (value, value))[lang]
    if name == "arrears_tolerance":
        return f"{Decimal(value):,.2f}"
    return value


def _fill(template: str, values: Mapping[str, str], lang: int) -> str:
    def fields(text: str) -> str | None:
        shown = {n: value_words(n, values.get(n), lang) for n in _FIELD.findall(text)}
        if any(v is None for v in shown.values()):
            return None
        return _FIELD.sub(lambda m: shown[m.group(1)] or "", text)

    optional = _PART.sub(lambda m: fields(m.group(1)) or "", template)
    return fields(optional) or _MISSING
