"""Policy simulation on a generated city: a raise and a cut checked fen by fen against the stored decisions, the
budget caps, a regional change, refusals that store nothing, and aggregates kept apart from the runs."""

from __future__ import annotations

import json
import re

import pytest

from tests.simcity import UNITS, make_sim_city, query, stored_decisions
from wengang import bootstrap
from wengang.domain.errors import DomainError
from wengang.domain.simulation import Cap, Simulated
from wengang.services.simulation import parse_cap, parse_change, simulate

SMES = ("medium", "small", "micro")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return make_sim_city(tmp_path_factory.mktemp("simcity"))


@pytest.fixture(scope="module")
def stored(city):
    return stored_decisions(city)


def run(city, *sets: str, region: str = "", cap: Cap | None = None) -> Simulated:
    """Simulate on the city's run as the CLI would, parsing each --set."""
    return simulate(city.run_id, [parse_change(s, region) for s in sets], cap,
                    analytics=bootstrap.analytics(city.settings))


@pytest.fixture(scope="module")
def raised(city):
    return run(city, "ratio_sme=90%")


@pytest.fixture(scope="module")
def cut(city):
    return run(city, "layoff_limit=2%")


def half_up(numerator: int, denominator: int) -> int:
    """Round half up in integers, written here independently of the rules."""
    return (numerator * 2 + denominator) // (denominator * 2)


def paid(row: dict) -> int:
    """What a stored decision pays: its amount when eligible, else nothing."""
    return row["amount_fen"] if row["decision"] == "eligible" else 0


def after(sim: Simulated, stored: dict) -> dict[str, int]:
    """Every unit's amount after the simulation: the moved units' from the simulation, the others' as stored."""
    amounts = {u: paid(r) for u, r in stored.items()}
    amounts.update({r["uscc"]: r["fen_after"] for r in sim.moved.to_pylist()})
    return amounts


def test_a_raise_for_smes_pays_each_eligible_sme_its_base_at_90_percent(raised, stored):
    smes = {u: r for u, r in stored.items() if r["decision"] == "eligible" and r["size_class"] in SMES}
    assert len(smes) > 100
    moved = {r["uscc"]: r for r in raised.moved.to_pylist()}
    for uscc, row in smes.items():
        assert row["amount_fen"] == half_up(row["base_fen"] * 60, 100)          # the stored run: 60%
        new = half_up(row["base_fen"] * 90, 100)
        if new == row["amount_fen"]:                                           # a base of 0 fen stays 0
            assert uscc not in moved
            continue
        assert moved[uscc]["movement"] == "gaining" and moved[uscc]["fen_after"] == new
        assert moved[uscc]["difference"] == new - row["amount_fen"]
        assert abs(moved[uscc]["difference"] * 100 - row["base_fen"] * 30) <= 100    # base × 30%, to the fen
    assert set(moved) <= set(smes)                                              # nobody else moved
    amounts = after(raised, stored)
    assert raised.totals.fen_after == raised.totals.fen_changed == sum(amounts.values())
    assert raised.totals.fen_before == sum(paid(r) for r in stored.values())
    assert [m.units for m in raised.movements if m.kind != "gaining"] == [0, 0, 0]


def test_a_lower_layoff_limit_drops_exactly_the_units_above_it(cut, stored):
    dropped = {r["uscc"] for r in cut.moved.to_pylist() if r["movement"] == "dropped"}
    assert dropped and {r["movement"] for r in cut.moved.to_pylist()} == {"dropped"}
    checked = {u: r for u, r in stored.items() if r["decision"] == "eligible" and not r["small_unit"]}
    for uscc in dropped:                                       # 2% is 20,000 millionths (six decimals, rounded)
        assert stored[uscc]["layoff_rate_micro"] >= 20_000 and not stored[uscc]["small_unit"]
    assert {u for u, r in checked.items() if r["layoff_rate_micro"] > 20_000} <= dropped
    lost = sum(paid(stored[u]) for u in dropped)
    assert cut.totals.fen_before - cut.totals.fen_after == lost
    assert cut.totals.units_before - cut.totals.units_after == len(dropped)
    assert next(m for m in cut.movements if m.kind == "dropped").fen_before == lost


@pytest.mark.parametrize("which", ["raised", "cut"])
def test_each_breakdown_sums_to_the_total_and_matches_the_stored_run(which, request, stored):
    sim: Simulated = request.getfixturevalue(which)
    t = sim.totals
    for grouping, rows in sim.groups.items():
        sums = [sum(getattr(g, f) for g in rows) for f in ("units_before", "units_after", "fen_before", "fen_after")]
        assert sums == [t.units_before, t.units_after, t.fen_before, t.fen_after], grouping
    by_region: dict[str, int] = {}
    for r in stored.values():
        by_region[r["region"]] = by_region.get(r["region"], 0) + paid(r)
    assert {g.key: g.fen_before for g in sim.groups["district"] if g.fen_before} == {
        k: v for k, v in by_region.items() if v}
    assert sum(b.units_before for b in sim.bands) == t.units_before and sum(b.units_after for b in sim.bands) == t.units_after
    smes = [r for r in stored.values() if r["size_class"] in SMES]
    assert (sim.coverage_before.smes, sim.coverage_before.eligible_smes, sim.units) == (
        len(smes), sum(r["decision"] == "eligible" for r in smes), UNITS)


