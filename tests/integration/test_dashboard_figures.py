"""The dashboard's figures (issue 19.2) equal a hand-written SQL count over the same tables on SQLite and PostgreSQL,
and each drill-down link leads to a case list of exactly as many cases as the figure says (there and on the fake)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import create_engine, text

from tests.builders import uscc
from tests.conftest import each_store
from wengang.domain.cases import LISTED, State
from wengang.domain.figures import BREAKDOWNS
from wengang.domain.ports import NewCase
from wengang.services import dashboard, figures, public_statistics, queues, reconcile, review
from wengang.web.figure_words import drill
from wengang.web.routes.staff import QUEUES, asked

OPENED = dt.datetime(2021, 10, 8, 1, 0)          # naive UTC: 09:00 in Beijing
LATER = dt.datetime(2022, 3, 1, 1, 0)
DISTRICTS = ("91110105", "91440305", "91999999")   # Chaoyang, Nanshan, a code no data set names
SIZES = ("micro", "small", "medium", "large", None)
INDUSTRIES = ("retail", "catering", None)
TYPES = ("enterprise", "social_group", "individual_business", None)
STATES = (State.PAID, State.PAID, State.CLOSED, State.PUBLICITY, State.REJECTED, State.FAILED, State.REVIEW,
          State.REVERIFIED, State.PAID)
REASONS = ("AC04", "AC04", "AM05", None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def store(request, tmp_path):
    yield from each_store(request, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """The two real databases only: what a hand-written SQL count reads."""
    yield from each_store(request, tmp_path)


def city(store) -> dict[str, int]:
    """Three cycles: two programmes opened in 2021, one in 2022; 90, 45 and 20 cases across three districts, five
    sizes, three industries, four unit types, nine states, headcounts (every seventh unknown) and payments:
    each paid case settled 3..40 days after opening (Beijing days), failed ones rejected with a bank's reason."""
    ids = {}
    with store.transaction() as uow:
        for name, program, pack, opened in (("a", "ui-return", "beijing-2021", OPENED),
                                            ("b", "job-expansion", "cn-2021", OPENED + dt.timedelta(days=3)),
                                            ("c", "ui-return", "cn-2022", LATER)):
            ids[name] = uow.cycles.add(program=program, pack=pack, as_of=opened.date(), snapshot_id="s",
                                       run_id="r", rounds_required=1, opened_by="clerk", opened_at=opened).id
        rows = []
        for name, count, base in (("a", 90, 0), ("b", 45, 1000), ("c", 20, 2000)):
            for n in range(count):
                state = STATES[n % len(STATES)]
                rows.append(NewCase(
                    "job-expansion" if name == "b" else "ui-return", ids[name], uscc(base + n, DISTRICTS[n % 3]),
                    f"单位{base + n}", "eligible", Decimal(100 + n) + Decimal("0.25"), None, "", "r", False, True,
                    False, False, False, state.value, "", None, 1, SIZES[n % 5], None if n % 7 == 0 else 3 + n,
                    INDUSTRIES[n % 3 if n % 11 else 2], TYPES[n % 4]))
        case_ids = uow.cases.insert_many(rows)
        batch = uow.payment_batches.add(cycle_id=ids["a"], number="C1-B102-1", bank_code="102",
                                        file_format="pain.001.001.09", entries=1, total=Decimal("1.00"),
                                        status="sent", approvals_needed=1, prepared_by="clerk", prepared_at=OPENED,
                                        approved_by="approver", approved_at=OPENED, sent_at=OPENED,
                                        execution_date=None).id
        attempts = []
        for i, (case_id, row) in enumerate(zip(case_ids, rows, strict=True)):
            opened = LATER if row.cycle_id == ids["c"] else OPENED
            settled = opened + dt.timedelta(days=3 + i % 38, hours=17 if i % 2 else 0)   # 18:00 UTC: the next day
            if row.state in ("paid", "closed"):
                if i % 4 == 0:                          # paid once, returned, paid again: the last payment counts
                    attempts.append(_attempt(case_id, 1, batch, row, "returned", "AC04", opened, settled))
                    settled += dt.timedelta(days=5)
                attempts.append(_attempt(case_id, 1 + (i % 4 == 0), batch, row, "paid", None, opened, settled))
            elif row.state == "failed":
                attempts.append(_attempt(case_id, 1, batch, row, "rejected", REASONS[i % 4], opened, settled))
        uow.payments.add_attempts(attempts)
        uow.commit()
    return ids


def recovered_and_closed(store, cycle_id: int) -> list[int]:
    """The cycle's failed cases recovered to the fund after the deadline (no account corrected), then closed (办结):
    their money never stayed with the unit."""
    deadline = dt.date(2022, 1, 10)
    done = reconcile.recover(cycle_id, store=store, deadline=deadline, today=deadline + dt.timedelta(days=1),
                             by="clerk")
    for r in done:
        review.close(r.case_id, store=store, reason="已收回 / recovered", by="clerk")
    return [r.case_id for r in done]


