"""Policy packs as data: dated parameter values, each with its legal reference, per region where local."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DEFAULT_REGION = ""


class PackError(ValueError):
    """A pack that cannot be found or whose parameters do not make sense."""


@dataclass(frozen=True)
class Dated:
    """One value of a parameter, in force from `start`, with the document that set it."""

    value: Any
    start: dt.date
    reference: str


@dataclass(frozen=True)
class Parameter:
    """A parameter: dated values for everywhere, and dated values for regions (by division-code prefix)."""

    name: str
    label: str
    values: tuple[Dated, ...]
    regions: dict[str, tuple[Dated, ...]] = field(default_factory=dict)

    def on(self, day: dt.date, region: str = DEFAULT_REGION) -> Dated | None:
        """The value in force on `day` for `region` (longest configured prefix wins), None if none."""
        series = self.values
        for prefix in sorted(self.regions, key=len, reverse=True):
            if region.startswith(prefix) and region:
                series = self.regions[prefix]
                break
        current = [d for d in series if d.start <= day]
        return current[-1] if current else None

    def regional_prefixes(self) -> list[str]:
        return sorted(self.regions, key=len, reverse=True)


@dataclass(frozen=True)
class Combination:
    """A group of programmes that pay a unit at most once a year (either/or, once per unit per year), with the
    document that says so."""

    programmes: tuple[str, ...]
    reference: str


@dataclass(frozen=True)
class Department:
    """An industry department of a joint review (Hongkou, POLICIES.md §8): it confirms the units of its industries
    (`none`: the region has not said which), with the document that says so."""

    id: str
    name: str
    name_en: str
    industries: tuple[str, ...] | None
    reference: str


@dataclass(frozen=True)
class Pack:
    """A policy pack: what it is, which year it looks at, and its parameters (inherited ones merged in)."""

    id: str
    title: str
    title_en: str
    base_year: int
    references: tuple[str, ...]
    parameters: dict[str, Parameter]
    lineage: tuple[str, ...]
    programme: str = "ui-return"     # rules/programmes.py: the criteria and formula its cases are decided by
    combination: tuple[Combination, ...] = ()
    departments: tuple[Department, ...] = ()     # a joint review by industry departments (none: no such review)

    def department_of(self, industry: str | None) -> Department | None:
        """The department that confirms a unit of this industry (None: no department covers it)."""
        return next((d for d in self.departments if industry and d.industries and industry in d.industries), None)

    @property
    def year(self) -> int:
        """The programme year a combination rule counts in: the year after the base year."""
        return self.base_year + 1

    def rivals(self) -> frozenset[str]:
        """The programmes (its own included) whose cases of the same year pay a unit at most once with its own."""
        return frozenset(p for c in self.combination if self.programme in c.programmes for p in c.programmes)

    def param(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise PackError(f"政策包 {self.id} 缺少参数 / pack {self.id} has no parameter {name!r}") from None

    def value(self, name: str, day: dt.date, region: str = DEFAULT_REGION) -> Dated:
        """The value on `day`; before a parameter's first date the first value applies (and says so)."""
        param = self.param(name)
        found = param.on(day, region)
        if found is None:
            series = param.values
            if not series:
                raise PackError(f"{self.id}: parameter {name!r} has no national value")
            return series[0]
        return found


def _policy_roots() -> list[Path]:
    roots = [Path(p) for p in os.environ.get("WENGANG_POLICY_PATH", "").split(os.pathsep) if p]
    roots.append(Path(str(resources.files("wengang.policy"))))
    return roots


def pack_ids() -> list[str]:
    """Every pack on the policy path, shipped packs included."""
    ids = {p.name for root in _policy_roots() if root.is_dir() for p in root.iterdir() if (p / "pack.yaml").is_file()}
    return sorted(ids)


def departments_named() -> dict[str, Department]:
    """Every industry department some readable pack names (a member of staff may belong to one)."""
    found: dict[str, Department] = {}
    for pack_id in pack_ids():
        try:
            found.update((d.id, d) for d in load_pack(pack_id).departments)
        except PackError:
            continue                                  # a broken pack names nobody; running it says why
    return found


def _find(pack_id: str) -> Path:
    for root in _policy_roots():
        candidate = root / pack_id / "pack.yaml"
        if candidate.is_file():
            return candidate
    raise PackError(f"没有这个政策包 / no policy pack {pack_id!r}; known: {', '.join(pack_ids())}")


def pack_file(pack_id: str) -> Path:
    """The pack's YAML file on the policy path (a PackError when there is none)."""
    return _find(pack_id)


def _dated(name: str, raw: dict, where: str) -> tuple[Dated, ...]:
    out = []
    for start, entry in sorted(raw.items(), key=lambda kv: str(kv[0])):
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("reference"):
            raise PackError(f"{where}: {name} @ {start} needs a value and a legal reference")
        if set(entry) - {"value", "reference"}:          # `{value: x, reference: a, b}` makes `b` a key: the
            raise PackError(f"{where}: {name} @ {start}: unexpected {sorted(set(entry) - {'value', 'reference'})}"
                            "; put a reference with a comma in quotes")   # reference would lose its end
        day = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
        out.append(Dated(_normalise(entry["value"]), day, str(entry["reference"])))
    return tuple(out)


