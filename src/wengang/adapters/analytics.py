"""The analytical store port on the DuckDB file: the only place snapshots and runs meet the driver."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from wengang.adapters.clock import SystemClock
from wengang.adapters.simulation import Simulations
from wengang.domain.analytics import (
    Decided,
    Evaluated,
    FolderEvaluated,
    SizeCount,
    SnapshotAccount,
    SnapshotContact,
    Supplied,
)
from wengang.domain.errors import AnalyticsUnreadable, Refused
from wengang.domain.ports import Clock
from wengang.domain.progress import Progress, Silent
from wengang.domain.snapshots import CheckResult, Imported, SnapshotInfo
from wengang.rules import backends, runs
from wengang.rules.engine import decide, decide_persons, decide_unit
from wengang.rules.inputs import SnapshotTables
from wengang.rules.parameters import Pack, load_pack
from wengang.rules.programmes import ROW_UNIT_COLUMNS, programme_of, programme_rows
from wengang.rules.resolved import Resolved
from wengang.snapshot import checking, facts, on_spark, store
from wengang.snapshot.loading import Unstaged

SIZE_COUNTS = """
    SELECT coalesce(d.size_class, 'unknown') AS size, count(*) AS units,
           count(*) FILTER (d.decision = 'eligible') AS eligible,
           coalesce(sum(d.amount_fen) FILTER (d.decision = 'eligible'), 0) AS fen
    FROM decisions d WHERE d.run_id = ? GROUP BY 1"""

ACCOUNTS = """SELECT uscc, bank_code, account_no, account_name FROM {schema}.employers
              WHERE bank_code IS NOT NULL AND account_no IS NOT NULL AND account_name IS NOT NULL"""

ACCOUNTS_OF = """SELECT e.uscc, bank_code, account_no, account_name FROM {schema}.employers e
                 JOIN wanted_units w ON w.uscc = e.uscc
                 WHERE bank_code IS NOT NULL AND account_no IS NOT NULL AND account_name IS NOT NULL"""

CONTACTS = """SELECT role, name, phone, email, wechat_openid, coalesce(sms_opt_out, false) FROM {schema}.contacts
              WHERE uscc = ? ORDER BY line"""

CONTACTS_OF = """SELECT c.uscc, role, name, phone, email, wechat_openid, coalesce(sms_opt_out, false)
                 FROM {schema}.contacts c JOIN wanted_units w ON w.uscc = c.uscc ORDER BY c.uscc, line"""

INDUSTRIES_OF = """SELECT e.uscc, e.industry FROM {schema}.employers e JOIN wanted_units w ON w.uscc = e.uscc
                   WHERE e.industry IS NOT NULL"""


class DuckAnalytics(Simulations):
    """The DuckDB file at `path`: a write (import, evaluation) holds it alone; a page's read opens it read-only."""

    def __init__(self, path: Path, clock: Clock | None = None):
        self.path, self.clock = path, clock or SystemClock()    # a snapshot's import time (a demo sets it back)

    # -- snapshots --------------------------------------------------------------------------------------------
    def snapshots(self) -> list[SnapshotInfo]:
        con = store.connect(self.path)
        try:
            return store.list_snapshots(con)
        finally:
            con.close()

    def find_snapshot(self, snapshot_id: str) -> SnapshotInfo | None:
        con = store.connect(self.path)
        try:
            return store.find(con, snapshot_id=snapshot_id)
        finally:
            con.close()

    def contribution_months(self, snapshot_id: str) -> tuple[str, str] | None:
        con = store.connect(self.path, read_only=True)
        try:
            info = store.find(con, snapshot_id=snapshot_id)
            if info is None:
                return None
            table = store.SPAN if info.mode == store.SPARK_MODE else "contributions"   # a Spark snapshot's span only
            row = con.execute(f"SELECT min(month), max(month) FROM {info.schema}.{table}").fetchone()
            return None if row is None or row[0] is None else (str(row[0]), str(row[1]))
        finally:
            con.close()

    def check_snapshot(self, folder: Path, *, encoding: str | None, progress: Progress) -> CheckResult:
        con = store.scratch()
        try:
            return checking.check(con, folder, encoding=encoding, lenient=False, progress=progress)[0]
        finally:
            con.close()

    def import_snapshot(self, folder: Path, *, encoding: str | None, lenient: bool,
                        storable: Callable[[CheckResult], bool], progress: Progress) -> Imported:
        checking.check_encoding(encoding)
        hashed = checking.hash_folder(folder, progress)       # the hash first: a folder stored before is not parsed
        con = store.connect(self.path)
        try:
            existing = store.find(con, content_hash=hashed.content_hash)
            if existing and existing.mode != store.SPARK_MODE:    # a Spark snapshot is stored whole now
                return Imported(checking.stored_before(folder, hashed, existing), existing, already=True)
            snapshot_id = hashed.content_hash[:12]
            # One transaction from the first row loaded to the commit: the files load into the snapshot's own
            # schema and a clean one is kept as loaded; a refused import rolls back and stores nothing.
            stage = store.begin_snapshot(con, snapshot_id, replace=existing is not None)
            try:
                result, raws = checking.check(con, folder, encoding=encoding, lenient=lenient, progress=progress,
                                              hashed=hashed, stage=stage)
            except Unstaged:            # a file DuckDB cannot read: checked again outside, its fault said as ever
                store.abandon(con)
                result, raws = checking.check(con, folder, encoding=encoding, lenient=lenient, progress=progress,
                                              hashed=hashed)
                store.begin_snapshot(con, snapshot_id, replace=existing is not None)
            if not storable(result):
                store.abandon(con)
                return Imported(result, None)
            progress.step("写入分析库 / storing typed tables")
            try:
                info = store.write_snapshot(con, snapshot_id=snapshot_id, content_hash=result.content_hash,
                                            source=str(folder.resolve()), raws=raws, faults=result.faults,
                                            mode="lenient" if lenient else "strict", imported_at=self.clock.now())
            except duckdb.OutOfMemoryException as err:
                raise checking.OutOfMemory(checking.memory_share(hashed.files)) from err
            return Imported(result, info)
        except BaseException:
            store.abandon(con)
            raise
        finally:
            con.close()

    # -- runs -------------------------------------------------------------------------------------------------
    def evaluate(self, snapshot: SnapshotInfo, pack_id: str, as_of: dt.date, *, engine: str, keep: bool,
                 progress: Progress) -> Evaluated:
        pack = load_pack(pack_id)
        if snapshot.mode == store.SPARK_MODE and engine != "spark":
            raise Refused(f"快照 {snapshot.id} 在 Spark 上校验, 月度数据留在 {snapshot.source}; 请用 --engine spark / "
                          f"snapshot {snapshot.id} was checked on Spark and its monthly rows stay in its folder "
                          f"{snapshot.source}: evaluate it with --engine spark, or store it whole first "
                          f"(wengang snapshot import {snapshot.source})")
        con = store.connect(self.path)
        try:
            if snapshot.mode != store.SPARK_MODE and not facts.exists(con, snapshot.schema):
                progress.step("汇总缴费 (一次) / summarising contributions per unit and year (once per snapshot)")
                facts.ensure(con, snapshot.schema)
            if snapshot.mode != store.SPARK_MODE and facts.exists(con, snapshot.schema):
                refuse_past_reckoning(con, snapshot)
            started = time.perf_counter()
            if engine == "duckdb":
                tables = backends.duckdb_tables(con, snapshot)
                frame, used = decide(tables, pack, as_of)
                decided = backends.execute(frame)
                hires = decide_persons(tables, pack, as_of)
                persons = None if hires is None else backends.execute(hires)
                detail = _detail(tables, decided, used)
            else:
                decided, used, persons, detail = _on_spark(con, snapshot, pack, as_of)
            seconds = time.perf_counter() - started
            summary = runs.summarise(runs.new_run_id(), snapshot.id, pack.id, as_of, engine, decided, seconds)
            if keep:
                progress.step("保存决定与解释 / storing decisions and explanations")
                runs.store_run(con, summary, decided, used.used)
        finally:
            con.close()
        return Evaluated(summary, decided, persons, detail)

    def evaluate_folder(self, folder: Path, pack_id: str, as_of: dt.date, *, keep: bool,
                        progress: Progress) -> FolderEvaluated:
        pack = load_pack(pack_id)
        hashed = checking.hash_folder(folder, progress)
        known = self.find_hash(hashed.content_hash)
        session = backends.spark_session()
        checked = on_spark.check(session, hashed, folder, f"wg_{hashed.content_hash[:12]}", progress,
                                 validate=known is None or known.mode not in ("strict", store.SPARK_MODE))
        if checked.result.faults or checked.result.unusable:
            return FolderEvaluated(checked.result, None)
        info = known or SnapshotInfo(hashed.content_hash[:12], hashed.content_hash, str(folder.resolve()),
                                     self.clock.now(), store.SPARK_MODE,
                                     {name: path.name for name, path in hashed.files.items()},
                                     checked.result.rows, 0)
        progress.step(f"评估 / evaluating {pack.id} on spark")
        started = time.perf_counter()
        decided, used, persons, detail = _decide_on_spark(session, checked.views, info, pack, as_of)
        summary = runs.summarise(runs.new_run_id(), info.id, pack.id, as_of, "spark", decided,
                                 time.perf_counter() - started)
        if keep:
            progress.step("登记快照并保存决定 / registering the snapshot, storing decisions and explanations")
            kept = {name: on_spark.fetch(session, checked.views[name]) for name in store.SPARK_KEPT}
            kept[store.SPAN] = on_spark.span(session, checked.views["contributions"])
            con = store.connect(self.path)
            try:
                if not known:
                    store.register_spark(con, info, kept)
                runs.store_run(con, summary, decided, used.used)
            finally:
                con.close()
        return FolderEvaluated(checked.result, Evaluated(summary, decided, persons, detail))

    def find_hash(self, content_hash: str) -> SnapshotInfo | None:
        """The snapshot stored from these very files, if any."""
        con = store.connect(self.path)
        try:
            return store.find(con, content_hash=content_hash)
        finally:
            con.close()

    def snapshot_accounts(self, run_ids: Iterable[str],
                          usccs: Sequence[str] | None = None) -> dict[str, SnapshotAccount]:
        out: dict[str, SnapshotAccount] = {}
        if usccs is not None and not usccs:
            return out
        con = store.connect(self.path, read_only=True)
        try:
            sql = ACCOUNTS
            if usccs is not None:       # a chunk of a nation's units: joined in DuckDB, never the whole table here
                con.register("wanted_units", pa.table({"uscc": pa.array(list(usccs), pa.string())}))
                sql = ACCOUNTS_OF
            for run_id in sorted(set(run_ids)):
                row = con.execute("SELECT snapshot_id FROM decision_runs WHERE id = ?", [run_id]).fetchone()
                if row is None:
                    continue
                for uscc, code, number, name in con.execute(sql.format(schema=store.schema_of(row[0]))).fetchall():
                    out[uscc] = SnapshotAccount(code, number, name)
        finally:
            con.close()
        return out

    # -- a page's reads ---------------------------------------------------------------------------------------
    def contacts(self, uscc: str, run_id: str) -> list[SnapshotContact]:
        if not self.path.exists():
            return []
        try:
            con = store.connect(self.path, read_only=True)
            try:
                schema = _contacts_schema(con, run_id)
                if schema is None:
                    return []
                rows = con.execute(CONTACTS.format(schema=schema), [uscc]).fetchall()
                return [SnapshotContact(role, name, phone, email, openid, bool(opt_out))
                        for role, name, phone, email, openid, opt_out in rows]
            finally:
                con.close()
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err

    def contacts_of(self, usccs: Sequence[str], run_id: str) -> dict[str, list[SnapshotContact]]:
        if not self.path.exists() or not usccs:
            return {}
        try:
            con = store.connect(self.path, read_only=True)
            try:
                schema = _contacts_schema(con, run_id)
                if schema is None:
                    return {}
                wanted = pa.table({"uscc": pa.array(list(usccs), pa.string())})
                con.register("wanted_units", wanted)
                found: dict[str, list[SnapshotContact]] = {}
                for uscc, role, name, phone, email, openid, opt_out in con.execute(
                        CONTACTS_OF.format(schema=schema)).fetchall():
                    found.setdefault(uscc, []).append(SnapshotContact(role, name, phone, email, openid, bool(opt_out)))
                return found
            finally:
                con.close()
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err

    def unit_kinds(self, snapshot_id: str) -> dict[str, tuple[str | None, str | None]]:
        if not self.path.exists():
            return {}
        con = store.connect(self.path, read_only=True)
        try:
            info = store.find(con, snapshot_id=snapshot_id)
            if info is None:
                return {}
            found = con.execute(f"SELECT uscc, industry, unit_type FROM {info.schema}.employers")
            kinds: dict[str, tuple[str | None, str | None]] = {}
            pairs: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
            while rows := found.fetchmany(100_000):      # a nation's 10 M units: one tuple per kind, not per unit
                for uscc, industry, unit_type in rows:
                    kinds[uscc] = pairs.setdefault((industry, unit_type), (industry, unit_type))
            return kinds
        finally:
            con.close()

    def industries(self, usccs: Sequence[str], run_id: str) -> dict[str, str]:
        if not self.path.exists() or not usccs:
            return {}
        try:
            con = store.connect(self.path, read_only=True)
            try:
                row = con.execute("SELECT snapshot_id FROM decision_runs WHERE id = ?", [run_id]).fetchone()
                if row is None:
                    return {}
                con.register("wanted_units", pa.table({"uscc": pa.array(list(usccs), pa.string())}))
                return dict(con.execute(INDUSTRIES_OF.format(schema=store.schema_of(row[0]))).fetchall())
            finally:
                con.close()
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err

    def decided(self, uscc: str, run_id: str | None = None) -> Decided | None:
        if not self.path.exists():
            return None
        try:
            con = store.connect(self.path, read_only=True)
            try:
                row = runs.latest_row(con, uscc, run_id)
                return Decided(row, runs.parameters(con, row["run_id"])) if row is not None else None
            finally:
                con.close()
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err

    def redecide(self, uscc: str, run_id: str, supplied: Supplied) -> Decided | None:
        if not self.path.exists():
            return None
        try:
            con = store.connect(self.path, read_only=True)
            try:
                return _redecided(con, uscc, run_id, supplied)
            finally:
                con.close()
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err

    def size_counts(self, run_id: str) -> list[SizeCount] | None:
        if not self.path.exists():
            return None
        try:
            con = store.connect(self.path, read_only=True, wait=0)
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err
        try:
            if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'decisions'").fetchone():
                return None
            return [SizeCount(size, units, eligible, int(fen))
                    for size, units, eligible, fen in con.execute(SIZE_COUNTS, [run_id]).fetchall()]
        finally:
            con.close()


