"""A stored run's pack with some values changed, built in memory as its child: what a simulation evaluates. Each
value is read in the form the packs write that parameter in, and refused in words (key and value) otherwise."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import yaml

from wengang.domain.simulation import SIMULATION_REFERENCE, Change, SimulationRefused
from wengang.rules.parameters import Dated, Pack, PackError, Parameter, pack_file, pack_ids
from wengang.snapshot import schema

# GB/T 2260 province codes: a division-code prefix starts with one of them (2, 4 or 6 digits: province, city, county).
PROVINCES = frozenset({"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
                       "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
                       "81", "82"})
# The words a list parameter may hold, where DATA.md names them (other lists: lower-case codes).
VOCABULARY: dict[str, tuple[str, ...]] = {
    "scope_unit_types": schema.UNIT_TYPES, "exempt_unit_types": schema.UNIT_TYPES,
    "halve_unit_types": schema.UNIT_TYPES, "exclude_flags": schema.FLAGS, "review_flags": schema.FLAGS,
    "natural_attrition": schema.SEPARATION_REASONS, "claim_kinds": schema.CLAIM_KINDS,
    "large_industries": schema.INDUSTRIES, "hire_categories": schema.YOUTH_CATEGORIES}
TRUE, FALSE = ("true", "yes", "是"), ("false", "no", "否")
CODE = re.compile(r"[a-z][a-z0-9_]*")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def check_region(region: str) -> None:
    """A division-code prefix: 2, 4 or 6 digits starting with a province's code."""
    if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", region) or region[:2] not in PROVINCES:
        raise SimulationRefused(f"地区 {region!r} 不是行政区划代码前缀 (2、4或6位数字, 以省级代码开头, 如 11、1101、110108) / "
                                f"region {region!r} is not a division-code prefix (2, 4 or 6 digits starting with a "
                                "province's code, e.g. 11, 1101, 110108)")


def changed_pack(base: Pack, changes: Sequence[Change]) -> Pack:
    """The base pack with each change in force from the first day (nationally, or for its region's prefix; a region
    the pack sets itself keeps its value under a national change), as a child that is never written anywhere."""
    params = dict(base.parameters)
    seen: set[tuple[str, str]] = set()
    for change in changes:
        if (change.key, change.region) in seen:
            raise SimulationRefused(f"参数 {change.shown()} 给了两次 / {change.shown()} is given twice")
        seen.add((change.key, change.region))
        param = _param(base, change.key)
        if change.region:
            check_region(change.region)
        dated = Dated(read_value(change), dt.date.min, SIMULATION_REFERENCE)
        params[change.key] = (Parameter(param.name, param.label, param.values, {**param.regions, change.region: (dated,)})
                              if change.region else Parameter(param.name, param.label, (dated,), param.regions))
    child = f"{base.id}+simulation"
    return replace(base, id=child, parameters=params, lineage=base.lineage + (child,))


def _param(base: Pack, key: str) -> Parameter:
    """The parameter a change names, or a refusal that suggests the nearest keys."""
    if key in base.parameters:
        return base.parameters[key]
    near = difflib.get_close_matches(key, list(base.parameters), n=3)
    hint = f"; 是否指 / did you mean {', '.join(near)}" if near else ""
    raise SimulationRefused(f"政策包 {base.id} 没有参数 {key!r} / pack {base.id} has no parameter {key!r}{hint}")


def read_value(change: Change) -> Any:
    """The typed value of a change, in the forms the shipped packs write this parameter in (a share as 90%, a number,
    a month, true/false, a list of codes, or one of the words they use)."""
    key, text = change.key, change.value.strip()
    forms = value_forms().get(key, Forms())
    if text in forms.words:
        return text
    if forms.boolean and text.lower() in TRUE + FALSE:
        return text.lower() in TRUE
    if forms.percent:
        return _share(key, text, forms)
    if forms.number:
        return _number(key, text, forms)
    if forms.month and MONTH.fullmatch(text):
        return text
    if forms.listed:
        return _codes(key, text)
    raise SimulationRefused(f"参数 {key} 的值 {text!r} 无法识别, 应为 {forms.zh()} / {key}: {text!r} is not a value "
                            f"this parameter takes; expected {forms.en()}")


def _share(key: str, text: str, forms: Forms) -> Decimal:
    """A percentage: "90%" (or the fraction 0.9), between 0% and 100%."""
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 1:
        raise SimulationRefused(f"参数 {key} 的值 {text!r} 不是0%到100%之间的百分比 (如 90%){forms.also_zh()} / {key}: "
                                f"{text!r} is not a percentage between 0% and 100% (e.g. 90%){forms.also_en()}")
    return value


