"""Public statistics equal a hand-written SQL count of paid units, and withhold small cells on both sides of the
threshold, with a second cell wherever the total would give the first away (both databases)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import each_store
from tests.integration.test_dashboard_figures import city, hand, yuan
from wengang.domain.disclosure import Threshold
from wengang.services.public_statistics import statistics

PAID = "state IN ('paid', 'closed')"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    yield from each_store(request, tmp_path)


def by_district(database, ids) -> dict[str, tuple[int, Decimal, int]]:
    url = str(database.engine.url.render_as_string(hide_password=False))
    rows = hand(url, f"""SELECT substr(uscc, 3, 6), count(*), sum(amount), sum(coalesce(insured, 0)) FROM cases
                         WHERE {PAID} AND cycle_id IN ({ids['a']}, {ids['b']}) GROUP BY substr(uscc, 3, 6)""")
    sqlite = database.engine.dialect.name == "sqlite"
    return {k: (n, yuan(a, sqlite), int(i)) for k, n, a, i in rows}


def test_a_years_figures_equal_the_paid_units_counted_by_hand(database):
    ids = city(database)
    expected = by_district(database, ids)
    s = statistics(store=database, year=2021, threshold=Threshold(1, "test"))
    assert s.years == [2022, 2021] and s.year == 2021
    assert {r.key: (r.units, r.amount, r.insured) for r in s.by_district} == expected
    assert s.total.units == sum(v[0] for v in expected.values())
    assert s.total.amount == sum(v[1] for v in expected.values())
    assert sum(r.units or 0 for r in s.by_programme) == s.total.units and len(s.by_programme) == 2


def test_the_smallest_district_is_shown_at_its_size_and_withheld_one_below_with_the_next_smallest(database):
    ids = city(database)
    counts = sorted((n, k) for k, (n, _, _) in by_district(database, ids).items())
    smallest, second = counts[0], counts[1]
    at = statistics(store=database, year=2021, threshold=Threshold(smallest[0], "test"))
    assert not any(r.withheld for r in at.by_district)
    above = statistics(store=database, year=2021, threshold=Threshold(smallest[0] + 1, "test"))
    hidden = {r.key for r in above.by_district if r.withheld}
    if second[0] > smallest[0]:            # the next smallest is above the threshold: withheld only to protect
        assert hidden == {smallest[1], second[1]}
    else:                                  # two as small: each below the threshold, they protect each other
        assert hidden == {k for n, k in counts if n == smallest[0]} and len(hidden) >= 2
    assert all(r.amount is None and r.insured is None for r in above.by_district if r.withheld)
    assert above.total.units == at.total.units                          # the total stays published


def test_a_year_with_fewer_paid_units_than_the_threshold_publishes_nothing_about_them(database):
    city(database)
    s = statistics(store=database, year=2021, threshold=Threshold(10_000, "test"))
    assert s.total.withheld and all(r.withheld for r in s.by_district + s.by_programme)


def test_a_year_without_cycles_shows_nothing(database):
    city(database)
    s = statistics(store=database, year=2019)
    assert s.total.units == 0 and s.by_district == [] and s.years == [2022, 2021]