def _on_spark(con: duckdb.DuckDBPyConnection, info: SnapshotInfo, pack: Pack, as_of: dt.date):
    """A stored snapshot on Spark: read again from its own folder when that folder is Parquet and still holds the
    same files (checked on import, so not again); a CSV snapshot's typed tables go to Spark as Parquet."""
    folder = Path(info.source)
    session = backends.spark_session()
    hashed = _same_files(folder, info)
    if hashed is not None and on_spark.readable(hashed.files):
        checked = on_spark.check(session, hashed, folder, f"wg_{info.id}", Silent(), validate=False)
        return _decide_on_spark(session, checked.views, info, pack, as_of)
    if info.mode == store.SPARK_MODE:
        raise Refused(f"快照 {info.id} 的目录 {folder} 已不在或已改变 / the folder {folder} of snapshot {info.id}, "
                      "checked on Spark, is gone or its files changed: Spark reads its monthly rows there")
    export = Path(tempfile.mkdtemp(prefix="wengang-export-"))
    try:
        paths = backends.export_parquet(con, info, export)
        return _decide_on_spark(session, backends.spark_views(session, paths, info), info, pack, as_of,
                                with_facts=facts.TABLE in paths)
    finally:
        shutil.rmtree(export, ignore_errors=True)


def _same_files(folder: Path, info: SnapshotInfo) -> checking.Hashed | None:
    """The folder located and hashed, if it still holds the snapshot's very files."""
    try:
        hashed = checking.hash_folder(folder, Silent())
    except (OSError, ValueError):
        return None
    return hashed if hashed.content_hash == info.content_hash else None


