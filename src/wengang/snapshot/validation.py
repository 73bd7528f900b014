"""Validate all files of a snapshot at once in DuckDB: value checks, duplicate keys, orphans, row rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence

import duckdb
import pyarrow as pa

from wengang.domain.identifiers import mask_email, mask_phone
from wengang.domain.names import name_problem
from wengang.snapshot import facts
from wengang.snapshot.checks import NAME_SUSPECT, value_problem_sql
from wengang.snapshot.faults import Fault, shown
from wengang.snapshot.loading import raw_view
from wengang.snapshot.rawfile import LINE, RawFile
from wengang.snapshot.schema import PERSONAL_KINDS, FileSpec

ORPHAN = "单位不在 employers 中 / unit is not in employers"
REPEAT_WARNINGS = 20          # warnings named line by line; more repeats are counted in one
CASCADE = "该单位的 employers 行已隔离 / the employers row of this unit was quarantined"


def validate(con: duckdb.DuckDBPyConnection, raws: dict[str, RawFile], *, lenient: bool) -> list[Fault]:
    """Every fault of every file; `lenient` adds the rows that fall with a quarantined unit."""
    faults: list[Fault] = []
    for raw in raws.values():
        kinds = {c.name: c.kind for c in raw.spec.columns}
        faults.extend(dataclasses.replace(f, value=masked(kinds.get(f.column, ""), f.value)) for f in raw.faults)
        if raw.unusable:
            continue
        if not raw.checked:           # a file checked batch by batch as it streamed has no value at fault
            faults.extend(f for f in _value_faults(con, raw) if f.line not in raw.undecoded)   # escapes, not values
        if raw.spec.key and not (raw.summary and not facts.repeated_months(con, raw.summary)):
            faults.extend(_duplicate_faults(con, raw, all_copies=lenient))   # the summary's (uscc, year) tell first
        faults.extend(_row_rule_faults(con, raw))
    employers = raws["employers"]
    for raw in raws.values():
        if raw.spec.references_employers and not raw.unusable and not employers.unusable \
                and _may_have_orphans(con, raw, employers):
            faults.extend(_orphan_faults(con, raw, employers))
    if lenient:
        faults.extend(_cascade_faults(con, raws, faults))
    return faults


def masked(kind: str, text: str) -> str:
    """A personal value as a fault shows it (the report is a file people open, the quarantine a table): masked."""
    if kind == "email":
        return mask_email(text)
    if kind in PERSONAL_KINDS:
        return mask_phone(text)
    return text


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, file: str, kinds: dict[str, str] | None = None) -> list[Fault]:
    return faults_of(con.execute(sql).fetchall(), file, kinds)


def faults_of(rows: Iterable[Sequence], file: str, kinds: dict[str, str] | None = None) -> list[Fault]:
    """Faults from rows of (line, column, value, reason), whichever engine found them; a suspect name is judged by
    the one rule for names; a personal value (`kinds` names each column's kind) is masked before it goes anywhere."""
    faults = []
    for line, column, value, reason in rows:
        text = masked((kinds or {}).get(column, ""), "" if value is None else str(value))
        if reason == NAME_SUSPECT:
            reason = name_problem(text)
            if reason is None:
                continue
        faults.append(Fault(file, int(line), column, shown(text), reason))
    return faults


def _value_faults(con: duckdb.DuckDBPyConnection, raw: RawFile) -> list[Fault]:
    kinds = {c.name: c.kind for c in raw.spec.columns}
    return _fetch(con, value_faults_sql(raw.spec, raw_view(raw)), raw.display, kinds)


def value_faults_sql(spec: FileSpec, view: str) -> str:
    """(line, column, value, reason) of every bad value of the file's text rows in `view`."""
    owner = not spec.references_employers
    parts = []
    for col in spec.columns:
        problem = value_problem_sql(col, owner=owner)
        parts.append(
            f"SELECT {LINE} AS line, '{col.name}' AS col, \"{col.name}\" AS value, __why FROM "
            f"(SELECT {LINE}, \"{col.name}\", {problem} AS __why FROM {view}) WHERE __why IS NOT NULL"
        )
    return " UNION ALL ".join(parts)


def drop_repeats(con: duckdb.DuckDBPyConnection, raws: dict[str, RawFile]) -> list[str]:
    """DATA.md's repeated rows: in a file whose rows have no key, a row repeated exactly (every column equal) is one
    fact stated twice, kept once (its first line) with a warning naming the lines, never a fault. The later copies
    leave the raw table before anything is checked or stored. The warning names lines only, never a value."""
    warnings: list[str] = []
    for raw in raws.values():
        if not raw.spec.repeats_kept_once or raw.unusable or raw.rows == 0:
            continue
        names = [f'"{c}"' for c in raw.spec.column_names]
        same = " AND ".join(f"r.{c} IS NOT DISTINCT FROM g.{c}" for c in names)   # an empty cell equals an empty one
        # The repeated rows by a hash aggregate first; only their lines are then listed (a window over every row of
        # a million-row file is slow).
        rows = con.execute(f"""
            WITH repeated AS (SELECT {", ".join(names)}, min({LINE}) AS first_line FROM {raw_view(raw)}
                              GROUP BY ALL HAVING count(*) > 1)
            SELECT g.first_line, list(r.{LINE} ORDER BY r.{LINE}) FROM {raw_view(raw)} r JOIN repeated g ON {same}
            WHERE r.{LINE} > g.first_line GROUP BY g.first_line ORDER BY g.first_line""").fetchall()
        if not rows:
            continue
        dropped = [line for _, lines in rows for line in lines]
        for first, lines in rows[:REPEAT_WARNINGS]:
            later = ", ".join(str(n) for n in lines)
            warnings.append(f"{raw.display}: 第 {later} 行与第 {first} 行完全相同, 只保留一次 / line(s) {later} repeat "
                            f"line {first} exactly: kept once")
        if len(rows) > REPEAT_WARNINGS:
            warnings.append(f"{raw.display}: 另有 {len(rows) - REPEAT_WARNINGS} 组完全重复的行, 各保留一次 / "
                            f"{len(rows) - REPEAT_WARNINGS} more groups of exactly repeated rows, each kept once")
        con.register("repeated_lines", pa.table({"line": pa.array(dropped, pa.int64())}))
        con.execute(f"DELETE FROM {raw_view(raw)} WHERE {LINE} IN (SELECT line FROM repeated_lines)")
        con.unregister("repeated_lines")
    return warnings


def _duplicate_faults(con: duckdb.DuckDBPyConnection, raw: RawFile, *, all_copies: bool) -> list[Fault]:
    return _fetch(con, duplicate_faults_sql(raw.spec, raw_view(raw), all_copies=all_copies), raw.display)


def duplicate_faults_sql(spec: FileSpec, view: str, *, all_copies: bool) -> str:
    """Strict: one fault per repeat. Lenient: every copy leaves, since keeping the first would be a guess."""
    key = spec.key
    cols = ", ".join(f'"{k}"' for k in key)
    not_null = " AND ".join(f'"{k}" IS NOT NULL' for k in key)
    shown = " || ',' || ".join(f'"{k}"' for k in key)
    # Find the repeated keys with a hash aggregate first; number only their rows (a window over 12M rows is slow).
    return f"""
      WITH repeated AS (SELECT {cols} FROM {view} WHERE {not_null} GROUP BY {cols} HAVING count(*) > 1)
      SELECT line, '{key[0] if len(key) == 1 else "+".join(key)}', value,
             '重复记录 ({", ".join(key)}), 首次出现在第 ' || first_line || ' 行 / duplicate ({", ".join(key)}), first on line ' || first_line
      FROM (SELECT r.{LINE} AS line, {shown} AS value,
                   row_number() OVER (PARTITION BY {cols} ORDER BY r.{LINE}) AS n,
                   min(r.{LINE}) OVER (PARTITION BY {cols}) AS first_line,
                   count(*) OVER (PARTITION BY {cols}) AS copies
            FROM {view} r SEMI JOIN repeated USING ({cols}))
      WHERE {"copies > 1" if all_copies else "n > 1"}"""


def _not_before(later: str, earlier: str, zh: str, en: str) -> Rule:
    """Rows whose date `later` parses and falls before the parsed date `earlier`: the fault is on `later`. In a file
    loaded typed the dates are DATE, and their text (checked canonical) is what DuckDB writes for them."""
    def sql(view: str, typed: bool) -> str:
        day, text = ("{}", "CAST({} AS VARCHAR)") if typed else ("try_strptime({}, '%Y-%m-%d')", "{}")
        a, b = f'"{later}"', f'"{earlier}"'
        return f"""SELECT {LINE}, '{later}', {text.format(a)}, '{zh} ' || {text.format(b)} || ' / {en} ' || {text.format(b)}
                   FROM {view} WHERE {day.format(a)} < {day.format(b)}"""
    return sql


GRADUATE_NEEDS_DATE = "毕业生 (category graduate) 须填写毕业日期 / a graduate needs graduated_on, the day of graduation"
Rule = Callable[[str, bool], str]     # (table, dates typed) -> the SQL of the faulty rows
ROW_RULES: dict[str, Rule] = {   # name in FileSpec.row_rules -> the SQL that finds its faulty rows as (line, column, value, reason)
    "removed_after_listed": _not_before("removed_on", "listed_on", "撤销日期早于列入日期",
                                        "removed_on is before listed_on"),
    "ended_after_started": _not_before("ended_on", "started_on", "见习结束日期早于开始日期",
                                       "ended_on is before started_on"),
    "graduate_has_graduated_on": lambda view, _typed: f"""SELECT {LINE}, 'graduated_on', graduated_on,
        '{GRADUATE_NEEDS_DATE}' FROM {view} WHERE category = 'graduate' AND graduated_on IS NULL""",   # a blank is a bad date already
}


def _row_rule_faults(con: duckdb.DuckDBPyConnection, raw: RawFile) -> list[Fault]:
    return [f for rule in raw.spec.row_rules
            for f in _fetch(con, ROW_RULES[rule](raw_view(raw), raw.checked), raw.display)]


def _may_have_orphans(con: duckdb.DuckDBPyConnection, raw: RawFile, employers: RawFile) -> bool:
    """False when the file's summary per unit (fewer rows than the file) names no unit missing from employers."""
    if raw.summary is None:
        return True
    return con.execute(f"SELECT count(*) FROM (SELECT DISTINCT uscc FROM {raw.summary}) s "
                       f"ANTI JOIN {raw_view(employers)} e ON s.uscc = e.uscc").fetchall()[0][0] > 0


def _orphan_faults(con: duckdb.DuckDBPyConnection, raw: RawFile, employers: RawFile) -> list[Fault]:
    return _fetch(con, orphan_faults_sql(raw_view(raw), raw_view(employers)), raw.display)


def orphan_faults_sql(view: str, employers_view: str) -> str:
    """The rows of `view` whose unit is not in the employers file."""
    return f"""
      SELECT r.{LINE}, 'uscc', r.uscc, '{ORPHAN}'
      FROM {view} r ANTI JOIN {employers_view} e ON r.uscc = e.uscc
      WHERE r.uscc IS NOT NULL AND trim(r.uscc) <> ''"""


def _cascade_faults(con: duckdb.DuckDBPyConnection, raws: dict[str, RawFile], faults: list[Fault]) -> list[Fault]:
    """In lenient mode a unit's other rows leave with its employers row, so no orphan is stored."""
    employers = raws["employers"]
    bad_lines = sorted({f.line for f in faults if f.file == employers.display})
    if not bad_lines or employers.unusable:
        return []
    con.register("bad_employer_lines", pa.table({"line": pa.array(bad_lines, pa.int64())}))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE bad_units AS
                    SELECT DISTINCT uscc FROM {raw_view(employers)} e
                    SEMI JOIN bad_employer_lines b ON e.{LINE} = b.line WHERE uscc IS NOT NULL""")
    already = {(f.file, f.line) for f in faults}
    out: list[Fault] = []
    for raw in raws.values():
        if not raw.spec.references_employers or raw.unusable:
            continue
        sql = (f"SELECT r.{LINE}, 'uscc', r.uscc, '{CASCADE}' FROM {raw_view(raw)} r "
               f"SEMI JOIN bad_units b ON r.uscc = b.uscc")
        out.extend(f for f in _fetch(con, sql, raw.display) if (f.file, f.line) not in already)
    return out
