"""The relief packs as data: the 49号 extension is a dated value (the day before reads 11号's months), Beijing invents
nothing beyond the national pack, and a month that is not a month is refused by name."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.rules.parameters import load_pack
from wengang.rules.relief import Months, months
from wengang.rules.resolved import Resolved


def test_the_extension_applies_from_the_day_of_49hao_and_not_the_day_before():
    pack = load_pack("cn-relief-2020")
    assert months(Resolved(pack, dt.date(2020, 6, 21))) == Months(
        exempt=("2020-02", "2020-06"), halve=("2020-02", "2020-04"), defer_first="2020-02", defer_months=6,
        defer_last=None, half_fen_up=True)
    assert months(Resolved(pack, dt.date(2020, 6, 22))) == Months(
        exempt=("2020-02", "2020-12"), halve=("2020-02", "2020-06"), defer_first="2020-02", defer_months=6,
        defer_last="2020-12", half_fen_up=True)


def test_beijing_reads_every_national_value_and_cites_the_seed():
    national, beijing = load_pack("cn-relief-2020"), load_pack("beijing-relief-2020")
    assert beijing.programme == national.programme == "contribution-relief"
    assert beijing.parameters == national.parameters
    assert any("003_158d3eb91fd2e3bf" in r for r in beijing.references)
    for day in (dt.date(2020, 3, 1), dt.date(2020, 12, 31)):
        assert months(Resolved(beijing, day)) == months(Resolved(national, day))


def test_a_month_that_is_not_a_month_is_refused_with_its_parameter(tmp_path, monkeypatch):
    (tmp_path / "bad-relief").mkdir()
    (tmp_path / "bad-relief" / "pack.yaml").write_text(
        "id: bad-relief\ninherits: cn-relief-2020\nbase_year: 2019\nparameters:\n  exempt_last_month:\n"
        "    values:\n      2020-06-22: {value: \"2020-13\", reference: 测试}\n", encoding="utf-8")
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(tmp_path))
    load_pack.cache_clear()
    try:
        with pytest.raises(ValueError, match="exempt_last_month must be a month YYYY-MM, is '2020-13'"):
            months(Resolved(load_pack("bad-relief"), dt.date(2020, 7, 1)))
    finally:
        load_pack.cache_clear()
