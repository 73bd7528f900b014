"""Issue 17, programmes as data: the difficult-enterprise return evaluates from the CLI with its own criteria and
formula (`programme` in decisions.csv, its lines in `wengang explain`), and a cycle opened on its pack carries the
programme beside a general-return cycle of the same snapshot, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import imported_world, steady_contributions, uscc, write_snapshot
from tests.conftest import ACCOUNT
from tests.e2e.test_cli import run
from wengang.services import cycles, evaluation

PACKS = Path(__file__).resolve().parents[1] / "packs"
AS_OF = dt.date(2019, 7, 1)
CERTIFIED, PLAIN, HOME = uscc(1), uscc(2), uscc(3)   # certified in Xi'an; not certified; certified, region unset


def city(folder: Path) -> Path:
    employers = [{"uscc": CERTIFIED, "name": "困难甲公司", "industry": "other", "employees": "20", "region": "610104",
                  **ACCOUNT},
                 {"uscc": PLAIN, "name": "正常乙公司", "industry": "other", "employees": "20", "region": "610104",
                  **ACCOUNT},
                 {"uscc": HOME, "name": "困难丙公司", "industry": "other", "employees": "20", "region": "110105",
                  **ACCOUNT}]
    contributions = [row for u in (CERTIFIED, PLAIN, HOME)
                     for row in steady_contributions(u, insured=20, first="2017-12", last="2019-06")]
    flags = [{"uscc": u, "source": "hrss", "flag": "difficulty_certified", "listed_on": "2019-01-01", "removed_on": ""}
             for u in (CERTIFIED, HOME)]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags, separations=[])


@pytest.fixture
def packs(monkeypatch):
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(PACKS))


def test_the_cli_evaluates_and_explains_the_difficult_enterprise_return(tmp_path, packs):
    snapshot, out = city(tmp_path / "city"), tmp_path / "decisions.csv"
    done = run(["evaluate", str(snapshot), "--policy", "xian-difficult-2019", "--as-of", "2019-07-01", "--out",
                str(out)], tmp_path / "var")
    assert done.returncode == 0, done.stderr
    rows = {r["uscc"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows[CERTIFIED] == {"uscc": CERTIFIED, "decision": "eligible", "amount": "183600.00",   # 6×1530×20
                                    "size_class": "small", "layoff_rate": "0.000000", "reasons": "",
                                    "programme": "difficult-return"}
    assert (rows[PLAIN]["decision"], rows[PLAIN]["reasons"]) == ("ineligible", "not_certified_difficult")
    assert (rows[HOME]["decision"], rows[HOME]["amount"], rows[HOME]["reasons"]) == (
        "review", "0.00", "region_values_missing")
    why = run(["explain", CERTIFIED], tmp_path / "var")
    assert why.returncode == 0, why.stderr
    assert "评估日经认定为困难企业" in why.stdout and "本地区失业保险基金储备可支付24个月以上" in why.stdout
    assert "6 个月 months × 月人均失业保险金 monthly benefit 1530.00 元 × 上月末参保 insured 20" in why.stdout
    assert "企业规模与返还比例" not in why.stdout and "规模可定" not in why.stdout     # not this programme's


def test_the_shipped_pack_invents_no_regional_value(tmp_path):
    snapshot, out = city(tmp_path / "city"), tmp_path / "decisions.csv"
    done = run(["evaluate", str(snapshot), "--policy", "cn-difficult-2019", "--as-of", "2019-07-01", "--out",
                str(out)], tmp_path / "var")
    assert done.returncode == 0, done.stderr
    rows = {r["uscc"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (rows[CERTIFIED]["decision"], rows[CERTIFIED]["amount"]) == ("review", "0.00")
    assert rows[CERTIFIED]["reasons"] == "region_values_missing"


def test_a_cycle_carries_its_pack_s_programme_beside_a_general_one(tmp_path, packs, db_url):
    with imported_world(tmp_path, city(tmp_path / "city"), db_url) as (store, analytics, settings, snapshot):
        difficult = cycles.open_cycle("xian-difficult-2019", AS_OF, store=store, analytics=analytics,
                                      settings=settings, snapshot=snapshot, by="clerk").cycle
        run_ = evaluation.evaluate(snapshot, "cn-2019", AS_OF, analytics=analytics, settings=settings)
        general = cycles.open_from_decided(run_.decided, store=store, pack_id="cn-2019", as_of=AS_OF,
                                           snapshot_id=snapshot, run_id=run_.summary.id, by="clerk").cycle
        assert (difficult.program, general.program) == ("difficult-return", "ui-return")
        with store.reading() as uow:
            mine = {c.uscc: c for c in uow.cases.of_cycle(difficult.id)}
        assert mine[CERTIFIED].amount == Decimal("183600.00") and mine[CERTIFIED].state == "identified"
        assert mine[PLAIN].state == "rejected" and mine[HOME].state == "review"


def test_a_pack_whose_region_has_not_supplied_its_values_refuses_to_run_and_says_which(tmp_path):
    snapshot, out = city(tmp_path / "city"), tmp_path / "decisions.csv"
    done = run(["evaluate", str(snapshot), "--policy", "hongkou-difficult-industry-2022", "--as-of", "2022-06-15",
                "--out", str(out)], tmp_path / "var")
    assert done.returncode != 0 and not out.exists()
    said = done.stdout + done.stderr
    assert all(name in said for name in ("industries", "per_head", "headcount_month")), said
    assert "Traceback" not in said and "no value is invented" in said.replace("\n", " ")


def test_contribution_relief_opens_no_payment_cycle_and_says_why(tmp_path, db_url):
    from wengang.domain.errors import Refused

    with imported_world(tmp_path, city(tmp_path / "city"), db_url) as (store, analytics, settings, snapshot):
        with pytest.raises(Refused, match="不发放资金"):
            cycles.open_cycle("cn-relief-2020", dt.date(2020, 12, 31), store=store, analytics=analytics,
                              settings=settings, snapshot=snapshot, by="clerk")
        with store.reading() as uow:
            assert uow.cycles.all() == []                                     # nothing opened