def _normalise(value: Any) -> Any:
    """Numbers in packs are written as strings and read as Decimal: 6% stays exactly 0.06."""
    if isinstance(value, float):
        raise PackError(f"write numbers in quotes so they stay exact: {value!r}")
    if isinstance(value, str) and value.endswith("%"):
        return Decimal(value[:-1]) / 100
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    if isinstance(value, list):
        return tuple(value)
    return value


def _parse(pack_id: str, raw: dict, where: str) -> dict[str, Parameter]:
    params = {}
    for name, spec in (raw.get("parameters") or {}).items():
        regions = {str(prefix): _dated(name, series, where) for prefix, series in (spec.get("regions") or {}).items()}
        params[name] = Parameter(name, spec.get("label", name), _dated(name, spec.get("values") or {}, where), regions)
    return params


@cache
def load_pack(pack_id: str) -> Pack:
    """Read a pack and the packs it inherits from; the child's parameters override whole."""
    path = _find(pack_id)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if raw.get("id") != pack_id:
        raise PackError(f"{path}: id is {raw.get('id')!r}, folder says {pack_id!r}")
    parent = load_pack(raw["inherits"]) if raw.get("inherits") else None
    params = dict(parent.parameters) if parent else {}
    for name, param in _parse(pack_id, raw, str(path)).items():
        inherited = params.get(name)
        if inherited and param.label == name:            # a child that sets values only keeps the parent's words
            param = Parameter(name, inherited.label, param.values, param.regions)
        if inherited and not param.values:
            param = Parameter(name, param.label, inherited.values, {**inherited.regions, **param.regions})
        params[name] = param
    base_year = raw.get("base_year") or (parent.base_year if parent else None)
    if not isinstance(base_year, int):
        raise PackError(f"{path}: base_year must be a year")
    return Pack(
        id=pack_id,
        title=raw.get("title", pack_id),
        title_en=raw.get("title_en", pack_id),
        base_year=base_year,
        references=tuple(raw.get("references") or ()),
        parameters=params,
        lineage=((parent.lineage if parent else ()) + (pack_id,)),
        programme=str(raw.get("programme") or (parent.programme if parent else "ui-return")),
        combination=_combination(raw, path) if "combination" in raw else (parent.combination if parent else ()),
        departments=_departments(raw.get("departments"), path, parent.departments if parent else ()),
    )


def _combination(raw: dict, path: Path) -> tuple[Combination, ...]:
    groups = []
    for entry in raw.get("combination") or []:
        if not isinstance(entry, dict) or not entry.get("programmes") or not entry.get("reference"):
            raise PackError(f"{path}: each combination rule needs programmes and a legal reference")
        groups.append(Combination(tuple(str(p) for p in entry["programmes"]), str(entry["reference"])))
    return tuple(groups)


DEPARTMENT_KEYS = {"name", "name_en", "industries"}


def _departments(raw: Any, path: Path, inherited: tuple[Department, ...]) -> tuple[Department, ...]:
    """The joint review's departments: a child names a parent's department to set its industries (its names kept);
    a stray key, a department without names or a reference, or an industry in two departments is refused."""
    if raw is None:
        return inherited
    if not isinstance(raw, dict):
        raise PackError(f"{path}: departments 应为 部门 → 名称与行业 / must map a department id to its names and industries")
    found = {d.id: d for d in inherited}
    for key, spec in raw.items():
        where = f"{path}: 部门 department {key}"
        if not isinstance(spec, dict) or set(spec) - DEPARTMENT_KEYS:
            stray = sorted(set(spec) - DEPARTMENT_KEYS) if isinstance(spec, dict) else spec
            raise PackError(f"{where}: 多余的键 / unexpected {stray}; 只能有 / only {sorted(DEPARTMENT_KEYS)}")
        parent = found.get(str(key))
        name, name_en = spec.get("name") or (parent and parent.name), spec.get("name_en") or (parent and parent.name_en)
        industries = spec.get("industries")
        if not name or not name_en:
            raise PackError(f"{where}: 需要中文和英文名称 / needs name and name_en")
        if not isinstance(industries, dict) or set(industries) != {"value", "reference"} or not industries["reference"]:
            raise PackError(f"{where}: industries 需要 value 和法律依据 reference / needs {{value, reference}}")
        value = industries["value"]
        if value != "none" and (not isinstance(value, list) or not value or not all(isinstance(i, str) for i in value)):
            raise PackError(f"{where}: industries 应为行业代码列表或 none / must be a list of industry codes or none")
        found[str(key)] = Department(str(key), str(name), str(name_en), None if value == "none" else tuple(value),
                                     str(industries["reference"]))
    seen: dict[str, str] = {}
    for d in found.values():
        for industry in d.industries or ():
            if industry in seen:
                raise PackError(f"{path}: 行业 {industry} 同时属于部门 {seen[industry]} 和 {d.id} / industry {industry} "
                                f"is in two departments ({seen[industry]}, {d.id}): each unit has one department")
            seen[industry] = d.id
    return tuple(found.values())
