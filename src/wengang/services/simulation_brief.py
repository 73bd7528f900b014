"""A simulation as the PDF brief a bureau director reads (issue 19): what was changed, what it costs, SME coverage,
charts of the budget and the amounts, who moved and the largest winners and losers. Marked as a simulation on every
page: it is not a run and has no legal effect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from wengang.documents.charts import Bars, Series
from wengang.documents.report import Chart, Grid, Heading, Report, Text, render_report
from wengang.domain.days import BEIJING
from wengang.domain.simulation import SIMULATION_REFERENCE, Change, Group, Simulated
from wengang.rules.criteria import SIZE_CLASS_WORDS, value_words
from wengang.rules.divisions import division_words
from wengang.rules.parameters import Pack, PackError, load_pack
from wengang.rules.resolved import shown
from wengang.rules.simulated_pack import read_value
from wengang.services.simulation import share
from wengang.services.simulation_sheets import (
    CAP_WORDS,
    GROUP_WORDS,
    MOVEMENT_WORDS,
    band_words,
    group_name,
    largest,
    shown_yuan,
)

TITLE = "政策模拟简报 / Policy simulation brief"
BANNER = "模拟测算, 非正式评估批次, 不具法律效力 / SIMULATION — not a real run, no legal effect"
LISTED = 8                                  # winners and losers listed, each
CHART_BARS = 16                             # groups drawn in a chart; the smaller ones beyond summed as "others"
BEFORE, AFTER = "调整前 before", "调整后 after"


def _pack(pack_id: str) -> Pack | None:
    """The run's pack, for its title and the parameters' words (None if it is no longer shipped)."""
    try:
        return load_pack(pack_id)
    except PackError:
        return None


def value_text(key: str, value: Any) -> str:
    """A parameter's value in words, Chinese then English when they differ ("6%", "低于 / below", "无 / none")."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是 / yes" if value else "否 / no"
    zh, en = value_words(key, shown(value), 0), value_words(key, shown(value), 1)
    if zh is None:
        return "无 / none"
    return zh if zh == en else f"{zh} / {en}"


def change_row(pack: Pack | None, as_of: dt.date, change: Change) -> list[str]:
    """One change: the parameter's label (the pack's words), where, its value on the run's date and the new one."""
    param = pack.parameters.get(change.key) if pack else None
    old = param.on(as_of, change.region) if param else None
    return [param.label if param else change.key, division_words(change.region) if change.region else "全部地区 / everywhere",
            value_text(change.key, old.value if old else None), value_text(change.key, read_value(change))]


def signed(fen: int) -> str:
    """A difference in yuan with its sign."""
    return ("+" if fen > 0 else "") + shown_yuan(fen)


def count_diff(after: int, before: int) -> str:
    """A difference of counts with its sign."""
    return f"{after - before:+,}" if after != before else "0"


def _headline(s: Simulated) -> list[list[str]]:
    """Units, money before / with the changes / after the cap, SME coverage."""
    t, cb, ca = s.totals, s.coverage_before, s.coverage_after
    rows = [["指标 measure", BEFORE, AFTER, "差额 difference"],
            ["符合条件单位 eligible units", f"{t.units_before:,}", f"{t.units_after:,}",
             count_diff(t.units_after, t.units_before)],
            ["返还总额 (元), 修改参数后 / total (yuan), with changes", shown_yuan(t.fen_before), shown_yuan(t.fen_changed),
             signed(t.fen_changed - t.fen_before)]]
    if s.cap:
        rows.append(["返还总额 (元), 预算上限后 / total (yuan), after the cap", shown_yuan(t.fen_before),
                     shown_yuan(t.fen_after), signed(t.fen_after - t.fen_before)])
    rows += [["中小微企业占符合单位 / SMEs among eligible units", share(cb.eligible_smes, cb.eligible),
              share(ca.eligible_smes, ca.eligible), ""],
             ["符合条件的中小微企业占全部中小微 / eligible SMEs among all SMEs", share(cb.eligible_smes, cb.smes),
              share(ca.eligible_smes, ca.smes), ""]]
    return rows


