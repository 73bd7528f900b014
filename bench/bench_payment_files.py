"""Payment files at city scale: 500,000 payments, one pain.001.001.09 per bank, XSD-valid, answered and reconciled.

Usage: uv run python bench/bench_payment_files.py [--payments 500000] [--banks 16] [--workers N] [--keep] [--no-record]
Targets (issue #5): batches + XSD-valid files ≤ 30 s; ingest of the banks' status reports ≤ 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, peak_rss_mb, record  # noqa: E402

from wengang.adapters.banks import xsd  # noqa: E402
from wengang.adapters.banks.camt054 import read_camt054  # noqa: E402
from wengang.adapters.banks.files import write_atomic  # noqa: E402
from wengang.adapters.banks.pain001 import V09, Debtor, render_pain001  # noqa: E402
from wengang.adapters.banks.pain002 import read_pain002  # noqa: E402
from wengang.adapters.banks.simulator import BankSimulator  # noqa: E402
from wengang.domain.identifiers import uscc_check_char  # noqa: E402
from wengang.domain.payments import PaymentInstruction, PaymentStatus, control_sum, end_to_end_id  # noqa: E402
from wengang.domain.reconciliation import Expected, reconcile  # noqa: E402

FUND = Debtor(account_no="110060149018001234567", bank_code="103100000026")
CREATED = dt.datetime(2021, 7, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def amount_of(case_id: int) -> Decimal:
    """A spread of amounts from 0.01 yuan to about 200,000, exact."""
    return Decimal((case_id * 7919) % 20_000_000 + 1).scaleb(-2)


def bank_code(bank: int) -> str:
    return f"{102 + bank:03d}100{bank:06d}"


def rows(bank: int, banks: int, total: int) -> list[tuple]:
    """One bank's approved cases as the store would hand them over (made before the clock starts)."""
    out = []
    for case_id in range(bank + 1, total + 1, banks):
        body = f"91110105{case_id:09d}"
        name = f"北京市稳岗{case_id}号科技有限公司"
        out.append((case_id, 1, body + uscc_check_char(body), name, bank_code(bank), f"6222{case_id:015d}", name,
                    amount_of(case_id)))
    return out


def write_batch(args: tuple[int, list[tuple], str]) -> dict:
    """One bank's file: build (and so check) the instructions, render, validate against the XSD, write atomically."""
    bank, raw, folder = args
    t0 = time.perf_counter()
    items = [PaymentInstruction(*r) for r in raw]
    t1 = time.perf_counter()
    batch_id = f"BJ2021-{bank:02d}"
    data = render_pain001(batch_id=batch_id, payments=items, debtor=FUND, created=CREATED,
                          execution_date=dt.date(2021, 7, 2), remittance="2021年失业保险稳岗返还", message=V09)
    t2 = time.perf_counter()
    xsd.parse(data, V09, name=batch_id)
    t3 = time.perf_counter()
    path = Path(folder) / f"{batch_id}.xml"
    digest = write_atomic(path, data)
    return {"path": str(path), "sha256": digest, "count": len(items), "sum": control_sum(p.amount for p in items),
            "build": t1 - t0, "render": t2 - t1, "validate": t3 - t2, "write": time.perf_counter() - t3}


def warm_up(_: int) -> None:
    xsd.schema(V09)


def simulate(args: tuple[str, str, int]) -> tuple[str, str | None, str | None]:
    path, out, seed = args
    answer = BankSimulator(seed=seed, reject_share=0.02, return_share=0.005).answer(path, out)
    return (str(answer.pain002.path), answer.settlement and str(answer.settlement.path),
            answer.returns and str(answer.returns.path))


def expected_of(raw: list[tuple]) -> dict[str, Expected]:
    """What the store knows of one bank's batch: each attempt's amount and status (pending)."""
    return {end_to_end_id(r[0], r[1]): Expected(r[7], PaymentStatus.PENDING) for r in raw}


def ingest_status(args: tuple[str, dict[str, Expected]]) -> dict:
    """Read one bank's pain.002 (XSD-validated) and reconcile it against what was sent."""
    path, expected = args
    t0 = time.perf_counter()
    records = read_pain002(path).records
    result = reconcile(expected, records)
    now = dict(expected)
    for u in result.updates:
        now[u.end_to_end_id] = Expected(u.amount, u.after)
    return {"records": len(records), "updates": len(result.updates), "discrepancies": len(result.discrepancies),
            "seconds": time.perf_counter() - t0, "now": now}


