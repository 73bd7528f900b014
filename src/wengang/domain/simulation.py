"""A policy simulation as plain values: the changes asked for, a budget cap, and the figures it compares."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from wengang.domain.errors import Refused

CAP_MODES = ("proportional", "ceiling")     # scale every amount down to the cap, or cut each amount at it
GROUPINGS = ("district", "size", "industry", "unit_type")      # the breakdowns, each by an employer's column
# Amount bands of the distribution, in fen: [low, high), the last open (0–1千, 1千–5千, …, 50万 and more yuan).
BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 100_000), (100_000, 500_000), (500_000, 1_000_000), (1_000_000, 5_000_000), (5_000_000, 10_000_000),
    (10_000_000, 50_000_000), (50_000_000, None))
SIMULATION_REFERENCE = "模拟 (非正式文件) / simulation (no legal document)"


class SimulationRefused(Refused):
    """A change, region or cap given in a form the simulation cannot read: nothing was evaluated or stored."""


@dataclass(frozen=True, slots=True)
class Change:
    """One parameter set to a new value (as typed), nationally or for one division-code prefix."""

    key: str
    value: str
    region: str = ""

    def shown(self) -> str:
        """The change as a person typed it, with its region."""
        return f"{self.key}={self.value}" + (f" @{self.region}" if self.region else "")


@dataclass(frozen=True, slots=True)
class Cap:
    """A budget cap in fen: `proportional` scales every amount so the total fits, `ceiling` cuts each unit's."""

    mode: str
    fen: int


@dataclass(frozen=True, slots=True)
class Group:
    """One row of a breakdown: eligible units and their money before, with the changes, and after the cap."""

    key: str
    units_before: int
    units_after: int
    fen_before: int
    fen_changed: int
    fen_after: int


@dataclass(frozen=True, slots=True)
class Movement:
    """Units of one kind of change (newly in, dropped, gaining, losing, judged on the amount after the cap): how
    many, their money before and after."""

    kind: str
    units: int
    fen_before: int
    fen_after: int


@dataclass(frozen=True, slots=True)
class Band:
    """One amount band: eligible units whose amount falls in it, before and after."""

    low: int
    high: int | None
    units_before: int
    units_after: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """SMEs among eligible units and eligible units among SMEs, as counts (a share is shown from them)."""

    eligible: int
    eligible_smes: int
    smes: int


@dataclass(frozen=True, slots=True)
class DistrictMoves:
    """One district's units gaining (newly in included) and losing (dropped included), with their money: an
    aggregate, kept with the simulation."""

    district: str
    won: int
    won_fen: int
    lost: int
    lost_fen: int


@dataclass
class Simulated:
    """A simulation's figures against its stored run; `moved` holds one row per unit whose decision or amount
    changed (a table the rules produced: the domain passes it on, a simulation never stores it)."""

    run_id: str
    snapshot_id: str
    pack: str
    as_of: dt.date
    changes: tuple[Change, ...]
    cap: Cap | None
    units: int
    totals: Group
    groups: dict[str, list[Group]]
    movements: list[Movement]
    bands: list[Band]
    coverage_before: Coverage
    coverage_after: Coverage
    moved: Any = field(default=None, repr=False)
    id: str | None = None
    by: str = ""                    # who ran it (a staff member's user name; empty from the command line)
    districts: list[DistrictMoves] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """Every aggregate as JSON-ready values: what a stored simulation keeps (never a unit's row)."""
        return {"units": self.units, "totals": asdict(self.totals),
                "groups": {k: [asdict(g) for g in v] for k, v in self.groups.items()},
                "movements": [asdict(m) for m in self.movements], "bands": [asdict(b) for b in self.bands],
                "coverage_before": asdict(self.coverage_before), "coverage_after": asdict(self.coverage_after),
                "by": self.by, "districts": [asdict(d) for d in self.districts]}


@dataclass(frozen=True, slots=True)
class Kept:
    """A kept simulation as listed: what was changed on which run, by whom and when (UTC), and its budget."""

    id: str
    run_id: str
    pack: str
    as_of: dt.date
    changes: tuple[Change, ...]
    cap: Cap | None
    created_at: dt.datetime
    units: int
    fen_before: int
    fen_after: int
    by: str
    figures: dict[str, Any] = field(default_factory=dict, repr=False)

    def simulated(self) -> Simulated:
        """The kept figures as a Simulated again (without its units: those are never kept)."""
        f = self.figures
        return Simulated(
            self.run_id, "", self.pack, self.as_of, self.changes, self.cap, int(f["units"]), Group(**f["totals"]),
            {k: [Group(**g) for g in v] for k, v in f["groups"].items()}, [Movement(**m) for m in f["movements"]],
            [Band(**b) for b in f["bands"]], Coverage(**f["coverage_before"]), Coverage(**f["coverage_after"]),
            id=self.id, by=self.by, districts=[DistrictMoves(**d) for d in f.get("districts", [])])
