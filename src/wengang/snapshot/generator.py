"""A seeded synthetic city in the DATA.md layout: every rule gets exercised, half a million units in seconds.

The work is split by stage: `generator_codes` (valid codes, IDs, exact money), `generator_units` (units and
headcounts, employers), `generator_boundary` (units sitting exactly on a legal boundary), `generator_flows`
(contributions, separations, claims, flags) and `generator_dirty` (faults on request). This module runs them
in order, each stage on its own random stream, and writes the nine files (`generator_contacts`: who to text;
`generator_youth`: hires and interns of the pack years 2022–2025; `generator_dues`: the base year's unit dues).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wengang.domain.progress import Progress, Silent
from wengang.snapshot.generator_boundary import place_boundary_units
from wengang.snapshot.generator_codes import credit_codes, digits, fixed_strings, money, person_ids
from wengang.snapshot.generator_contacts import contacts_table
from wengang.snapshot.generator_dirty import FAULTS, spoil
from wengang.snapshot.generator_dues import dues_months
from wengang.snapshot.generator_flows import contributions_month, draw_arrears, flags_table, leavers
from wengang.snapshot.generator_profiles import PROFILES
from wengang.snapshot.generator_units import N_MONTHS, City, draw_city, employers_table
from wengang.snapshot.generator_youth import hires_table, interns_table
from wengang.snapshot.schema import FILES

__all__ = ["City", "Progress", "credit_codes", "digits", "draw_city", "fixed_strings", "generate_city", "money",
           "person_ids"]


class _Sink:
    """Writes one snapshot file chunk by chunk, as Parquet or as UTF-8 CSV with a header."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt, self.rows = path, fmt, 0
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = (pq.ParquetWriter(self.path, table.schema, store_decimal_as_integer=True)
                            if self.fmt == "parquet" else pacsv.CSVWriter(self.path, table.schema))
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


BLOCK = 1_000_000  # units drawn at once: a larger city is written block after block, each a row group, in ≈ 2 GB


def generate_city(out: Path, *, units: int, seed: int, profile: str = "beijing", dirty: float = 0.0,
                  fmt: str = "parquet", base_year: int = 2020, progress: Progress | None = None,
                  programme_files: bool = True) -> dict[str, int]:
    """Write a synthetic city's nine snapshot files into `out` (same seed, same bytes); rows per file. Without
    `programme_files` the six files the stable-job return reads only (hires, interns and dues are what the other
    programmes read; dues alone are ~35 rows a unit, and the older benchmarks measure the six). A city of more than
    `BLOCK` units streams: each block of units is drawn from random streams of its own and appended to every file,
    so memory stays that of one block whatever the size (ten million units: ten blocks)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be parquet or csv, not {fmt!r}")
    if units < 1 or not 0 <= dirty < 1:
        raise ValueError("units must be ≥ 1 and dirty a fraction in [0, 1)")
    if units > 999_999_999:
        raise ValueError("at most 999,999,999 units: a credit code's serial has nine digits")
    progress = progress or Silent()
    out.mkdir(parents=True, exist_ok=True)
    for spec in FILES:  # a stale file in the other format would make the folder ambiguous
        for suffix in (".csv", ".parquet"):
            (out / f"{spec.name}{suffix}").unlink(missing_ok=True)
    names = [spec.name for spec in FILES if programme_files or spec.name not in _PROGRAMME_FILES]
    sinks = {name: _Sink(out / f"{name}.{fmt}", fmt) for name in names}
    blocks = -(-units // BLOCK)
    offset: int | None = None
    try:
        for b in range(blocks):
            first, n = b * BLOCK, min(BLOCK, units - b * BLOCK)
            # the first block's streams are the city's own (a city of one block keeps its bytes)
            seeds = np.random.SeedSequence(seed, spawn_key=(b + 7,) if b else ())
            offset = _block(sinks, seeds, n, first, offset, profile, dirty, base_year,
                            _Steps(progress, b, blocks))
    finally:
        for sink in sinks.values():
            sink.close()
    return {name: sinks[name].rows for name in names}


_PROGRAMME_FILES = ("hires", "interns", "dues")


class _Steps:
    """Progress of one block: the block's number in each step's words when there are several."""

    def __init__(self, progress: Progress, block: int, blocks: int):
        self.progress, self.block, self.blocks = progress, block, blocks

    def step(self, words: str) -> None:
        self.progress.step(words if self.blocks == 1 else f"{words} ({self.block + 1}/{self.blocks})")

    def advance(self, done: int, total: int) -> None:
        self.progress.advance(done, total)


def _block(sinks: dict[str, _Sink], seeds: np.random.SeedSequence, n: int, first: int, offset: int | None,
           profile: str, dirty: float, base_year: int, progress: _Steps) -> int:
    """Draw n units numbered from `first` and append their rows to every file; the serial offset they used."""
    streams = seeds.spawn(8)  # the first five as before the boundary units existed, and so on
    draw, extra, people, flag_rng, bad, edge, reach, youth = (np.random.default_rng(s) for s in streams)

    def emit(name: str, tables) -> None:  # noqa: ANN001 - any iterable of tables
        if name in sinks:
            for table in tables:
                sinks[name].write(spoil(table, bad, dirty, FAULTS[name]))

    progress.step("单位与参保人数 / units and headcounts")
    city = draw_city(draw, PROFILES[profile], n, base_year, first=first, offset=offset)
    place_boundary_units(edge, city)
    progress.step("写 employers / writing employers")
    emit("employers", [employers_table(extra, city)])
    progress.step("写 contributions / writing contributions")
    arrears = draw_arrears(extra, city)

    def months():  # noqa: ANN202 - a generator of tables
        for m in range(N_MONTHS):
            yield contributions_month(city, arrears, m)
            progress.advance(m + 1, N_MONTHS)

    emit("contributions", months())
    progress.step("写 separations, ui_claims / writing separations and claims")
    seps, claims = leavers(people, city)
    emit("separations", [seps])
    emit("ui_claims", [claims])
    progress.step("写 flags / writing flags")
    emit("flags", [flags_table(flag_rng, city)])
    progress.step("写 contacts / writing contacts")
    emit("contacts", [contacts_table(reach, city)])
    if "hires" in sinks:
        progress.step("写 hires, interns, dues / writing hires, interns and dues")
        emit("hires", [hires_table(youth, city)])
        emit("interns", [interns_table(youth, city)])
        emit("dues", dues_months(city))   # no draw: the base year's dues follow from headcounts and wage bases
    return city.serial_offset