def ingest_notifications(args: tuple[list[str], dict[str, Expected]]) -> dict:
    """Read one bank's camt.054 files (XSD-validated) and reconcile them after its pain.002."""
    paths, expected = args
    t0 = time.perf_counter()
    records = [r for path in paths for r in read_camt054(path, FUND.account_no).records]
    result = reconcile(expected, records)
    return {"records": len(records), "updates": len(result.updates), "confirmed": result.confirmed,
            "discrepancies": len(result.discrepancies), "seconds": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--payments", type=int, default=500_000)
    ap.add_argument("--banks", type=int, default=16)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=2021)
    ap.add_argument("--keep", action="store_true", help="keep the files under var/bench/payments")
    ap.add_argument("--no-record", action="store_true", help="print only; do not append to bench/RESULTS.md")
    a = ap.parse_args()
    folder = CACHE / "payments"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "bank").mkdir(parents=True)
    xsd.schema(V09)  # fail fast, with the clear message, if the XSDs are missing
    cases = [rows(b, a.banks, a.payments) for b in range(a.banks)]
    load = os.getloadavg()[0]

    with ProcessPoolExecutor(a.workers) as pool:
        list(pool.map(warm_up, range(a.workers)))  # start the workers and load the XSD before the clock
        t0 = time.perf_counter()
        written = list(pool.map(write_batch, [(b, raw, str(folder)) for b, raw in enumerate(cases)]))
        t_files = time.perf_counter() - t0
        t0 = time.perf_counter()
        answers = list(pool.map(simulate, [(w["path"], str(folder / "bank"), a.seed) for w in written]))
        t_sim = time.perf_counter() - t0
        expected = [expected_of(raw) for raw in cases]
        t0 = time.perf_counter()
        status = list(pool.map(ingest_status, [(ans[0], exp) for ans, exp in zip(answers, expected, strict=True)]))
        t_status = time.perf_counter() - t0
        t0 = time.perf_counter()
        notes = list(pool.map(ingest_notifications, [([p for p in ans[1:] if p], st.pop("now"))
                                                     for ans, st in zip(answers, status, strict=True)]))
        t_notes = time.perf_counter() - t0

    n = sum(w["count"] for w in written)
    total = sum((w["sum"] for w in written), Decimal("0.00"))
    size = sum(Path(w["path"]).stat().st_size for w in written)
    work = {k: sum(w[k] for w in written) for k in ("build", "render", "validate", "write")}
    got = {k: sum(r[k] for r in status) for k in status[0]}
    camt = {k: sum(r[k] for r in notes) for k in notes[0]}
    assert n == a.payments == got["records"] == got["updates"], (n, got)
    assert got["discrepancies"] == camt["discrepancies"] == 0, (got, camt)
    lines = [
        f"{n:,} payments, {a.banks} banks, {a.workers} worker processes, load average {load:.1f} at start; "
        f"control sum {total} CNY; pain.001.001.09 files {size / 2**20:.0f} MiB",
        f"batches + XSD-valid pain.001 files: {t_files:.1f} s wall (target ≤ 30 s); worker time: build and check "
        f"instructions {work['build']:.1f} s, render {work['render']:.1f} s, XSD {work['validate']:.1f} s, "
        f"atomic write {work['write']:.1f} s",
        f"bank simulator (read + validate pain.001, write pain.002 and camt.054, all XSD-checked): {t_sim:.1f} s",
        f"ingest pain.002 status reports (validate + parse + reconcile): {t_status:.1f} s wall (target ≤ 30 s), "
        f"{got['seconds']:.1f} s of worker time; {got['updates']:,} status updates, 0 discrepancies",
        f"ingest camt.054 notifications (validate + parse + reconcile): {t_notes:.1f} s wall, "
        f"{camt['seconds']:.1f} s of worker time; {camt['records']:,} entries: {camt['confirmed']:,} debits "
        f"confirming payment, {camt['updates']:,} late returns, 0 discrepancies",
        f"peak RSS: main {peak_rss_mb():.0f} MB, largest worker {peak_rss_mb(children=True):.0f} MB",
    ]
    if a.no_record:
        print("\n".join(lines))
    else:
        record(f"Payment files (bench_payment_files.py, {n:,} payments)", lines)
    if not a.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
