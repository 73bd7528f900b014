"""The payment commands as staff run them: four eyes refused with a message, files, bank, reconcile, ledger."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.builders import uscc
from tests.e2e.test_cli import WENGANG
from tests.paycity import reverified_cycle
from tests.staff import staff_tokens
from wengang import bootstrap
from wengang.config import Settings

pytestmark = pytest.mark.slow


TOKENS: dict[str, str] = {}


def run(args: list[str], settings: Settings, as_: str | None = "clerk-wang") -> subprocess.CompletedProcess:
    """`wengang …` as the member of staff `as_` signed in (None: nobody)."""
    env = {**os.environ, "WENGANG_DATA_DIR": str(settings.data_dir), "WENGANG_DATABASE_URL": settings.database_url,
           "WENGANG_SESSION_FILE": str(settings.data_dir / "no-session"), "COLUMNS": "200"}
    env.pop("WENGANG_TOKEN", None)
    if as_ is not None:
        env["WENGANG_TOKEN"] = TOKENS[as_]
    return subprocess.run([WENGANG, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def cycle(pay_city, tmp_path) -> Settings:
    settings = Settings(data_dir=pay_city["data_dir"], database_url=f"sqlite:///{tmp_path / 'ops.sqlite'}")
    store = bootstrap.open_store(settings)
    reverified_cycle(store, settings, pay_city)
    TOKENS.update(staff_tokens(store, clerk_wang="clerk", approver_li="approver", admin_qian="admin"))
    store.close()
    return settings


def test_staff_pay_a_cycle_from_the_command_line(cycle, tmp_path: Path):
    anonymous = run(["batch", "prepare", "1"], cycle, as_=None)
    assert anonymous.returncode == 1 and "wengang login" in anonymous.stdout + anonymous.stderr
    assert run(["batch", "prepare", "1", "--by", "approver-li"], cycle).returncode == 2     # no name can be typed
    prepared = run(["batch", "prepare", "1"], cycle)
    assert prepared.returncode == 0 and "待审批 / waiting for approval" in prepared.stdout    # a status in words
    refused = run(["batch", "approve", "C1-B102-1"], cycle)                 # the clerk holds no approver role
    assert refused.returncode == 1 and "batch.approve" in refused.stdout + refused.stderr
    admin = run(["batch", "approve", "C1-B102-1"], cycle, as_="admin-qian")
    assert admin.returncode == 1 and "batch.approve" in admin.stdout + admin.stderr
    assert "Traceback" not in refused.stdout + refused.stderr + admin.stdout + admin.stderr
    assert run(["batch", "approve", "--cycle", "1"], cycle, as_="approver-li").returncode == 0
    files = run(["batch", "files", "--cycle", "1", "--out", str(tmp_path / "out")], cycle)
    assert files.returncode == 0 and files.stdout.count("payments") == 4
    bank = run(["bank", "simulate", *map(str, sorted((tmp_path / "out").iterdir())), "--out", str(tmp_path / "in"),
                "--reject-share", "0.2", "--state", str(tmp_path / "bank.json")], cycle)
    assert bank.returncode == 0, bank.stdout + bank.stderr
    answers = [str(p) for p in sorted((tmp_path / "in").iterdir())]
    assert run(["reconcile", *answers], cycle).returncode == 0
    again = run(["reconcile", *answers], cycle)
    assert again.stdout.count("already read") == len(answers)
    books = run(["ledger", "check"], cycle)
    assert books.returncode == 0 and "the ledger balances" in books.stdout
    xlsx = tmp_path / "report.xlsx"
    assert run(["batch", "report", "1", "--out", str(xlsx)], cycle).returncode == 0
    sheet = load_workbook(xlsx)["单位 units"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows.pop()[0].startswith("合计")                                       # a totals row under them
    assert len(rows) == 30 and all(r[5].startswith("*") and "6222020200" not in r[5] for r in rows)
    status = run(["cycle", "status", "1"], cycle).stdout
    assert "paid" in status and "failed" in status
    wrong = run(["account", "change", "1", uscc(1, "91110108"), "--bank-code", "12", "--account-no", "1",
                 "--account-name", "x"], cycle)
    assert wrong.returncode == 1 and "bank code" in wrong.stdout + wrong.stderr
    delivered = run(["notify", "deliver"], cycle)
    assert delivered.returncode == 0, delivered.stderr                  # every step told, then handed on
    told = int(re.search(r"([\d,]+) 条步骤消息已排队", delivered.stdout).group(1).replace(",", ""))
    assert told >= 30 and "已交付 / handed over" in delivered.stdout


def test_a_batch_whose_file_never_left_is_cancelled_from_the_command_line(cycle):
    assert run(["batch", "prepare", "1"], cycle).returncode == 0
    assert run(["batch", "approve", "C1-B313-1"], cycle, as_="approver-li").returncode == 0
    no_reason = run(["batch", "cancel", "C1-B313-1"], cycle)
    assert no_reason.returncode != 0 and "Traceback" not in no_reason.stdout + no_reason.stderr
    done = run(["batch", "cancel", "C1-B313-1", "--reason", "户名有误 / wrong names"], cycle)
    assert done.returncode == 0 and "cancelled: 6 payments back" in done.stdout
    again = run(["batch", "cancel", "C1-B313-1", "--reason", "again"], cycle)
    assert again.returncode == 1 and "only a batch whose file never left" in again.stdout + again.stderr
    books = run(["ledger", "check"], cycle)
    assert books.returncode == 0 and "the ledger balances" in books.stdout
