"""A small generated city with one stored run of beijing-2021 (SME ratio 60%, layoff limit 6%): what the simulation
tests change and compare against."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import duckdb

from wengang import bootstrap
from wengang.config import Settings
from wengang.services.evaluation import evaluate
from wengang.snapshot.generator import generate_city
from wengang.snapshot.store import schema_of

PACK, AS_OF, UNITS = "beijing-2021", dt.date(2021, 6, 30), 400


class SimCity(NamedTuple):
    """The settings of the city's stores and the id of its one stored run."""

    settings: Settings
    run_id: str


def make_sim_city(root: Path) -> SimCity:
    """Generate, import and evaluate (the run stored) once."""
    generate_city(root / "city", units=UNITS, seed=19, profile="beijing", base_year=2020)
    settings = Settings(data_dir=root / "var")
    run = evaluate(str(root / "city"), PACK, AS_OF, analytics=bootstrap.analytics(settings), settings=settings)
    return SimCity(settings, run.summary.id)


def query(settings: Settings, sql: str, args: list | None = None) -> list[tuple]:
    """Read the analytical store directly, as an independent check of what the simulation says."""
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        return con.execute(sql, args or []).fetchall()
    finally:
        con.close()


def stored_decisions(city: SimCity) -> dict[str, dict]:
    """The stored run's decision rows by credit code, with the employer's region from the snapshot."""
    cur = duckdb.connect(str(city.settings.analytics_path), read_only=True)
    try:
        snapshot = cur.execute("SELECT snapshot_id FROM decision_runs WHERE id = ?", [city.run_id]).fetchone()[0]
        rel = cur.execute(f"SELECT d.*, e.region FROM decisions d JOIN {schema_of(snapshot)}.employers e USING (uscc) "
                          "WHERE d.run_id = ?", [city.run_id])
        names = [c[0] for c in rel.description]
        return {r[names.index("uscc")]: dict(zip(names, r, strict=True)) for r in rel.fetchall()}
    finally:
        cur.close()