def _attempt(case_id, number, batch, row, status, reason, created, settled):
    return (case_id, number, batch, f"E{case_id}-{number}", row.uscc, row.name, row.amount, "102", "6222020200001234",
            row.name, status, reason, created, settled if status != "pending" else None)


def hand(store_url: str, sql: str, **params) -> list[tuple]:
    """A hand-written query's rows, straight from the database."""
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def yuan(value, sqlite: bool) -> Decimal:
    """A money sum as stored: integer fen on SQLite, exact decimal on PostgreSQL."""
    return Decimal(value or 0).scaleb(-2) if sqlite else Decimal(value or 0).quantize(Decimal("0.01"))


EXPR = {"district": "substr(uscc, 3, 6)", "size": "size_class", "industry": "industry", "unit_type": "unit_type",
        "program": "program"}
LISTED_SQL = ", ".join(f"'{s.value}'" for s in LISTED)
# Paid: the money reached the unit and stayed there (a closed case whose money was recovered never was).
KEPT = "state IN ('paid', 'closed') AND NOT EXISTS (SELECT 1 FROM recoveries r WHERE r.case_id = cases.id)"


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_each_breakdown_equals_a_hand_written_sql_count(database, by):
    store = database
    ids = city(store)
    assert recovered_and_closed(store, ids["a"])
    url, sqlite = str(store.engine.url.render_as_string(hide_password=False)), store.engine.dialect.name == "sqlite"
    for scope, cycle_ids in (({"cycle_id": ids["a"]}, [ids["a"]]), ({"year": 2021}, [ids["a"], ids["b"]])):
        b = figures.board(store=store, by=by, **scope)
        assert sorted(c.id for c in b.cycles) == sorted(cycle_ids)
        rows = hand(url, f"""
            SELECT {EXPR[by]}, count(*), sum(CASE WHEN state IN ({LISTED_SQL}) THEN 1 ELSE 0 END),
                   sum(CASE WHEN state IN ({LISTED_SQL}) THEN amount ELSE 0 END),
                   sum(CASE WHEN {KEPT} THEN 1 ELSE 0 END),
                   sum(CASE WHEN {KEPT} THEN amount ELSE 0 END),
                   sum(CASE WHEN {KEPT} THEN insured ELSE 0 END),
                   sum(CASE WHEN {KEPT} AND insured IS NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN size_class IN ('small', 'medium', 'micro') THEN 1 ELSE 0 END),
                   sum(CASE WHEN {KEPT} AND size_class IN ('small', 'medium', 'micro') THEN 1 ELSE 0 END)
            FROM cases WHERE cycle_id IN ({", ".join(map(str, cycle_ids))}) GROUP BY {EXPR[by]}""")
        expected = {k: (n, listed, yuan(la, sqlite), paid, yuan(pa, sqlite), int(ins or 0), unk, sme, sme_paid)
                    for k, n, listed, la, paid, pa, ins, unk, sme, sme_paid in rows}
        got = {r.key: (r.cases, r.listed, r.listed_amount, r.paid, r.paid_amount, r.insured, r.insured_unknown,
                       r.sme, r.sme_paid) for r in b.rows}
        assert got == expected
        assert b.total.cases == sum(v[0] for v in expected.values()) and b.total.paid > 0
        assert b.total.insured == sum(v[5] for v in expected.values()) and b.total.insured_unknown > 0
        states = hand(url, f"SELECT state, count(*) FROM cases WHERE cycle_id IN ({', '.join(map(str, cycle_ids))}) "
                           "GROUP BY state")
        assert {s: n for s, n, _ in b.states} == dict(states)


