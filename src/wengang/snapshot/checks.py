"""SQL expressions that say, for one text value, why it is bad (NULL when it is good)."""

from __future__ import annotations

from wengang.domain.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    PERSON_ID_PATTERN,
    PERSON_ID_TEXT,
    RESIDENT_ID_PATTERN,
    USCC_ALPHABET,
    USCC_WEIGHTS,
)
from wengang.domain.names import NAME_LIMIT
from wengang.snapshot.schema import FALSE_WORDS, TRUE_WORDS, Column

EMPTY = "必填项为空 / required value is empty"
NEGATIVE = "金额或人数不能为负 / value must not be negative"
NAME_SUSPECT = "__name_problem__"   # the SQL finds the few names that may be bad; domain.names.name_problem says why
# Over-inclusive on purpose: a formula start, a control character of names._CONTROL, or nothing but spaces.
NAME_SUSPECT_RE = r"^[=+\-@]|[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}\x{fffe}\x{ffff}]"
NAME_BLANK_RE = r"[\pZ]*"
# The whole value's shape per kind (RE2, as DuckDB and Arrow both match it); SQL and the batch checks share them.
SHAPES = {
    "uscc": "[0-9A-HJ-NPQRTUWXY]{18}", "region": "[0-9]{6}", "date": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "month": "[0-9]{4}-(0[1-9]|1[0-2])", "int": "[0-9]{1,9}", "money": r"[0-9]{1,16}(\.[0-9]{1,2})?",
    "bank_code": "[0-9]{12}", "mobile": "1[3-9][0-9]{9}", "email": r"[^@\s]+@[^@\s]+\.[^@\s]+",
    "openid": "[A-Za-z0-9_-]{6,64}", "account": "[0-9]{6,32}",
}
EMAIL_LIMIT, TEXT_LIMIT = 254, 200


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _uscc_sql(v: str) -> str:
    alphabet = _q(USCC_ALPHABET)
    terms = " + ".join(f"(instr({alphabet}, substr({v}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(USCC_WEIGHTS))
    expected = f"((31 - ({terms}) % 31) % 31)"
    return f"""CASE
      WHEN length({v}) <> 18 THEN '统一社会信用代码应为18位 / credit code must have 18 characters, has ' || length({v})
      WHEN NOT regexp_full_match({v}, {_q(SHAPES['uscc'])})
        THEN '含非法字符 / credit code may only use 0-9 and A-Y without I O Z S V'
      WHEN {expected} <> instr({alphabet}, substr({v}, 18, 1)) - 1
        THEN '校验码错误 / check digit should be ''' || substr({alphabet}, {expected} + 1, 1) || ''''
    END"""


def _id_sql(v: str) -> str:
    """DATA.md's person ids, as domain.identifiers.person_id_problem has them: the shape, then the check character
    of a value shaped like a second-generation resident ID (a lower-case x is told to be X)."""
    terms = " + ".join(f"CAST(substr({v}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(ID_WEIGHTS))
    expected = f"substr({_q(ID_CHECK)}, (({terms}) % 11) + 1, 1)"
    return f"""CASE
      WHEN NOT regexp_full_match({v}, {_q(PERSON_ID_PATTERN)}) THEN {_q(PERSON_ID_TEXT)}
      WHEN regexp_full_match({v}, {_q(RESIDENT_ID_PATTERN)}) THEN CASE
        WHEN {expected} <> substr({v}, 18, 1) THEN '身份证校验码错误 / ID check character should be '''
             || {expected} || ''', not ''' || substr({v}, 18, 1) || ''''
      END
    END"""


def _kind_sql(col: Column, v: str) -> str | None:
    kind = col.kind
    if kind == "uscc":
        return _uscc_sql(v)
    if kind == "person_id":
        return _id_sql(v)
    if kind == "enum":
        allowed = ", ".join(_q(c) for c in col.choices)
        return f"CASE WHEN {v} NOT IN ({allowed}) THEN '未知取值 / unknown value; allowed: {', '.join(col.choices)}' END"
    if kind == "name":
        return (f"CASE WHEN length({v}) > {NAME_LIMIT} OR regexp_matches({v}, {_q(NAME_SUSPECT_RE)}) "
                f"OR regexp_full_match({v}, {_q(NAME_BLANK_RE)}) THEN '{NAME_SUSPECT}' END")
    if kind == "region":
        return f"CASE WHEN NOT regexp_full_match({v}, {_q(SHAPES['region'])}) THEN '行政区划代码应为6位数字 / region must be 6 digits' END"
    if kind == "date":
        return (f"CASE WHEN NOT regexp_full_match({v}, {_q(SHAPES['date'])}) "
                f"OR try_strptime({v}, '%Y-%m-%d') IS NULL "
                f"THEN '日期无法解析 / not a date in the form YYYY-MM-DD' END")
    if kind == "month":
        return (f"CASE WHEN NOT regexp_full_match({v}, {_q(SHAPES['month'])}) "
                f"THEN '月份无法解析 / not a month in the form YYYY-MM' END")
    if kind == "int":
        return (f"CASE WHEN starts_with({v}, '-') THEN '{NEGATIVE}' "
                f"WHEN NOT regexp_full_match({v}, {_q(SHAPES['int'])}) "
                f"THEN '应为非负整数 / not a whole number (0 to 999999999)' END")
    if kind == "money":
        return (f"CASE WHEN starts_with({v}, '-') THEN '{NEGATIVE}' "
                f"WHEN regexp_full_match({v}, '[0-9]+\\.[0-9]{{3,}}') "
                f"THEN '金额最多两位小数 / money has at most two decimals' "
                f"WHEN NOT regexp_full_match({v}, {_q(SHAPES['money'])}) "
                f"THEN '金额格式错误 / not an amount of yuan such as 12345.67' END")
    if kind == "bool":
        words = ", ".join(_q(w) for w in (*TRUE_WORDS, *FALSE_WORDS))
        return f"CASE WHEN lower({v}) NOT IN ({words}) THEN '布尔值应为 true/false/1/0/是/否 / not a boolean' END"
    if kind == "bank_code":
        return f"CASE WHEN NOT regexp_full_match({v}, {_q(SHAPES['bank_code'])}) THEN '联行号应为12位数字 / bank code must be 12 digits (CNAPS)' END"
    if kind == "mobile":
        return (f"CASE WHEN NOT regexp_full_match({v}, {_q(SHAPES['mobile'])}) "
                f"THEN '手机号应为11位, 以13-19开头 / a mobile number has 11 digits starting 13 to 19' END")
    if kind == "email":
        return (f"CASE WHEN length({v}) > {EMAIL_LIMIT} OR NOT regexp_full_match({v}, {_q(SHAPES['email'])}) "
                f"THEN '电子邮箱格式错误 / not an e-mail address such as name@example.cn' END")
    if kind == "openid":
        return (f"CASE WHEN NOT regexp_full_match({v}, {_q(SHAPES['openid'])}) "
                f"THEN '微信 openid 应为6到64位字母、数字、-或_ / a WeChat openid has 6 to 64 letters, digits, - or _' END")
    if kind == "account":
        return f"CASE WHEN NOT regexp_full_match({v}, {_q(SHAPES['account'])}) THEN '账号应为6到32位数字 / account number must be 6 to 32 digits' END"
    return None


def value_problem_sql(col: Column, *, owner: bool) -> str:
    """Why the column's value is bad; a credit code is fully checked only in the file that owns it."""
    v = f'"{col.name}"'
    empty = f"WHEN {v} IS NULL OR trim({v}) = '' THEN '{EMPTY}'" if col.required else f"WHEN {v} IS NULL THEN NULL"
    body = None if (col.kind == "uscc" and not owner) else _kind_sql(col, v)
    if col.kind == "text":
        body = f"CASE WHEN length({v}) > {TEXT_LIMIT} THEN '文本过长 / text longer than 200 characters' END"
    return f"CASE {empty} ELSE {body or 'NULL'} END"


def typed_sql(col: Column) -> str:
    """How the checked text becomes its stored type."""
    v = f'"{col.name}"'
    if col.kind == "int":
        return f"CAST({v} AS INTEGER) AS {v}"
    if col.kind == "money":
        return f"CAST({v} AS DECIMAL(18,2)) AS {v}"
    if col.kind == "date":
        return f"CAST({v} AS DATE) AS {v}"
    if col.kind == "bool":
        trues = ", ".join(_q(w) for w in TRUE_WORDS)
        return f"CASE WHEN {v} IS NULL THEN NULL ELSE lower({v}) IN ({trues}) END AS {v}"
    return f"{v}"