def _summary(s: Simulated) -> str:
    """The result in one sentence."""
    t = s.totals
    diff = t.fen_after - t.fen_before
    way = ("增加", "up") if diff > 0 else ("减少", "down") if diff < 0 else ("不变", "unchanged")
    return (f"结论: 返还总额由 {shown_yuan(t.fen_before)} 元变为 {shown_yuan(t.fen_after)} 元, {way[0]} "
            f"{shown_yuan(abs(diff))} 元; 符合条件单位由 {t.units_before:,} 家变为 {t.units_after:,} 家。 / Result: the "
            f"total goes from {shown_yuan(t.fen_before)} to {shown_yuan(t.fen_after)} yuan ({way[1]} "
            f"{shown_yuan(abs(diff))}); eligible units {t.units_before:,} → {t.units_after:,}.")


def _wan(fen: int) -> Decimal:
    """Fen as 万元 (10,000 yuan), exact, for a chart's bar."""
    return Decimal(fen) / 1_000_000


def _budget_chart(s: Simulated, grouping: str) -> Chart:
    """The budget of one breakdown before and after (the cap applied), in 万元, each bar with its figure."""
    rows: list[Group] = s.groups.get(grouping, [])
    if grouping == "size":                                    # large to micro, as the size standard lists them
        order = list(SIZE_CLASS_WORDS)
        rows = sorted(rows, key=lambda g: order.index(g.key) if g.key in order else len(order))
    labelled = _largest_groups(grouping, rows)
    after = "调整后 after" + (" (预算上限后 after cap)" if s.cap else "")

    def series(name: str, fens: list[int]) -> Series:
        return Series(name, [_wan(f) for f in fens], [f"{_wan(f):,.1f}" for f in fens])

    zh, en = GROUP_WORDS[grouping]
    return Chart(Bars(f"返还金额, 按{zh} / amount by {en}", [label for label, _ in labelled],
                      [series(BEFORE, [g.fen_before for _, g in labelled]),
                       series(after, [g.fen_after for _, g in labelled])], axis="万元 / 10,000 yuan"))


def _largest_groups(grouping: str, rows: list[Group]) -> list[tuple[str, Group]]:
    """At most CHART_BARS groups with their words, in their order: the largest by money, the rest summed as one."""
    named = [(group_name(grouping, g.key) or "未知 / unknown", g) for g in rows]
    if len(rows) <= CHART_BARS:
        return named
    kept = set(sorted(range(len(rows)), key=lambda i: -(rows[i].fen_before + rows[i].fen_after))[:CHART_BARS - 1])
    rest = [g for i, g in enumerate(rows) if i not in kept]
    summed = Group("", *(sum(getattr(g, f) for g in rest) for f in (
        "units_before", "units_after", "fen_before", "fen_changed", "fen_after")))
    return [n for i, n in enumerate(named) if i in kept] + [(f"其他{len(rest)}个 / {len(rest)} others", summed)]


def _bands_chart(s: Simulated) -> Chart:
    """How many eligible units get an amount in each band, before and after."""
    def series(name: str, counts: list[int]) -> Series:
        return Series(name, counts, [f"{c:,}" for c in counts])

    return Chart(Bars("金额分布: 各金额段的符合单位数 / eligible units by amount band",
                      [band_words(b) for b in s.bands],
                      [series(BEFORE, [b.units_before for b in s.bands]), series(AFTER, [b.units_after for b in s.bands])],
                      axis="单位数 / units", horizontal=False))


def _movements(s: Simulated) -> Grid:
    """Units newly in, dropped, gaining and losing, with their money."""
    rows = [["变动 movement", "单位数 units", "金额 调整前 (元) before", "金额 调整后 (元) after", "差额 difference"]]
    rows += [[" / ".join(MOVEMENT_WORDS[m.kind]), f"{m.units:,}", shown_yuan(m.fen_before), shown_yuan(m.fen_after),
              signed(m.fen_after - m.fen_before)] for m in s.movements]
    return Grid(rows, widths=(40, 24, 38, 38, 34))


def _moved_note(s: Simulated) -> str:
    """What "before" and "after" mean in the movements."""
    zh, en = ("预算上限后", "after the cap") if s.cap else ("修改参数后", "with the changes")
    return (f"变动以{zh}的金额判断; 调整前为原评估批次的决定。 / Movements are judged on the amount {en}; before is the "
            "stored run's decision.")


