"""Unit and account names go into bank files, publicity lists and spreadsheets: one rule for what all of them take."""

from __future__ import annotations

import re

NAME_LIMIT = 140                       # ISO 20022 Max140Text (Nm), the CSV bank layout and the publicity list
FORMULA_START = ("=", "+", "-", "@")   # a spreadsheet runs a cell starting so as a formula; the CSV bank layout refuses it
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def name_problem(value: object, limit: int = NAME_LIMIT) -> str | None:
    """Why a name cannot go into every bank file format and list, or None when all of them take it."""
    if type(value) is str and value and len(value) <= limit and value.isprintable() and not value.isspace() \
            and value[0] not in FORMULA_START:
        return None    # hot: printable text has no control character, so the checks below would all pass
    if not isinstance(value, str) or not value.strip():
        return "名称不能为空 / the name must not be blank"
    found = _CONTROL.search(value)
    if found:
        return (f"名称第 {found.start() + 1} 个字符是控制字符 {found.group()!r}, 银行文件和公示名单只接受可打印文字 / "
                f"character {found.start() + 1} of the name is the control character {found.group()!r}: bank files "
                "and publicity lists take printable text only")
    if len(value) > limit:
        return (f"名称 {len(value)} 字, 银行文件和公示名单最多 {limit} 字 / the name has {len(value)} characters: "
                f"bank files and publicity lists take at most {limit}")
    if value[0] in FORMULA_START:
        return (f"名称不能以 {value[0]!r} 开头, 电子表格会把它当公式执行 / the name may not start with {value[0]!r}: "
                "a spreadsheet would run it as a formula and the CSV bank layout refuses it")
    return None
