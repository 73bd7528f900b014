"""A simulation in words and as a spreadsheet a director reads: amounts as numbers in yuan, counts, shares, totals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from wengang.domain.simulation import Band, Group, Simulated
from wengang.rules import sheets
from wengang.rules.criteria import INDUSTRY_WORDS, SIZE_CLASS_WORDS, UNIT_TYPE_WORDS
from wengang.rules.divisions import division_words
from wengang.rules.sheets import Column, Sheet

Pair = tuple[str, str]
GROUP_WORDS: dict[str, Pair] = {"district": ("区县", "district"), "size": ("规模", "size"),
                                "industry": ("行业", "industry"), "unit_type": ("单位类型", "unit type")}
MOVEMENT_WORDS: dict[str, Pair] = {"newly_in": ("新纳入", "newly in"), "dropped": ("退出", "dropped"),
                                   "gaining": ("增加", "gaining"), "losing": ("减少", "losing")}
DECISION_WORDS: dict[str, Pair] = {"eligible": ("符合", "eligible"), "review": ("审核", "review"),
                                   "ineligible": ("不符合", "ineligible"), "none": ("无", "none")}
CAP_WORDS: dict[str, Pair] = {"proportional": ("按比例压减", "proportional"), "ceiling": ("单位封顶", "ceiling per unit")}
NAMES: dict[str, dict[str, Pair]] = {"size": SIZE_CLASS_WORDS, "industry": INDUSTRY_WORDS, "unit_type": UNIT_TYPE_WORDS}
MOVED_ROWS = 5_000          # units listed per kind of movement in the spreadsheet, largest change first


def yuan(fen: int) -> Decimal:
    """Integer fen as exact yuan (two decimals), for a money cell."""
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))


def shown_yuan(fen: int) -> str:
    """Integer fen as yuan text with two decimals and a sign when negative."""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def group_name(grouping: str, key: str) -> str:
    """A breakdown's row in words (a district by its name from the division data set)."""
    if grouping == "district":
        return division_words(key)
    words = NAMES.get(grouping, {}).get(key)
    return f"{words[0]} {words[1]}" if words else key


def band_words(band: Band) -> str:
    """An amount band in yuan: "1,000–5,000 元" or "≥ 500,000 元"."""
    low = f"{band.low // 100:,}"
    return f"≥ {low} 元" if band.high is None else f"{low}–{band.high // 100:,} 元"


def headline(s: Simulated) -> str:
    """What was simulated: the run, its pack and date, the changes and the cap."""
    changes = ", ".join(c.shown() for c in s.changes) or "—"
    cap = f"; 预算上限 cap {shown_yuan(s.cap.fen)} 元 ({' / '.join(CAP_WORDS[s.cap.mode])})" if s.cap else ""
    sim = f"模拟 simulation {s.id}, " if s.id else ""
    return f"{sim}基于批次 run {s.run_id} ({s.pack}, {s.as_of}); 修改 changes: {changes}{cap}"


def ratio(part: int, whole: int) -> Decimal | str:
    """A share for a ratio cell (four decimals, i.e. 0.01%), "—" when the whole is 0."""
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else "—"


SUMMARY = (Column("指标 measure", width=34), Column("单位 调整前 units before", "count", 12),
           Column("单位 调整后 units after", "count", 12), Column("金额 调整前 amount before", "money", 18),
           Column("金额 修改参数后 with changes", "money", 18), Column("金额 预算上限后 after cap", "money", 18),
           Column("差额 difference", "money", 18), Column("占比 调整前 share before", "ratio", 12),
           Column("占比 调整后 share after", "ratio", 12))


