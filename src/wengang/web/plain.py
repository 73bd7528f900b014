"""An employer's "why" in words a shop owner reads: three lines (qualified or not, the amount or the main reason, the
next step and by when), then each criterion as "缴费月数: 13个月, 标准: 至少12个月 — 符合", with its documents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wengang.domain.departments import NEEDED as DEPARTMENT_NEEDED
from wengang.rules.criteria import CRITERIA, INDUSTRY_WORDS, MONTH_COUNT_WORDS
from wengang.rules.plain import Fact, Reading
from wengang.services.portal import CaseProgress, Explanation
from wengang.web.words import SIZE_WORDS, bank_reason, case_words, next_step, pack_words, reason_words

Pair = tuple[str, str]
LABELS: dict[str, Pair] = {c.id: c.name for c in CRITERIA}      # the registry's headings (rules/criteria.py)
OUTCOMES: dict[str, Pair] = {"pass": ("符合", "met"), "fail": ("不符合", "not met"),
                             "unknown": ("无法判断", "cannot tell"), "review": ("需人工审核", "to be reviewed")}
UNIT_TYPES: dict[str, Pair] = {
    "enterprise": ("企业", "enterprise"), "individual_business": ("以单位形式参保的个体经济组织", "sole trader"),
    "social_group": ("社会团体", "social group"), "foundation": ("基金会", "foundation"),
    "social_service_org": ("社会服务机构", "social service organisation"), "law_firm": ("律师事务所", "law firm"),
    "accounting_firm": ("会计师事务所", "accounting firm"), "public_institution": ("事业单位", "public institution"),
    "other": ("其他单位", "other unit"),
}
# events whose audit reason a person wrote (a reviewer, an objection handler): shown; a system's reason is not
WRITTEN_REASONS = frozenset({"review_accepted", "review_rejected", "department_declined", "objection_sustained", "objection_dismissed",
                             "case_renamed", "payment_cancelled", "cycle_cancelled"})
UNKNOWN: Pair = ("未知", "unknown")
NONE: Pair = ("无", "none")


@dataclass(frozen=True)
class Line:
    """One criterion in words: what was read, the standard, the outcome, and the documents it rests on."""

    criterion: str
    outcome: str
    label: Pair
    read: Pair
    standard: Pair
    verdict: Pair
    documents: str


@dataclass(frozen=True)
class Answer:
    """The three lines at the top of the why page, and where "有异议?" leads."""

    verdict: Pair
    detail: Pair
    next: Pair | None
    good: bool
    pending: bool                     # not decided yet (in review): neither a tick nor a cross
    dispute: tuple[str, Pair] | None


def _join(pairs: list[Pair], none: Pair = NONE) -> Pair:
    return ("、".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs)) if pairs else none


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else f"{Decimal(fen) / 100:,.2f}"


def _percent(text: Any) -> str:
    return f"{(Decimal(str(text)) * 100).normalize():f}%"


def _read(f: Fact) -> tuple[Pair, Pair]:
    """What was read and the standard, in words, for one criterion."""
    r, s = f.read, f.standard
    if f.criterion == "scope":
        covered = _join([UNIT_TYPES.get(t, UNIT_TYPES["other"]) for t in s["unit_types"]])
        return (UNIT_TYPES.get(r["unit_type"] or "other", UNIT_TYPES["other"]),
                (f"属于{covered[0]}之一", f"one of: {covered[1]}"))
    if f.criterion == "paid_months":
        m = r["months"]
        return ((f"{m}个月", f"{m} months") if m is not None else UNKNOWN,
                (f"至少{s['months']}个月", f"at least {s['months']} months"))
    if f.criterion == "arrears":
        allowed = Decimal(s["yuan"] or "0")
        return ((f"{_yuan(r['fen'])}元", f"{_yuan(r['fen'])} yuan"),
                ("不得欠缴", "nothing owed") if not allowed else (f"不超过{allowed:,.2f}元", f"at most {allowed:,.2f}"))
    if f.criterion == "layoff":
        return _layoff(r, s)
    if f.criterion in ("flags_exclude", "flags_review"):
        found = _join([reason_words(f"flag:{x}") for x in r["flags"]])
        listed = _join([reason_words(f"flag:{x}") for x in s["flags"]])
        if f.criterion == "flags_exclude":
            return found, (f"不得有: {listed[0]}", f"none of: {listed[1]}")
        return found, (f"有{listed[0]}的, 须申请并人工审核", f"with {listed[1]}: apply, and staff review")
    if f.criterion in _PROGRAMME_CRITERIA:
        return _PROGRAMME_CRITERIA[f.criterion](r, s)
    return _size(r, s)


def _difficulty(r: dict, s: dict) -> tuple[Pair, Pair]:
    found = ("已认定为困难企业", "certified as in difficulty") if r["flags"] else ("未认定", "not certified")
    return found, ("评估日经人社等部门认定为困难企业", "certified in difficulty by the bureau on the evaluation day")


def _region_fund(r: dict, s: dict) -> tuple[Pair, Pair]:
    months = r["reserve_months"]
    read = (f"本地区基金储备可支付{months}个月", f"the region's reserve covers {months} months") if months else (
        "本地区尚未提供", "not supplied by the region")
    return read, (f"至少{s['months']}个月", f"at least {s['months']} months")


def _headcount(r: dict, s: dict) -> tuple[Pair, Pair]:
    heads = r["headcount"]
    read = (f"{heads}人", f"{heads} insured") if heads is not None else ("缺少上月参保数据", "last month's data missing")
    return read, ("评估日上月末的参保人数", "the insured at the end of the month before evaluation")


def _risk_area(r: dict, s: dict) -> tuple[Pair, Pair]:
    found = ("所在地区已列为中高风险地区", "the area is listed") if r["flags"] else ("所在地区未列入", "not listed")
    return found, ("评估日所在县级行政区有中高风险地区", "a medium- or high-risk area in the county on the day")


def _retention_size(r: dict, s: dict) -> tuple[Pair, Pair]:
    size = SIZE_WORDS.get(r["size_class"] or "unknown", SIZE_WORDS["unknown"])
    listed = _join([INDUSTRY_WORDS.get(i, ("其他行业", "other")) for i in s["industries"]]) if s["industries"] else None
    standard = (("中小微企业; 大型企业限" + listed[0], "SMEs; large units only in " + listed[1]) if listed
                else ("中小微企业", "small and medium-sized units"))
    return size, standard


def _listed_headcount(r: dict, s: dict) -> tuple[Pair, Pair]:
    heads = r["headcount"]
    read = (f"{heads}人", f"{heads} insured") if heads is not None else ("缺少该月参保数据", "that month's data missing")
    return read, (f"列为风险地区当月的参保人数, 每人{s['per_head']}元", f"insured that month, {s['per_head']} yuan each")


def _listed_industry(r: dict, s: dict) -> tuple[Pair, Pair]:
    found = INDUSTRY_WORDS.get(r["industry"] or "other", ("其他行业", "other"))
    listed = _join([INDUSTRY_WORDS.get(i, ("其他行业", "other")) for i in s["industries"]])
    return found, (f"属于: {listed[0]}", f"one of: {listed[1]}")


def _month_headcount(r: dict, s: dict) -> tuple[Pair, Pair]:
    heads = r["headcount"]
    read = (f"{heads}人", f"{heads} insured") if heads is not None else ("缺少该月参保数据", "that month's data missing")
    return read, (f"{s['month']}的参保人数, 每人{s['per_head']}元", f"insured in {s['month']}, {s['per_head']} yuan each")


def _confirmation(r: dict, s: dict) -> tuple[Pair, Pair]:
    return ("发放前由单位确认", "confirmed by the unit before payment"), ("在线确认并签署承诺书",
                                                                       "confirm online and sign the commitment")


def _department_confirmation(r: dict, s: dict) -> tuple[Pair, Pair]:
    return ("发放前由行业主管部门确认", "confirmed by the industry department first"), (
        "本行业主管部门在系统中确认", "the department of the unit's industry confirms it in the system")


def _hires_file(r: dict, s: dict) -> tuple[Pair, Pair]:
    found = ("已收到新招用人员数据", "the hires data arrived") if r["present"] else ("尚无新招用人员数据",
                                                                             "no hires data yet")
    return found, ("人社部门提供的新招用人员登记", "the bureau's register of new hires")


def _eligible_hires(r: dict, s: dict) -> tuple[Pair, Pair]:
    n = r["eligible"]
    found = (f"符合条件的新招用人员{n}人", f"{n} eligible hires") if n is not None else UNKNOWN
    return found, (f"每人{s['per_person']}元, 同一人每年只补一次", f"{s['per_person']} yuan each, once a person a year")


def _interns_file(r: dict, s: dict) -> tuple[Pair, Pair]:
    found = ("已收到见习人员数据", "the interns data arrived") if r["present"] else ("尚无见习人员数据",
                                                                              "no interns data yet")
    return found, ("人社部门提供的见习人员登记", "the bureau's register of interns")


def _eligible_interns(r: dict, s: dict) -> tuple[Pair, Pair]:
    n = r["eligible"]
    found = (f"符合条件的见习人员{n}人", f"{n} eligible interns") if n is not None else UNKNOWN
    share = _percent(s["share"]) if s["share"] else "—"
    counts = MONTH_COUNT_WORDS.get(s["counts"] or "", ("按月", "by the month"))
    ages = f"{s['min_age']}–{s['max_age']}"
    return found, (f"{ages}岁青年或高校毕业生; {s['covered_from']}至{s['covered_to']}期间的见习月份 ({counts[0]}), "
                   f"每月按最低工资{s['minimum_wage']}元的{share}",
                   f"youth aged {ages} or graduates; months of internship in {s['covered_from']} … "
                   f"{s['covered_to']} ({counts[1]}), each at {share} of the minimum wage of {s['minimum_wage']} yuan")


def _relief_kind(r: dict, s: dict) -> tuple[Pair, Pair]:
    unit = UNIT_TYPES.get(r["unit_type"] or "other", UNIT_TYPES["other"])
    size = SIZE_WORDS.get(r["size_class"] or "unknown", SIZE_WORDS["unknown"])
    exempt, halve = (_join([UNIT_TYPES.get(t, UNIT_TYPES["other"]) for t in s[k]]) for k in ("exempt", "halve"))
    return ((f"{unit[0]}, {size[0]}", f"{unit[1]}, {size[1]}"),
            (f"中小微企业和{exempt[0]}免征; 大型企业和{halve[0]}减半征收",
             f"SMEs and {exempt[1]} exempt; large enterprises and {halve[1]} halved"))


def _relief_defer(r: dict, s: dict) -> tuple[Pair, Pair]:
    found = ("已认定生产经营严重困难", "certified in serious difficulty") if r["flags"] else ("未认定", "not certified")
    last = (f", 最迟至{s['last']}", f", to {s['last']} at the latest") if s["last"] else ("", "")
    return found, (f"认定当月起缓缴最长{s['months']}个月{last[0]}, 免收滞纳金",
                   f"deferred from the month certified for up to {s['months']} months{last[1]}, no late fee")


def _relief_dues(r: dict, s: dict) -> tuple[Pair, Pair]:
    (ef, el), (hf, hl) = s["exempt"], s["halve"]
    return (("见每月减免明细", "see the relief per month"),
            (f"免征{ef}至{el}, 减半征收{hf}至{hl}", f"exempt {ef} to {el}, halved {hf} to {hl}"))


_PROGRAMME_CRITERIA = {"hires_file": _hires_file, "eligible_hires": _eligible_hires, "interns_file": _interns_file,
                       "eligible_interns": _eligible_interns, "confirmation": _confirmation,
                       "department_confirmation": _department_confirmation,
                       "listed_industry": _listed_industry, "month_headcount": _month_headcount,
                       "difficulty": _difficulty, "region_fund": _region_fund, "headcount": _headcount,
                       "risk_area": _risk_area, "retention_size": _retention_size,
                       "listed_headcount": _listed_headcount, "relief_kind": _relief_kind,
                       "relief_defer": _relief_defer, "relief_dues": _relief_dues}


def _layoff(r: dict, s: dict) -> tuple[Pair, Pair]:
    rate, opening, closing = r["rate_micro"], r["opening"], r["closing"]
    heads = (f"年初参保{opening}人, 年末{closing}人", f"{opening} insured at the start of the year, {closing} at the end")
    if rate is None:
        why = ("缺少年初参保人数", "the start-of-year headcount is missing") if opening is None else heads
        read = (f"无法计算 ({why[0]})", f"cannot be worked out ({why[1]})")
    else:
        pct = f"{(Decimal(rate) / 10_000).quantize(Decimal('0.01'))}%"
        read = (f"{pct} ({heads[0]})", f"{pct} ({heads[1]})")
    if s["limit"] is None:
        return read, ("不设上限", "no limit")
    word = ("低于", "below") if s["strict"] else ("不高于", "at most")
    limit = _percent(s["limit"])
    standard = (f"{word[0]}{limit}", f"{word[1]} {limit}")
    if s.get("local"):
        standard = (f"{word[0]}统筹地区城镇登记失业率 ({limit})",
                    f"{word[1]} the local registered unemployment rate ({limit})")
    if r["kind"] == "small" and s["small_max"]:
        standard = (f"参保{s['small_max']}人及以下的单位: {standard[0]}",
                    f"units of {s['small_max']} insured or fewer: {standard[1]}")
    return read, standard


def _size(r: dict, s: dict) -> tuple[Pair, Pair]:
    size = SIZE_WORDS.get(r["size_class"] or "unknown", SIZE_WORDS["unknown"])
    if r["employees"] is not None:
        size = (f"{size[0]} (从业人数{r['employees']}人)", f"{size[1]} ({r['employees']} staff)")
    ratio = r["ratio_units"]
    share = (f"返还比例{Decimal(ratio) / 100:g}%", f"{Decimal(ratio) / 100:g}% returned") if ratio is not None else (
        "返还比例未定", "share not set")
    sme, large = (_percent(s[k]) if s[k] else "—" for k in ("ratio_sme", "ratio_large"))
    return ((f"{size[0]}, {share[0]}", f"{size[1]}, {share[1]}"),
            (f"中小微企业返还{sme}, 大型企业返还{large}", f"SMEs get {sme} back, large firms {large}"))


def lines(reading: Reading | None, c: CaseProgress | None = None) -> list[Line]:
    """Each criterion of the decision in words; a step the unit has since completed (its confirmation, accepted by
    staff) says so rather than the rules' "to be reviewed"."""
    if reading is None:
        return []
    confirmed = c is not None and c.state not in ("review", "review-listed", "rejected")
    out = []
    for f in reading.facts:
        read, standard = _read(f)
        outcome = "pass" if f.criterion in STEPS_AFTER and confirmed else f.outcome
        verdict = CONFIRMED if outcome != f.outcome else OUTCOMES.get(f.outcome, OUTCOMES["unknown"])
        if f.criterion == "department_confirmation" and c is not None and c.declined:
            outcome, verdict = "fail", DECLINED                  # the department said no, with its reason above
        out.append(Line(f.criterion, outcome, LABELS[f.criterion], read, standard, verdict, "、".join(f.documents)))
    return out


