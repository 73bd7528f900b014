"""Evaluate a pack over a snapshot, write the decisions file, store the run with its explanations."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyarrow as pa

from wengang.config import Settings
from wengang.domain.progress import Progress, Silent
from wengang.rules import backends, output, runs
from wengang.rules.engine import decide
from wengang.rules.parameters import load_pack
from wengang.services.snapshots import resolve_snapshot
from wengang.snapshot import facts, store


@dataclass
class Evaluation:
    """A finished run: its summary and the full decided table; the DATA.md table is formatted when asked for."""

    summary: runs.RunSummary
    decided: pa.Table

    @cached_property
    def contract(self) -> pa.Table:
        """Cycles and re-verification read `decided` only, so only a decisions file pays for formatting."""
        return output.contract_table(self.decided)


def evaluate(snapshot: str, pack_id: str, as_of: dt.date, *, settings: Settings, engine: str = "duckdb",
             keep: bool = True, progress: Progress | None = None) -> Evaluation:
    """Decide every unit; `keep` stores decisions, explanations and parameters in the analytical store."""
    progress = progress or Silent()
    if engine not in backends.ENGINES:
        raise ValueError(f"未知引擎 / unknown engine {engine!r}; use one of {', '.join(backends.ENGINES)}")
    pack = load_pack(pack_id)
    info = resolve_snapshot(snapshot, settings=settings, progress=progress)
    progress.step(f"评估 / evaluating {pack.id} on {engine}")
    con = store.connect(settings.analytics_path)
    try:
        if not facts.exists(con, info.schema):
            progress.step("汇总缴费 (一次) / summarising contributions per unit and year (once per snapshot)")
            facts.ensure(con, info.schema)
        started = time.perf_counter()
        if engine == "duckdb":
            frame, used = decide(backends.duckdb_tables(con, info), pack, as_of)
            decided = backends.execute(frame)
        else:
            decided, used = _on_spark(con, info, pack, as_of)
        seconds = time.perf_counter() - started
        summary = runs.summarise(runs.new_run_id(), info.id, pack.id, as_of, engine, decided, seconds)
        if keep:
            progress.step("保存决定与解释 / storing decisions and explanations")
            runs.store_run(con, summary, decided, used.used)
    finally:
        con.close()
    return Evaluation(summary, decided)


def _on_spark(con, info, pack, as_of):
    folder = Path(tempfile.mkdtemp(prefix="wengang-export-"))
    try:
        paths = backends.export_parquet(con, info, folder)
        session = backends.spark_session()
        frame, used = decide(backends.spark_tables(session, paths, info), pack, as_of)
        return backends.execute(frame), used
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_decisions(evaluation: Evaluation, out: Path, fmt: str) -> Path:
    return output.write(evaluation.contract, out, fmt)