def _decide_on_spark(session, views: dict[str, str], info: SnapshotInfo, pack: Pack, as_of: dt.date, *,
                     with_facts: bool = False):
    """Every unit decided by Spark over the snapshot's views: decisions, resolved values, persons, detail rows."""
    tables = backends.spark_tables(session, views, info, with_facts=with_facts)
    frame, used = decide(tables, pack, as_of)
    hires = decide_persons(tables, pack, as_of)
    decided = backends.execute(frame)
    return decided, used, None if hires is None else backends.execute(hires), _detail(tables, decided, used)


def refuse_past_reckoning(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInfo) -> None:
    """No decision on premiums the rules cannot count: the unit, year and sum named, nothing decided or stored."""
    found = facts.past_reckoning(con, snapshot.schema)
    if found is not None:
        code, year, fen = found
        raise Refused(f"快照 {snapshot.id}: 单位 {code} {year} 年缴费或欠费合计 {fen // 100:,}.{fen % 100:02d} 元, 超出规则可计算的"
                      f"上限 {facts.BIGINT_MAX // 100:,}.{facts.BIGINT_MAX % 100:02d} 元, 未作决定; 请核对缴费文件 / snapshot "
                      f"{snapshot.id}: unit {code}'s premiums or arrears in {year} sum to {fen // 100:,}.{fen % 100:02d} "
                      f"yuan, more than the rules can count; nothing was decided: check the contributions file")