def test_a_proportional_cap_fits_the_budget_to_the_fen(city, raised, stored):
    cap = raised.totals.fen_changed * 8 // 10 + 7
    capped = run(city, "ratio_sme=90%", cap=Cap("proportional", cap))
    assert capped.totals.fen_changed == raised.totals.fen_changed
    assert capped.totals.fen_after == cap                     # ≤ the cap, and within one fen a unit of it
    changed, amounts = after(raised, stored), after(capped, stored)
    total = raised.totals.fen_changed
    for uscc, fen in changed.items():                         # each unit: its exact share, rounded down or up a fen
        assert fen * cap // total <= amounts[uscc] <= fen * cap // total + 1
    assert sum(amounts.values()) == cap
    roomy = run(city, cap=Cap("proportional", raised.totals.fen_before + 100))
    assert roomy.totals.fen_after == roomy.totals.fen_before and not roomy.moved.num_rows


def test_a_ceiling_caps_each_unit_and_only_those_above_it(city, stored):
    ceiling = 200_000                                         # 2,000.00 yuan
    capped = run(city, cap=parse_cap("2000", "ceiling"))
    amounts = after(capped, stored)
    assert all(amounts[u] == min(paid(r), ceiling) for u, r in stored.items())
    above = {u for u, r in stored.items() if paid(r) > ceiling}
    assert above and {r["uscc"] for r in capped.moved.to_pylist()} == above
    assert {r["movement"] for r in capped.moved.to_pylist()} == {"losing"}


def test_a_regional_change_moves_only_that_district(city, stored):
    district = max({r["region"] for r in stored.values()},
                   key=lambda d: sum(r["region"] == d and r["decision"] == "eligible" for r in stored.values()))
    sim = run(city, "ratio_sme=90%", region=district)
    moved = sim.moved.to_pylist()
    assert moved and {r["district"] for r in moved} == {district}
    assert [g.fen_after - g.fen_before > 0 for g in sim.groups["district"] if g.key == district] == [True]
    assert all(g.fen_after == g.fen_before for g in sim.groups["district"] if g.key != district)


BAD = [
    (["ratio_sme=abc"], "", None, "ratio_sme", "'abc'"),
    (["ratio_sme=190%"], "", None, "ratio_sme", "'190%'"),
    (["ratio_smee=90%"], "", None, "ratio_smee", "ratio_sme"),
    (["min_paid_months=12.5"], "", None, "min_paid_months", "'12.5'"),
    (["exclude_flags=zombie,ghost"], "", None, "exclude_flags", "'ghost'"),
    (["ratio_sme=90%"], "1101x", None, "1101x", "region"),
    (["ratio_sme=90%"], "99", None, "'99'", "division-code prefix"),
    (["ratio_sme=90%", "ratio_sme=80%"], "", None, "ratio_sme", "twice"),
    (["min_paid_months=6"], "11", None, "min_paid_months", "not by region 11"),
    (["ratio_sme"], "", None, "'ratio_sme'", "KEY=VALUE"),
    ([], "", None, "--set", "nothing to simulate"),
    ([], "", ("abc", None), "'abc'", "cap"),
    ([], "", ("-5", None), "'-5'", "cap"),
    ([], "", ("1.234", None), "'1.234'", "two decimals"),
    ([], "", ("100", "half"), "'half'", "cap mode"),
]


@pytest.mark.parametrize(("sets", "region", "cap", "named", "says"), BAD)
def test_bad_input_is_refused_in_words_and_stores_nothing(city, sets, region, cap, named, says):
    before = _counts(city)
    with pytest.raises(DomainError) as refused:
        run(city, *sets, region=region, cap=parse_cap(*cap) if cap else None)
    text = str(refused.value)
    assert re.match(r"[\u4e00-\u9fff]", text) and " / " in text and named in text and says in text, text
    assert _counts(city) == before


def test_an_unknown_run_is_refused(city):
    with pytest.raises(DomainError, match="no stored run 'r-none'"):
        simulate("r-none", [parse_change("ratio_sme=90%")], analytics=bootstrap.analytics(city.settings))


def test_a_simulation_keeps_aggregates_only_and_is_never_a_run(city, raised, cut, stored):
    runs, decisions = query(city.settings, "SELECT count(*) FROM decision_runs")[0][0], query(
        city.settings, "SELECT count(DISTINCT run_id), count(*) FROM decisions")[0]
    assert (runs, decisions) == (1, (1, UNITS))
    analytics = bootstrap.analytics(city.settings)
    assert analytics.run(raised.id) is None and analytics.run(city.run_id) is not None
    unit = next(iter(stored))
    assert analytics.decided(unit).row["run_id"] == city.run_id          # the newest run is still the real one
    kept = dict(query(city.settings, "SELECT id, figures FROM simulations WHERE id IN (?, ?)", [raised.id, cut.id]))
    assert set(kept) == {raised.id, cut.id}
    assert not any(u in text for text in kept.values() for u in stored)    # no unit's credit code, no unit row
    figures = json.loads(kept[raised.id])
    assert figures["totals"]["fen_after"] == raised.totals.fen_after and set(figures["groups"]) == set(raised.groups)
    row = query(city.settings, "SELECT run_id, changes, fen_before, fen_after FROM simulations WHERE id = ?", [cut.id])
    assert row == [(city.run_id, '[{"key": "layoff_limit", "value": "2%", "region": ""}]', cut.totals.fen_before,
                    cut.totals.fen_after)]


def _counts(city) -> tuple:
    """Runs, decisions and simulations stored (the last 0 before the first simulation creates its table)."""
    has = query(city.settings, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'simulations'")[0][0]
    sims = query(city.settings, "SELECT count(*) FROM simulations")[0][0] if has else 0
    return query(city.settings, "SELECT count(*) FROM decision_runs")[0][0], query(
        city.settings, "SELECT count(*) FROM decisions")[0][0], sims
