"""The dashboard's keys in words and its drill-down links: a district by its division name, a size, industry, unit
type or programme by its words (never the code), each figure a link to the case list filtered to it."""

from __future__ import annotations

from urllib.parse import urlencode

from wengang.domain.cases import LISTED
from wengang.domain.figures import PAID
from wengang.rules.criteria import INDUSTRY_WORDS, SIZE_CLASS_WORDS, UNIT_TYPE_WORDS
from wengang.rules.divisions import division_name
from wengang.web.words import words

BREAKDOWN_WORDS = {"district": ("区县", "District"), "size": ("企业规模", "Size"), "industry": ("行业", "Industry"),
                   "unit_type": ("单位类型", "Unit type"), "program": ("项目", "Programme")}
UNKNOWN = ("未知", "unknown")
# The case list's filter for each breakdown (web/routes/staff.py Asked), and the states each figure counts; "paid"
# also asks for the cases whose money stayed (`kept`): a closed case recovered first is not paid (Cell.kept).
FILTER = {"district": "district", "size": "size", "industry": "industry", "unit_type": "unit_type",
          "program": "program"}
STAGES = {"cases": "", "listed": ",".join(sorted(s.value for s in LISTED)),
          "paid": ",".join(sorted(s.value for s in PAID))}


def key_words(by: str, key: str | None) -> tuple[str, str]:
    """A breakdown value as people read it: a division's name, a class's or programme's words."""
    if key is None:
        return UNKNOWN
    if by == "district":
        name = division_name(key)
        return (name, name) if name else (f"区划代码 {key}", f"division code {key}")
    table = {"size": SIZE_CLASS_WORDS, "industry": INDUSTRY_WORDS, "unit_type": UNIT_TYPE_WORDS}.get(by)
    if table is not None:
        return table.get(key, (key, key))
    return words(key)


def drill(cycle_id: int, *, stage: str = "cases", by: str | None = None, key: str | None = None,
          state: str | None = None) -> str:
    """The case list of the cycle filtered to one figure: a stage (all, listed, paid) or one state, and a key."""
    params: dict[str, str | int] = {"cycle": cycle_id}
    wanted = state if state is not None else STAGES[stage]
    if wanted:
        params["state"] = wanted
    if state is None and stage == "paid":
        params["kept"] = "1"
    if by is not None:
        params[FILTER[by]] = key if key is not None else "unknown"
    return "/staff/queue?" + urlencode(params)


def filter_words(name: str, value: str) -> tuple[str, str]:
    """An industry or unit-type filter of the case list in words ("行业: 零售业"), as the dashboard set it."""
    label = BREAKDOWN_WORDS[name]
    zh, en = key_words(name, None if value == "unknown" else value)
    return f"{label[0]}: {zh}", f"{label[1]}: {en}"