def _detail(tables: SnapshotTables, decided: pa.Table, p: Resolved) -> pa.Table | None:
    """A programme's table below the unit (rules/programmes.py `rows`), or None: the decided units go back to the
    tables' own backend as a temporary table, so the rows join them instead of deciding every unit again."""
    if programme_of(p.pack).rows is None:
        return None
    backend = tables.employers._find_backend()
    name, data = f"wg_units_{secrets.token_hex(4)}", decided.select(list(ROW_UNIT_COLUMNS))
    try:
        units = backend.create_table(name, data, temp=True)
    except NotImplementedError:     # PySpark has no temporary tables: one in the session's own warehouse, dropped
        units = backend.create_table(name, data)
    try:
        rows = programme_rows(tables, units, p)
        return None if rows is None else backends.execute(rows)
    finally:
        backend.drop_table(units.get_name(), force=True)


def _redecided(con: duckdb.DuckDBPyConnection, uscc: str, run_id: str, supplied: Supplied) -> Decided | None:
    """The unit decided again on the run's snapshot, pack and date by the rules' single-unit entry, with the supplied
    facts: a row shaped as a stored one (employer's columns from the snapshot, the supplied ones in their place)."""
    stored = runs.latest_row(con, uscc, run_id)
    if stored is None:
        return None
    info = store.find(con, snapshot_id=stored["snapshot_id"])
    if info is None:
        return None
    frame, resolved = decide_unit(backends.duckdb_tables(con, info), load_pack(stored["pack"]), stored["as_of"],
                                  uscc, supplied=supplied)
    rows = backends.execute(frame).to_pylist()
    if not rows:
        return None
    row = {**stored, **rows[0], **{k: v for k, v in supplied.items() if k in runs.FROM_SNAPSHOT}}
    return Decided(row, list(dict.fromkeys(resolved.used)))


def _contacts_schema(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """The schema of the snapshot behind a run, if that snapshot has a contacts file (None: no run, or no file)."""
    row = con.execute("SELECT snapshot_id FROM decision_runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        return None
    schema = store.schema_of(row[0])
    found = con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'contacts'",
                        [schema]).fetchone()
    return schema if found else None