def _people(s: Simulated, kinds: tuple[str, ...], losers: bool) -> Grid | Text:
    """The units with the largest gain (or loss): name and district only, never a person's data."""
    found = sorted((r for r in largest(s, LISTED) if r["movement"] in kinds),
                   key=lambda r: (r["difference"] if losers else -r["difference"], r["uscc"]))[:LISTED]
    if not found:
        return Text("无 / none", small=True)
    rows = [["单位 unit", "区县 district", "变动 movement", BEFORE, AFTER, "差额 difference"]]
    rows += [[r["name"] or "—", group_name("district", r["district"]) or "—", " / ".join(MOVEMENT_WORDS[r["movement"]]),
              shown_yuan(r["fen_before"]), shown_yuan(r["fen_after"]), signed(r["difference"])] for r in found]
    return Grid(rows, widths=(50, 22, 26, 26, 26, 24), numeric_from=3)


def _changes(s: Simulated, pack: Pack | None) -> list:
    """What was changed, and the cap."""
    rows = [["参数 parameter", "地区 region", "原值 before", "新值 after"]]
    rows += [change_row(pack, s.as_of, c) for c in s.changes]
    blocks: list = [Heading("一、修改内容 / What was changed")]
    blocks += [Grid(rows, widths=(66, 34, 37, 37), numeric_from=4)] if s.changes else [
        Text("参数未修改 / no parameter changed")]
    cap = "预算上限 / budget cap: 无 / none"
    if s.cap:
        much = shown_yuan(s.cap.fen)
        amount = f"每单位最多 {much} 元 / at most {much} yuan per unit" if s.cap.mode == "ceiling" else f"{much} 元"
        cap = f"预算上限 / budget cap: {amount} ({' / '.join(CAP_WORDS[s.cap.mode])})"
    return blocks + [Text(cap)]


def _printed(at: dt.datetime) -> str:
    """A moment (naive UTC, as the clock gives it, or aware) in Beijing time."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def brief_pdf(s: Simulated, *, printed_at: dt.datetime | None = None, font: Path | None = None) -> bytes:
    """The brief as PDF bytes: two to three A4 pages, every page marked 模拟 (simulation)."""
    pack = _pack(s.pack)
    name = f"{pack.title} / {pack.title_en}" if pack else s.pack
    when = _printed(printed_at or dt.datetime.now(dt.UTC))
    sim = f"模拟编号 simulation {s.id} · " if s.id else ""
    blocks: list = [*_changes(s, pack), Heading("二、结果摘要 / Headline"), Text(_summary(s)),
                    Grid(_headline(s), widths=(70, 35, 35, 34)),
                    Heading("三、单位变动 / Who moved"), _movements(s),
                    Text(_moved_note(s), small=True),
                    Heading("四、图表 / Charts"), _bands_chart(s), _budget_chart(s, "district"),
                    _budget_chart(s, "size"), Heading("五、增加最多的单位 (元) / Largest winners (yuan)"),
                    _people(s, ("newly_in", "gaining"), losers=False),
                    Heading("六、减少最多的单位 (元) / Largest losers (yuan)"), _people(s, ("dropped", "losing"), losers=True),
                    Text("本简报只含汇总和单位名称, 不含个人信息; 明细见 xlsx 导出。 / Aggregates and unit names only, no "
                         "personal data; the xlsx export lists the units.", small=True)]
    return render_report(Report(
        TITLE, subtitle=[f"{sim}基于评估批次 run {s.run_id}", f"政策 policy: {name} ({s.pack}) · 评估基准日 as of "
                         f"{s.as_of.isoformat()} · 打印时间 printed {when} (北京时间 Beijing time)"],
        banner=BANNER, mark="模拟 SIMULATION", blocks=blocks, footer=f"{SIMULATION_REFERENCE} · run {s.run_id}",
        author="wengang"), font=font)


def write_pdf(s: Simulated, out: Path, *, printed_at: dt.datetime | None = None, font: Path | None = None) -> Path:
    """The brief written atomically (a reader never sees half a file)."""
    data = brief_pdf(s, printed_at=printed_at, font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
