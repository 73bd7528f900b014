"""The joint review's departments as pack data (issue 17.3): the shipped Hongkou pack names the five departments and
leaves their industries to the region; a child sets them; a stray key, a department without names or a reference,
an industry in two departments, or a listed industry no department confirms is refused in words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from wengang.rules.parameters import PackError, load_pack

PACKS = Path(__file__).resolve().parents[1] / "packs"


def test_the_shipped_pack_names_five_departments_and_invents_no_industry():
    pack = load_pack("hongkou-difficult-industry-2022")
    assert [d.id for d in pack.departments] == ["commerce", "culture_tourism", "sports", "investment_shipping",
                                                "cultural_innovation"]
    assert all(d.industries is None and d.name and d.name_en and d.reference for d in pack.departments)


def test_a_child_pack_sets_the_industries_and_keeps_the_names(monkeypatch):
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(PACKS))
    pack = load_pack("hongkou-test-2022")
    commerce = pack.department_of("retail")
    assert commerce is not None and (commerce.id, commerce.name, commerce.industries) == (
        "commerce", "区商务委员会", ("catering", "retail"))
    assert pack.department_of("accommodation").id == "culture_tourism"
    assert pack.department_of("software_it") is None and pack.department_of(None) is None


def child(tmp_path: Path, monkeypatch, name: str, departments: str, industries: str = "[catering, retail]") -> str:
    """A child of the shipped pack with these departments (YAML), on its own policy path."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "pack.yaml").write_text(f"""id: {name}
inherits: hongkou-difficult-industry-2022
parameters:
  industries:
    values:
      2022-01-01: {{value: {industries}, reference: 测试}}
  per_head:
    values:
      2022-01-01: {{value: "600.00", reference: 测试}}
  headcount_month:
    values:
      2022-01-01: {{value: "2022-03", reference: 测试}}
departments:
{departments}""", encoding="utf-8")
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(tmp_path))
    return name


def test_a_stray_key_is_refused_in_words(tmp_path, monkeypatch):
    name = child(tmp_path, monkeypatch, "hk-stray", """  commerce:
    industries: {value: [catering], reference: 测试}
    industrys: [retail]
""")
    with pytest.raises(PackError, match=r"commerce: 多余的键 / unexpected \['industrys'\]"):
        load_pack(name)


def test_an_industry_in_two_departments_is_refused_in_words(tmp_path, monkeypatch):
    name = child(tmp_path, monkeypatch, "hk-twice", """  commerce:
    industries: {value: [catering, retail], reference: 测试}
  sports:
    industries: {value: [retail], reference: 测试}
""")
    with pytest.raises(PackError, match="行业 retail 同时属于部门 commerce 和 sports"):
        load_pack(name)


def test_industries_without_a_reference_or_a_new_department_without_names_are_refused(tmp_path, monkeypatch):
    name = child(tmp_path, monkeypatch, "hk-noref", """  commerce:
    industries: {value: [catering]}
""")
    with pytest.raises(PackError, match="needs {value, reference}"):
        load_pack(name)
    name = child(tmp_path, monkeypatch, "hk-noname", """  harbour:
    industries: {value: [catering], reference: 测试}
""")
    with pytest.raises(PackError, match="needs name and name_en"):
        load_pack(name)


def test_a_listed_industry_no_department_confirms_refuses_the_run(tmp_path, monkeypatch):
    from wengang.rules.criteria import BY_ID
    from wengang.rules.resolved import Resolved

    name = child(tmp_path, monkeypatch, "hk-uncovered", """  commerce:
    industries: {value: [catering], reference: 测试}
""")
    resolved = Resolved(load_pack(name), dt.date(2022, 6, 15))
    with pytest.raises(PackError, match="行业 retail 没有负责确认的行业主管部门"):
        BY_ID["department_confirmation"].test(None, resolved)
