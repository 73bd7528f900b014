"""Evaluate a pack over a snapshot, write the decisions file, store the run with its explanations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyarrow as pa

from wengang.config import Settings
from wengang.domain.analytics import ENGINES, RunSummary
from wengang.domain.ports import Analytics
from wengang.domain.progress import Progress, Silent
from wengang.rules import output
from wengang.rules.parameters import load_pack
from wengang.rules.persons import PERSON_FILES
from wengang.rules.programmes import programme_of
from wengang.services.snapshots import ImportResult, SnapshotRefused, default_report_path, resolve_snapshot
from wengang.snapshot import on_spark
from wengang.snapshot.faults import write_report
from wengang.snapshot.reading import locate_files


@dataclass
class Evaluation:
    """A finished run: its summary and the full decided table; the DATA.md table is formatted when asked for."""

    summary: RunSummary
    decided: pa.Table
    persons: pa.Table | None = None      # a programme that pays per person: one row per person (ids unmasked)
    relief: pa.Table | None = None      # contribution relief per unit, month and insurance (rules/relief.py)

    @cached_property
    def contract(self) -> pa.Table:
        """Cycles and re-verification read `decided` only, so only a decisions file pays for formatting."""
        return output.contract_table(self.decided)


def evaluate(snapshot: str, pack_id: str, as_of: dt.date, *, analytics: Analytics, settings: Settings,
             engine: str = "duckdb", keep: bool = True, encoding: str | None = None,
             progress: Progress | None = None) -> Evaluation:
    """Decide every unit; `keep` stores decisions, explanations and parameters in the analytical store; a folder's
    CSV files are read in `encoding` when given."""
    progress = progress or Silent()
    if engine not in ENGINES:
        raise ValueError(f"未知引擎 / unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    pack = load_pack(pack_id)                      # an unknown pack is refused before a folder is imported
    if engine == "spark" and _parquet_folder(snapshot):
        return _on_spark(Path(snapshot), pack.id, as_of, analytics=analytics, settings=settings, keep=keep,
                         progress=progress)
    info = resolve_snapshot(snapshot, analytics=analytics, settings=settings, encoding=encoding, progress=progress)
    progress.step(f"评估 / evaluating {pack.id} on {engine}")
    run = analytics.evaluate(info, pack.id, as_of, engine=engine, keep=keep, progress=progress)
    return Evaluation(run.summary, run.decided, run.persons, run.detail)


def _parquet_folder(ref: str) -> bool:
    """A folder whose files are all Parquet: Spark reads it where it lies (a CSV folder is imported first)."""
    path = Path(ref)
    return path.is_dir() and on_spark.readable(locate_files(path)[0])


def _on_spark(folder: Path, pack_id: str, as_of: dt.date, *, analytics: Analytics, settings: Settings, keep: bool,
              progress: Progress) -> Evaluation:
    """Spark checks and decides the folder; a folder with faults is refused as the import refuses it, its fault
    report written, nothing stored."""
    done = analytics.evaluate_folder(folder, pack_id, as_of, keep=keep, progress=progress)
    if done.run is None:
        if done.check.faults:
            done.check.report = write_report(done.check.faults, default_report_path(settings, done.check.content_hash))
        raise SnapshotRefused(ImportResult(done.check, None, refused=True))
    return Evaluation(done.run.summary, done.run.decided, done.run.persons, done.run.detail)


def write_decisions(evaluation: Evaluation, out: Path, fmt: str) -> Path:
    """The decisions file; for contribution relief, which pays nothing, its rows per unit, month and insurance."""
    if evaluation.relief is not None:
        return output.write(output.relief_table(evaluation.relief), out, fmt)
    return output.write(evaluation.contract, out, fmt)


class NotPerPerson(ValueError):
    """`--persons` asked of a pack whose programme pays per unit."""


def write_persons(evaluation: Evaluation, pack_id: str, out: Path, fmt: str) -> Path:
    """One row per person (hire, intern) of a programme that pays per person; refused in words for a pack that pays
    per unit. A snapshot without the person file writes the header only (every unit is then ineligible)."""
    programme = programme_of(load_pack(pack_id))
    if not programme.persons:
        raise NotPerPerson(f"政策包 {pack_id} 按单位核定 ({programme.name[0]}), 没有按人明细; 不要使用 --persons / "
                           f"pack {pack_id} pays per unit ({programme.name[1]}): there is no per-person file")
    source = PERSON_FILES[programme.person_file]
    persons = evaluation.persons
    if persons is None:
        types = {"uscc": pa.string(), "person_id": pa.string(), source.day: pa.date32(), "category": pa.string(),
                 "months": pa.int64(), "decision": pa.string(), "amount_fen": pa.int64(), "reasons": pa.string()}
        persons = pa.table({c: pa.array([], types[c]) for c in source.columns})
    return output.write(output.persons_table(persons, source.day, source.extra), out, fmt)


def relief_totals(evaluation: Evaluation) -> tuple[list[dict], list[dict]]:
    """Relief by kind and size group, and by month (SMEs vs the others), in fen; empty for other programmes."""
    if evaluation.relief is None:
        return [], []
    return (output.relief_table(evaluation.relief, output.RELIEF_TOTALS_SQL).to_pylist(),
            output.relief_table(evaluation.relief, output.RELIEF_MONTHS_SQL).to_pylist())
