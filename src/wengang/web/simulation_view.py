"""A simulation as the staff page shows it: each breakdown's rows and bar charts, the largest winners and losers, and
who gained or lost by district, all from the figures the service computed (nothing computed again here)."""

from __future__ import annotations

from typing import Any

from wengang.domain.simulation import Change, Group, Simulated
from wengang.rules.divisions import division_name
from wengang.services.simulation import share
from wengang.services.simulation_page import label_of
from wengang.services.simulation_sheets import (
    CAP_WORDS,
    GROUP_WORDS,
    MOVEMENT_WORDS,
    band_words,
    group_name,
    largest,
    yuan,
)
from wengang.web.charts import bars

SHOWN = 10              # winners and losers listed on the page (the xlsx lists many more)
WINNING, LOSING = ("newly_in", "gaining"), ("dropped", "losing")


def district_words(code: str) -> str:
    """A district by its name from the division data set ("北京市朝阳区"); a code it lacks said as a code."""
    if not code:
        return "未知地区"
    return division_name(code) or f"区划代码 {code}"


def row_name(grouping: str, key: str, lang: int) -> str:
    """A breakdown row's name in the page's language."""
    if grouping == "district":
        return district_words(key)
    words = group_name(grouping, key).split(" ", 1)
    return words[min(lang, len(words) - 1)]


def change_words(pack: str, change: Change, lang: int) -> str:
    """A change as a director reads it: the parameter's label, the new value as typed, and where."""
    label = label_of(pack, change.key)[lang]
    where = (f" (仅 区划 {change.region})" if lang == 0 else f" (division {change.region} only)") if change.region else ""
    return f"{label} → {change.value}{where}"


def cap_words(s: Simulated, lang: int) -> str:
    """The budget cap and how it applies, or a dash."""
    if s.cap is None:
        return "—"
    return f"{yuan(s.cap.fen):,} 元 · {CAP_WORDS[s.cap.mode][lang]}" if lang == 0 else \
        f"{yuan(s.cap.fen):,} yuan · {CAP_WORDS[s.cap.mode][lang]}"


def _short(label: str, most: int = 10) -> str:
    """A chart's label cut to fit its margin (the table beside it names the row in full)."""
    return label if len(label) <= most else label[:most - 1] + "…"


def _charts(grouping: str, rows: list[Group], lang: int) -> tuple[Any, Any]:
    """Before and after (the cap applied) as two bar charts on one scale, in yuan."""
    top = max([g.fen_before for g in rows] + [g.fen_after for g in rows] + [1])
    zh, en = GROUP_WORDS[grouping]
    name = zh if lang == 0 else en
    return (bars([(_short(row_name(grouping, g.key, lang)), yuan(g.fen_before)) for g in rows], scale_to=yuan(top),
                  title=f"{name}: 调整前金额(元) / before (yuan)"),
            bars([(_short(row_name(grouping, g.key, lang)), yuan(g.fen_after)) for g in rows], scale_to=yuan(top),
                 title=f"{name}: 模拟后金额(元) / simulated (yuan)"))


def movers(s: Simulated) -> tuple[list[dict], list[dict]]:
    """The largest winners (newly in or gaining) and losers (dropped or losing), largest change first."""
    found = largest(s, SHOWN)
    winners = sorted((r for r in found if r["movement"] in WINNING), key=lambda r: (-r["difference"], r["uscc"]))
    losers = sorted((r for r in found if r["movement"] in LOSING), key=lambda r: (r["difference"], r["uscc"]))
    return winners[:SHOWN], losers[:SHOWN]


def view(s: Simulated, lang: int) -> dict[str, Any]:
    """Everything the result page prints, charts drawn."""
    winners, losers = movers(s)
    bands = s.bands
    top = max([b.units_before for b in bands] + [b.units_after for b in bands] + [1])
    return {
        "s": s, "groups": [(g, GROUP_WORDS[g], s.groups[g], *_charts(g, s.groups[g], lang)) for g in GROUP_WORDS],
        "winners": winners, "losers": losers, "districts": s.districts, "units_shown": s.moved is not None,
        "changes": [change_words(s.pack, c, lang) for c in s.changes], "cap": cap_words(s, lang),
        "band_rows": [(band_words(b), b) for b in bands],
        "band_before": bars([(band_words(b), b.units_before) for b in bands], scale_to=top,
                            title="调整前金额分布(单位数) / amounts before, units"),
        "band_after": bars([(band_words(b), b.units_after) for b in bands], scale_to=top,
                           title="模拟后金额分布(单位数) / amounts simulated, units"),
        "row_name": row_name, "district_words": district_words, "money": money, "delta": delta,
        "share": share, "movement_words": MOVEMENT_WORDS,
    }


def money(fen: int) -> str:
    """Fen as yuan with separators and two decimals (exact)."""
    return f"{yuan(fen):,}"


def delta(fen: int) -> str:
    """A difference in yuan, with its sign ("+1,234.00", "-56.00", "0.00")."""
    return ("+" if fen > 0 else "") + money(fen)
