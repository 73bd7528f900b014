"""Programmes as data (POLICIES.md §7): which criteria of the registry decide a programme's cases and the formula that
prices them. A pack names its programme; the pipeline never forks for one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
from ibis.expr.types import IntegerValue, Table

from wengang.rules.exact import RATIO_SCALE, round_half_up
from wengang.rules.inputs import SnapshotTables, listed_month_headcount, recent_measures
from wengang.rules.parameters import Pack, PackError
from wengang.rules.persons import INTERNS, person_measures
from wengang.rules.relief import relief_measures, relief_rows
from wengang.rules.resolved import Resolved

Pair = tuple[str, str]
GENERAL = "ui-return"
DIFFICULT = "difficult-return"
RETENTION = "retention-training"
JOB_EXPANSION = "job-expansion"
INDUSTRY = "difficult-industry"
INTERNSHIP = "internship"
RISK_FLAG = "epidemic_risk_area"
PERSON_CRITERIA_USED = ("hire_category", "graduation", "youth_age", "contract", "person_insured", "hired_in_year",
                        "once_per_person")
INTERN_CRITERIA_USED = ("intern_youth", "intern_months")
RELIEF = "contribution-relief"


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


def _retention_amount(t: Table, p: Resolved) -> IntegerValue:
    """A sum per insured employee (500 yuan nationally; a region may set its own) × the headcount of the month the
    unit's area was listed (POLICIES.md §3)."""
    per_head = p.regional_or_null("per_head", t.region, 100)
    return ibis.cases((t.headcount.isnull() | per_head.isnull(), ibis.null("int64")), else_=t.headcount * per_head)


def _industry_amount(t: Table, p: Resolved) -> IntegerValue:
    """A one-off sum per insured employee of the region's headcount month (Hongkou 2022, POLICIES.md §8)."""
    per_head = p.regional_or_null("per_head", t.region, 100)
    return ibis.cases((t.headcount.isnull() | per_head.isnull(), ibis.null("int64")), else_=t.headcount * per_head)