CONFIRMED: Pair = ("已确认, 经审核通过", "confirmed and accepted")
DECLINED: Pair = ("行业主管部门不予确认", "declined by the industry department")
STEPS_AFTER = ("confirmation", "department_confirmation")   # steps after the rules that a person completes
RETURNS = ("ui-return", "difficult-return")            # premiums given back; the other programmes grant a sum


def answer(x: Explanation, c: CaseProgress) -> Answer:
    """Qualified or not; the amount or the main reason; the next step and by when; where "有异议?" leads."""
    state, reasons = c.state, [reason_words(r) for r in c.reasons]
    amount = f"{c.amount:,.2f}"
    verdict: Pair
    returns = c.program in RETURNS
    if state == "rejected":
        verdict, good = ("不符合返还条件" if returns else "不符合补贴条件", "not qualified"), False
    elif state == "review" and c.reasons == [DEPARTMENT_NEEDED]:
        verdict, good = ("符合条件, 待行业主管部门确认", "qualified; waits for the industry department's confirmation"), True
    elif state in ("review", "review-listed"):
        verdict, good = ("需要申请, 由工作人员审核后决定", "an application, then a staff review, decides"), False
    elif state == "recovered":
        verdict, good = ("符合条件, 但账户未及时更正, 资金已收回", "qualified, but the money was recovered"), False
    elif state in ("failed", "reissued"):
        verdict, good = ("符合条件, 但银行未能入账", "qualified, but the bank could not pay it in"), False
    else:
        verdict, good = (("符合条件, 资金已到账", "qualified and paid") if state in ("paid", "closed")
                         else ("符合条件, 无需申请", "qualified: nothing to apply for")), True
    if state == "rejected" and c.declined:
        detail = (f"原因: {c.declined[0]}", f"because: {c.declined[1]}")
    elif state in ("rejected", "review", "review-listed") and reasons:
        main = _join(reasons)
        detail = (f"原因: {main[0]}", f"because: {main[1]}")
    elif state in ("failed", "reissued"):
        bank = bank_reason(c.bank_reason)
        detail = (f"{'返还' if returns else '补贴'}{amount}元; 银行退回原因: {bank[0]}",
                  f"{amount} yuan; the bank's reason: {bank[1]}")
    else:
        r = x.reading
        share = f"{Decimal(r.ratio_units) / 100:g}%" if r and r.ratio_units is not None else ""
        basis = (f" (上年度缴纳的失业保险费{_yuan(r.base_fen)}元 × {share})",
                 f" ({share} of the {_yuan(r.base_fen)} yuan of unemployment insurance paid in the base year)") if (
                     r and r.ratio_units is not None and r.base_fen) else ("", "")
        given = (("返还金额", "returned") if returns else ("补助金额", "granted"))
        detail = (f"{given[0]}{amount}元{basis[0]}", f"{amount} yuan {given[1]}{basis[1]}")
    return Answer(verdict, detail, step(c), good, state in ("review", "review-listed"), _dispute(c))