def test_days_to_money_and_failures_equal_a_hand_written_sql_count(database):
    store = database
    ids = city(store)
    url = str(store.engine.url.render_as_string(hide_password=False))
    b = figures.board(store=store, cycle_id=ids["a"])
    last = hand(url, """SELECT c.id, max(a.settled_at), y.opened_at FROM cases c
                        JOIN payment_attempts a ON a.case_id = c.id AND a.status = 'paid'
                        JOIN cycles y ON y.id = c.cycle_id
                        WHERE c.cycle_id = :c AND c.state IN ('paid', 'closed') GROUP BY c.id, y.opened_at""",
                c=ids["a"])
    eight = dt.timedelta(hours=8)

    def at(v):
        return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v)
    days = sorted(((at(s) + eight).date() - (at(o) + eight).date()).days for _, s, o in last)
    assert b.days.paid == len(days) == b.total.paid
    assert b.days.median == (Decimal(days[(len(days) - 1) // 2] + days[len(days) // 2]) / 2).quantize(Decimal("0.1"))
    assert b.days.p90 == days[-(-len(days) * 9 // 10) - 1]
    assert [n for _, _, n in b.days.bins] == [sum(lo <= d < (hi or 10**6) for d in days) for lo, hi, _ in b.days.bins]
    failed = hand(url, """SELECT a.reason, count(*) FROM payment_attempts a JOIN cases c ON c.id = a.case_id
                          WHERE c.cycle_id = :c AND a.status IN ('rejected', 'returned') GROUP BY a.reason""",
                  c=ids["a"])
    assert {f.reason: f.payments for f in b.failures} == dict(failed) and len(failed) == 3


def listed_total(store, link: str) -> int:
    """How many cases the case list shows for a drill-down link (its query read as the page reads it)."""
    params = dict(parse_qsl(urlsplit(link).query))
    a = asked(**{k: (int(v) if k == "cycle" else v) for k, v in params.items()})
    return queues.page(a.query(QUEUES["cases"], a.cycle), store=store).total


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_every_drill_down_lists_as_many_cases_as_its_figure(store, by):
    ids = city(store)
    b = figures.board(store=store, cycle_id=ids["a"], by=by)
    one = ids["a"]
    assert listed_total(store, drill(one)) == b.total.cases == 90
    assert listed_total(store, drill(one, stage="listed")) == b.total.listed
    assert listed_total(store, drill(one, stage="paid")) == b.total.paid
    for r in b.rows:
        for stage, figure in (("cases", r.cases), ("listed", r.listed), ("paid", r.paid)):
            assert listed_total(store, drill(one, stage=stage, by=by, key=r.key)) == figure, (stage, r.key)
    for state, n, _ in b.states:
        assert listed_total(store, drill(one, state=state)) == n


def test_the_fake_counts_as_the_databases_do(tmp_path, request):
    """The in-memory Figures answer the same as SQLite for the same city (the fakes implement the port)."""
    seen = []
    for kind in ("sqlite", "fake"):
        request.param = kind
        (tmp_path / kind).mkdir()
        made = each_store(request, tmp_path / kind)
        store = next(made)
        ids = city(store)
        seen.append([(figures.board(store=store, cycle_id=ids["a"], by=by), by) for by in BREAKDOWNS])
        made.close()
    for (sql, _), (fake, by) in zip(*seen, strict=True):
        assert (sql.total, sorted(sql.rows, key=repr), sql.states, sql.days, sql.failures) == \
               (fake.total, sorted(fake.rows, key=repr), fake.states, fake.days, fake.failures), by


def test_a_year_counts_only_the_live_cycles_opened_in_it(store):
    ids = city(store)
    assert [c.id for c in figures.board(store=store, year=2022).cycles] == [ids["c"]]
    assert figures.board(store=store, year=2022).total.cases == 20
    assert figures.board(store=store, year=2020).total.cases == 0
    assert Counter(r.key for r in figures.board(store=store, year=2021, by="program").rows) == \
        Counter(["ui-return", "job-expansion"])


class NoRun:
    """An analytical store holding no run: the JSON dashboard shows the cases' figures alone."""

    def size_counts(self, run_id):
        return None


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_a_failed_case_recovered_then_closed_is_not_counted_paid(store, by):
    """Recovering a failed case's money and closing the case pays nobody: every paid figure stays as it was (the
    dashboard, the public statistics), while the case is counted among the closed ones."""
    ids = city(store)
    before = figures.board(store=store, year=2021, by=by)
    published = public_statistics.statistics(store=store, year=2021)
    board = dashboard.cycle_dashboard(ids["a"], store=store, analytics=NoRun())
    closed = recovered_and_closed(store, ids["a"])
    after = figures.board(store=store, year=2021, by=by)
    assert len(closed) == 10
    again = dashboard.cycle_dashboard(ids["a"], store=store, analytics=NoRun())
    assert (again.amount_paid, again.sme, [r.paid for r in again.by_size]) == (
        board.amount_paid, board.sme, [r.paid for r in board.by_size])
    assert again.amount_paid == figures.board(store=store, cycle_id=ids["a"]).total.paid_amount

    def paid(b):
        return [(r.key, r.paid, r.paid_amount, r.insured, r.insured_unknown, r.sme_paid, r.sme_coverage)
                for r in [b.total, *b.rows]]
    assert paid(after) == paid(before) and after.days == before.days
    assert {s: n for s, n, _ in after.states}["closed"] == {s: n for s, n, _ in before.states}["closed"] + 10
    assert public_statistics.statistics(store=store, year=2021) == published and published.total.units


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_the_paid_drill_down_lists_the_paid_figure_s_cases_when_some_closed_were_recovered(store, by):
    """The paid figure's link lists exactly its cases (a closed case recovered first is in neither), overall and for
    each key; its closed state's link still lists every closed case."""
    ids = city(store)
    closed = recovered_and_closed(store, ids["a"])
    b = figures.board(store=store, cycle_id=ids["a"], by=by)
    assert listed_total(store, drill(ids["a"], stage="paid")) == b.total.paid
    for r in b.rows:
        assert listed_total(store, drill(ids["a"], stage="paid", by=by, key=r.key)) == r.paid, r.key
    states = {s: n for s, n, _ in b.states}
    assert listed_total(store, drill(ids["a"], state="closed")) == states["closed"] and len(closed) == 10
    assert listed_total(store, drill(ids["a"], stage="paid")) == states["paid"] + states["closed"] - len(closed)
