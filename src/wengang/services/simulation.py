"""Policy simulation (SYSTEM.md: "try a change of parameters on real data: who gains, who loses, what it costs"):
a stored run decided again with some values changed, compared with it, its aggregates kept apart from the runs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from wengang.domain.errors import NotFound
from wengang.domain.ports import Analytics
from wengang.domain.progress import Progress, Silent
from wengang.domain.simulation import CAP_MODES, Cap, Change, DistrictMoves, Simulated, SimulationRefused
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.simulated_pack import changed_pack, check_region


def parse_change(text: str, region: str = "") -> Change:
    """`KEY=VALUE` as typed after --set (the region, if any, from --region)."""
    key, sep, value = text.partition("=")
    if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", key.strip()):
        raise SimulationRefused(f"修改应写作 参数=值 (如 ratio_sme=90%), 而不是 {text!r} / a change is written KEY=VALUE "
                                f"(e.g. ratio_sme=90%), not {text!r}")
    return Change(key.strip(), value.strip(), region.strip())


def parse_changes(texts: Sequence[str], region: str = "") -> list[Change]:
    """Every --set, each for the --region when one is given (a region without a change is refused, not ignored)."""
    if region.strip() and not texts:
        raise SimulationRefused(f"--region {region} 需要至少一个 --set 参数=值 / --region {region} needs a --set KEY=VALUE")
    return [parse_change(text, region) for text in texts]


def parse_cap(yuan: str | None, mode: str | None) -> Cap | None:
    """A budget cap in yuan (at most two decimals, above zero) and how it applies; None without one."""
    if yuan is None:
        if mode is not None:
            raise SimulationRefused(f"--cap-mode {mode!r} 需要 --cap 金额 / --cap-mode {mode!r} needs --cap YUAN")
        return None
    mode = mode or "proportional"
    if mode not in CAP_MODES:
        raise SimulationRefused(f"预算上限方式 {mode!r} 未知, 应为 {' 或 '.join(CAP_MODES)} / cap mode {mode!r} is "
                                f"unknown; use {' or '.join(CAP_MODES)}")
    try:
        amount = Decimal(yuan.replace(",", "").strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or -int(amount.as_tuple().exponent) > 2:
        raise SimulationRefused(f"预算上限 {yuan!r} 应为大于0、最多两位小数的元 / cap {yuan!r} must be yuan above 0 "
                                "with at most two decimals")
    return Cap(mode, int(amount * 100))


def check(run_id: str, changes: Sequence[Change], cap: Cap | None, *, analytics: Analytics) -> None:
    """Refuse, before any unit is decided, what cannot be simulated: nothing asked, a bad region, an unknown run, a
    key, value or region its pack cannot take."""
    if not changes and cap is None:
        raise SimulationRefused("没有要模拟的修改: 用 --set 参数=值 或 --cap / nothing to simulate: give --set KEY=VALUE "
                                "or --cap")
    for region in {c.region for c in changes if c.region}:
        check_region(region)
    run = analytics.run(run_id)
    if run is None:
        raise NotFound(f"没有评估批次 {run_id} / no stored run {run_id!r}; `wengang evaluate` stores one")
    try:
        changed_pack(load_pack(run.pack), changes)             # every key, value and region read, or refused
    except PackError as err:
        raise SimulationRefused(str(err)) from None


def simulate(run_id: str, changes: Sequence[Change], cap: Cap | None = None, *, analytics: Analytics,
             keep: bool = True, progress: Progress | None = None, by: str = "") -> Simulated:
    """Check every change against the run's pack (before any unit is decided), decide the run's snapshot again
    through the port without storing a run, and keep the aggregates (`keep`) as a simulation with its own id, with
    who ran it (`by`)."""
    changes = tuple(changes)
    check(run_id, changes, cap, analytics=analytics)
    simulated = analytics.simulate(run_id, changes, cap, progress=progress or Silent())
    simulated.by = by
    simulated.districts = district_moves(simulated.moved)
    if keep:
        simulated.id = analytics.keep_simulation(simulated)
    return simulated


def district_moves(moved) -> list[DistrictMoves]:
    """Per district: units gaining (newly in included) and losing (dropped included) with their money, from the
    units that moved (an aggregate the simulation keeps; the units themselves are not)."""
    if moved is None or not moved.num_rows:
        return []
    rows: dict[str, dict[str, int]] = {}
    for r in moved.group_by(["district", "movement"]).aggregate([("difference", "sum"), ("uscc", "count")]).to_pylist():
        d = rows.setdefault(r["district"], {"won": 0, "won_fen": 0, "lost": 0, "lost_fen": 0})
        side = "won" if r["movement"] in ("newly_in", "gaining") else "lost"
        d[side] += int(r["uscc_count"])
        d[f"{side}_fen"] += int(r["difference_sum"])
    return [DistrictMoves(k, **v) for k, v in sorted(rows.items())]


def share(part: int, whole: int) -> str:
    """A share as a percentage with one decimal, from counts (no float): "—" when the whole is 0."""
    if not whole:
        return "—"
    tenths = (part * 2000 + whole) // (2 * whole)           # round half up, in tenths of a percent
    return f"{tenths // 10}.{tenths % 10}%"
