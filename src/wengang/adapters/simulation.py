"""A simulation on the DuckDB file: the stored run's snapshot decided again by the changed pack, nothing stored,
then compared with the run (rules/simulation.py); refused in words before the units are decided."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from wengang.domain.analytics import RunSummary, UsedValue
from wengang.domain.errors import NotFound
from wengang.domain.ports import Clock
from wengang.domain.progress import Progress
from wengang.domain.simulation import Cap, Change, Kept, Simulated, SimulationRefused
from wengang.rules import backends, runs, simulation, simulation_kept
from wengang.rules.engine import decide
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.resolved import Resolved
from wengang.rules.simulated_pack import changed_pack
from wengang.snapshot import store


class Simulations:
    """The Analytics port's runs-and-simulations part, on the DuckDB file at `path` (DuckAnalytics has it)."""

    path: Path
    clock: Clock

    def run(self, run_id: str) -> RunSummary | None:
        """A stored run's summary, read-only: what a simulation checks its changes against."""
        con = store.connect(self.path, read_only=True)
        try:
            return runs.find_run(con, run_id)
        finally:
            con.close()

    def runs(self, limit: int = 100) -> list[RunSummary]:
        """The newest stored runs, read-only: what a simulation page offers to start from."""
        if not self.path.exists():
            return []
        con = store.connect(self.path, read_only=True)
        try:
            return simulation_kept.stored_runs(con, limit)
        finally:
            con.close()

    def run_parameters(self, run_id: str) -> list[UsedValue]:
        """The values a stored run read, with their references: what a simulation page shows to change."""
        con = store.connect(self.path, read_only=True)
        try:
            return runs.parameters(con, run_id) if runs.find_run(con, run_id) else []
        finally:
            con.close()

    def simulations(self, limit: int = 100) -> list[Kept]:
        """The newest kept simulations, read-only."""
        if not self.path.exists():
            return []
        con = store.connect(self.path, read_only=True)
        try:
            return simulation_kept.kept_list(con, limit)
        finally:
            con.close()

    def kept_simulation(self, sim_id: str) -> Kept | None:
        """One kept simulation, read-only; None when there is none."""
        if not self.path.exists():
            return None
        con = store.connect(self.path, read_only=True)
        try:
            return simulation_kept.kept_one(con, sim_id)
        finally:
            con.close()

    def simulate(self, run_id: str, changes: Sequence[Change], cap: Cap | None, *,
                 progress: Progress) -> Simulated:
        """Read-only: a simulation decides and compares in memory and writes nothing."""
        con = store.connect(self.path, read_only=True)
        try:
            return simulate(con, run_id, changes, cap, progress)
        finally:
            con.close()

    def keep_simulation(self, simulated: Simulated) -> str:
        """The aggregates in their own table, on a write connection held for one insert."""
        con = store.connect(self.path)
        try:
            return simulation.store_simulation(con, simulated, self.clock.now())
        finally:
            con.close()


def simulate(con: duckdb.DuckDBPyConnection, run_id: str, changes: Sequence[Change], cap: Cap | None,
             progress: Progress) -> Simulated:
    """Decide the run's snapshot again as of its date by its pack with `changes`, and compare (see the module)."""
    run = runs.find_run(con, run_id)
    info = store.find(con, snapshot_id=run.snapshot_id) if run else None
    if run is None or info is None:
        raise NotFound(f"没有评估批次 {run_id} (或其快照已不在) / no stored run {run_id!r} (or its snapshot is gone)")
    if info.mode == store.SPARK_MODE:
        raise SimulationRefused(f"快照 {info.id} 在 Spark 上评估, 月度数据不在本机; 请先导入该目录再模拟 / snapshot "
                                f"{info.id} was decided on Spark and its monthly rows are not on this box: import its "
                                "folder (`wengang snapshot import`) to simulate on it")
    try:
        pack = changed_pack(load_pack(run.pack), changes)
    except PackError as err:
        raise SimulationRefused(str(err)) from None
    for region in sorted({c.region for c in changes if c.region}):
        found = con.execute(f"SELECT count(*) FROM {info.schema}.employers WHERE starts_with(region, ?)",
                            [region]).fetchone()
        if not found or not found[0]:
            raise SimulationRefused(f"快照 {info.id} 中没有地区 {region} 的单位 / no unit of snapshot {info.id} is in "
                                    f"region {region}")
    progress.step(f"模拟 / simulating {run.pack} as of {run.as_of} ({', '.join(c.shown() for c in changes) or 'cap'})")
    try:
        frame, used = decide(backends.duckdb_tables(con, info), pack, run.as_of)
    except (PackError, ValueError) as err:
        shown = ", ".join(c.shown() for c in changes)
        raise SimulationRefused(f"修改后的参数无法使用 ({shown}) / the changed values cannot be used ({shown}): "
                                f"{err}") from None
    _read_as_changed(changes, used, run.pack)
    decided = backends.execute(frame)
    progress.step("与已存批次比较 / comparing with the stored run")
    return simulation.compare(con, run=(run.id, run.snapshot_id, run.pack, run.as_of), schema=info.schema,
                              decided=decided, changes=tuple(changes), cap=cap)


def _read_as_changed(changes: Sequence[Change], used: Resolved, pack: str) -> None:
    """Every change must be read by the pack's programme (a region's only where the rules read it by region):
    a change nothing reads would show "no effect" for a reason nobody sees."""
    read = {(u.name, u.region) for u in used.used}
    names = {u.name for u in used.used}
    for change in changes:
        if change.key not in names:
            raise SimulationRefused(f"政策包 {pack} 的项目不读取参数 {change.key}, 修改它 ({change.value!r}) 不会有任何影响 / "
                                    f"the programme of pack {pack} does not read {change.key}: changing it to "
                                    f"{change.value!r} would change nothing")
        if change.region and (change.key, change.region) not in read:
            raise SimulationRefused(f"参数 {change.key} 全国统一读取, 不能按地区 {change.region} 修改; 去掉 --region / "
                                    f"{change.key} is read the same everywhere, not by region {change.region}; "
                                    "drop --region")