def _number(key: str, text: str, forms: Forms) -> Decimal:
    """A number not below zero, with no more decimals than the packs write it with (months whole, yuan to the fen)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    places = forms.places
    if value is None or not value.is_finite() or value < 0 or -value.as_tuple().exponent > places:  # type: ignore[operator]
        kind = ("不小于0的整数", "a whole number not below 0") if places == 0 else (
            f"不小于0、最多{places}位小数的数", f"a number not below 0 with at most {places} decimals")
        raise SimulationRefused(f"参数 {key} 的值 {text!r} 应为{kind[0]}{forms.also_zh()} / {key}: {text!r} must be "
                                f"{kind[1]}{forms.also_en()}")
    return value


def _codes(key: str, text: str) -> tuple[str, ...]:
    """A comma-separated list of codes (empty: ""), each one DATA.md names for this parameter."""
    codes = tuple(c.strip() for c in text.split(",") if c.strip())
    known = VOCABULARY.get(key)
    for code in codes:
        if (known is not None and code not in known) or not CODE.fullmatch(code):
            allowed = ", ".join(known) if known else "小写代码 / lower-case codes"
            raise SimulationRefused(f"参数 {key} 的值 {text!r} 中的 {code!r} 不是可用代码 / {key}: {code!r} in {text!r} "
                                    f"is not a code it takes; one of: {allowed}")
    return codes


class Forms:
    """How the packs write one parameter: as a share, a number (to how many decimals), a month, true/false, a list,
    or some words."""

    def __init__(self) -> None:
        """Nothing seen yet: no form accepted."""
        self.percent = self.number = self.month = self.boolean = self.listed = False
        self.places = 0
        self.words: set[str] = set()

    def add(self, raw: Any) -> None:
        """Learn one value as a pack file writes it."""
        if isinstance(raw, bool):
            self.boolean = True
        elif isinstance(raw, list):
            self.listed = True
        elif isinstance(raw, str) and raw.endswith("%"):
            self.percent = True
        elif isinstance(raw, str) and MONTH.fullmatch(raw):
            self.month = True
        elif isinstance(raw, str | int):
            try:
                exponent = Decimal(str(raw)).as_tuple().exponent
                self.number, self.places = True, max(self.places, -int(exponent))
            except (InvalidOperation, ValueError, TypeError):
                self.words.add(str(raw))

    def _kinds(self, lang: int) -> list[str]:
        """The forms seen, in one language (0 Chinese, 1 English)."""
        names = [(("百分比 (如 90%)", "a percentage (e.g. 90%)"), self.percent), (("数字", "a number"), self.number),
                 (("月份 YYYY-MM", "a month YYYY-MM"), self.month), (("true 或 false", "true or false"), self.boolean),
                 (("逗号分隔的代码", "codes separated by commas"), self.listed)]
        return [words[lang] for words, used in names if used]

    def zh(self) -> str:
        """What the parameter takes, in Chinese."""
        return "、".join(self._kinds(0) + sorted(self.words)) or "未知"

    def en(self) -> str:
        """What the parameter takes, in English."""
        return ", ".join(self._kinds(1) + sorted(self.words)) or "unknown"

    def also_zh(self) -> str:
        """The words it also takes, for a refusal in Chinese."""
        return f", 或 {'、'.join(sorted(self.words))}" if self.words else ""

    def also_en(self) -> str:
        """The words it also takes, for a refusal in English."""
        return f", or one of {', '.join(sorted(self.words))}" if self.words else ""


@cache
def value_forms() -> dict[str, Forms]:
    """Every parameter's forms as written in the pack files on the policy path (read as text, before numbers become
    Decimals: "100%" and "1" differ there only)."""
    found: dict[str, Forms] = {}
    for pack_id in pack_ids():
        try:
            raw = yaml.safe_load(pack_file(pack_id).read_text(encoding="utf-8")) or {}
        except (PackError, OSError, yaml.YAMLError):
            continue
        for name, spec in (raw.get("parameters") or {}).items():
            series = [spec.get("values") or {}, *((spec.get("regions") or {}).values())]
            for dated in series:
                for entry in (dated or {}).values():
                    if isinstance(entry, dict) and "value" in entry:
                        found.setdefault(name, Forms()).add(entry["value"])
    return found