def _summary_rows(s: Simulated) -> list[list]:
    """The summary sheet: totals, movements, SME coverage (shares) and the amount bands."""
    t, before, after = s.totals, s.coverage_before, s.coverage_after
    rows: list[list] = [["符合条件 eligible, 合计 total", t.units_before, t.units_after, yuan(t.fen_before),
                         yuan(t.fen_changed), yuan(t.fen_after), yuan(t.fen_after - t.fen_before)]]
    rows += [[f"{' '.join(MOVEMENT_WORDS[m.kind])}", None, m.units, yuan(m.fen_before), None, yuan(m.fen_after),
              yuan(m.fen_after - m.fen_before)] for m in s.movements]
    rows += [["中小微占符合单位 SMEs among eligible", before.eligible_smes, after.eligible_smes, *[None] * 4,
              ratio(before.eligible_smes, before.eligible), ratio(after.eligible_smes, after.eligible)],
             ["符合的中小微占中小微 eligible among SMEs", before.smes, after.smes, *[None] * 4,
              ratio(before.eligible_smes, before.smes), ratio(after.eligible_smes, after.smes)]]
    rows += [[f"金额 amount {band_words(b)}", b.units_before, b.units_after] for b in s.bands]
    return rows


def _group_columns(grouping: str) -> tuple[Column, ...]:
    """A breakdown's columns, counts and money summed in a totals row."""
    zh, en = GROUP_WORDS[grouping]
    return (Column(f"{zh} {en}", width=24), Column("符合 调整前 eligible before", "count", 14, total=True),
            Column("符合 调整后 eligible after", "count", 14, total=True),
            Column("金额 调整前 amount before", "money", 18, total=True),
            Column("金额 修改参数后 with changes", "money", 18, total=True),
            Column("金额 预算上限后 after cap", "money", 18, total=True), Column("差额 difference", "money", 18, total=True))


def _group_row(grouping: str, g: Group) -> list:
    """One breakdown row, money as exact yuan."""
    return [group_name(grouping, g.key), g.units_before, g.units_after, yuan(g.fen_before), yuan(g.fen_changed),
            yuan(g.fen_after), yuan(g.fen_after - g.fen_before)]


MOVED = (Column("变动 movement", width=12), Column("统一社会信用代码 USCC", width=22), Column("单位 unit", width=30),
         Column("区县 district", width=18), Column("规模 size", width=12), Column("决定 调整前 before", width=12),
         Column("决定 调整后 after", width=12), Column("金额 调整前 amount before", "money", 16),
         Column("金额 修改参数后 with changes", "money", 16), Column("金额 预算上限后 after cap", "money", 16),
         Column("差额 difference", "money", 16, total=True))


def largest(s: Simulated, per_kind: int) -> list[dict]:
    """The units whose amount changed most, at most `per_kind` of each kind of movement, in the movements' order."""
    import pyarrow.compute as pc

    if s.moved is None:
        return []
    return [row for kind in MOVEMENT_WORDS
            for row in s.moved.filter(pc.field("movement") == kind).slice(0, per_kind).to_pylist()]


def decision_words(decision: str) -> str:
    """A decision in words, Chinese then English."""
    return " ".join(DECISION_WORDS.get(decision, (decision, "")))


def _moved_rows(s: Simulated) -> list[list]:
    """The units that moved, largest change first, at most MOVED_ROWS of each kind."""
    return [[" ".join(MOVEMENT_WORDS[r["movement"]]), r["uscc"], r["name"] or "", division_words(r["district"]),
             " ".join(SIZE_CLASS_WORDS.get(r["size_class"], (r["size_class"], ""))), decision_words(r["decision_before"]),
             decision_words(r["decision_after"]), yuan(r["fen_before"]), yuan(r["fen_changed"]), yuan(r["fen_after"]),
             yuan(r["difference"])] for r in largest(s, MOVED_ROWS)]


def write_xlsx(s: Simulated, out: Path) -> Path:
    """The simulation as an xlsx (summary, one sheet per breakdown, the units that moved), written atomically."""
    books = [Sheet("摘要 summary", headline(s), SUMMARY, _summary_rows(s))]
    books += [Sheet(f"{GROUP_WORDS[g][0]} {GROUP_WORDS[g][1]}", None, _group_columns(g),
                    [_group_row(g, row) for row in s.groups[g]]) for g in GROUP_WORDS]
    books.append(Sheet("变动单位 units moved", f"变动单位 (每类按变动额从大到小, 最多{MOVED_ROWS:,}个) / units that moved "
                       f"(largest change first, at most {MOVED_ROWS:,} of each kind)", MOVED, _moved_rows(s)))
    data = sheets.workbook(*books)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
