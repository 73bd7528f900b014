"""办事指南 in plain words, generated from a policy pack: what it is, who qualifies, how much, how it is delivered,
the dates, each with its document number; never a parameter key, a spec section or a seed reference."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wengang.domain.errors import NotFound
from wengang.rules.criteria import BY_ID, PERSON_BY_ID, value_words
from wengang.rules.parameters import Pack, PackError, load_pack, pack_ids
from wengang.rules.programmes import GENERAL, Programme, programme_of
from wengang.rules.resolved import shown
from wengang.web.words import RULE_REASONS, UNIT_TYPES, day_words

INTERNAL = re.compile(r"POLICIES\.md|§|seed |DATA\.md")


@dataclass(frozen=True, slots=True)
class Line:
    """One plain sentence of the guide (Chinese, English) and the documents it rests on."""

    zh: str
    en: str
    documents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlainGuide:
    """A pack as a visitor reads it: five short sections and the documents behind it."""

    id: str
    title: str
    title_en: str
    base_year: int
    sections: list[tuple[str, str, list[Line]]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)


def document(reference: str) -> str | None:
    """The document a reference names ("人社部发〔2021〕29号"), without the note after it; None for an internal one."""
    head = re.split(r" \(|;|（", reference, maxsplit=1)[0].strip()
    return None if not head or INTERNAL.search(head) else head


def _pct(value: Any) -> str:
    """A share as a percentage: Decimal 0.06 → "6%"."""
    return f"{(Decimal(value) * 100).normalize():f}%"


_day = day_words


def _dated(pack: Pack, name: str, zh: str, en: str, shown=_pct) -> list[Line]:
    """One line per dated value: "from <day>, <text with the value>", with its document."""
    series = pack.param(name).values
    out = []
    for d in series:
        since_zh, since_en = _day(d.start)
        value = shown(d.value)
        lead = (f"自{since_zh}起, ", f"From {since_en}, ") if len(series) > 1 else ("", "")
        text_en = en.format(value) if lead[1] else en.format(value)[0].upper() + en.format(value)[1:]
        out.append(Line(lead[0] + zh.format(value), lead[1] + text_en,
                        tuple(filter(None, [document(d.reference)]))))
    return out


def _now(pack: Pack, name: str) -> tuple[Any, tuple[str, ...]]:
    """The newest value of a parameter and its document."""
    last = pack.param(name).values[-1]
    return last.value, tuple(filter(None, [document(last.reference)]))


def _limit(pack: Pack, limit: str, comparison: str, who_zh: str, who_en: str) -> Line | None:
    """The layoff-rate condition for a group of units in words, or None when the group has no limit of its own."""
    value, docs = _now(pack, limit)
    below = str(_now(pack, comparison)[0]) == "<"
    word = ("低于", "below") if below else ("不高于", "at most")
    if value == "none":
        return None
    if value == "local_registered_rate":
        rate, more = _now(pack, "local_registered_unemployment_rate")
        return Line(f"{who_zh}上年度裁员率{word[0]}统筹地区城镇登记失业率 (全国为{_pct(rate)})。",
                    f"{who_en}: a layoff rate last year {word[1]} the local registered unemployment rate "
                    f"(nationally {_pct(rate)}).", docs + more)
    return Line(f"{who_zh}上年度裁员率{word[0]}{_pct(value)}。", f"{who_en}: a layoff rate last year {word[1]} "
                f"{_pct(value)}.", docs)


def plain_guide(pack_id: str) -> PlainGuide:
    """The guide of one pack in plain words; NotFound for a pack that does not exist or does not load."""
    if pack_id not in pack_ids():
        raise NotFound(f"没有这个政策 / no such policy {pack_id!r}")
    try:
        pack = load_pack(pack_id)
    except PackError as err:
        raise NotFound(str(err)) from None
    programme = programme_of(pack)
    if programme.id != GENERAL:
        return _programme_guide(pack, programme)
    year = pack.base_year
    types, types_docs = _now(pack, "scope_unit_types")
    months, months_docs = _now(pack, "min_paid_months")
    arrears, arrears_docs = _now(pack, "arrears_tolerance")
    small, _ = _now(pack, "small_unit_max_insured")
    excluded, ex_docs = _now(pack, "exclude_flags")
    review, review_docs = _now(pack, "review_flags")
    days, days_docs = _now(pack, "publicity_days")
    rounds, rounds_docs = _now(pack, "comparison_rounds")
    during, _ = _now(pack, "review_during_publicity")

    def flags(codes) -> tuple[str, str]:
        shown = [RULE_REASONS.get(f"flag:{c}", ("其他情形", "another case")) for c in codes]
        return "、".join(z for z, _ in shown), ", ".join(e for _, e in shown)

    def kinds(codes) -> tuple[str, str]:
        shown = [UNIT_TYPES.get(c, ("其他单位", "other units")) for c in codes]
        return "、".join(z for z, _ in shown), ", ".join(e for _, e in shown)

    ex, rv, ut = flags(excluded), flags(review), kinds(types)
    what = [Line(f"把单位{year}年实际缴纳的失业保险费按比例退还给单位, 支持单位稳定就业岗位。",
                 f"Part of the unemployment-insurance premiums a unit actually paid in {year} is returned to it, "
                 "to help it keep its jobs."),
            Line("“免申即享”: 符合条件的单位不用申请, 系统比对数据后自动公示、直接拨付。",
                 "No application: a qualifying unit need not apply; after the data are compared it is listed "
                 "publicly and paid directly.")]
    who = [Line(f"适用单位: {ut[0]}。", f"Who: {ut[1]}.", types_docs),
           Line(f"依法参加失业保险, 并足额缴费满{months}个月。",
                f"Insured against unemployment and paid in full for at least {months} months.", months_docs),
           Line("没有欠缴失业保险费。" if Decimal(arrears) == 0 else f"欠费不超过{arrears}元。",
                "No premiums in arrears." if Decimal(arrears) == 0 else f"Arrears of at most {arrears} yuan.",
                arrears_docs)]
    who += [x for x in (_limit(pack, "layoff_limit", "layoff_comparison", "单位", "Units"),
                        _limit(pack, "layoff_limit_large", "layoff_comparison_large", "大型企业", "Large units"),
                        _limit(pack, "small_unit_limit", "small_unit_comparison", f"参保职工{small}人及以下的单位",
                               f"Units with {small} insured staff or fewer")) if x]
    who += [Line(f"有下列情形之一的不予返还: {ex[0]}。", f"Not paid to a unit that is: {ex[1]}.", ex_docs),
            Line(f"有下列情形的, 须由单位在线申请并经人工审核: {rv[0]}。",
                 f"A unit with any of these must apply online and is reviewed by staff: {rv[1]}.", review_docs)]
    much = (_dated(pack, "ratio_large", "大型企业: 返还上年度实际缴纳失业保险费的{}。",
                   "large units: {} of last year's premiums actually paid.")
            + _dated(pack, "ratio_sme", "中小微企业: 返还上年度实际缴纳失业保险费的{}。",
                     "small, medium and micro units: {} of last year's premiums actually paid."))
    if "ratio_raise_allowed_sme" in pack.parameters:
        big, docs = _now(pack, "ratio_raise_allowed_large")
        sme, _ = _now(pack, "ratio_raise_allowed_sme")
        much.append(Line(f"失业保险基金结余可支付1年以上的地区, 可提高到大型企业{_pct(big)}、中小微企业{_pct(sme)}。",
                         f"Regions whose fund reserve covers a year or more may raise them to {_pct(big)} and "
                         f"{_pct(sme)}.", docs))
    much.append(Line("金额精确到分, 以元为单位公示。", "Amounts are exact to the fen and published in yuan."))
    delivery = [Line(f"公示前, 社保数据与市场监管、信用、法院、税务等部门数据比对{rounds}轮。",
                     f"Before the list, social-insurance data are compared with market-supervision, credit, court "
                     f"and tax data, in {rounds} round{'' if rounds == 1 else 's'}.", rounds_docs),
                Line(f"名单公示{days}天, 期间任何人都可以提出异议。",
                     f"The list is public for {days} days; anyone may object during that time.", days_docs),
                Line("公示期间同时审核需人工审核的单位 (边公示边审核)。" if during is True else
                     "需人工审核的单位, 审核通过后再公示。",
                     "Units under review are reviewed while the list is up." if during is True else
                     "Units under review are listed once the review accepts them."),
                Line("拨付前用最新数据再比对一次, 钱直接打到单位在社保登记的银行账户。",
                     "Just before payment the newest data are compared once more; the money goes straight to "
                     "the bank account the unit registered with social insurance."),
                Line("单位可登录查看进度和原因; 账户变更须经工作人员核验。",
                     "A unit signs in to follow its case and read why; a new account is used once staff verify it.")]
    starts = [d.start for p in pack.parameters.values() for d in p.values]
    first = min([d for d in starts if d.year > year] or starts)
    dates = [Line(f"按{year}年1月1日至12月31日的参保缴费情况计算。",
                  f"Based on insurance and premiums from 1 January to 31 December {year}."),
             Line(f"本期政策自{_day(first)[0]}起执行。", f"This policy applies from {_day(first)[1]}.")]
    documents = list(dict.fromkeys(d for d in (document(r) for r in pack.references) if d))
    return PlainGuide(pack.id, pack.title, pack.title_en, year, [
        ("这是什么", "What it is", what), ("谁可以享受", "Who qualifies", who), ("能返还多少", "How much", much),
        ("怎么发放", "How it is paid", delivery), ("时间", "Dates", dates)], documents)


def _values(pack: Pack, names: tuple[str, ...]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The newest value of each parameter as a label reads it, and their documents."""
    values: dict[str, str] = {}
    docs: list[str] = []
    for name in names:
        if name in pack.parameters:
            value, more = _now(pack, name)
            values[name] = shown(value)
            docs += more
    return values, tuple(dict.fromkeys(docs))