def step(c: CaseProgress) -> Pair | None:
    """The unit's next step and by when: for a failed payment the bank's reason's, for a rejection or review the
    main reason's, else its state's."""
    if c.state == "failed":
        return next_step(f"bank.{c.bank_reason or ''}", c.deadline)
    if c.state == "rejected" and c.declined:
        return next_step("reason.department_declined")
    if c.state in ("rejected", "review") and c.reasons:
        return next_step(f"reason.{c.reasons[0]}", c.deadline) or next_step(f"state.{c.state}", c.deadline)
    return next_step(f"state.{c.state}", c.deadline)


def status(c: CaseProgress) -> Pair:
    """The case's state in words (a failed payment with the bank's reason)."""
    if c.state == "failed" and c.bank_reason:
        bank = bank_reason(c.bank_reason)
        return f"支付失败: {bank[0]}", f"payment failed: {bank[1]}"
    return case_words(c.state)


def _dispute(c: CaseProgress) -> tuple[str, Pair] | None:
    """Where "有异议?" leads: the objection form while on a public list, the application while it may apply, else a
    call back."""
    if c.batch and c.state in ("publicity", "objection-raised", "review-listed"):
        return "#object", ("有异议? 在公示期内提出", "Disagree? Object while the list is up")
    if c.can_apply:
        return f"/portal/cycles/{c.cycle_id}/apply", ("有异议? 在线申请, 由工作人员审核", "Disagree? Apply for a review")
    if c.state in ("failed", "account-held"):
        return f"/portal/cycles/{c.cycle_id}/account", ("更正收款账户", "Correct the bank account")
    if c.state == "rejected":
        return (f"/portal/callbacks?cycle={c.cycle_id}",
                ("有异议? 请工作人员回电核实", "Disagree? Ask staff to call you back and check"))
    return f"/portal/callbacks?cycle={c.cycle_id}", ("有疑问? 请工作人员回电", "A question? Ask staff to call you back")


def dispute_question(c: CaseProgress) -> Pair:
    """What a unit disputing its case by callback would say: the case and its result in words, for the form to start
    from (the unit edits it; staff read which case it is about without asking)."""
    state, title = status(c), pack_words(c.pack)
    reasons = _join([reason_words(r) for r in c.reasons]) if c.reasons else None
    why = (f" (原因: {reasons[0]})", f" (because: {reasons[1]})") if reasons else ("", "")
    return (f"关于「{title[0]}」的结果「{state[0]}」{why[0]}: 我单位有异议, 请核实并回电。",
            f"About \"{title[1]}\", result \"{state[1]}\"{why[1]}: we disagree; please check and call us back.")
