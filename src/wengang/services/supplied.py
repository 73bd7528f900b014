"""Facts a person supplied for one unit where the snapshot leaves its size class or layoff rate unknown: read from a
form, kept in the audit trail, and used again whenever the unit is decided again in the same cycle."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.audit import Entry
from wengang.domain.errors import Refused
from wengang.rules.explain import Line

# Review with data: the facts a reviewer may supply where the snapshot leaves size class or layoff rate unknown
# (POLICIES.md 1.3, 1.4, 1.6), by the name the rules read them under (rules/engine.py SUPPLIABLE).
FACTS: dict[str, tuple[str, str, str]] = {
    "employees": ("从业人员数", "staff count", "count"),
    "revenue": ("营业收入 (元)", "revenue (yuan)", "yuan"),
    "assets": ("资产总额 (元)", "total assets (yuan)", "yuan"),
    "size_class": ("主管部门划型", "agency size class", "class"),
    "opening_insured": ("年初参保人数", "opening insured headcount", "count"),
}
SIZE_WORDS = {"large": ("大型", "large"), "medium": ("中型", "medium"), "small": ("小型", "small"),
              "micro": ("微型", "micro")}
SUPPLIED_EVENT = "review_with_data"
_COUNT = re.compile(r"[0-9]{1,9}")
_YUAN = re.compile(r"[0-9]{1,15}(\.[0-9]{1,2})?")


@dataclass(frozen=True)
class SuppliedFacts:
    """Facts a person supplied for one unit, each as the rules read it, and the evidence they rest on."""

    values: dict[str, int | Decimal | str]
    evidence: str

    def shown(self) -> str:
        """In words: 从业人员数 staff count 300; 营业收入 (元) revenue (yuan) 12,000,000.00 …"""
        parts = []
        for key, value in self.values.items():
            zh, en, kind = FACTS[key]
            text = (f"{value:,.2f}" if kind == "yuan" else " / ".join(SIZE_WORDS[str(value)]) if kind == "class"
                    else f"{value:,}")
            parts.append(f"{zh} {en}: {text}")
        return "; ".join(parts)

    def stored(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.values.items()}


def supplied_facts(form: Mapping[str, str], evidence: str) -> SuppliedFacts:
    """The facts typed into the form, checked one by one; every problem named (Chinese, then English), or Refused."""
    values: dict[str, int | Decimal | str] = {}
    problems = []
    for key, (zh, en, kind) in FACTS.items():
        text = (form.get(key) or "").strip()
        if not text:
            continue
        if kind == "count" and _COUNT.fullmatch(text):
            values[key] = int(text)
        elif kind == "yuan" and _YUAN.fullmatch(text):
            values[key] = Decimal(text)
        elif kind == "class" and text in SIZE_WORDS:
            values[key] = text
        else:
            want = {"count": ("须为不小于 0 的整数", "must be a whole number, 0 or more"),
                    "yuan": ("须为元, 最多两位小数, 不小于 0 (如 1200000.50)",
                             "must be yuan with at most two decimals, 0 or more (e.g. 1200000.50)"),
                    "class": ("须为 大型/中型/小型/微型 之一", "must be one of large, medium, small, micro")}[kind]
            problems.append(f"{zh} {want[0]} / {en} {want[1]}: {text[:40]!r}")
    if not values and not problems:
        problems.append("请至少补充一项数据 / supply at least one fact")
    if not evidence.strip():
        problems.append("请写明依据 (文件、来源) / name the evidence (document, source)")
    if problems:
        raise Refused("; ".join(problems))
    return SuppliedFacts(values, evidence.strip())


def facts_of(entries: list[Entry]) -> SuppliedFacts | None:
    """The facts the case was last decided with, from its audit trail (None: decided on the snapshot alone)."""
    for entry in reversed(entries):
        if entry.event == SUPPLIED_EVENT:
            data = json.loads(entry.data)
            kinds = {k: FACTS[k][2] for k in data["supplied"]}
            values: dict[str, int | Decimal | str] = {
                k: int(v) if kinds[k] == "count" else Decimal(v) if kinds[k] == "yuan" else v
                for k, v in data["supplied"].items()}
            return SuppliedFacts(values, data["evidence"])
    return None


def supplied_line(facts: SuppliedFacts, who: str = "") -> Line:
    """The explanation's line for supplied facts: what was supplied and on what evidence."""
    return Line("supplied", "补充数据 / supplied facts", "已采用 / used", facts.shown(),
                f"依据 evidence: {facts.evidence}" + (f" ({who})" if who else ""))