def _programme_guide(pack: Pack, programme: Programme) -> PlainGuide:
    """Any programme but the general return, from the registry: each criterion's label with the pack's numbers, the
    sums the pack sets (their labels, a regional one said so), how it is delivered."""
    year = pack.base_year
    pays = programme.pays
    what = [Line(f"{programme.name[0]}: {pack.title}。", f"{programme.name[1]}: {pack.title_en}."),
            Line(("符合条件的单位无需申请, 系统比对数据后自动认定" + ("; 单位只需在线确认并签署承诺书。"
                                                          if "confirmation" in programme.criteria else "。"))
                 if pays else
                 "减免、缓缴在单位缴费时直接执行, 不发放资金; 系统逐月计算并报告减免和缓缴的金额。",
                 ("A qualifying unit need not apply: the data are compared and it is found automatically"
                  + ("; it only confirms online and signs a commitment letter." if "confirmation" in programme.criteria
                     else ".")) if pays else
                 "The relief applies to the unit's dues directly and pays nothing; the system works out and reports "
                 "each month's relief and deferral.")]
    who = []
    for cid in (*programme.criteria, *programme.persons):
        if cid.endswith("_file"):                           # whether the data arrived: not a condition on the unit
            continue
        c = BY_ID.get(cid) or PERSON_BY_ID[cid]
        values, docs = _values(pack, c.parameters)
        zh, en = c.words(values)
        if cid == "scope":                                  # the kinds of unit, not "in scope"
            kinds = [UNIT_TYPES.get(k, ("其他单位", "other units")) for k in _now(pack, "scope_unit_types")[0]]
            zh, en = "、".join(k[0] for k in kinds), ", ".join(k[1] for k in kinds)
        elif c.flags:                                       # the findings it names, not "none that excludes"
            shown_flags = [RULE_REASONS.get(f"flag:{f}", ("其他情形", "another case")) for f in _now(pack, c.flags)[0]]
            if not shown_flags:
                continue
            zh = "有下列情形之一的除外: " + "、".join(f[0] for f in shown_flags)
            en = "except a unit that is: " + ", ".join(f[1] for f in shown_flags)
        elif zh == "—":                                     # a value the region supplies
            zh, en = "由本地区按文件确定", "set by the region in its own document"
        who.append(Line(f"{c.name[0]}: {zh}。", f"{c.name[1]}: {en}.", tuple(dict.fromkeys((*c.documents, *docs)))))
    much = []
    for name in dict.fromkeys(n for cid in (*programme.criteria, *programme.persons)
                              for n in (BY_ID.get(cid) or PERSON_BY_ID[cid]).parameters):
        param = pack.parameters.get(name)
        if param is None or not _money(name):
            continue
        value, docs = _now(pack, name)
        if str(value) == "none" and name in _FORMULA_CHOICE:   # the formula this pack does not use
            continue
        label_zh, _, label_en = param.label.partition(" / ")
        words = value_words(name, shown(value), 0)
        words_en = value_words(name, shown(value), 1)
        if words is None or str(value) == "none":
            words, words_en = ("由本地区按文件确定" if not param.regions else "按地区确定",
                               "set by the region in its own document" if not param.regions else "by region")
        much.append(Line(f"{label_zh}: {words}。", f"{label_en or label_zh}: {words_en}.", docs))
    if pays:
        much.append(Line("金额精确到分, 以元为单位公示。", "Amounts are exact to the fen and published in yuan."))
    days, days_docs = _now(pack, "publicity_days")
    delivery = ([Line(f"名单公示{days}天, 期间任何人都可以提出异议。",
                      f"The list is public for {days} days; anyone may object during that time.", days_docs),
                 Line("拨付前用最新数据再比对一次, 钱直接打到单位在社保登记的银行账户。",
                      "Just before payment the newest data are compared once more; the money goes straight to the "
                      "bank account the unit registered with social insurance.")] if pays else
                [Line("单位可登录查看每月减免和缓缴的金额及原因。",
                      "A unit signs in to see each month's relief and deferral and why.")])
    if "department_confirmation" in programme.criteria and pack.departments:
        delivery.insert(0, Line(
            f"由行业主管部门({'、'.join(d.name for d in pack.departments)})在系统中确认本行业的单位后公示; 不予确认的, "
            "单位可在“为什么”页看到部门的理由。",
            f"The industry departments ({', '.join(d.name_en for d in pack.departments)}) each confirm the units of "
            "their industries in the system before the list; a unit declined reads the department's reason on its "
            "“why” page."))
    if "confirmation" in programme.criteria:
        delivery.insert(0, Line("单位在线确认名单信息并签署承诺书, 工作人员核查后发放。",
                                "The unit confirms online and signs a commitment letter; staff check, then pay."))
    starts = [d.start for p in pack.parameters.values() for d in p.values]
    first = min([d for d in starts if d.year > year] or starts)
    dates = [Line(f"本期政策自{_day(first)[0]}起执行。", f"This policy applies from {_day(first)[1]}.")]
    documents = list(dict.fromkeys(d for d in (document(r) for r in pack.references) if d))
    heading = ("能补助多少", "How much") if pays else ("减免多少", "How much relief")
    return PlainGuide(pack.id, pack.title, pack.title_en, year, [
        ("这是什么", "What it is", what), ("谁可以享受", "Who qualifies", who), (*heading, much),
        ("怎么办理", "How it is delivered", delivery), ("时间", "Dates", dates)], documents)


_MONEY = ("per_head", "per_person", "monthly_benefit", "benefit_months", "premium_months", "premium_share",
          "minimum_wage", "minimum_wage_share", "headcount_month", "half_fen")


_FORMULA_CHOICE = ("benefit_months", "premium_months")     # one of the two is `none`: that formula is not used


def _money(name: str) -> bool:
    """Parameters that set how much (their labels are the pack's own words)."""
    return name in _MONEY