def _month_measures(frame: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """The headcount of the month the region names (`headcount_month`, YYYY-MM)."""
    c, month = tables.contributions, p.text("headcount_month")
    heads = c.filter(c.month == month).group_by(h_uscc=c.uscc).aggregate(headcount=c.insured.max().cast("int64"))
    frame = frame.left_join(heads, frame.uscc == heads.h_uscc).drop("h_uscc")
    return frame.mutate(recent_due_fen=ibis.null("int64"), recent_months=ibis.null("int64"))
def _pays_nothing(t: Table, p: Resolved) -> IntegerValue:
    """Contribution relief changes dues, not payments (POLICIES.md §4): its cases carry 0."""
    return ibis.literal(0, "int64")


def _no_measures(frame: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """Every run stores the same columns: NULL where the programme reads no headcount of its own."""
    return frame.mutate(headcount=ibis.null("int64"), recent_due_fen=ibis.null("int64"),
                        recent_months=ibis.null("int64"))


def _recent_measures(frame: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """The months just before the evaluation date: the headcount of the last one, the premiums due of
    `premium_months` (1 for the benefit formula)."""
    months = p.integer("premium_months") if difficult_formula(p) == "premiums" else 1
    recent = recent_measures(tables.contributions, p.as_of, months)
    frame = frame.left_join(recent, frame.uscc == recent.r_uscc).drop("r_uscc")
    return frame.mutate(recent_months=frame.recent_months.fill_null(0))


def _listed_measures(frame: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """The headcount of the month the unit's area was listed (its earliest risk-area flag active on the day)."""
    listed = listed_month_headcount(tables, p.as_of, RISK_FLAG)
    frame = frame.left_join(listed, frame.uscc == listed.l_uscc).drop("l_uscc")
    return frame.mutate(recent_due_fen=ibis.null("int64"), recent_months=ibis.null("int64"))


def _persons_amount(t: Table, p: Resolved) -> IntegerValue:
    """The sum over the unit's eligible persons of what each is paid (rules/persons.py)."""
    return t.persons_amount_fen


def _hire_measures(frame: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """Each hire decided by the person criteria, summed per unit (eligible hires stored as `headcount`)."""
    return person_measures(frame, tables, p, PERSON_CRITERIA_USED)


def _intern_measures(frame: Table, tables: SnapshotTables, p: Resolved) -> Table:
    """Each intern decided by the intern criteria, summed per base (eligible interns stored as `headcount`)."""
    return person_measures(frame, tables, p, INTERN_CRITERIA_USED, INTERNS)


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
    measures: Callable[[Table, SnapshotTables, Resolved], Table] = _no_measures   # headcount and the like
    persons: tuple[str, ...] = ()       # person criteria (registry PERSON_CRITERIA) of a programme paying per person
    person_file: str = "hires"          # the snapshot file those criteria decide row by row (rules/persons.py)
    priority: bool = False                    # a VIP channel (XPCC): its cycles come first in every queue
    required: tuple[str, ...] = ()            # regional values the pack refuses to run without (never invented)
    rows: Callable[[Table, SnapshotTables, Resolved], Table] | None = None     # a table below the unit (relief)

    @property
    def pays(self) -> bool:
        """Whether its cases are paid: contribution relief changes dues and is a report, never a payment cycle."""
        return self.amount is not _pays_nothing

    def check(self, p: Resolved) -> None:
        """Refuse a run while a value the region must supply is `none`, naming each."""
        missing = [name for name in self.required if p.text(name) == "none"]
        if missing:
            raise PackError(f"{p.pack.id}: 缺少须由地区按文件提供的参数 / the region has not supplied "
                            f"{', '.join(missing)} (with its document number); no value is invented")

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
              flags=("difficulty_certified",), measures=_recent_measures, priority=True),
    Programme(RETENTION, ("一次性留工培训补助", "One-off retention-training subsidy"), "POLICIES.md §3",
              ("scope", "flags_exclude", "risk_area", "retention_size", "listed_headcount", "confirmation"),
              _retention_amount, ("`per_head` × 所在地区列为中高风险地区当月的参保人数",
                                  "`per_head` × the insured in the month the unit's area was listed"),
              flags=(RISK_FLAG,), measures=_listed_measures),
    Programme(JOB_EXPANSION, ("一次性扩岗补助", "One-off job-expansion subsidy"), "POLICIES.md §3",
              ("hires_file", "eligible_hires"), _persons_amount,
              ("`per_person` × 符合条件的招用人数 (每人每年只计一次)",
               "`per_person` × the eligible hires (each person once a year)"),
              measures=_hire_measures, persons=PERSON_CRITERIA_USED),
    Programme(INDUSTRY, ("困难行业稳就业补贴", "Job-stabilisation subsidy for the hardest-hit industries"),
              "POLICIES.md §8", ("scope", "flags_exclude", "listed_industry", "month_headcount",
                                 "department_confirmation"),
              _industry_amount, ("`per_head` × `headcount_month` 的参保人数", "`per_head` × the insured of "
                                 "`headcount_month`"),
              measures=_month_measures, required=("industries", "per_head", "headcount_month")),
    Programme(INTERNSHIP, ("见习补贴", "Youth internship subsidy"), "POLICIES.md §8",
              ("interns_file", "eligible_interns"), _persons_amount,
              ("Σ 每名符合条件的见习人员: 补贴期内可计的见习月数 × 最低工资 (`minimum_wage`) × `minimum_wage_share`",
               "Σ over the eligible interns: the months counted in the period covered × the minimum wage "
               "(`minimum_wage`) × `minimum_wage_share`"),
              measures=_intern_measures, persons=INTERN_CRITERIA_USED, person_file="interns",
              required=("minimum_wage", "minimum_wage_share", "covered_from", "covered_to")),
    Programme(RELIEF, ("阶段性减免缓缴社会保险费", "Contribution relief (exempt, halve, defer)"), "POLICIES.md §4",
              ("scope", "relief_kind", "relief_defer", "relief_dues"), _pays_nothing,
              ("不发放资金: 按单位、月份和险种列出免征、减半征收和缓缴的单位缴费",
               "pays nothing: lists per unit, month and insurance the unit dues exempted, halved or deferred"),
              flags=("difficulty_certified",), measures=relief_measures, rows=relief_rows),
)}


def first_in_line(program: str) -> bool:
    """A cycle of this programme goes first in every queue (the VIP channel for enterprises in difficulty)."""
    found = PROGRAMMES.get(program)
    return found is not None and found.priority


def programme_of(pack: Pack) -> Programme:
    """The pack's programme (the general return when the pack names none)."""
    try:
        return PROGRAMMES[pack.programme]
    except KeyError:
        raise PackError(f"{pack.id}: 未知项目 / unknown programme {pack.programme!r}; known: "
                        f"{', '.join(PROGRAMMES)}") from None


ROW_UNIT_COLUMNS = ("uscc", "size_class", "c_scope")      # what a programme's rows read of the decided units


def programme_rows(tables: SnapshotTables, decided: Table, p: Resolved) -> Table | None:
    """The programme's table below the unit (contribution relief: per unit, month and insurance) from the run's
    decided units, or None for a programme that has none."""
    rows = programme_of(p.pack).rows
    return None if rows is None else rows(decided, tables, p)
