"""The policy-simulation page's service: the runs and parameters offered in words, a simulation run or re-run for a
staff member and audited, and its spreadsheet exported (audited too)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wengang.domain.analytics import RunSummary
from wengang.domain.audit import Draft
from wengang.domain.errors import NotFound
from wengang.domain.ports import Analytics, Store
from wengang.domain.progress import Progress
from wengang.domain.simulation import Cap, Change, Kept, Simulated, SimulationRefused
from wengang.rules.criteria import FLAG_WORDS, value_words
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.simulated_pack import read_value
from wengang.services import simulation, simulation_brief, simulation_sheets

Pair = tuple[str, str]
SEPARATION_WORDS: dict[str, Pair] = {
    "retirement": ("退休", "retirement"), "death": ("死亡", "death"), "contract_expiry": ("合同到期", "contract expiry"),
    "dismissal": ("解除合同", "dismissal"), "resignation": ("辞职", "resignation"), "transfer": ("调动", "transfer"),
    "other": ("其他", "other")}
LISTS: dict[str, dict[str, Pair]] = {"exclude_flags": FLAG_WORDS, "review_flags": FLAG_WORDS,
                                     "natural_attrition": SEPARATION_WORDS,
                                     "claim_kinds": {"monthly": ("按月", "monthly"), "one_off": ("一次性", "one-off")}}
# Single words some values are written in (the layoff formula's variants, yes and no).
SCALARS: dict[str, Pair] = {
    "net_reduction": ("净减员 (期初减期末, 扣除自然减员)", "net reduction (opening less closing, less natural attrition)"),
    "benefit_recipients": ("领取失业保险金人数", "persons drawing unemployment benefit"),
    "either": ("两种算法任一达标", "either formula"), "true": ("是", "yes"), "false": ("否", "no")}


@dataclass(frozen=True, slots=True)
class Shown:
    """A parameter as the page offers it: its label and value in words, the document behind the value, and the
    regions (division-code prefixes) the run read it for, if any."""

    key: str
    label: Pair
    value: Pair
    reference: str
    regions: tuple[str, ...]


def label_of(pack: str, key: str) -> Pair:
    """A parameter's label from its pack ("裁员率上限 / layoff-rate limit"), Chinese then English."""
    try:
        label = load_pack(pack).parameters[key].label
    except (PackError, KeyError):
        label = key
    zh, _, en = label.partition(" / ")
    return zh.strip(), (en or zh).strip()


def value_of(key: str, value: str) -> Pair:
    """A stored value in words (6%, 不高于, the unit types or findings by name), Chinese then English."""
    if key in LISTS:
        names = [LISTS[key].get(code, (code, code)) for code in value.split(",") if code]
        return "、".join(n[0] for n in names) or "无", ", ".join(n[1] for n in names) or "none"
    if value.lower() in SCALARS:
        return SCALARS[value.lower()]
    return value_words(key, value, 0) or "无上限", value_words(key, value, 1) or "no limit"


def parameters(run: RunSummary, *, analytics: Analytics) -> list[Shown]:
    """The values the run read (those a change can move), nationally; the regions it read some of them for."""
    used = analytics.run_parameters(run.id)
    regions: dict[str, list[str]] = {}
    for u in used:
        if u.region:
            regions.setdefault(u.name, []).append(u.region)
    return [Shown(u.name, label_of(run.pack, u.name), value_of(u.name, u.value), u.reference,
                  tuple(regions.get(u.name, ()))) for u in used if not u.region]


def changes_from(form: Mapping[str, str], offered: list[Shown]) -> list[Change]:
    """The changes a form asks for: `v.<key>` a new value (blank: unchanged), `r.<key>` its region (blank: everywhere,
    else one the run read the parameter for)."""
    found = []
    for p in offered:
        value = (form.get(f"v.{p.key}") or "").strip()
        region = (form.get(f"r.{p.key}") or "").strip()
        if region and region not in p.regions:
            raise SimulationRefused(f"{p.label[0]} 不按地区 {region} 读取 / {p.label[1]} is not read for region {region}")
        if value:
            change = Change(p.key, value, region)
            try:
                read_value(change)
            except SimulationRefused as err:
                raise SimulationRefused(f"「{p.label[0]} / {p.label[1]}」: {err}") from None
            found.append(change)
    return found


def to_params(run_id: str, changes: list[Change], cap: Cap | None) -> dict[str, str]:
    """A simulation asked for, as a job's parameters (text): the run, the changes as JSON, the cap in fen."""
    return {"run": run_id, "changes": json.dumps([[c.key, c.value, c.region] for c in changes], ensure_ascii=False),
            "cap": str(cap.fen) if cap else "", "cap_mode": cap.mode if cap else ""}


def from_params(params: Mapping[str, str]) -> tuple[str, list[Change], Cap | None]:
    """A job's parameters back as the run, the changes and the cap."""
    changes = [Change(*c) for c in json.loads(params.get("changes") or "[]")]
    cap = Cap(params["cap_mode"], int(params["cap"])) if params.get("cap") else None
    return params["run"], changes, cap


def run(run_id: str, changes: list[Change], cap: Cap | None, *, by: str, store: Store, analytics: Analytics,
        progress: Progress | None = None) -> Simulated:
    """Simulate and keep it as `by`, audited (the worker's step for a job the page submitted)."""
    result = simulation.simulate(run_id, changes, cap, analytics=analytics, by=by, progress=progress)
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "simulation_run", f"simulation:{result.id}", reason="政策模拟 / policy simulation",
                                data=_what(result.run_id, result.changes, result.cap))])
        uow.commit()
    return result


def again(sim_id: str, *, analytics: Analytics) -> tuple[Kept, Simulated]:
    """A kept simulation decided again from its run (the same changes give the same figures): with its units."""
    kept = analytics.kept_simulation(sim_id)
    if kept is None:
        raise NotFound(f"没有模拟 {sim_id} / no simulation {sim_id!r}")
    result = simulation.simulate(kept.run_id, kept.changes, kept.cap, analytics=analytics, keep=False)
    result.id, result.by = kept.id, kept.by
    return kept, result


def export(sim_id: str, *, by: str, store: Store, analytics: Analytics) -> bytes:
    """The kept simulation as xlsx (simulation_sheets.write_xlsx), audited as an export."""
    kept, result = again(sim_id, analytics=analytics)
    with tempfile.TemporaryDirectory() as folder:
        data = simulation_sheets.write_xlsx(result, Path(folder) / "simulation.xlsx").read_bytes()
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "simulation_exported", f"simulation:{kept.id}",
                                reason="导出模拟 / simulation exported", data=_what(kept.run_id, kept.changes, kept.cap))])
        uow.commit()
    return data


def brief(sim_id: str, *, by: str, store: Store, analytics: Analytics, font: Path | None = None) -> bytes:
    """The kept simulation's PDF brief (simulation_brief.brief_pdf), audited as an export."""
    kept, result = again(sim_id, analytics=analytics)
    data = simulation_brief.brief_pdf(result, font=font)
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "simulation_brief_exported", f"simulation:{kept.id}",
                                reason="导出模拟简报 / simulation brief exported",
                                data=_what(kept.run_id, kept.changes, kept.cap))])
        uow.commit()
    return data


def _what(run_id: str, changes: tuple[Change, ...], cap: Cap | None) -> dict:
    """What an audit entry of a simulation records: the run, the changes, the cap."""
    return {"run": run_id, "changes": [c.shown() for c in changes],
            "cap": {"mode": cap.mode, "fen": cap.fen} if cap else None}
