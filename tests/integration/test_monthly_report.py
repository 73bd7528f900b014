"""The monthly statistics report (issue 19.3): its figures equal a hand-written SQL count of the payments settled in
the month (Beijing calendar) on SQLite and PostgreSQL, the xlsx holds them as numbers with a totals row, the PDF
prints, and `wengang report monthly` writes both."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.conftest import each_store
from tests.integration.test_dashboard_figures import city, hand, yuan
from wengang.domain.errors import Refused
from wengang.services import monthly_report


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def store(request, tmp_path):
    yield from each_store(request, tmp_path)


def test_a_month_runs_from_beijing_midnight_to_beijing_midnight():
    assert monthly_report.bounds("2021-11") == (dt.datetime(2021, 10, 31, 16), dt.datetime(2021, 11, 30, 16))
    assert monthly_report.bounds("2021-12")[1] == dt.datetime(2021, 12, 31, 16)          # into the next year
    for bad in ("2021-13", "2021-1", "21-11", "2021/11"):
        with pytest.raises(Refused):
            monthly_report.bounds(bad)


@pytest.mark.parametrize("month", ["2021-10", "2021-11", "2022-03", "2020-01"])
def test_the_month_equals_a_hand_written_sql_count(store, month):
    city(store)
    m = monthly_report.monthly(month, store=store)
    if not hasattr(store, "engine"):                  # the fake: the months together hold every paid payment
        assert m.total.units == sum(r.units for r in m.rows)
        return
    url, sqlite = store.engine.url.render_as_string(hide_password=False), store.engine.dialect.name == "sqlite"
    since, until = monthly_report.bounds(month)
    rows = hand(url, """SELECT c.program, count(*), sum(a.amount), sum(c.insured),
                               sum(CASE WHEN c.insured IS NULL THEN 1 ELSE 0 END),
                               sum(CASE WHEN c.size_class IN ('small', 'medium', 'micro') THEN 1 ELSE 0 END)
                        FROM payment_attempts a JOIN cases c ON c.id = a.case_id
                        WHERE a.status = 'paid' AND a.settled_at >= :since AND a.settled_at < :until
                        GROUP BY c.program""", since=since, until=until)
    assert {r.program: (r.units, r.amount, r.insured, r.insured_unknown, r.sme) for r in m.rows} == {
        p: (n, yuan(amount, sqlite), int(heads or 0), unknown, sme) for p, n, amount, heads, unknown, sme in rows}
    assert m.total.units == sum(r[1] for r in rows) and (m.total.units > 0) == (month != "2020-01")


def test_the_months_together_hold_every_paid_payment(store):
    city(store)
    months = [monthly_report.monthly(m, store=store) for m in ("2021-10", "2021-11", "2021-12", "2022-03", "2022-04")]
    with store.reading() as uow:
        paid = [a for a in uow.payments.attempts(batch_id=1) if a.status == "paid"]
    assert sum(m.total.units for m in months) == len(paid) > 0
    assert sum((m.total.amount for m in months), Decimal("0")) == sum((a.amount for a in paid), Decimal("0"))
    assert all(m.total.units for m in months[:2])            # the October and November settlements both counted


def test_the_xlsx_holds_numbers_and_a_total_and_the_pdf_prints(store):
    city(store)
    m = monthly_report.monthly("2021-11", store=store)
    ws = load_workbook(io.BytesIO(monthly_report.xlsx(m))).active
    rows = list(ws.iter_rows(values_only=True))
    body = [r for r in rows[2:] if r[0] and not str(r[0]).startswith("合计")]
    total = rows[-1]
    assert str(total[0]).startswith("合计") and total[1] == m.total.units == sum(r[1] for r in body)
    assert Decimal(str(total[2])) == m.total.amount and total[3] == m.total.insured
    assert {r[0] for r in body} == {monthly_report.programme_words(r.program) for r in m.rows}
    assert all(isinstance(r[1], int) and r[6] is not None and 0 <= r[6] <= 1 for r in body)   # a share, as a fraction
    assert ws["C3"].number_format == "#,##0.00" and ws["G3"].number_format == "0.00%"
    assert monthly_report.pdf(m).startswith(b"%PDF")


def test_the_command_writes_both_files(tmp_path, monkeypatch):
    from wengang import bootstrap
    from wengang.cli.main import app
    from wengang.config import Settings

    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    monkeypatch.setenv("WENGANG_DATABASE_URL", url)
    monkeypatch.setenv("WENGANG_DATA_DIR", str(tmp_path / "var"))
    store = bootstrap.open_store(Settings(data_dir=tmp_path / "var", database_url=url))
    city(store)
    expected = monthly_report.monthly("2021-11", store=store)
    store.close()
    done = CliRunner().invoke(app, ["report", "monthly", "--month", "2021-11", "--xlsx", str(tmp_path / "m.xlsx"),
                                    "--pdf", str(tmp_path / "m.pdf")])
    assert done.exit_code == 0, done.output
    assert f"{expected.total.amount:,.2f}" in done.output
    total = list(load_workbook(tmp_path / "m.xlsx").active.iter_rows(values_only=True))[-1]
    assert total[1] == expected.total.units and (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")
    refused = CliRunner().invoke(app, ["report", "monthly", "--month", "2021-13"])
    assert refused.exit_code != 0 and "YYYY-MM" in refused.output
    bootstrap.close_stores()
